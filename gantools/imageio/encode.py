"""Encoding prepared arrays to file bytes in one output format (PNG, JPEG, WEBP,
TIFF, BMP): Pillow, or the own 16-bit PNG / TIFF encoders."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image

from gantools.imageio.exif import _has_exif_sub_ifd
from gantools.imageio.image import _to_depth, to_rgb
from gantools.imageio.png import _encode_png16
from gantools.imageio.tiff import _encode_tiff16


def _pillow_image(px: np.ndarray, alpha: np.ndarray | None) -> Image.Image:
    """uint8 (or 16-bit gray without alpha) arrays -> Pillow image (L/LA/RGB/RGBA/I;16)."""
    if alpha is not None:
        px = np.concatenate([px, alpha[:, :, None]], axis=2)
    return Image.fromarray(px[:, :, 0] if px.shape[2] == 1 else np.ascontiguousarray(px))


def _save_options(fmt: str, icc: bytes | None, exif: bytes | None, quality: int) -> dict[str, Any]:
    opts: dict[str, Any] = {}
    if icc and fmt != "BMP":
        opts["icc_profile"] = icc
    if exif and fmt != "BMP":
        opts["exif"] = exif
    if fmt == "JPEG":
        opts.update(quality=int(quality), subsampling=0 if quality >= 90 else 2)
    elif fmt == "WEBP":
        opts.update(quality=int(min(quality, 100)), lossless=quality >= 100, exact=True)
    elif fmt == "TIFF":
        # libtiff (used for compression) cannot write EXIF sub-IFDs; Pillow's raw writer can
        opts["compression"] = None if _has_exif_sub_ifd(exif) else "tiff_adobe_deflate"
    elif fmt == "PNG":
        opts["compress_level"] = 6
    return opts


def _encode(
    fmt: str,
    px: np.ndarray,
    alpha: np.ndarray | None,
    depth: int,
    icc: bytes | None,
    exif: bytes | None,
    quality: int,
) -> bytes:
    """Encode prepared arrays to file bytes in ``fmt``."""
    if depth == 16 and fmt == "PNG":
        full = px if alpha is None else np.concatenate([px, alpha[:, :, None]], axis=2)
        return _encode_png16(full, icc, exif)
    if depth == 16 and fmt == "TIFF" and (alpha is not None or px.shape[2] == 3):
        full = px if alpha is None else np.concatenate([px, alpha[:, :, None]], axis=2)
        return _encode_tiff16(full, icc)
    if depth == 16 and fmt != "TIFF":
        px = _to_depth(px, 8)
        alpha = None if alpha is None else _to_depth(alpha, 8)
    if fmt in ("JPEG", "BMP"):
        alpha = None
    if fmt == "WEBP":
        px = to_rgb(px)
    buf = io.BytesIO()
    _pillow_image(px, alpha).save(buf, format=fmt, **_save_options(fmt, icc, exif, quality))
    return buf.getvalue()
