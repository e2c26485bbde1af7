"""Train face-generator recipes side by side at equal CPU time, then score them.

Each recipe is one ``gantools train generate`` process with ``--threads 1``, all
started together; each is stopped (Ctrl-C: a checkpoint, exit 130) once the
process has used ``--cpu-seconds`` of CPU time (user + system, from /proc), so
recipes are compared at the same compute whatever their speed or the machine's
load. ``--eval`` then exports each run's last checkpoint and scores it with
``gantools eval generate`` against the training faces (FID, KID, precision, recall
with the ``features-faces`` network).

    python benchmarks/faces_recipes.py --out ../runs/faces-cmp --cpu-seconds 2400 \\
        --recipes plain shipped
    python benchmarks/faces_recipes.py --out ../runs/faces-cmp --recipes plain shipped \\
        --eval-only
    python benchmarks/faces_recipes.py --out /tmp/x --smoke
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from equal_cpu import GANTOOLS, train_at_equal_cpu

FACE_LABELS = ["--labels-from-name", r"^(?P<age>\d+)_(?P<gender>[01])_", "--label-map",
               "age=0-12:child,13-19:teen,20-39:adult,40-59:middle-aged,60-:senior;"
               "gender=0:male,1:female"]
"""UTKFace names (<age>_<gender>_<race>_<date>.jpg) -> 10 classes: age band x gender."""

COMMON = ["--hflip", "--batch-size", "32", "--size", "64", "--workers", "0"]
RECIPES: dict[str, list[str]] = {
    # the DCGAN paper's recipe as the engine runs it by default: BCE, batch norm in D
    "plain": ["--arch", "dcgan", "--width", "48", "--conditional", "off"],
    # conditional on age band x gender, D augmented as ADA decides (p from 0)
    "shipped": ["--arch", "dcgan", "--width", "48", "--diffaugment",
                "colour,translation,cutout", "--augment-p", "0", "--ada-target", "0.6",
                "--ada-kimg", "20", *FACE_LABELS],
    # tried first: stopped at step 1,000 (checkerboard faces, little diversity)
    "sn-hinge-aug1": ["--arch", "dcgan", "--width", "48", "--d-norm", "spectral", "--loss",
                      "hinge", "--diffaugment", "colour,translation,cutout", *FACE_LABELS],
    "hinge-sn": ["--arch", "dcgan", "--width", "48", "--d-norm", "spectral", "--loss",
                 "hinge", "--conditional", "off"],
    "diffaugment": ["--arch", "dcgan", "--width", "48", "--diffaugment",
                    "colour,translation,cutout", "--conditional", "off"],
    "resnet": ["--arch", "resnet", "--width", "32", "--loss", "hinge", "--diffaugment",
               "colour,translation,cutout", *FACE_LABELS],
    # one lever at a time on top of "plain"
    "wide": ["--arch", "dcgan", "--width", "64", "--conditional", "off"],
    "r1": ["--arch", "dcgan", "--width", "48", "--r1", "1", "--conditional", "off"],
    "resnet-plain": ["--arch", "resnet", "--width", "32", "--conditional", "off"],
    # unconditional, D augmented as ADA decides (p from 0): augments only once D overfits
    "ada": ["--arch", "dcgan", "--width", "48", "--diffaugment", "colour,translation,cutout",
            "--augment-p", "0", "--ada-target", "0.6", "--ada-kimg", "20",
            "--conditional", "off"],
}


def train(recipes: list[str], data: str, out: Path, budget: float, smoke: bool,
          init_from: str = "") -> dict:
    """Run the recipes together at equal CPU time (each generator from ``init_from``'s
    weights when given, its discriminator from scratch); returns {recipe: {cpu_s,
    wall_s, exit, checkpoints}}."""
    commands = {}
    for name in recipes:
        run = out / name
        resume = (run / "checkpoints").exists()
        commands[name] = [
            "train", "generate", "--data", data, "--out", str(run),
            "--steps", "4" if smoke else "1000000", "--threads", "1", "--no-progress",
            "--log-every", "2" if smoke else "100", "--sample-every", "0",
            "--checkpoint-every", "2" if smoke else "1000", *COMMON, *RECIPES[name],
            "--keep-checkpoints", "100", *(["--resume"] if resume else []),
            *(["--init-from", init_from] if init_from and not resume else [])]
    return train_at_equal_cpu(commands, out, budget, 0.2 if smoke else 5.0,
                              run_dirs={name: out / name for name in recipes})


def evaluate(recipes: list[str], data: str, out: Path, n: int) -> dict:
    """Export and score each recipe's run; returns {recipe: eval rows}."""
    scores = {}
    for name in recipes:
        weights = out / f"{name}.safetensors"
        subprocess.run([*GANTOOLS, "export", str(out / name), "-o", str(weights),
                        "--overwrite"], check=True)
        table = out / f"{name}-eval.json"
        subprocess.run([*GANTOOLS, "eval", "generate", "--weights", str(weights), "--data",
                        data, "--features", "features-faces", "-n", str(n), "--json",
                        str(table)], check=True)
        scores[name] = json.loads(table.read_text())
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data/faces/utkface64")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--recipes", nargs="+", default=["plain", "shipped"],
                        choices=sorted(RECIPES))
    parser.add_argument("--cpu-seconds", type=float, default=2400.0)
    parser.add_argument("--init-from", default="",
                        help="start every generator from these weights (e.g. the shipped "
                             "faces), to compare recipes at longer training")
    parser.add_argument("-n", type=int, default=5000, help="images scored per set")
    parser.add_argument("--eval-only", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="4 steps each, 64 images")
    args = parser.parse_args()
    if args.smoke:
        args.cpu_seconds, args.n = 1e9, 64
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.eval_only:
        runs = train(args.recipes, args.data, args.out, args.cpu_seconds, args.smoke,
                     args.init_from)
        print(json.dumps(runs, indent=2))
    scores = evaluate(args.recipes, args.data, args.out, args.n)
    print(json.dumps(scores, indent=2))
    (args.out / "scores.json").write_text(json.dumps(scores, indent=2) + "\n")
    sys.exit(0)


if __name__ == "__main__":
    main()
