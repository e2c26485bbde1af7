"""Conversions between decoded images and the tensors image tasks see: RGB float
(1, 3, H, W) in [0, 1] in, the input's own kind (gray or RGB, 8 or 16 bits) out."""

from __future__ import annotations

import numpy as np
import torch

from gantools.imageio import LoadedImage, from_float, to_float, to_rgb

LUMA_WEIGHTS = (0.299, 0.587, 0.114)
"""ITU-R BT.601 luma weights used to turn RGB results back into gray."""


def image_to_tensor(img: LoadedImage, device: torch.device | str = "cpu") -> torch.Tensor:
    """Pixels -> (1, 3, H, W) float32 in [0, 1] on ``device``; gray is replicated."""
    rgb = to_float(to_rgb(img))
    return torch.from_numpy(rgb).permute(2, 0, 1)[None].contiguous().to(device)


def alpha_to_tensor(img: LoadedImage, device: torch.device | str = "cpu") -> torch.Tensor | None:
    """Alpha -> (1, 1, H, W) float32 in [0, 1] on ``device``, or None without alpha."""
    if img.alpha is None:
        return None
    return torch.from_numpy(to_float(img.alpha))[None, None].to(device)


def rgb_to_luma(rgb: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) -> (N, 1, H, W) BT.601 luma, computed in float32."""
    r, g, b = rgb.float().unbind(1)
    wr, wg, wb = LUMA_WEIGHTS
    return (wr * r + wg * g + wb * b).unsqueeze(1)


def tensor_to_hwc(out: torch.Tensor, gray: bool) -> torch.Tensor:
    """(1, C, H, W) in [0, 1], C = 1 or 3 -> (H, W, 1) (``gray``) or (H, W, 3) float32
    tensor on the CPU (a view where no conversion is needed)."""
    if out.ndim != 4 or out.shape[0] != 1 or out.shape[1] not in (1, 3):
        raise ValueError(f"expected a (1, 1|3, H, W) result, got {tuple(out.shape)}")
    x = out.detach().float()
    if gray and x.shape[1] == 3:
        x = rgb_to_luma(x)
    elif not gray and x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    return x[0].permute(1, 2, 0).cpu()


def float_to_levels(x: torch.Tensor, bit_depth: int) -> np.ndarray:
    """Float32 tensor in [0, 1] (any shape and strides) -> uint8 (``bit_depth`` 8) or
    uint16 (16) array of its shape: the values of :func:`gantools.imageio.from_float`
    (NaN -> 0, clipped, rounded half to even, in float32), computed by torch's
    threads, about 5x faster than numpy on a 2.5 MP image."""
    if bit_depth not in (8, 16):
        raise ValueError(f"bit_depth must be 8 or 16, got {bit_depth}")
    top = 255.0 if bit_depth == 8 else 65535.0
    y = torch.nan_to_num(x.float(), nan=0.0).clamp_(0.0, 1.0).mul_(top).round_()
    if bit_depth == 8:
        return y.to(torch.uint8).numpy()
    return y.to(torch.int32).numpy().astype(np.uint16)


def tensor_to_pixels(out: torch.Tensor, like: LoadedImage, keep_gray: bool = True) -> np.ndarray:
    """(1, 3, H, W) in [0, 1] -> pixels of the kind of ``like``: (H, W, 1) luma for a
    gray input (unless ``keep_gray`` is False), else (H, W, 3); uint16 for 16-bit
    input, else uint8 (rounded)."""
    return float_to_levels(tensor_to_hwc(out, like.is_gray and keep_gray), like.bit_depth)


def alpha_to_array(alpha: torch.Tensor, bit_depth: int) -> np.ndarray:
    """(1, 1, H, W) in [0, 1] -> (H, W) uint8 (bit_depth 8) or uint16 (16), rounded."""
    return from_float(alpha.detach().float()[0, 0].cpu().numpy(), bit_depth)


CONVERT_PIXELS = 1 << 19
"""Pixels converted at a time by :class:`PixelRows` (bounds the float temporaries)."""


class PixelRows:
    """A row sink for :func:`gantools.tiling.stream_tiles` that fills a preallocated
    output array of the final kind, with :func:`tensor_to_pixels`' conversion.

    ``PixelRows(height, width, gray, bit_depth)``: ``pixels`` is (height, width, 1)
    when ``gray`` else (height, width, 3), uint8 (``bit_depth`` 8) or uint16 (16).
    Calling it with ``(y, rows)``, rows (1, 1 | 3, n, width) float, clamps rows to
    [0, 1] and stores them as pixels[y:y + n], converted a few rows at a time so that
    the float temporaries stay small. The result equals ``tensor_to_pixels`` of the
    clamped full tensor, pixel for pixel.
    """

    def __init__(self, height: int, width: int, gray: bool, bit_depth: int) -> None:
        dtype = np.uint8 if bit_depth == 8 else np.uint16
        self.gray, self.bit_depth = gray, bit_depth
        self.pixels = np.empty((height, width, 1 if gray else 3), dtype)

    def __call__(self, y: int, rows: torch.Tensor) -> None:
        step = max(1, CONVERT_PIXELS // max(1, rows.shape[-1]))
        for start in range(0, rows.shape[2], step):
            part = rows[:, :, start:start + step].clamp(0, 1)
            hwc = tensor_to_hwc(part, self.gray)
            self.pixels[y + start:y + start + part.shape[2]] = float_to_levels(
                hwc, self.bit_depth)
