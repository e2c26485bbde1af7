"""Quality of a shipped generator: FID, KID, precision and recall on the test split
(``gantools eval generate``'s code), optionally written into the model card.

    python benchmarks/generate_quality.py --model mnist --data ../shared/data/mnist \
        [-n 10000] [--update-card]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gantools.api import load
from gantools.plugins.generate.evaluate import evaluate_generator, format_table
from gantools.plugins.generate.task import task
from gantools.weights import update_card


def main() -> None:
    parser = argparse.ArgumentParser(description="quality of a shipped generator")
    parser.add_argument("--model", default=None, help="required unless --smoke")
    parser.add_argument("--data", default=None, help="required unless --smoke")
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--update-card", action="store_true")
    parser.add_argument("--smoke", action="store_true",
                        help="seconds: mnist on ../shared/data/mnist (skipped when "
                             "absent), 200 images, no card update")
    args = parser.parse_args()
    if args.smoke:
        args.model, args.data = args.model or "mnist", args.data or "../shared/data/mnist"
        args.n, args.update_card = 200, False
        if not Path(args.data).exists():
            print(f"skipped: {args.data} not found")
            return
    if not args.model or not args.data:
        parser.error("--model and --data are required (or --smoke)")
    loaded = load(task, model=args.model, device="cpu")
    rows = evaluate_generator(task, loaded, args.data, None, args.n, seed=0)
    print(format_table(rows, args.n))
    if args.update_card:
        model_row, real_row = rows[-1], rows[0]
        split = ("test split" if not Path(args.data).is_dir() or any(
            Path(args.data).glob("t10k-*")) else "one half of the folder (the other half "
            "is real_train_split_fid's)")
        metrics = {
            "eval_data": f"{args.data} {split}, {args.n} real vs {args.n} generated",
            "feature_net": loaded.card["eval_features"],
            "fid": round(model_row.fid, 3), "kid": round(model_row.kid_mean, 5),
            "precision": round(model_row.precision, 4), "recall": round(model_row.recall, 4),
            "real_train_split_fid": round(real_row.fid, 3),
            "command": "python " + " ".join(sys.argv),
        }
        update_card(loaded.source, {"metrics": metrics})
        print(f"updated {loaded.source.with_suffix('.json')}")


if __name__ == "__main__":
    main()
