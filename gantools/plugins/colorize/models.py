"""The colorization generator: a U-Net from lightness to chroma.

:class:`ColorUNet` maps L* / 100 (N, 1, H, W) in [0, 1] to normalised a*b*
(N, 2, H, W) in [0, 1] (``ab / 220 + 0.5``, see :mod:`.lab`). Any H, W works:
inputs are reflect-padded to a multiple of ``2 ** (levels - 1)`` and the output is
cropped back. The head is zero-initialised, so an untrained model predicts gray
(a* = b* = 0).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def conv_block(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    """3x3 conv (stride 1 or 2) - batch norm - ReLU."""
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Down(nn.Module):
    """Halve the resolution (strided conv), then one more conv: (N, cin, H, W) ->
    (N, cout, H / 2, W / 2)."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.body = nn.Sequential(conv_block(cin, cout, 2), conv_block(cout, cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class Up(nn.Module):
    """Double the resolution (bilinear), reduce to ``cout`` channels, concatenate the
    skip connection (``cout`` channels) and fuse: -> (N, cout, 2H, 2W)."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.reduce = conv_block(cin, cout)
        self.fuse = conv_block(2 * cout, cout)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
        return self.fuse(torch.cat([self.reduce(x), skip], dim=1))


def level_widths(width: int, levels: int, max_width: int) -> list[int]:
    """Channels per level: ``width`` doubled each level, capped at ``max_width``."""
    return [min(width * 2 ** i, max_width) for i in range(levels)]


class ColorUNet(nn.Module):
    """U-Net (N, 1, H, W) L / 100 in [0, 1] -> (N, 2, H, W) normalised ab in [0, 1].

    ``width``: channels at full resolution; ``levels``: resolutions (``levels - 1``
    downsamplings); ``max_width``: cap on the channels of the deeper levels. The
    output is ``sigmoid`` of the head, so it always lies in (0, 1)."""

    def __init__(self, width: int = 32, levels: int = 5, max_width: int = 128) -> None:
        super().__init__()
        if levels < 2:
            raise ValueError(f"levels must be at least 2, got {levels}")
        widths = level_widths(width, levels, max_width)
        self.multiple = 2 ** (levels - 1)
        self.stem = nn.Sequential(conv_block(1, widths[0]), conv_block(widths[0], widths[0]))
        self.downs = nn.ModuleList(Down(a, b) for a, b in zip(widths, widths[1:], strict=False))
        self.ups = nn.ModuleList(Up(b, a) for a, b in zip(widths, widths[1:], strict=False))
        self.head = nn.Conv2d(widths[0], 2, 3, padding=1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, l_norm: torch.Tensor) -> torch.Tensor:
        h, w = l_norm.shape[-2:]
        m = self.multiple
        ph, pw = (-h) % m, (-w) % m
        x = l_norm
        if ph or pw:
            mode = "reflect" if h > ph and w > pw else "replicate"
            x = F.pad(x, (0, pw, 0, ph), mode=mode)
        x = self.stem(x * 2.0 - 1.0)
        skips = [x]
        for down in self.downs:
            x = down(x)
            skips.append(x)
        skips.pop()
        for up in reversed(self.ups):
            x = up(x, skips.pop())
        return torch.sigmoid(self.head(x))[..., :h, :w]
