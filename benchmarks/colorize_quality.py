"""PSNR / SSIM (RGB) and colourfulness of a colorization model on Set5 and Set14
beside the grayscale baseline (``gantools eval colorize``'s code), optionally
written into the model card. Skips (exit 0) when the data is absent.

    python benchmarks/colorize_quality.py --model colorize \
        [--sets ../shared/data/sr/Set5 ../shared/data/sr/Set14] [--size 256] [--update-card]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from smoke_data import smoke_folder

from gantools.api import load
from gantools.plugins.colorize.evaluate import evaluate_folder, format_table
from gantools.plugins.colorize.task import task
from gantools.score_table import mean_row
from gantools.weights import update_card


def main() -> None:
    parser = argparse.ArgumentParser(description="quality of a colorization model")
    parser.add_argument("--model", default=None)
    parser.add_argument("--weights", default=None)
    parser.add_argument("--sets", nargs="+", type=Path,
                        default=[Path("../shared/data/sr/Set5"), Path("../shared/data/sr/Set14")])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--update-card", action="store_true")
    parser.add_argument("--smoke", action="store_true",
                        help="seconds: the bundled sample photos at 64 px, no card update")
    args = parser.parse_args()
    if args.smoke:
        args.sets, args.size, args.update_card = [smoke_folder()], 64, False
    missing = [str(s) for s in args.sets if not s.is_dir()]
    if missing:
        print(f"skipped: evaluation data not found ({', '.join(missing)})")
        return
    loaded = load(task, model=args.model, weights=args.weights, device="cpu")
    metrics = {"protocol": "RGB PSNR/SSIM (8-bit outputs, no border crop) against the "
                           "ground truth; model input = the image's own L* with a*=b*=0 "
                           "(8-bit RGB), also the grayscale baseline; colourfulness: "
                           "Hasler and Suesstrunk 2003 on [0, 255]",
               "working_size": args.size,
               "precision": str(loaded.dtype).replace("torch.", ""),
               "command": "python " + " ".join(sys.argv)}
    for folder in args.sets:
        skipped: list[Path] = []
        scores = evaluate_folder(task, loaded, folder, args.size, skipped=skipped)
        print(folder.name + "".join(f"  (skipped gray {p.name})" for p in skipped))
        print(format_table(scores, loaded.source.stem))
        mean = mean_row(scores)
        metrics[folder.name] = {
            "psnr": round(mean.model_psnr, 3), "ssim": round(mean.model_ssim, 4),
            "colourfulness": round(mean.model_colourfulness, 2),
            "gray_psnr": round(mean.gray_psnr, 3), "gray_ssim": round(mean.gray_ssim, 4),
            "truth_colourfulness": round(mean.truth_colourfulness, 2),
            "images": len(scores), "skipped_gray": [p.name for p in skipped]}
    if args.update_card:
        update_card(loaded.source, {"metrics": metrics})
        print(f"updated {loaded.source.with_suffix('.json')}")

if __name__ == "__main__":
    main()
