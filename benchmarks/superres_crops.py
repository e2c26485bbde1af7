"""Side-by-side x4 crops for the docs: bicubic | each model | ground truth, one row
per Set14 image region (the LR input is the usual 8-bit bicubic downscale).

    python benchmarks/superres_crops.py --models superres superres-gan \
        -o docs/tasks/superres-crops.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from gantools.api import load
from gantools.engine.device import autocast
from gantools.imageio import read_image, to_rgb, write_image
from gantools.plugins.superres.evaluate import bicubic_up, lr_pair
from gantools.plugins.superres.task import task
from gantools.tensors import from_hwc_uint8, to_hwc_uint8

REGIONS = {"baboon": (120, 100), "zebra": (60, 200), "barbara": (300, 380),
           "comic": (120, 60)}
"""Top-left corners (y, x) of 128 x 128 HR crops with fine texture."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["superres", "superres-gan"])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/sr/Set14"))
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("-o", "--output", type=Path, default=Path("superres-crops.png"))
    parser.add_argument("--smoke", action="store_true",
                        help="seconds: one 64 px region, one model, output in a temporary "
                             "folder (skipped without --data)")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"skipped: {args.data} not found")
        return
    regions = list(REGIONS.items())
    if args.smoke:
        import tempfile

        regions, args.models, args.size = regions[:1], args.models[:1], 32
        args.output = Path(tempfile.mkdtemp(prefix="gantools-smoke-")) / "crops.png"
    models = [load(task, model=name, device="cpu") for name in args.models]
    rows = []
    for name, (y, x) in regions:
        image = to_rgb(read_image(args.data / f"{name}.png"))
        if args.smoke:  # only the region itself
            image, y, x = image[y:y + 64, x:x + 64], 0, 0
        hr, lr = lr_pair(image, 4)
        tiles = [bicubic_up(lr, 4)]
        for model in models:
            with torch.inference_mode(), autocast(model.device, model.dtype):
                tiles.append(to_hwc_uint8(task.infer(model, from_hwc_uint8(lr), None)[0]
                                          .float()))
        tiles.append(hr)
        crops = [t[y:y + args.size, x:x + args.size] for t in tiles]
        gap = np.full((args.size, 4, 3), 255, np.uint8)
        rows.append(np.concatenate([c for crop in crops for c in (crop, gap)][:-1], axis=1))
    gap = np.full((4, rows[0].shape[1], 3), 255, np.uint8)
    write_image(args.output, np.concatenate([r for row in rows for r in (row, gap)][:-1]))
    print(f"wrote {args.output}: columns bicubic | {' | '.join(args.models)} | HR")


if __name__ == "__main__":
    main()
