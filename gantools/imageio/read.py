"""Reading image files: :func:`read_image` and the Pillow / OpenCV decoding behind it.

Pillow decodes almost everything; 16-bit-per-channel colour PNG/TIFF (which Pillow
reduces to 8 bits) is decoded with OpenCV instead, and 16-bit gray+alpha TIFF (which
Pillow cannot open) by :mod:`gantools.imageio.tiff`. Pixels are returned upright.
"""

from __future__ import annotations

import io
import os

import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from gantools.imageio.errors import ImageReadError, _decode_reason, _os_reason
from gantools.imageio.exif import _exif_and_orientation
from gantools.imageio.image import LoadedImage, from_float
from gantools.imageio.limits import _check_size, _pillow_settings, _pixel_limit
from gantools.imageio.orientation import _finish
from gantools.imageio.png import _png_complete
from gantools.imageio.tiff import _decode_tiff_fallback


def _read_bytes(path: str | os.PathLike[str], name: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as err:
        raise ImageReadError(f"{name}: {_os_reason(err)}") from None
    if not data:
        raise ImageReadError(f"{name}: empty file (0 bytes)")
    return data


def _needs_opencv(im: Image.Image, data: bytes) -> bool:
    """True for 16-bit-per-channel gray+alpha / colour PNG and TIFF (Pillow drops to 8)."""
    if im.format == "PNG" and data[12:16] == b"IHDR":
        return data[24] == 16 and data[25] in (2, 4, 6)
    if im.format == "TIFF":
        bits = im.tag_v2.get(258, (1,))
        bits = bits if isinstance(bits, tuple) else (bits,)
        return 16 in bits and len(bits) >= 2
    return False


def _decode_opencv(data: bytes, gray_alpha: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Decode with OpenCV, keeping 16 bits; BGR(A) -> RGB(A). Returns (pixels, alpha)."""
    import cv2

    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None:
        raise ValueError("OpenCV could not decode this 16-bit file")
    if arr.dtype != np.uint16:
        raise ValueError(f"OpenCV decoded this 16-bit file as {arr.dtype}")
    if arr.ndim == 2:
        return arr[:, :, None], None
    channels = arr.shape[2]
    if channels == 1:
        return arr, None
    if channels == 2:
        return arr[:, :, :1], arr[:, :, 1]
    if channels == 3:
        return arr[:, :, ::-1], None
    if gray_alpha:
        return arr[:, :, :1], arr[:, :, 3]
    return arr[:, :, 2::-1], arr[:, :, 3]


def _scale_int32(a: np.ndarray) -> np.ndarray:
    """Mode "I" (int32) -> uint16: kept when in 0..65535, else scaled by its max."""
    if a.size == 0 or (a.min() >= 0 and a.max() <= 65535):
        return a.astype(np.uint16)
    a = np.clip(a.astype(np.float64), 0, None)
    top = a.max()
    return np.zeros(a.shape, np.uint16) if top <= 0 else from_float(a / top, 16)


def _scale_float(a: np.ndarray) -> np.ndarray:
    """Mode "F" -> uint16: from [0, 1] when max <= 1, else from [min, max]."""
    a = np.nan_to_num(a.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    if a.size == 0 or a.max() <= 1.0:
        return from_float(a, 16)
    lo, hi = a.min(), a.max()
    return from_float((a - lo) / (hi - lo), 16)


_RGB_MODES = ("RGBX", "CMYK", "YCbCr", "LAB", "HSV")


def _pillow_arrays(im: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """Convert a loaded Pillow image to (pixels (H, W, C), alpha (H, W) or None)."""
    mode = im.mode
    transparent = "transparency" in im.info
    if mode.startswith("I;16"):
        return np.asarray(im).astype(np.uint16)[:, :, None], None
    if mode == "I":
        return _scale_int32(np.asarray(im))[:, :, None], None
    if mode == "F":
        return _scale_float(np.asarray(im))[:, :, None], None
    if mode in ("1", "L") and not transparent:
        return np.asarray(im.convert("L"))[:, :, None], None
    if mode in ("L", "LA", "La"):
        la = np.asarray(im.convert("LA"))
        return la[:, :, :1], la[:, :, 1]
    if mode in _RGB_MODES or (mode in ("RGB", "P") and not transparent):
        return np.asarray(im.convert("RGB")), None
    rgba = np.asarray(im.convert("RGBA"))
    return rgba[:, :, :3], rgba[:, :, 3]


def _decode_pillow(im: ImageFile.ImageFile, data: bytes, name: str, limit: int) -> LoadedImage:
    """Decode an opened Pillow image (OpenCV for 16-bit colour PNG/TIFF)."""
    _check_size(im.size, limit, name)
    if im.format == "PNG" and not _png_complete(data):
        raise ImageReadError(f"{name}: truncated file")
    n_frames = int(getattr(im, "n_frames", 1))
    if _needs_opencv(im, data):
        gray_alpha = im.format == "PNG" and data[25] == 4
        pixels, alpha = _decode_opencv(data, gray_alpha)
    else:
        im.load()
        _check_size(im.size, limit, name)
        pixels, alpha = _pillow_arrays(im)
    exif, orientation = _exif_and_orientation(im)
    icc = im.info.get("icc_profile") or None
    meta = {"icc_profile": icc, "exif": exif, "format": im.format or "", "n_frames": n_frames}
    return _finish(pixels, alpha, orientation, name, **meta)


def _decode(data: bytes, name: str, limit: int) -> LoadedImage:
    """Decode file bytes with Pillow (TIFFs it cannot open: own simple decoder)."""
    try:
        im = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        if data[:4] in (b"II*\x00", b"MM\x00*"):
            return _decode_tiff_fallback(data, name, limit)
        raise
    with im:
        return _decode_pillow(im, data, name, limit)


def read_image(path: str | os.PathLike[str], max_pixels: int | None = None) -> LoadedImage:
    """Read an image file, upright, at its full bit depth.

    ``max_pixels``: refuse images with more than this many pixels (width * height,
    read from the header before decoding); default ``$GANTOOLS_MAX_PIXELS`` or
    178_956_970 (a non-integer variable raises ValueError). Raises ImageReadError
    (``"<path>: <reason>"``) for every unreadable, truncated, non-image or too-large file.
    """
    name = os.fspath(path)
    limit = _pixel_limit(max_pixels)
    data = _read_bytes(path, name)
    try:
        with _pillow_settings():
            return _decode(data, name, limit)
    except ImageReadError:
        raise
    except Exception as err:  # every decoder failure becomes one error type
        raise ImageReadError(f"{name}: {_decode_reason(err)}") from None
