"""Writing image files: :func:`write_image` (format choice, input checks, atomic
write through :mod:`gantools.atomic`)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from gantools.atomic import atomic_write_bytes
from gantools.imageio.encode import _encode
from gantools.imageio.errors import ImageWriteError, _one_line, _os_reason
from gantools.imageio.image import _to_depth
from gantools.imageio.write_big import wants_big_writer, write_big

_SUFFIX_FORMATS = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".jpe": "JPEG",
    ".jfif": "JPEG",
    ".webp": "WEBP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".bmp": "BMP",
}

_FORMAT_ALIASES = {"JPG": "JPEG", "TIF": "TIFF"}

WRITE_FORMATS = frozenset(_SUFFIX_FORMATS.values())

MAX_SIDES = {"WEBP": 16383, "JPEG": 65500, "BMP": 2**31 - 1, "PNG": 2**31 - 1,
             "TIFF": 2**32 - 1}
"""Largest width or height each output format can store."""


def check_output_size(path: str | os.PathLike[str], width: int, height: int,
                      format: str | None = None) -> None:
    """Raise ValueError (one line) when an image of ``width`` x ``height`` cannot be
    written to ``path`` in ``format`` (default from the suffix), e.g. WEBP beyond
    16383 pixels per side; call it before spending time on making the image."""
    fmt = _resolve_format(Path(path), format)
    side = MAX_SIDES[fmt]
    if max(width, height) > side:
        alt = {"WEBP": "png or jpg", "JPEG": "png or tif"}.get(fmt, "png or tif")
        raise ValueError(f"{fmt} cannot store {width}x{height} pixels (at most {side} "
                         f"per side); choose another format (--format {alt})")


def streams_output(path: str | os.PathLike[str], height: int, width: int) -> bool:
    """True when :func:`write_image` writes an image of that size to ``path``
    without an in-memory encoded copy (big PNG and JPEG)."""
    try:
        return wants_big_writer(_resolve_format(Path(path), None), height, width)
    except ValueError:
        return False


def _resolve_format(path: Path, fmt: str | None) -> str:
    if fmt:
        name = _FORMAT_ALIASES.get(fmt.upper(), fmt.upper())
        if name not in WRITE_FORMATS:
            raise ValueError(f"unsupported output format {fmt!r}")
        return name
    suffix = path.suffix.lower()
    if suffix not in _SUFFIX_FORMATS:
        raise ValueError(f"cannot tell the output format from suffix {suffix!r}")
    return _SUFFIX_FORMATS[suffix]


def _prepare(
    pixels: np.ndarray, alpha: np.ndarray | None, bit_depth: int | None
) -> tuple[np.ndarray, np.ndarray | None, int]:
    """Validate and convert to ((H, W, C) uintN, (H, W) uintN or None, N)."""
    px = np.asarray(pixels)
    if px.ndim == 2:
        px = px[:, :, None]
    if px.ndim != 3 or px.shape[2] not in (1, 3):
        raise ValueError(f"pixels must be (H, W), (H, W, 1) or (H, W, 3); got {px.shape}")
    if px.shape[0] < 1 or px.shape[1] < 1:
        raise ValueError(f"empty image {px.shape}")
    if bit_depth is None:
        bit_depth = 16 if px.dtype == np.uint16 else 8
    if bit_depth not in (8, 16):
        raise ValueError(f"bit_depth must be 8 or 16, got {bit_depth}")
    px = _to_depth(px, bit_depth)
    if alpha is None:
        return px, None, bit_depth
    al = np.asarray(alpha)
    if al.ndim == 3 and al.shape[2] == 1:
        al = al[:, :, 0]
    if al.shape != px.shape[:2]:
        raise ValueError(f"alpha shape {al.shape} does not match pixels {px.shape[:2]}")
    return px, _to_depth(al, bit_depth), bit_depth


def write_image(
    path: str | os.PathLike[str],
    pixels: np.ndarray,
    alpha: np.ndarray | None = None,
    *,
    bit_depth: int | None = None,
    icc_profile: bytes | None = None,
    exif: bytes | None = None,
    format: str | None = None,
    quality: int = 95,
) -> None:
    """Write an image atomically (the target is replaced only once fully written).

    ``pixels``: (H, W), (H, W, 1) or (H, W, 3); uint8, uint16, or float in [0, 1]
    (clipped, rounded to ``bit_depth``). ``alpha``: (H, W), same conventions.
    ``bit_depth``: 8 or 16; default from the dtype (uint16 -> 16, else 8).
    ``format``: "PNG", "JPEG", "WEBP", "TIFF", "BMP"; default from the suffix.

    16 bits are kept for PNG and TIFF only; JPEG/WEBP/BMP get round(x / 257).
    JPEG and BMP get no alpha: it is dropped (BMP alpha is not read back by Pillow).
    WEBP stores RGB(A) (gray is repeated); ``quality`` >= 100 makes WEBP lossless.
    JPEG quality >= 90 uses 4:4:4 chroma. BMP keeps no ICC/EXIF. ICC is kept for PNG, JPEG, WEBP,
    TIFF; EXIF for PNG, JPEG, WEBP and 8-bit / gray 16-bit TIFF (not 16-bit colour
    or alpha TIFF). Every failure raises ImageWriteError ``"<path>: <reason>"``.

    PNG and JPEG outputs above ``GANTOOLS_STREAM_WRITE_PIXELS`` (default 32 million)
    pixels are encoded without a full in-memory copy: PNG strip by strip (Up
    filter, zlib level 6; same pixels and metadata, other bytes), JPEG through OpenCV
    (same quality and chroma subsampling, ICC and EXIF; see
    :mod:`gantools.imageio.write_big`).
    """
    target = Path(path)
    name = os.fspath(path)
    try:
        fmt = _resolve_format(target, format)
        px, al, depth = _prepare(pixels, alpha, bit_depth)
        check_output_size(target, px.shape[1], px.shape[0], fmt)
        if wants_big_writer(fmt, px.shape[0], px.shape[1]):
            try:
                write_big(target, fmt, px, al, icc_profile, exif, quality)
            except OSError as err:
                raise ImageWriteError(f"{name}: {_os_reason(err, writing=True)}") from None
            return
        data = _encode(fmt, px, al, depth, icc_profile, exif, quality)
    except ImageWriteError:
        raise
    except Exception as err:  # every encoder failure becomes one error type
        raise ImageWriteError(f"{name}: {_one_line(str(err)) or type(err).__name__}") from None
    try:
        atomic_write_bytes(target, data)
    except OSError as err:
        raise ImageWriteError(f"{name}: {_os_reason(err, writing=True)}") from None
