"""Image grids in numpy (no torch): the sample grids of training runs and of
``gantools generate``."""

from __future__ import annotations

import math

import numpy as np


def tile_images(images: np.ndarray, ncol: int | None = None, pad: int = 2) -> np.ndarray:
    """Tile (N, C, H, W) images in [0, 1] into one (C, H', W') float32 image, ``ncol``
    per row (default: a near-square grid), with ``pad`` pixels of white between them."""
    n, c, h, w = images.shape
    ncol = ncol or max(1, math.ceil(math.sqrt(n)))
    nrow = math.ceil(n / ncol)
    grid = np.ones((c, nrow * (h + pad) + pad, ncol * (w + pad) + pad), np.float32)
    for i in range(n):
        r, col = divmod(i, ncol)
        top, left = pad + r * (h + pad), pad + col * (w + pad)
        grid[:, top:top + h, left:left + w] = np.clip(images[i], 0.0, 1.0)
    return grid


def chw_to_hwc_uint8(image: np.ndarray) -> np.ndarray:
    """(C, H, W) float in [0, 1] -> (H, W, C) uint8, rounded to nearest."""
    return (np.clip(image.astype(np.float32), 0.0, 1.0).transpose(1, 2, 0) * 255.0
            ).round().astype(np.uint8)
