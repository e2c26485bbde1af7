"""Denoising networks. Images are (N, 3, H, W) float in [0, 1].

- :class:`ResidualDenoiser`: a small residual CNN (DnCNN-like, without batch norm)
  that predicts the noise of its input and subtracts it. Its last convolution starts
  at zero, so an untrained model returns its input unchanged. Output (N, 3, H, W),
  unclamped (the task clamps at inference only).

The discriminator is the shared PatchGAN of :mod:`gantools.nets.patchgan`.
This module imports torch: the task imports it lazily, inside its methods.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ResidualBlock(nn.Module):
    """conv3x3 - ReLU - conv3x3, added to the input."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(width, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(F.relu(self.conv1(x), inplace=True))


class ResidualDenoiser(nn.Module):
    """(N, 3, H, W) noisy in [0, 1] -> (N, 3, H, W) clean estimate = input - noise.

    ``width``: channels of the residual blocks; ``blocks``: their number. The
    receptive-field radius is ``2 * blocks + 2`` pixels: one per 3x3 convolution.
    """

    def __init__(self, width: int = 48, blocks: int = 6) -> None:
        super().__init__()
        self.head = nn.Conv2d(3, width, 3, padding=1)
        self.body = nn.Sequential(*[ResidualBlock(width) for _ in range(blocks)])
        self.tail = nn.Conv2d(width, 3, 3, padding=1)
        nn.init.zeros_(self.tail.weight)  # start as the identity: output = input
        nn.init.zeros_(self.tail.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feat = F.relu(self.head(x * 2.0 - 1.0), inplace=True)
        noise = self.tail(self.body(feat)) / 2.0  # back to the [0, 1] scale
        return x - noise
