"""PSNR-Y / SSIM-Y of a shipped super-resolution model on Set5 and Set14 beside
bicubic (``gantools eval superres``'s code), optionally written into the model card.

    python benchmarks/superres_quality.py --model superres \
        [--sets ../shared/data/sr/Set5 ../shared/data/sr/Set14] [--update-card]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gantools.api import load
from gantools.plugins.superres.evaluate import evaluate_folder, format_table
from gantools.plugins.superres.task import task
from gantools.score_table import mean_row
from gantools.weights import update_card


def main() -> None:
    parser = argparse.ArgumentParser(description="quality of a shipped SR model")
    parser.add_argument("--model", default=None)
    parser.add_argument("--weights", default=None)
    parser.add_argument("--sets", nargs="+", type=Path,
                        default=[Path("../shared/data/sr/Set5"), Path("../shared/data/sr/Set14")])
    parser.add_argument("--update-card", action="store_true")
    parser.add_argument("--smoke", action="store_true",
                        help="seconds: two shrunk bundled photos, no card update")
    args = parser.parse_args()
    if args.smoke:
        from smoke_data import smoke_folder

        args.sets, args.update_card = [smoke_folder(2, 48)], False
    loaded = load(task, model=args.model, weights=args.weights, device="cpu")
    scale = loaded.config.scale
    metrics = {"protocol": "PSNR-Y/SSIM-Y (BT.601), border = scale, LR = 8-bit bicubic "
                           "downscale of the mod-cropped HR, outputs rounded to 8 bits",
               "precision": str(loaded.dtype).replace("torch.", ""),
               "command": "python " + " ".join(sys.argv)}
    for folder in args.sets:
        scores = evaluate_folder(task, loaded, folder, scale)
        print(f"{folder.name} x{scale}")
        print(format_table(scores, loaded.source.stem))
        mean = mean_row(scores)
        metrics[f"{folder.name}_x{scale}"] = {
            "psnr_y": round(mean.model_psnr, 3), "ssim_y": round(mean.model_ssim, 4),
            "bicubic_psnr_y": round(mean.bicubic_psnr, 3),
            "bicubic_ssim_y": round(mean.bicubic_ssim, 4)}
    if args.update_card:
        update_card(loaded.source, {"metrics": metrics})
        print(f"updated {loaded.source.with_suffix('.json')}")


if __name__ == "__main__":
    main()
