"""The smooth-to-sharp curve of network interpolation (``gantools blend``): blends of a
PSNR-oriented x4 model A and its GAN fine-tune B at several weights, each scored on
the same held-out photos and degradations in one run, as
``benchmarks/superres_real_quality.py`` scores models: PSNR-Y gain over bicubic,
NIQE (MATLAB parameters) and the grid score per degradation.

    python benchmarks/superres_blend_curve.py --a superres-real \
        --b gantools/pretrained/superres-real-gan.safetensors \
        --weights 0 0.25 0.5 0.75 1 --data ../runs/sr-real-data/val --json curve.json
    python benchmarks/superres_blend_curve.py --a stages/superres-real-2z.safetensors \
        --b stages/superres-real-gan13.safetensors --weights 0.3 0.5 --ramp --limit 24
    python benchmarks/superres_blend_curve.py --smoke

``--ramp`` scores depth-ramped blends (``gantools blend --ramp``: B's share from 0 at the
first layer to the weight at the last) in place of uniform ones.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import torch
from superres_real_quality import add_run_arguments, methods, run, standard_niqe_params

from gantools.niqe import PristineModel, default_model
from gantools.plugins.superres.eval_degrade import DEGRADATIONS
from gantools.weight_blend import blend_files
from gantools.weights import weights_file


def blends(a: Path, b: Path, weights: list[float], folder: Path,
           ramp: bool = False) -> list[str]:
    """One blend file per weight in ``folder`` (blend-0.25.safetensors, or
    ramp-0.25.safetensors with ``ramp``)."""
    kind = "ramp" if ramp else "blend"
    return [str(blend_files(a, b, w, folder / f"{kind}-{w:g}.safetensors", ramp=ramp))
            for w in weights]


def curve(results: dict) -> list[dict]:
    """Per blend: gains over bicubic, NIQE and grid score per degradation, mean NIQE."""
    rows = []
    for method in (m for m in next(iter(results.values())) if m != "bicubic"):
        row = {"method": method}
        for degrade, scores in results.items():
            base = scores["bicubic"]["psnr_y"]
            row[degrade] = {"gain_db": round(scores[method]["psnr_y"] - base, 3),
                            "niqe": scores[method]["niqe"],
                            "grid_db": scores[method]["grid_db"]}
        row["mean_niqe"] = round(sum(row[d]["niqe"] for d in results) / len(results), 3)
        rows.append(row)
    return rows


def print_curve(rows: list[dict], degrades: list[str]) -> None:
    print(f"{'blend':<14} " + " ".join(f"{d + ' gain/NIQE/grid':>27}" for d in degrades)
          + f" {'mean NIQE':>9}")
    for row in rows:
        cells = " ".join(f"{row[d]['gain_db']:+9.3f} {row[d]['niqe']:7.2f} "
                         f"{row[d]['grid_db']:7.2f}  " for d in degrades)
        print(f"{row['method']:<14} {cells} {row['mean_niqe']:9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--a", default="superres-real", help="the PSNR-oriented model")
    parser.add_argument("--b", default="superres-real-gan", help="its GAN fine-tune")
    parser.add_argument("--weights", nargs="+", type=float, default=[0, 0.25, 0.5, 0.75, 1],
                        help="shares of B to score")
    parser.add_argument("--ramp", action="store_true",
                        help="depth-ramped blends: B's share from 0 at the first layer to "
                             "the weight at the last")
    parser.add_argument("--data", type=Path, default=Path("../runs/sr-real-data/val"))
    parser.add_argument("--degrade", nargs="+", default=["jpeg", "noise-jpeg", "blur-jpeg"],
                        choices=list(DEGRADATIONS))
    add_run_arguments(parser)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.smoke:
        from smoke_data import smoke_folder

        args.data, args.degrade, args.limit, args.weights = smoke_folder(2, 200), ["jpeg"], 2, [0.5]
        args.b, args.json, args.ramp = args.a, None, True
    niqe_model = default_model() if args.smoke else PristineModel.load(standard_niqe_params())
    a, b = weights_file(args.a), weights_file(args.b)
    with tempfile.TemporaryDirectory() as tmp:
        found = methods(blends(a, b, args.weights, Path(tmp), args.ramp), peers=False)
        results = run(args.data, args.degrade, found, niqe_model, args.limit, None)
    rows = curve(results)
    print(f"{args.data}: A = {a.name}, B = {b.name}, x4, NIQE params: "
          f"{'shipped' if args.smoke else 'standard'}")
    print_curve(rows, args.degrade)
    if args.json:
        args.json.write_text(json.dumps({"command": "python " + " ".join(sys.argv),
                                         "a": str(a), "b": str(b), "ramp": args.ramp,
                                         "curve": rows,
                                         "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
