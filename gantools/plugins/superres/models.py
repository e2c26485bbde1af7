"""Super-resolution networks. Images are (N, 3, H, W) float in [0, 1].

- :class:`SRResNet`: residual blocks in low-resolution space and one sub-pixel
  (pixel-shuffle) upsampler, predicting a residual on top of bicubic upsampling, so
  it starts as good as bicubic and trains fast. Output (N, 3, H*s, W*s) in [0, 1]
  (clamped at inference only: training sees the raw values).
- :class:`VGGDiscriminator`: the SRGAN classifier (strided conv blocks 64 -> 512,
  then dense layers), with global average pooling so any patch size works.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ResidualBlock(nn.Module):
    """conv3x3 - ReLU - conv3x3, added to the input (no batch norm, as in EDSR)."""

    def __init__(self, width: int, res_scale: float = 1.0) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(width, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1)
        self.res_scale = res_scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.res_scale * self.conv2(F.relu(self.conv1(x), inplace=True))


class SRResNet(nn.Module):
    """(N, 3, H, W) LR in [0, 1] -> (N, 3, H*scale, W*scale) HR (unclamped)."""

    def __init__(self, scale: int = 4, width: int = 64, blocks: int = 8) -> None:
        super().__init__()
        if scale not in (2, 3, 4):
            raise ValueError(f"scale must be 2, 3 or 4, got {scale}")
        self.scale = scale
        self.head = nn.Conv2d(3, width, 3, padding=1)
        self.body = nn.Sequential(*[ResidualBlock(width) for _ in range(blocks)],
                                  nn.Conv2d(width, width, 3, padding=1))
        self.tail = nn.Conv2d(width, 3 * scale * scale, 3, padding=1)
        nn.init.zeros_(self.tail.weight)  # start exactly at bicubic
        nn.init.zeros_(self.tail.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        base = F.interpolate(x, scale_factor=self.scale, mode="bicubic", align_corners=False)
        feat = self.head(x * 2.0 - 1.0)
        feat = feat + self.body(feat)
        return base + F.pixel_shuffle(self.tail(feat), self.scale)


def _d_block(cin: int, cout: int, stride: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout),
            nn.LeakyReLU(0.2, inplace=True)]


class VGGDiscriminator(nn.Module):
    """(N, 3, H, W) in [0, 1] -> (N,) logits, the SRGAN discriminator layout."""

    def __init__(self, width: int = 64) -> None:
        super().__init__()
        w = width
        layers: list[nn.Module] = [nn.Conv2d(3, w, 3, 1, 1), nn.LeakyReLU(0.2, inplace=True),
                                   *_d_block(w, w, 2)]
        for cin, cout in ((w, 2 * w), (2 * w, 4 * w), (4 * w, 8 * w)):
            layers += _d_block(cin, cout, 1) + _d_block(cout, cout, 2)
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Linear(8 * w, 1024), nn.LeakyReLU(0.2, inplace=True),
                                  nn.Linear(1024, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x * 2.0 - 1.0).mean(dim=(2, 3))
        return self.head(h).squeeze(1)
