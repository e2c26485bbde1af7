"""Baseline JPEG (as libjpeg / Pillow encode it) simulated on the device, in batch.

JFIF YCbCr, 4:2:0 chroma (2x2 box average; decoded with a triangle filter, libjpeg's
"fancy upsampling"), 8x8 DCT, the standard luminance and chrominance tables scaled by
the IJG quality formula, hard rounding of the coefficients. Not differentiable (it is
a data degradation). Images (N, 3, H, W) in [0, 1]; any size (padded to whole
16-pixel blocks by edge replication, then cropped back).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

LUMA_TABLE = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99)
CHROMA_TABLE = (
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
    *([99] * 32))


def quality_tables(quality: torch.Tensor, base: tuple[int, ...]) -> torch.Tensor:
    """(N,) qualities in [1, 100] -> (N, 8, 8) quantisation tables (IJG scaling, rounded
    to integers, clamped to 1..255 as baseline JPEG requires)."""
    q = quality.float().clamp(1.0, 100.0).round()
    scale = torch.where(q < 50, 5000.0 / q, 200.0 - 2.0 * q)
    table = torch.tensor(base, dtype=torch.float32, device=quality.device).view(1, 8, 8)
    return torch.floor((table * scale.view(-1, 1, 1) + 50.0) / 100.0).clamp(1.0, 255.0)


def dct_matrix(device: torch.device) -> torch.Tensor:
    """The orthonormal 8-point DCT-II matrix D (8, 8): coefficients = D @ block @ D.T."""
    k = torch.arange(8, dtype=torch.float32, device=device).view(-1, 1)
    n = torch.arange(8, dtype=torch.float32, device=device).view(1, -1)
    d = torch.cos((2 * n + 1) * k * math.pi / 16) * math.sqrt(2 / 8)
    d[0] = math.sqrt(1 / 8)
    return d


def quantise_blocks(plane: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
    """(N, H, W) level-shifted samples (H, W multiples of 8) -> the same after DCT,
    rounding to multiples of ``table`` (N, 8, 8) and the inverse DCT. The 2-D DCT of
    every block is one (blocks, 64) x (64, 64) product with kron(D, D)."""
    n, h, w = plane.shape
    d = dct_matrix(plane.device)
    basis = torch.kron(d, d)  # vec(D X D^T) = kron(D, D) vec(X), row-major
    blocks = plane.reshape(n, h // 8, 8, w // 8, 8).permute(0, 1, 3, 2, 4)
    flat = blocks.reshape(n, -1, 64)
    t = table.reshape(n, 1, 64)
    coeff = torch.round((flat @ basis.T) / t) * t
    blocks = (coeff @ basis).reshape(n, h // 8, w // 8, 8, 8)
    return blocks.permute(0, 1, 3, 2, 4).reshape(n, h, w)


def rgb_to_ycbcr(x: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) RGB in [0, 255] -> JFIF YCbCr in [0, 255]."""
    r, g, b = x.unbind(1)
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = -0.168736 * r - 0.331264 * g + 0.5 * b + 128.0
    cr = 0.5 * r - 0.418688 * g - 0.081312 * b + 128.0
    return torch.stack((y, cb, cr), 1)


def ycbcr_to_rgb(x: torch.Tensor) -> torch.Tensor:
    """JFIF YCbCr (N, 3, H, W) in [0, 255] -> RGB in [0, 255] (unclamped)."""
    y, cb, cr = x[:, 0], x[:, 1] - 128.0, x[:, 2] - 128.0
    return torch.stack((y + 1.402 * cr, y - 0.344136 * cb - 0.714136 * cr, y + 1.772 * cb), 1)


def jpeg_compress(x: torch.Tensor, quality: torch.Tensor) -> torch.Tensor:
    """Each image of (N, 3, H, W) in [0, 1] JPEG-coded at its ``quality`` (N,) in [1, 100]
    and decoded, rounded to 8 bits; (N, 3, H, W) in [0, 1]."""
    h, w = x.shape[-2:]
    pad_h, pad_w = (-h) % 16, (-w) % 16
    x = F.pad(x.float(), (0, pad_w, 0, pad_h), mode="replicate") if pad_h or pad_w else x
    ycc = rgb_to_ycbcr((x.float().clamp(0, 1) * 255.0).round()).round()
    luma = quantise_blocks(ycc[:, 0] - 128.0, quality_tables(quality, LUMA_TABLE))
    chroma_tables = quality_tables(quality, CHROMA_TABLE)
    small = F.avg_pool2d(ycc[:, 1:], 2)
    planes = [quantise_blocks(small[:, c] - 128.0, chroma_tables) for c in (0, 1)]
    chroma = torch.stack(planes, 1) + 128.0
    chroma = F.interpolate(chroma, scale_factor=2, mode="bilinear", align_corners=False)
    rgb = ycbcr_to_rgb(torch.cat(((luma + 128.0).unsqueeze(1), chroma), 1))
    return (rgb.clamp(0.0, 255.0).round() / 255.0)[..., :h, :w]
