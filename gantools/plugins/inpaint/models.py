"""Inpainting generator: an encoder-decoder with dilated residual blocks at quarter
resolution (receptive field about 500 pixels with the defaults), so holes are
filled from context far beyond their borders.

Input (N, 4, H, W): the masked image (holes zeroed) in [0, 1] and the mask (1 =
hole). Output (N, 3, H, W): the raw prediction in about [0, 1] for every pixel; the
task composites it (known pixels are passed through exactly). Any H, W: the input
is padded to a multiple of 4 and the output cropped back.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class GatedConv(nn.Module):
    """conv -> ELU, multiplied by a learned sigmoid gate (gated convolution, as in
    DeepFill v2): the gate learns where features are valid, e.g. away from holes."""

    def __init__(self, cin: int, cout: int, kernel: int = 3, stride: int = 1,
                 dilation: int = 1) -> None:
        super().__init__()
        pad = dilation * (kernel - 1) // 2
        self.conv = nn.Conv2d(cin, 2 * cout, kernel, stride, pad, dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feat, gate = self.conv(x).chunk(2, dim=1)
        return F.elu(feat) * torch.sigmoid(gate)


class DilatedBlock(nn.Module):
    """Two 3x3 convolutions (the first dilated) with a residual connection."""

    def __init__(self, width: int, dilation: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(width, width, 3, padding=dilation, dilation=dilation)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(F.elu(self.conv1(x)))


class InpaintGenerator(nn.Module):
    """(N, 4, H, W) masked image + mask -> (N, 3, H, W) prediction (unclamped).

    ``width``: channels at full resolution (x2 at half, x4 at quarter resolution).
    ``blocks``: dilated residual blocks at quarter resolution, dilations cycling
    1, 2, 4, 8. The encoder uses gated convolutions so that the zeros inside holes
    are not mistaken for dark pixels."""

    def __init__(self, width: int = 32, blocks: int = 8) -> None:
        super().__init__()
        w = width
        self.encoder = nn.Sequential(
            GatedConv(4, w, 5), GatedConv(w, 2 * w, 3, 2), GatedConv(2 * w, 2 * w),
            GatedConv(2 * w, 4 * w, 3, 2))
        self.body = nn.Sequential(*[DilatedBlock(4 * w, 2 ** (i % 4)) for i in range(blocks)])
        self.decoder = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(4 * w, 2 * w, 3, padding=1),
            nn.ELU(), nn.Conv2d(2 * w, 2 * w, 3, padding=1), nn.ELU(),
            nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(2 * w, w, 3, padding=1),
            nn.ELU(), nn.Conv2d(w, 3, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[-2:]
        pad_h, pad_w = (-height) % 4, (-width) % 4
        if pad_h or pad_w:
            x = F.pad(x, (0, pad_w, 0, pad_h), mode="replicate")
        image, mask = x[:, :3], x[:, 3:4]
        h = self.encoder(torch.cat([image * 2.0 - 1.0, mask], 1))
        out = self.decoder(h + self.body(h)) * 0.5 + 0.5
        return out[..., :height, :width]
