"""Inpainting generator: a classical push-pull fill refined by an encoder-decoder
with residual blocks at quarter resolution, so holes are filled from context far
beyond their borders: dilated blocks (receptive field about 500 pixels with the
defaults) or Fourier blocks (half the channels mixed over the whole image through
its 2-D FFT, as LaMa's fast Fourier convolutions: a global receptive field from the
first block).

Input (N, 4, H, W): the masked image (holes zeroed) in [0, 1] and the mask (1 =
hole). Output (N, 3, H, W): the raw prediction in about [0, 1] for every pixel; the
task composites it (known pixels are passed through exactly). Any H, W: the input
is padded to a multiple of 4 and the output cropped back.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gantools.plugins.inpaint.fill import pushpull_fill


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


class FourierUnit(nn.Module):
    """(N, C, H, W) -> (N, C, H, W): a 1x1 convolution (+ ELU) over the real and
    imaginary parts of the map's 2-D FFT, then the inverse FFT; every output pixel
    depends on every input pixel. The FFT runs in float32 (bf16 has none)."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2 * width, 2 * width, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[-2:]
        with torch.autocast(x.device.type, enabled=False):
            spectrum = torch.fft.rfft2(x.float(), norm="ortho")
            parts = torch.cat([spectrum.real, spectrum.imag], 1).to(self.conv.weight.dtype)
            real, imag = F.elu(self.conv(parts)).float().chunk(2, dim=1)
            out = torch.fft.irfft2(torch.complex(real, imag), s=(height, width),
                                   norm="ortho")
        return out.to(x.dtype)


class FourierBlock(nn.Module):
    """Residual block with a local half (3x3 convolution) and a global half
    (:class:`FourierUnit` on a 1x1 reduction), mixed by a 3x3 convolution."""

    def __init__(self, width: int) -> None:
        super().__init__()
        half = width // 2
        self.local = nn.Conv2d(width, half, 3, padding=1)
        self.reduce = nn.Conv2d(width, half, 1)
        self.fourier = FourierUnit(half)
        self.mix = nn.Conv2d(2 * half, width, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        local = F.elu(self.local(x))
        spread = self.fourier(F.elu(self.reduce(x)))
        return x + self.mix(torch.cat([local, spread], 1))


class InpaintGenerator(nn.Module):
    """(N, 4, H, W) masked image + mask -> (N, 3, H, W) prediction (unclamped).

    The holes are first filled by :func:`pushpull_fill` (a fast classical fill);
    the network sees that fill and the mask and predicts a correction, so it starts
    as good as the classical fill and learns structure and texture on top (the last
    layer starts at zero). ``width``: channels at full resolution (x2 at half, x4 at
    quarter resolution). ``blocks``: residual blocks at quarter resolution, ``body``
    "dilated" (dilations cycling 1, 2, 4, 8) or "fourier" (:class:`FourierBlock`).
    Gated convolutions in the encoder learn where features are valid; skip
    connections carry full- and half-resolution detail of the hole borders to the
    decoder."""

    def __init__(self, width: int = 32, blocks: int = 8, body: str = "dilated") -> None:
        super().__init__()
        w = width
        self.enc0 = GatedConv(4, w, 5)
        self.enc1 = nn.Sequential(GatedConv(w, 2 * w, 3, 2), GatedConv(2 * w, 2 * w))
        self.enc2 = GatedConv(2 * w, 4 * w, 3, 2)
        if body not in ("dilated", "fourier"):
            raise ValueError(f"body must be dilated or fourier, got {body!r}")
        self.body = nn.Sequential(*[
            DilatedBlock(4 * w, 2 ** (i % 4)) if body == "dilated" else FourierBlock(4 * w)
            for i in range(blocks)])
        self.dec2 = nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                                  nn.Conv2d(4 * w, 2 * w, 3, padding=1), nn.ELU())
        self.dec1 = nn.Sequential(nn.Conv2d(4 * w, 2 * w, 3, padding=1), nn.ELU(),
                                  nn.Upsample(scale_factor=2, mode="nearest"),
                                  nn.Conv2d(2 * w, w, 3, padding=1), nn.ELU())
        self.dec0 = nn.Sequential(nn.Conv2d(2 * w, w, 3, padding=1), nn.ELU())
        self.out = nn.Conv2d(w, 3, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[-2:]
        pad_h, pad_w = (-height) % 4, (-width) % 4
        if pad_h or pad_w:
            x = F.pad(x, (0, pad_w, 0, pad_h), mode="replicate")
        mask = x[:, 3:4]
        with torch.autocast(x.device.type, enabled=False):
            base = pushpull_fill(x[:, :3].float(), 1.0 - mask.float())
        f0 = self.enc0(torch.cat([base.to(x.dtype) * 2.0 - 1.0, mask], 1))
        f1 = self.enc1(f0)
        h = self.enc2(f1)
        h = self.dec2(h + self.body(h))
        h = self.dec1(torch.cat([h, f1], 1))
        h = self.dec0(torch.cat([h, f0], 1))
        out = base + self.out(h).float()
        return out[..., :height, :width]
