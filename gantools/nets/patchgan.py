"""The PatchGAN discriminator of pix2pix: a stack of strided 4x4 convolutions whose
output is a grid of logits, one per overlapping input patch (70x70 pixels with the
default three strided layers)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _spectral_norm


class PatchGAN(nn.Module):
    """(N, C, H, W) in [0, 1] -> (N, 1, H', W') logits, H' ~ H / 2**layers - 2.

    ``in_channels``: channels D sees (3 for an image, 4 for image + mask, 3 for
    L + ab). ``width``: channels of the first layer, doubled per strided layer up to
    8x. ``layers``: strided layers (3 gives 70x70 receptive fields). ``spectral``:
    spectral normalisation on every conv (no batch norm then); else batch norm as in
    pix2pix."""

    def __init__(self, in_channels: int = 3, width: int = 64, layers: int = 3,
                 spectral: bool = False) -> None:
        super().__init__()

        def conv(cin: int, cout: int, stride: int, bias: bool) -> nn.Module:
            layer = nn.Conv2d(cin, cout, 4, stride, 1, bias=bias)
            return _spectral_norm(layer) if spectral else layer

        def norm(ch: int) -> list[nn.Module]:
            return [] if spectral else [nn.BatchNorm2d(ch)]

        act = nn.LeakyReLU(0.2, inplace=True)
        seq: list[nn.Module] = [conv(in_channels, width, 2, True), act]
        ch = width
        for i in range(1, layers + 1):
            out = width * min(2 ** i, 8)
            stride = 2 if i < layers else 1
            seq += [conv(ch, out, stride, spectral), *norm(out), nn.LeakyReLU(0.2, True)]
            ch = out
        seq.append(conv(ch, 1, 1, True))
        self.net = nn.Sequential(*seq)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x * 2.0 - 1.0)
