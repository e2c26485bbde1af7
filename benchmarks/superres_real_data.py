"""Build the training / validation / test folders of ``superres-real`` from
``../shared/data`` (never Set5 / Set14), deterministically.

Every source photo goes to one split by a hash of its name (5% validation, 5% test,
the rest training), so the split never changes when sources are added. Training
photos are cut into overlapping 256-pixel tiles (PNG), so a 1024-pixel photo gives
as many crops per epoch as its area deserves; validation and test photos are kept
whole but centre-cropped to at most 480 pixels a side (eval speed). Photos whose short
side is under 128 pixels (the training crop) are left out and counted.

    python benchmarks/superres_real_data.py --out ../runs/sr-real-data
    python benchmarks/superres_real_data.py --out /tmp/x --smoke   # 3 photos a source
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np
from PIL import Image

SOURCES = ("photos/wiki49", "photos/bsds500-test", "photos/imagenet1k", "sr/T91",
           "sr/BSD200")
TILE, MIN_SIDE, EVAL_SIDE = 256, 128, 480


def split_of(name: str) -> str:
    """'val', 'test' or 'train' for a photo, from the SHA-256 of ``source/file``."""
    bucket = int(hashlib.sha256(name.encode()).hexdigest(), 16) % 20
    return "val" if bucket == 0 else "test" if bucket == 1 else "train"


def tile_origins(length: int) -> list[int]:
    """Starts of TILE-long windows covering ``length`` (the last one flush with the end)."""
    if length <= TILE:
        return [0]
    count = -(-length // TILE)
    return [round(i * (length - TILE) / (count - 1)) for i in range(count)]


def centre_crop(img: np.ndarray, side: int) -> np.ndarray:
    """The central at most ``side`` x ``side`` window of an (H, W, 3) image."""
    h, w = img.shape[:2]
    top, left = max(0, (h - side) // 2), max(0, (w - side) // 2)
    return img[top:top + side, left:left + side]


def build(data: Path, out: Path, per_source: int | None) -> dict[str, int]:
    """Write ``out/{train,val,test}``; returns counts of files written and skipped."""
    counts = {"train": 0, "val": 0, "test": 0, "too_small": 0}
    for split in ("train", "val", "test"):
        (out / split).mkdir(parents=True, exist_ok=True)
    for source in SOURCES:
        files = sorted(p for p in (data / source).iterdir() if p.suffix.lower() in
                       (".png", ".jpg", ".jpeg", ".bmp"))[:per_source]
        for path in files:
            name = f"{source.replace('/', '_')}_{path.stem}"
            img = np.asarray(Image.open(path).convert("RGB"))
            if min(img.shape[:2]) < MIN_SIDE:
                counts["too_small"] += 1
                continue
            split = split_of(f"{source}/{path.name}")
            if split != "train":
                Image.fromarray(centre_crop(img, EVAL_SIDE)).save(out / split / f"{name}.png")
                counts[split] += 1
                continue
            for top in tile_origins(img.shape[0]):
                for left in tile_origins(img.shape[1]):
                    tile = img[top:top + TILE, left:left + TILE]
                    Image.fromarray(tile).save(out / "train" / f"{name}_{top}_{left}.png")
                    counts["train"] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--smoke", action="store_true", help="3 photos per source")
    args = parser.parse_args()
    counts = build(args.data, args.out, 3 if args.smoke else None)
    print(", ".join(f"{k}: {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
