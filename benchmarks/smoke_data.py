"""Tiny inputs for the benchmarks' ``--smoke`` runs: the bundled sample photos,
shrunk, in a temporary folder (no ../shared/data needed)."""

from __future__ import annotations

import tempfile
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "gantools" / "samples"
"""The photos bundled with gantools (public domain / CC0)."""


def smoke_folder(count: int = 2, side: int = 64) -> Path:
    """A new temporary folder with the first ``count`` bundled photos as PNGs whose
    longer side is ``side`` pixels (RGB, 8 bits)."""
    from PIL import Image

    folder = Path(tempfile.mkdtemp(prefix="gantools-smoke-"))
    for path in sorted(SAMPLES.glob("*.jpg"))[:count]:
        with Image.open(path) as im:
            im = im.convert("RGB")
            im.thumbnail((side, side))
            im.save(folder / f"{path.stem}.png")
    return folder
