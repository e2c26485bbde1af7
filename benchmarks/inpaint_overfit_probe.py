"""Can the inpaint generator fit at all? Trains an untrained generator on one fixed
batch (the first N images of a folder, top-left crops, one seeded mixed mask each)
and prints the hole L1 against the push-pull fill's (the untrained model's) as it
goes. A falling curve means the network and its gradients work, so a flat curve in
real training is about generalisation, not a bug.

    python benchmarks/inpaint_overfit_probe.py [--data ../shared/data/sr/BSD200]
        [--images 8] [--crop 96] [--lr 1e-4] [--steps 120]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from smoke_data import smoke_folder

from gantools.imageio import list_images, read_image, to_float, to_rgb
from gantools.plugins.inpaint.fill import pushpull_fill
from gantools.plugins.inpaint.masks import random_masks
from gantools.plugins.inpaint.models import InpaintGenerator


def main() -> None:
    parser = argparse.ArgumentParser(description="overfit one fixed inpainting batch")
    parser.add_argument("--data", type=Path, default=Path("../shared/data/sr/BSD200"))
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--crop", type=int, default=96)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--smoke", action="store_true",
                        help="seconds: two bundled sample photos, 32 px crops, 2 steps")
    args = parser.parse_args()
    if args.smoke:
        args.data, args.images, args.crop, args.steps = smoke_folder(2), 2, 32, 2
    if not args.data.is_dir():
        print(f"skipped: {args.data} not found")
        return
    torch.manual_seed(0)
    torch.set_num_threads(1)
    crops = [torch.from_numpy(np.ascontiguousarray(
        to_float(to_rgb(read_image(p)))[:args.crop, :args.crop])).permute(2, 0, 1).float()
        for p in list_images([args.data])[:args.images]]
    image = torch.stack(crops)
    mask = random_masks(len(crops), args.crop, args.crop, (0.1, 0.4), "mixed",
                        image.device).float()
    condition = torch.cat([image * (1 - mask), mask], 1)

    def hole_l1(out: torch.Tensor) -> torch.Tensor:
        return ((out - image).abs() * mask).sum() / (mask.sum() * 3)

    with torch.no_grad():
        base = pushpull_fill(condition[:, :3], 1 - mask)
        print(f"push-pull fill: hole L1 {float(hole_l1(base)):.5f}")
    generator = InpaintGenerator()
    optimizer = torch.optim.Adam(generator.parameters(), lr=args.lr, betas=(0.9, 0.999))
    for step in range(1, args.steps + 1):
        loss = hole_l1(generator(condition))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 10 == 0 or step == 1:
            print(f"step {step:4d}: hole L1 {loss.item():.5f}", flush=True)

if __name__ == "__main__":
    main()
