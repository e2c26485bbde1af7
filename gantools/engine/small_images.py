"""The warning about training images smaller than the crop (they are upscaled)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from gantools.task import DataSpec

MAX_SCANNED = 20_000
"""Image headers read at most (the count covers these files) to keep start-up short."""


def _short_side(path: Path) -> int | None:
    """min(width, height) from the file's header (nothing decoded), or None."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            return min(im.size)
    except Exception:  # noqa: BLE001 - unreadable files are reported when read
        return None


def count_small(dataset: Any, size: int) -> tuple[int, int]:
    """(images whose short side is below ``size``, images looked at) of a dataset
    with ``paths`` (a folder) or ``images`` (N, H, W[, C]) in memory."""
    images = getattr(dataset, "images", None)
    if images is not None:
        return (len(images) if min(images.shape[1:3]) < size else 0), len(images)
    paths = list(getattr(dataset, "paths", []))[:MAX_SCANNED]
    sides = [_short_side(p) for p in paths]
    return sum(1 for s in sides if s is not None and s < size), len(paths)


def warn_small_images(dataset: Any, spec: DataSpec) -> int:
    """Warn (one line) when random-crop training images are smaller than the crop,
    naming how many and what is done with them; returns that count."""
    if spec.crop != "random" or not spec.size:
        return 0
    small, seen = count_small(dataset, spec.size)
    if small:
        total = len(dataset)
        of = f"{seen} scanned" if seen < total else f"{total}"
        warnings.warn(f"{small} of {of} training images are smaller than the {spec.size}-"
                      f"pixel crop: they are upscaled (bicubic) until their short side is "
                      f"{spec.size}, then cropped; such crops are blurrier than the rest",
                      stacklevel=2)
    return small
