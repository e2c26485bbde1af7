"""Side-by-side colorization strips for the docs: per photo one row, gray input |
each model | truth, every tile at the same height, each column labelled.

    python benchmarks/colorize_strips.py --models colorize-old.safetensors colorize \\
        --photos ../runs/col-data/val/photos_imagenet1k_n07745940_strawberry.png ... \\
        -o docs/tasks/img/colorize_food.jpg
    python benchmarks/colorize_strips.py --smoke
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

import gantools
from gantools.plugins.colorize.evaluate import gray_version

HEIGHT, LABEL, GAP = 192, 14, 4


def load_model(spec: str):
    """A shipped model name, or a .safetensors file."""
    if spec.endswith(".safetensors"):
        return gantools.load("colorize", weights=spec, device="cpu")
    return gantools.load("colorize", model=spec, device="cpu")


def strip(photos: list[Path], models: dict[str, object], size: int) -> Image.Image:
    """Rows gray | models... | truth, labelled on top."""
    rows = []
    for path in photos:
        truth = np.asarray(Image.open(path).convert("RGB"))
        gray = gray_version(truth)
        tiles = [gray, *(np.asarray(m(Image.fromarray(gray), size=size)) for m in
                         models.values()), truth]
        width = round(truth.shape[1] * HEIGHT / truth.shape[0])
        rows.append([Image.fromarray(t).resize((width, HEIGHT), Image.Resampling.LANCZOS)
                     for t in tiles])
    width = max(sum(t.width for t in row) + GAP * (len(row) - 1) for row in rows)
    sheet = Image.new("RGB", (width, LABEL + len(rows) * (HEIGHT + GAP)), "white")
    draw = ImageDraw.Draw(sheet)
    names = ["gray input", *models, "truth"]
    x = 0
    for tile, name in zip(rows[0], names, strict=True):
        draw.text((x + 2, 1), name, fill="black")
        x += tile.width + GAP
    for r, row in enumerate(rows):
        x = 0
        for tile in row:
            sheet.paste(tile, (x, LABEL + r * (HEIGHT + GAP)))
            x += tile.width + GAP
    return sheet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=["colorize"],
                        help="shipped model names or .safetensors files (label: the stem)")
    parser.add_argument("--photos", nargs="+", type=Path)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("-o", "--output", type=Path)
    parser.add_argument("--smoke", action="store_true", help="two bundled photos")
    args = parser.parse_args()
    if args.smoke:
        from smoke_data import smoke_folder

        args.photos = sorted(smoke_folder(2).glob("*.png"))
        args.output = Path(tempfile.mkdtemp(prefix="gantools-smoke-")) / "strip.jpg"
    if not args.photos or args.output is None:
        parser.error("--photos and -o are required")
    models = {Path(m).stem: load_model(m) for m in args.models}
    sheet = strip(args.photos, models, args.size)
    sheet.save(args.output, quality=88)
    print(f"wrote {args.output} ({sheet.width}x{sheet.height})")


if __name__ == "__main__":
    main()
