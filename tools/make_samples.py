"""Write the sample photos that ``gantools demo`` runs on: gantools/samples/*.jpg.

Run once by a maintainer (needs scikit-image, whose bundled photos these are):

    python tools/make_samples.py

Each photo is resized (Lanczos) to LONG pixels on its long side, centre-cropped to
multiples of 16 (so x2/x4 downscales are exact) and saved as JPEG quality 90, 4:4:4.
Sources and licences: gantools/samples/SOURCES.md. ``gantools demo`` reads the JPEGs
from the installed package; scikit-image is not needed at run time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

OUT = Path(__file__).resolve().parents[1] / "gantools" / "samples"
LONG = 448
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")
"""skimage.data functions: all public domain or CC0 (see SOURCES.md)."""


def prepare(pixels: np.ndarray, long_side: int = LONG) -> Image.Image:
    """(H, W, 3) uint8 -> RGB image, long side ``long_side``, sides multiples of 16."""
    image = Image.fromarray(pixels).convert("RGB")
    factor = long_side / max(image.size)
    size = (round(image.width * factor), round(image.height * factor))
    image = image.resize(size, Image.Resampling.LANCZOS)
    w, h = (image.width // 16) * 16, (image.height // 16) * 16
    left, top = (image.width - w) // 2, (image.height - h) // 2
    return image.crop((left, top, left + w, top + h))


def main() -> None:
    import skimage.data

    OUT.mkdir(parents=True, exist_ok=True)
    for name in PHOTOS:
        image = prepare(getattr(skimage.data, name)())
        path = OUT / f"{name}.jpg"
        image.save(path, "JPEG", quality=90, subsampling=0, optimize=True)
        size_kb = path.stat().st_size / 1024
        print(f"wrote {path} ({image.width}x{image.height}, {size_kb:.0f} KB)")
        if size_kb >= 80:
            raise SystemExit(f"{path} is {size_kb:.0f} KB: keep samples under 80 KB")


if __name__ == "__main__":
    main()
