"""Stack the comparison strips that ``gantools eval colorize --save DIR`` writes (one
gray | model | truth PNG per image) into one JPEG for the docs:

    python tools/stack_strips.py DIR -o docs/tasks/img/NAME.jpg [--width 900] [--only a b]

Each strip is resized (Lanczos) to ``--width`` pixels and the strips are stacked in
name order with a 4-pixel white gap; ``--only`` keeps the named strips (file stems).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image

GAP = 4


def stack(paths: list[Path], width: int) -> Image.Image:
    """The strips at ``paths``, each ``width`` wide, one below the other (RGB)."""
    strips = []
    for path in paths:
        strip = Image.open(path).convert("RGB")
        height = round(strip.height * width / strip.width)
        strips.append(strip.resize((width, height), Image.Resampling.LANCZOS))
    total = sum(s.height for s in strips) + GAP * (len(strips) - 1)
    sheet = Image.new("RGB", (width, total), "white")
    top = 0
    for strip in strips:
        sheet.paste(strip, (0, top))
        top += strip.height + GAP
    return sheet


def main() -> None:
    parser = argparse.ArgumentParser(description="stack eval strips into one JPEG")
    parser.add_argument("folder", type=Path)
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument("--width", type=int, default=900)
    parser.add_argument("--only", nargs="+", default=None)
    args = parser.parse_args()
    paths = sorted(args.folder.glob("*.png"))
    if args.only:
        paths = [p for p in paths if p.stem in set(args.only)]
    if not paths:
        raise SystemExit(f"{args.folder}: no strips (PNG files) to stack")
    stack(paths, args.width).save(args.out, quality=85)
    print(f"wrote {args.out} ({len(paths)} strips)")


if __name__ == "__main__":
    main()
