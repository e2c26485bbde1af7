"""Classical hole fills and their averages on training images, with the eval's
seeded masks (three hole bands per image): OpenCV Telea, OpenCV Navier-Stokes, the
push-pull fill the inpaint generator refines, and per-pixel means of them. Shows
how far an ensemble of classical fills gets without learning.

    python benchmarks/inpaint_classical_blend.py [--data ../shared/data/sr/BSD200] [--images 15]

Prints mean PSNR (dB, whole image) and hole MAE (8-bit levels) per method.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from smoke_data import smoke_folder

from gantools.imageio import list_images, read_image, to_rgb
from gantools.plugins.inpaint.evaluate import _holes, opencv_inpaint, score
from gantools.plugins.inpaint.fill import pushpull_fill
from gantools.tensors import from_hwc_uint8, to_hwc_uint8


def fills(img: np.ndarray, hole: np.ndarray) -> dict[str, np.ndarray]:
    """Every method's (H, W, 3) uint8 result for ``img`` with ``hole`` (H, W) bool."""
    x = from_hwc_uint8(img)
    known = 1.0 - torch.from_numpy(hole)[None, None].float()
    pushpull = to_hwc_uint8(pushpull_fill(x * known, known)[0])
    telea, ns = opencv_inpaint(img, hole, "telea"), opencv_inpaint(img, hole, "ns")

    def mean(*arrays: np.ndarray) -> np.ndarray:
        return np.rint(np.mean([a.astype(np.float64) for a in arrays], axis=0)).astype(np.uint8)

    return {"telea": telea, "navier-stokes": ns, "push-pull": pushpull,
            "mean(push-pull, ns)": mean(pushpull, ns),
            "mean(push-pull, telea)": mean(pushpull, telea),
            "mean(all three)": mean(pushpull, ns, telea)}


def main() -> None:
    parser = argparse.ArgumentParser(description="classical inpainting fills and blends")
    parser.add_argument("--data", type=Path, default=Path("../shared/data/sr/BSD200"))
    parser.add_argument("--images", type=int, default=15, help="first N images, sorted")
    parser.add_argument("--smoke", action="store_true",
                        help="seconds: one bundled sample photo")
    args = parser.parse_args()
    if args.smoke:
        args.data, args.images = smoke_folder(1), 1
    if not args.data.is_dir():
        print(f"skipped: {args.data} not found")
        return
    torch.set_num_threads(1)
    results: dict[str, list[tuple[float, float]]] = {}
    for path in list_images([args.data])[:args.images]:
        img = np.ascontiguousarray(to_rgb(read_image(path)))
        if img.dtype != np.uint8:
            continue
        for _band, hole in _holes(path, img.shape[:2], None):
            for name, out in fills(img, hole).items():
                s = score(out, img, hole)
                results.setdefault(name, []).append((s.psnr, s.hole_mae))
    for name, rows in results.items():
        a = np.array(rows)
        print(f"{name:24s} PSNR {a[:, 0].mean():6.3f}  hole MAE {a[:, 1].mean():6.3f}  "
              f"({len(a)} image-masks)")


if __name__ == "__main__":
    main()
