"""Residual generator and discriminator (SNGAN-style, Miyato et al. 2018) for 32 or
64 pixel images.

G: noise (N, z_dim) (+ labels (N,)) -> linear to 4x4 -> up-sampling residual blocks
(BN, ReLU, nearest x2, 3x3 conv, BN, ReLU, 3x3 conv; 1x1 shortcut) halving the
channels -> BN, ReLU, 3x3 conv, Tanh -> (N, C, S, S) in [0, 1].
D: images (N, C, S, S) in [0, 1] -> down-sampling residual blocks with spectral
normalisation on every layer, doubling the channels -> ReLU, sum over space ->
projection head (N,) logits. Conditioning as the DCGAN pair (models.py).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from gantools.plugins.generate.models import LabelledInput, ProjectionHead

RESNET_SIZES = (32, 64)


class UpBlock(nn.Module):
    """(N, cin, h, w) -> (N, cout, 2h, 2w)."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.BatchNorm2d(cin), nn.ReLU(True), nn.Upsample(scale_factor=2),
            nn.Conv2d(cin, cout, 3, 1, 1), nn.BatchNorm2d(cout), nn.ReLU(True),
            nn.Conv2d(cout, cout, 3, 1, 1))
        self.skip = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(cin, cout, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.skip(x)


class DownBlock(nn.Module):
    """(N, cin, h, w) -> (N, cout, h/2, w/2), spectrally normalised; the first block
    of D has no ReLU before its first conv (it sees pixels)."""

    def __init__(self, cin: int, cout: int, first: bool = False) -> None:
        super().__init__()
        layers: list[nn.Module] = [] if first else [nn.ReLU()]
        layers += [spectral_norm(nn.Conv2d(cin, cout, 3, 1, 1)), nn.ReLU(),
                   spectral_norm(nn.Conv2d(cout, cout, 3, 1, 1)), nn.AvgPool2d(2)]
        self.body = nn.Sequential(*layers)
        self.skip = nn.Sequential(spectral_norm(nn.Conv2d(cin, cout, 1)), nn.AvgPool2d(2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.skip(x)


def _blocks(size: int) -> int:
    if size not in RESNET_SIZES:
        raise ValueError(f"the resnet pair generates {RESNET_SIZES} pixel images, got {size}")
    return {32: 3, 64: 4}[size]


class ResNetGenerator(nn.Module):
    """(N, z_dim) noise (+ labels) -> (N, channels, size, size) images in [0, 1];
    channels width * 2 ** (blocks - 1) at 4x4 down to ``width`` at full size."""

    def __init__(self, size: int = 64, channels: int = 3, z_dim: int = 100, width: int = 32,
                 num_classes: int = 0, embed_dim: int = 32) -> None:
        super().__init__()
        n = _blocks(size)
        self.inp = LabelledInput(num_classes, embed_dim)
        self.top = width * 2 ** (n - 1)
        self.linear = nn.Linear(z_dim + (embed_dim if num_classes else 0), 16 * self.top)
        widths = [self.top // 2**i for i in range(n + 1)]
        self.blocks = nn.Sequential(*[UpBlock(widths[i], max(width, widths[i + 1]))
                                      for i in range(n)])
        self.out = nn.Sequential(nn.BatchNorm2d(width), nn.ReLU(True),
                                 nn.Conv2d(width, channels, 3, 1, 1), nn.Tanh())

    def forward(self, z: torch.Tensor, label: torch.Tensor | None = None) -> torch.Tensor:
        x = self.linear(self.inp(z, label)).view(-1, self.top, 4, 4)
        return self.out(self.blocks(x)) * 0.5 + 0.5


class ResNetDiscriminator(nn.Module):
    """(N, channels, size, size) images in [0, 1] -> (N,) logits."""

    def __init__(self, size: int = 64, channels: int = 3, width: int = 32,
                 num_classes: int = 0) -> None:
        super().__init__()
        n = _blocks(size)
        widths = [channels] + [width * 2**i for i in range(n)]
        self.blocks = nn.Sequential(*[DownBlock(widths[i], widths[i + 1], first=i == 0)
                                      for i in range(n)])
        self.head = ProjectionHead(widths[-1], num_classes)
        self.head.linear = spectral_norm(self.head.linear)
        if self.head.embed is not None:
            self.head.embed = spectral_norm(self.head.embed)

    def forward(self, x: torch.Tensor, label: torch.Tensor | None = None) -> torch.Tensor:
        h = torch.relu(self.blocks(x * 2.0 - 1.0)).sum(dim=(2, 3))
        return self.head(h, label)
