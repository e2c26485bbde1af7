"""Writing very large PNG and JPEG images without encoding them in memory first:
PNG is streamed strip by strip (:mod:`~gantools.imageio.png_stream`), JPEG goes
through OpenCV from the caller's array (:mod:`~gantools.imageio.jpeg_big`); both are
written atomically with :func:`gantools.atomic.atomic_open`."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from gantools.atomic import atomic_open
from gantools.imageio.jpeg_big import encode_jpeg_big
from gantools.imageio.png_stream import write_png_rows

STREAM_PIXELS = 32_000_000
"""PNG and JPEG outputs of more pixels than this take the streaming writers; smaller
ones keep the Pillow path (adaptive PNG filters: slightly smaller files)."""

STREAM_PIXELS_ENV = "GANTOOLS_STREAM_WRITE_PIXELS"
"""Environment variable overriding :data:`STREAM_PIXELS` (0 = always stream)."""

BIG_FORMATS = frozenset({"PNG", "JPEG"})


def stream_threshold() -> int:
    """Pixel count above which :func:`write_big` is used (see STREAM_PIXELS)."""
    raw = os.environ.get(STREAM_PIXELS_ENV, "").strip()
    if not raw:
        return STREAM_PIXELS
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{STREAM_PIXELS_ENV}={raw!r} is not an integer") from None


def wants_big_writer(fmt: str, height: int, width: int) -> bool:
    """True when an image of that size in ``fmt`` goes through :func:`write_big`."""
    return fmt in BIG_FORMATS and height * width > stream_threshold()


def write_big(target: Path, fmt: str, px: np.ndarray, alpha: np.ndarray | None,
              icc: bytes | None, exif: bytes | None, quality: int) -> None:
    """Write prepared (H, W, 1 | 3) uint8/uint16 ``px`` (and (H, W) ``alpha`` of the
    same dtype, PNG only: JPEG drops it) as ``fmt`` ("PNG" or "JPEG") to ``target``,
    atomically. Same pixels and metadata as the Pillow path; raises OSError for file
    failures, ValueError (or an encoder error) otherwise."""
    if fmt == "PNG":
        with atomic_open(target) as fh:
            write_png_rows(fh, px, alpha, icc, exif)
        return
    if fmt != "JPEG":
        raise ValueError(f"no streaming writer for {fmt}")
    parts = encode_jpeg_big(px, icc, exif, quality)
    with atomic_open(target) as fh:
        for part in parts:
            fh.write(part)
