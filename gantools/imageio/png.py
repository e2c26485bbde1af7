"""PNG byte-level helpers: the 16-bit PNG encoder (Pillow cannot write 16-bit
colour) and the chunk-structure check that detects truncated PNG files."""

from __future__ import annotations

import struct
import zlib

import numpy as np

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_complete(data: bytes) -> bool:
    """True when the PNG chunk structure reaches IEND within ``data``."""
    pos = len(_PNG_SIGNATURE)
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        pos += 12 + length
        if pos > len(data):
            return False
        if kind == b"IEND":
            return True
    return False


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def _strip_exif_header(exif: bytes) -> bytes:
    return exif[6:] if exif.startswith(b"Exif\x00\x00") else exif


def _encode_png16(arr: np.ndarray, icc: bytes | None, exif: bytes | None) -> bytes:
    """(H, W, C) uint16, C in 1..4 (gray, gray+alpha, RGB, RGBA) -> 16-bit PNG bytes.

    Rows use the "Up" filter; ICC goes in an iCCP chunk, EXIF in eXIf.
    """
    h, w, c = arr.shape
    color_type = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    rows = np.ascontiguousarray(arr, dtype=">u2").view(np.uint8).reshape(h, w * c * 2)
    up = rows.copy()
    up[1:] -= rows[:-1]  # uint8 arithmetic wraps modulo 256, as PNG filters require
    filtered = np.concatenate([np.full((h, 1), 2, np.uint8), up], axis=1)
    parts = [
        _PNG_SIGNATURE,
        _png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, color_type, 0, 0, 0)),
    ]
    if icc:
        parts.append(_png_chunk(b"iCCP", b"ICC Profile\x00\x00" + zlib.compress(icc)))
    if exif:
        parts.append(_png_chunk(b"eXIf", _strip_exif_header(exif)))
    parts.append(_png_chunk(b"IDAT", zlib.compress(filtered.tobytes(), 6)))
    parts.append(_png_chunk(b"IEND", b""))
    return b"".join(parts)
