"""Read-time safety limits: the decompression-bomb pixel limit (checked from the
header before decoding) and Pillow's global reader settings while a read runs.

While a read is in progress, Pillow's own pixel limit is lifted (our limit replaces
it) and ``ImageFile.LOAD_TRUNCATED_IMAGES`` is forced off, so truncated files are
always reported; both globals are restored when the last concurrent read ends.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PIL import Image, ImageFile

from gantools.imageio.errors import ImageReadError

DEFAULT_MAX_PIXELS = 178_956_970
"""Default decompression-bomb limit (width * height); ``GANTOOLS_MAX_PIXELS`` overrides."""

MAX_PIXELS_ENV = "GANTOOLS_MAX_PIXELS"


def _pixel_limit(max_pixels: int | None) -> int:
    if max_pixels is not None:
        return int(max_pixels)
    raw = os.environ.get(MAX_PIXELS_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_PIXELS
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{MAX_PIXELS_ENV}={raw!r} is not an integer") from None


def _check_size(size: tuple[int, int], limit: int, name: str) -> None:
    w, h = size
    if w * h > limit:
        raise ImageReadError(
            f"{name}: {w}x{h} = {w * h} pixels exceeds the limit of {limit} "
            f"(set {MAX_PIXELS_ENV} to raise it)"
        )


_PIL_LOCK = threading.Lock()

_PIL_STATE: dict[str, Any] = {"users": 0, "saved": None}


@contextmanager
def _pillow_settings() -> Iterator[None]:
    """Lift Pillow's pixel limit and disable LOAD_TRUNCATED_IMAGES for the duration."""
    with _PIL_LOCK:
        if _PIL_STATE["users"] == 0:
            _PIL_STATE["saved"] = (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES)
            Image.MAX_IMAGE_PIXELS = None
            ImageFile.LOAD_TRUNCATED_IMAGES = False
        _PIL_STATE["users"] += 1
    try:
        yield
    finally:
        with _PIL_LOCK:
            _PIL_STATE["users"] -= 1
            if _PIL_STATE["users"] == 0:
                Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES = _PIL_STATE["saved"]
