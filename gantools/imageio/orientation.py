"""EXIF orientation: make decoded arrays upright and wrap them as a LoadedImage."""

from __future__ import annotations

from typing import Any

import numpy as np

from gantools.imageio.errors import ImageReadError
from gantools.imageio.image import LoadedImage

_ORIENTATION_TAG = 0x0112

# orientation -> (transpose, flip up-down, flip left-right) that makes the image upright
_ORIENT_OPS = {
    1: (False, False, False),
    2: (False, False, True),
    3: (False, True, True),
    4: (False, True, False),
    5: (True, False, False),
    6: (True, False, True),
    7: (True, True, True),
    8: (True, True, False),
}


def _apply_orientation(a: np.ndarray, orientation: int) -> np.ndarray:
    """Make an (H, W, ...) array upright for an EXIF orientation 1..8."""
    transpose, flip_ud, flip_lr = _ORIENT_OPS.get(orientation, _ORIENT_OPS[1])
    if transpose:
        a = a.swapaxes(0, 1)
    if flip_ud:
        a = a[::-1]
    if flip_lr:
        a = a[:, ::-1]
    return np.ascontiguousarray(a)


def _finish(
    pixels: np.ndarray, alpha: np.ndarray | None, orientation: int, name: str, **meta: Any
) -> LoadedImage:
    """Check the dtype, make upright and wrap into a LoadedImage."""
    if pixels.dtype not in (np.uint8, np.uint16):
        raise ImageReadError(f"{name}: unsupported sample type {pixels.dtype}")
    pixels = _apply_orientation(pixels, orientation)
    alpha = None if alpha is None else _apply_orientation(alpha, orientation)
    return LoadedImage(pixels, alpha, 8 * pixels.dtype.itemsize, **meta)
