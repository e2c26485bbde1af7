"""Conversions between image tensors (C, H, W) float in [0, 1] and NumPy arrays."""

from __future__ import annotations

import numpy as np
import torch

from gantools.image_grid import chw_to_hwc_uint8


def to_hwc_uint8(image: torch.Tensor) -> np.ndarray:
    """(C, H, W) float in [0, 1] -> (H, W, C) uint8, rounded to nearest."""
    return chw_to_hwc_uint8(image.detach().float().cpu().numpy())


def from_hwc_uint8(image: np.ndarray, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(H, W, C) uint8 -> (1, C, H, W) in [0, 1] of ``dtype`` (divided in float64)."""
    return torch.from_numpy(image.astype(np.float64) / 255.0).to(dtype).permute(2, 0, 1)[None]
