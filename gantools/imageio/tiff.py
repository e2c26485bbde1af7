"""Small TIFF codec for what Pillow cannot do: decode simple 16-bit TIFFs it cannot
open (gray+alpha) and encode 16-bit colour or alpha TIFF."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import numpy as np
from PIL import UnidentifiedImageError

from gantools.imageio.image import LoadedImage
from gantools.imageio.limits import _check_size
from gantools.imageio.orientation import _ORIENT_OPS, _ORIENTATION_TAG, _finish

_TIFF_VALUE_TYPES = {1: ("B", 1), 3: ("H", 2), 4: ("I", 4), 7: ("B", 1)}


def _tiff_tags(data: bytes) -> dict[int, Any]:
    """First-IFD tags of a classic TIFF: tuples of ints, or bytes for UNDEFINED values."""
    order = {b"II*\x00": "<", b"MM\x00*": ">"}.get(data[:4])
    if order is None:
        return {}
    (offset,) = struct.unpack(order + "I", data[4:8])
    (count,) = struct.unpack(order + "H", data[offset : offset + 2])
    tags: dict[int, Any] = {}
    for pos in range(offset + 2, offset + 2 + 12 * count, 12):
        tag, kind, n = struct.unpack(order + "HHI", data[pos : pos + 8])
        if kind not in _TIFF_VALUE_TYPES:
            continue
        code, size = _TIFF_VALUE_TYPES[kind]
        start = pos + 8
        if n * size > 4:
            (start,) = struct.unpack(order + "I", data[pos + 8 : pos + 12])
        raw = data[start : start + n * size]
        if len(raw) == n * size:
            tags[tag] = raw if kind == 7 else struct.unpack(f"{order}{n}{code}", raw)
    return tags


def _tiff_raw_arrays(data: bytes, tags: dict[int, Any]) -> np.ndarray:
    """(H, W, C) uint16 from a simple 16-bit chunky TIFF (none/deflate, predictor 1/2)."""
    order = "<" if data[:2] == b"II" else ">"
    w, h = tags[256][0], tags[257][0]
    channels = tags.get(277, (1,))[0]
    simple = (
        tags.get(258) == (16,) * channels
        and tags.get(259, (1,))[0] in (1, 8, 32946)
        and tags.get(317, (1,))[0] in (1, 2)
        and tags.get(284, (1,))[0] == 1
        and tags.get(262, (1,))[0] == (1 if channels <= 2 else 2)
        and 273 in tags
        and 279 in tags
    )
    if not simple:
        raise ValueError("unsupported TIFF layout")
    deflated = tags.get(259, (1,))[0] != 1
    strips = [data[o : o + n] for o, n in zip(tags[273], tags[279], strict=False)]
    raw = b"".join(zlib.decompress(x) if deflated else x for x in strips)
    need = w * h * channels * 2
    if len(raw) < need:
        raise EOFError("truncated")
    arr = np.frombuffer(raw[:need], order + "u2").reshape(h, w, channels).astype(np.uint16)
    if tags.get(317, (1,))[0] == 2:
        arr = np.cumsum(arr, axis=1, dtype=np.uint16)  # undo differencing, mod 2**16
    return arr


def _decode_tiff_fallback(data: bytes, name: str, limit: int) -> LoadedImage:
    """16-bit TIFFs Pillow cannot open (gray+alpha): header and pixels decoded here."""
    tags = _tiff_tags(data)
    if 256 not in tags or 257 not in tags:
        raise UnidentifiedImageError("no TIFF size")
    _check_size((tags[256][0], tags[257][0]), limit, name)
    arr = _tiff_raw_arrays(data, tags)
    pixels, alpha = (arr, None) if arr.shape[2] in (1, 3) else (arr[:, :, :-1], arr[:, :, -1])
    orientation = tags.get(_ORIENTATION_TAG, (1,))[0]
    icc = tags.get(34675) or None
    meta = {"icc_profile": icc, "exif": None, "format": "TIFF", "n_frames": 1}
    return _finish(pixels, alpha, orientation if orientation in _ORIENT_OPS else 1, name, **meta)


def _encode_tiff16(arr: np.ndarray, icc: bytes | None) -> bytes:
    """(H, W, C) uint16, C in 2..4 -> little-endian, deflate + predictor-2 TIFF bytes.

    Extra 4th/2nd channel is stored as unassociated alpha; ICC kept (tag 34675).
    """
    h, w, c = arr.shape
    diff = np.ascontiguousarray(arr, dtype="<u2").copy()
    diff[:, 1:] -= arr[:, :-1].astype("<u2")  # horizontal predictor, wraps mod 2**16
    strip = zlib.compress(diff.tobytes(), 6)
    short, long_, undefined = 3, 4, 7
    entries = [
        (256, long_, 1, struct.pack("<I", w)),
        (257, long_, 1, struct.pack("<I", h)),
        (258, short, c, struct.pack(f"<{c}H", *([16] * c))),
        (259, short, 1, struct.pack("<H", 8)),
        (262, short, 1, struct.pack("<H", 1 if c <= 2 else 2)),
        (273, long_, 1, struct.pack("<I", 8)),
        (277, short, 1, struct.pack("<H", c)),
        (278, long_, 1, struct.pack("<I", h)),
        (279, long_, 1, struct.pack("<I", len(strip))),
        (284, short, 1, struct.pack("<H", 1)),
        (317, short, 1, struct.pack("<H", 2)),
    ]
    if c in (2, 4):
        entries.append((338, short, 1, struct.pack("<H", 2)))
    if icc:
        entries.append((34675, undefined, len(icc), icc))
    ifd_offset = 8 + len(strip) + (len(strip) % 2)
    extra_offset = ifd_offset + 2 + 12 * len(entries) + 4
    ifd, extra = [struct.pack("<H", len(entries))], []
    for tag, kind, count, values in entries:
        if len(values) <= 4:
            field = values.ljust(4, b"\x00")
        else:
            field = struct.pack("<I", extra_offset + sum(len(x) for x in extra))
            extra.append(values + b"\x00" * (len(values) % 2))
        ifd.append(struct.pack("<HHI", tag, kind, count) + field)
    ifd.append(struct.pack("<I", 0))
    head = b"II*\x00" + struct.pack("<I", ifd_offset)
    return head + strip + b"\x00" * (len(strip) % 2) + b"".join(ifd) + b"".join(extra)
