"""The decoded-image type :class:`LoadedImage` and pixel conversions between
uint8, uint16, float [0, 1], RGB and gray arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class LoadedImage:
    """A decoded, upright image.

    ``pixels``: (H, W, C), C = 1 (gray) or 3 (RGB), uint8 or uint16 (full range).
    ``alpha``: (H, W), same dtype as ``pixels``, or None. ``bit_depth``: 8 or 16,
    matching the dtype. ``icc_profile``: raw ICC bytes or None. ``exif``: EXIF bytes
    (``b"Exif\\0\\0"`` + TIFF block) with the orientation reset to 1, or None.
    ``format``: Pillow format name ("PNG", "JPEG", ...). ``n_frames``: frames/pages
    in the file (only the first is decoded).
    """

    pixels: np.ndarray
    alpha: np.ndarray | None = None
    bit_depth: int = 8
    icc_profile: bytes | None = None
    exif: bytes | None = None
    format: str = ""
    n_frames: int = 1

    def __post_init__(self) -> None:
        p = self.pixels
        if p.ndim != 3 or p.shape[2] not in (1, 3):
            raise ValueError(f"pixels must be (H, W, 1) or (H, W, 3), got {p.shape}")
        if p.dtype not in (np.uint8, np.uint16) or self.bit_depth != 8 * p.dtype.itemsize:
            raise ValueError(f"bit_depth {self.bit_depth} does not match dtype {p.dtype}")
        if self.alpha is not None and (
            self.alpha.shape != p.shape[:2] or self.alpha.dtype != p.dtype
        ):
            raise ValueError("alpha must be (H, W) with the dtype of pixels")

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def is_gray(self) -> bool:
        return self.pixels.shape[2] == 1


def to_float(pixels: np.ndarray) -> np.ndarray:
    """uint8 / uint16 array -> float32 in [0, 1] (divided by 255 or 65535), same shape."""
    if pixels.dtype == np.uint8:
        return pixels.astype(np.float32) / np.float32(255)
    if pixels.dtype == np.uint16:
        return pixels.astype(np.float32) / np.float32(65535)
    raise ValueError(f"to_float expects uint8 or uint16, got {pixels.dtype}")


def to_uint8(pixels: np.ndarray) -> np.ndarray:
    """uint8 pixels as they are; uint16 reduced to the nearest 8-bit levels (same shape)."""
    return pixels if pixels.dtype == np.uint8 else from_float(to_float(pixels), 8)


def from_float(x: np.ndarray, bit_depth: int) -> np.ndarray:
    """Float array in [0, 1] -> uint8 (bit_depth 8) or uint16 (16); clipped, np.rint-ed.

    NaN becomes 0. Same shape as ``x``.
    """
    if bit_depth not in (8, 16):
        raise ValueError(f"bit_depth must be 8 or 16, got {bit_depth}")
    ftype = np.float64 if x.dtype == np.float64 else np.float32
    top = 255 if bit_depth == 8 else 65535
    y = np.nan_to_num(np.asarray(x, dtype=ftype), nan=0.0)
    y = np.rint(np.clip(y, 0.0, 1.0) * top)
    return y.astype(np.uint8 if bit_depth == 8 else np.uint16)


def _to_depth(a: np.ndarray, depth: int) -> np.ndarray:
    """uint8 / uint16 / float [0, 1] -> uint8 (depth 8) or uint16 (depth 16)."""
    if a.dtype.kind == "f":
        return from_float(a, depth)
    if a.dtype == np.uint8:
        return a if depth == 8 else a.astype(np.uint16) * np.uint16(257)
    if a.dtype == np.uint16:
        if depth == 16:
            return a
        return np.rint(a.astype(np.float32) / np.float32(257)).astype(np.uint8)
    raise ValueError(f"unsupported dtype {a.dtype} (use uint8, uint16 or float in [0, 1])")


def _pixels_of(img: LoadedImage | np.ndarray) -> np.ndarray:
    px = img.pixels if isinstance(img, LoadedImage) else img
    return px[:, :, None] if px.ndim == 2 else px


def to_rgb(img: LoadedImage | np.ndarray) -> np.ndarray:
    """(H, W, 3) RGB pixels, same dtype; gray is repeated. Accepts an array too."""
    px = _pixels_of(img)
    return np.repeat(px, 3, axis=2) if px.shape[2] == 1 else px


def to_gray(img: LoadedImage | np.ndarray) -> np.ndarray:
    """(H, W, 1) luma with ITU-R BT.601 weights (0.299, 0.587, 0.114), same dtype.

    Computed in float32 and rounded back (np.rint) to the input dtype.
    """
    px = _pixels_of(img)
    if px.shape[2] == 1:
        return px
    weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)
    luma = px.astype(np.float32) @ weights
    top = np.iinfo(px.dtype).max if px.dtype.kind in "ui" else 1.0
    return np.clip(np.rint(luma), 0, top).astype(px.dtype)[:, :, None]
