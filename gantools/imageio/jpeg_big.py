"""JPEG encoding of very large images without a full-size copy.

Pillow holds an RGB image at 4 bytes per pixel, a second full copy of the pixels.
OpenCV's encoder reads the caller's array row by row, so :func:`encode_jpeg_big`
swaps RGB to BGR in place (strip by strip, swapped back afterwards), encodes with
``cv2.imencode`` (same libjpeg quality scaling as Pillow; 4:4:4 chroma at quality
>= 90, else 4:2:0, as the Pillow path), and returns the file as parts with the EXIF
(APP1) and ICC (APP2 ``ICC_PROFILE`` chunks) segments inserted after the JFIF
header. Extra memory: the compressed file, about twice (OpenCV's buffer and its
copy).
"""

from __future__ import annotations

import struct

import numpy as np

from gantools.imageio.image import _to_depth

MAX_SIDE = 65500
"""Largest JPEG side libjpeg writes."""

_ICC_CHUNK = 65519
"""ICC bytes per APP2 segment (65535 - 2 length bytes - 14 header bytes)."""

_EXIF_MAX = 65533
"""Largest EXIF payload of one APP1 segment (with its ``Exif\\0\\0`` header)."""

_STRIP_ROWS_PIXELS = 1 << 22
"""Pixels per strip for the in-place channel swap and depth conversion."""


def _segment(marker: int, body: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body


def metadata_segments(icc: bytes | None, exif: bytes | None) -> bytes:
    """APP1 Exif and APP2 ICC_PROFILE segments (EXIF too large for one segment is
    dropped, as it cannot be stored; ICC is split into numbered chunks)."""
    out = b""
    if exif:
        payload = exif if exif.startswith(b"Exif\x00\x00") else b"Exif\x00\x00" + exif
        if len(payload) <= _EXIF_MAX:
            out += _segment(0xE1, payload)
    if icc:
        chunks = [icc[i:i + _ICC_CHUNK] for i in range(0, len(icc), _ICC_CHUNK)]
        if len(chunks) > 255:
            raise ValueError("ICC profile too large for JPEG")
        for k, chunk in enumerate(chunks, 1):
            out += _segment(0xE2, b"ICC_PROFILE\x00" + bytes([k, len(chunks)]) + chunk)
    return out


def _header_end(data: np.ndarray) -> int:
    """Offset just after SOI and, when present, the APP0 (JFIF) segment that follows."""
    if data[0] != 0xFF or data[1] != 0xD8:
        raise ValueError("the JPEG encoder returned no SOI marker")
    if data[2] == 0xFF and data[3] == 0xE0:
        return 4 + (int(data[4]) << 8 | int(data[5]))
    return 2


def _swap_red_blue(px: np.ndarray) -> None:
    """Swap channels 0 and 2 of (H, W, 3) ``px`` in place, strip by strip."""
    step = max(1, _STRIP_ROWS_PIXELS // px.shape[1])
    for y in range(0, px.shape[0], step):
        strip = px[y:y + step]
        first = strip[:, :, 0].copy()
        strip[:, :, 0] = strip[:, :, 2]
        strip[:, :, 2] = first


def _as_uint8(px: np.ndarray) -> np.ndarray:
    """uint8 ``px`` itself; uint16 converted strip by strip as ``_to_depth(px, 8)``."""
    if px.dtype == np.uint8:
        return px
    out = np.empty(px.shape, np.uint8)
    step = max(1, _STRIP_ROWS_PIXELS // px.shape[1])
    for y in range(0, px.shape[0], step):
        out[y:y + step] = _to_depth(px[y:y + step], 8)
    return out


def encode_jpeg_big(px: np.ndarray, icc: bytes | None, exif: bytes | None,
                    quality: int) -> list[bytes | memoryview]:
    """(H, W, 1 | 3) uint8 or uint16 pixels -> JPEG file as parts to write in order.

    ``px`` is read, and temporarily modified (RGB <-> BGR) but restored before this
    returns, even on failure. Raises ValueError when a side exceeds MAX_SIDE."""
    import cv2

    h, w, c = px.shape
    if max(h, w) > MAX_SIDE:
        raise ValueError(f"JPEG cannot store {w}x{h} pixels (at most {MAX_SIDE} per side)")
    px8 = _as_uint8(px)
    params = [cv2.IMWRITE_JPEG_QUALITY, int(quality),
              cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
              cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444 if quality >= 90
              else cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420]
    if c == 3:
        _swap_red_blue(px8)
    try:
        ok, data = cv2.imencode(".jpg", px8 if c == 3 else px8[:, :, 0], params)
    finally:
        if c == 3 and px8 is px:
            _swap_red_blue(px8)
    del px8
    if not ok:
        raise ValueError("the JPEG encoder failed")
    data = data.reshape(-1)
    cut = _header_end(data)
    view = memoryview(data)
    return [view[:cut], metadata_segments(icc, exif), view[cut:]]
