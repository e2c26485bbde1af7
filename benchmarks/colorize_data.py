"""Build the training and validation folders of the shipped ``colorize`` model from
``../shared/data`` (never Set5 / Set14), deterministically.

Every photo goes to one split by a hash of its name (7% validation, the rest
training), so the split never changes when sources are added. Photos are resized
(antialiased) to a short side of at most 256 pixels, the working size of
``gantools colorize``, so training sees objects at the scale inference does. Gray
photos (all channels equal) and photos with a short side under 128 pixels (the
training crop) are left out and counted. Faces (``faces/utkface64``, 64 px; gray ones
left out too) are split the same way; every ``--face-every``-th training face is upscaled to 128 px
(bicubic) and joins the training photos, so skin is seen at many ages; the
validation faces stay 64 px, in ``val-faces``, for the skin check of
``gantools eval colorize --faces``.

    python benchmarks/colorize_data.py --out ../runs/col-data
    python benchmarks/colorize_data.py --out /tmp/x --smoke   # 3 photos a source
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np
from PIL import Image

SOURCES = ("photos/imagenet1k", "photos/bsds500-test", "photos/wiki49", "sr/BSD200",
           "sr/T91")
FACES = "faces/utkface64"
SIDE, MIN_SIDE, FACE_SIDE = 256, 128, 128
SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


def split_of(name: str) -> str:
    """'val' or 'train' for a file, from the SHA-256 of ``source/file`` (7% val)."""
    return "val" if int(hashlib.sha256(name.encode()).hexdigest(), 16) % 100 < 7 else "train"


def is_gray(img: np.ndarray) -> bool:
    """True when an (H, W, 3) uint8 image has (almost) no colour."""
    rgb = img.astype(np.int16)
    return int(np.abs(rgb - rgb.mean(axis=2, keepdims=True)).max()) <= 2


def shrink(img: Image.Image, side: int) -> Image.Image:
    """``img`` with its short side reduced to ``side`` (never enlarged)."""
    factor = side / min(img.size)
    if factor >= 1:
        return img
    size = (max(1, round(img.width * factor)), max(1, round(img.height * factor)))
    return img.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def images(folder: Path, limit: int | None) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)[:limit]


def build(data: Path, out: Path, limit: int | None, face_every: int) -> dict[str, int]:
    """Write ``out/{train,val,val-faces}``; returns counts of files written and skipped."""
    counts = {"train": 0, "val": 0, "train_faces": 0, "val_faces": 0, "gray": 0,
              "too_small": 0}
    for split in ("train", "val", "val-faces"):
        (out / split).mkdir(parents=True, exist_ok=True)
    for source in SOURCES:
        for path in images(data / source, limit):
            img = Image.open(path).convert("RGB")
            if min(img.size) < MIN_SIDE:
                counts["too_small"] += 1
                continue
            if is_gray(np.asarray(img)):
                counts["gray"] += 1
                continue
            split = split_of(f"{source}/{path.name}")
            shrink(img, SIDE).save(out / split / f"{source.replace('/', '_')}_{path.stem}.png")
            counts[split] += 1
    train_faces = 0
    for path in images(data / FACES, limit if limit is None else limit * face_every):
        img = Image.open(path).convert("RGB")
        if is_gray(np.asarray(img)):
            counts["gray"] += 1
            continue
        if split_of(f"{FACES}/{path.name}") == "val":
            img.save(out / "val-faces" / f"{path.stem}.png")
            counts["val_faces"] += 1
            continue
        train_faces += 1
        if train_faces % face_every == 0:
            big = img.resize((FACE_SIDE, FACE_SIDE), Image.Resampling.BICUBIC)
            big.save(out / "train" / f"face_{path.stem}.png")
            counts["train_faces"] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--face-every", type=int, default=20,
                        help="every N-th training face joins the training photos")
    parser.add_argument("--smoke", action="store_true", help="3 photos per source")
    args = parser.parse_args()
    counts = build(args.data, args.out, 3 if args.smoke else None, args.face_every)
    print(", ".join(f"{k}: {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
