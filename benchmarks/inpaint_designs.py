"""Inpainting designs trained side by side at equal CPU time, then their validation
curves: hole MAE and PSNR of every checkpoint on photos held out from training
(``colorize_data.py``'s photo split; never Set5/Set14), against the CPU time at
which the checkpoint was written, beside OpenCV Telea, Navier-Stokes and the shipped
``inpaint`` model.

Designs differ in the generator's body (``--body dilated|fourier``); everything else
is shared: the photo split, 128 px crops, batch 16, L1 only, Adam 2e-4, and holes
half from ``masks/irregular`` (NVIDIA's free-form masks), half generated strokes and
boxes (``--mask-mix 0.5``).

    python benchmarks/colorize_data.py --out ../runs/col-data
    python benchmarks/inpaint_designs.py --train ../runs/col-data/train \\
        --val ../runs/col-data/val --out ../runs/inp-cmp --cpu-seconds 2400
    python benchmarks/inpaint_designs.py --val ../runs/col-data/val --out ../runs/inp-cmp \\
        --eval-only
    python benchmarks/inpaint_designs.py --smoke
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from checkpoints import export_step
from equal_cpu import train_at_equal_cpu

from gantools.api import load
from gantools.plugins.inpaint.evaluate import evaluate_folder, summarize
from gantools.plugins.inpaint.task import task

DESIGNS: dict[str, list[str]] = {
    "dilated": ["--body", "dilated"],  # the shipped model's body
    "fourier": ["--body", "fourier"],  # LaMa-style global mixing through the FFT
}
MASKS = "../shared/data/masks/irregular"


def train(designs: list[str], data: str, masks: str, out: Path, budget: float,
          smoke: bool) -> dict:
    """Run the designs together at equal CPU time (see ``equal_cpu``)."""
    commands, runs = {}, {}
    for name in designs:
        runs[name] = out / name
        size = ["--batch-size", "2", "--patch", "32", "--width", "8", "--blocks", "2",
                "--steps", "2", "--checkpoint-every", "1"] if smoke else [
                "--batch-size", "16", "--patch", "128", "--steps", "1000000",
                "--checkpoint-every", "250"]
        commands[name] = [
            "train", "inpaint", "--data", data, "--out", str(runs[name]), *size,
            "--adv-weight", "0", "--lr-g", "2e-4", "--beta1", "0.9", "--masks", masks,
            "--mask-mix", "0.5", "--keep-checkpoints", "1000", "--workers", "0",
            "--threads", "1", "--no-progress", "--sample-every", "0", "--log-every", "1"
            if smoke else "50", *DESIGNS[name],
            *(["--resume"] if (runs[name] / "checkpoints").exists() else [])]
    return train_at_equal_cpu(commands, out, budget, 0.2 if smoke else 5.0, runs)


def subset(val: Path, limit: int | None, work: Path) -> Path:
    """``val`` itself, or a folder of links to ``limit`` of its images spread evenly
    over its name order."""
    from gantools.imageio import list_images

    paths = list_images([val])
    if limit is None or limit >= len(paths):
        return val
    work.mkdir(parents=True, exist_ok=True)
    for i in range(limit):
        path = paths[i * len(paths) // limit]
        (work / path.name).symlink_to(path.resolve())
    return work


def curves(designs: list[str], val: Path, out: Path) -> dict:
    """{design: [{checkpoint, cpu_s, psnr, hole_mae}]} and the baselines' scores."""
    times = json.loads((out / "runs.json").read_text())
    result: dict = {"baselines": None, "val": str(val)}
    for name in designs:
        rows = []
        for ckpt_name, cpu_s in sorted(times[name]["checkpoints"].items()):
            path = out / name / "checkpoints" / ckpt_name
            if not path.exists():
                continue
            with tempfile.TemporaryDirectory() as tmp:
                weights = export_step(out / name, path, Path(tmp) / "w.safetensors",
                                      "float32")
                model = load(task, weights=str(weights), device="cpu")
                table = summarize(evaluate_folder(task, model, val))["overall"]
            rows.append({"checkpoint": ckpt_name, "cpu_s": cpu_s,
                         "psnr": round(table["model"].psnr, 3),
                         "hole_mae": round(table["model"].hole_mae, 3)})
            result["baselines"] = {m: {"psnr": round(table[m].psnr, 3),
                                       "hole_mae": round(table[m].hole_mae, 3)}
                                   for m in ("telea", "ns")}
            print(name, json.dumps(rows[-1]), flush=True)
        result[name] = rows
    shipped = summarize(evaluate_folder(task, load(task, device="cpu"), val))["overall"]
    result["shipped"] = {"psnr": round(shipped["model"].psnr, 3),
                         "hole_mae": round(shipped["model"].hole_mae, 3)}
    return result


def curve_svg(result: dict) -> str:
    """Hole MAE (8-bit levels) of each design's checkpoints over CPU seconds, with the
    baselines and the shipped model as flat lines."""
    from gantools.report.svg import line_plot

    designs = [d for d in DESIGNS if result.get(d)]
    series = [(d, [(r["cpu_s"], r["hole_mae"]) for r in result[d]]) for d in designs]
    xs = [x for _, pts in series for x, _ in pts] or [0.0, 1.0]
    flat = {"OpenCV Telea": result["baselines"]["telea"]["hole_mae"],
            "OpenCV Navier-Stokes": result["baselines"]["ns"]["hole_mae"],
            "shipped inpaint": result["shipped"]["hole_mae"]}
    series += [(name, [(min(xs), y), (max(xs), y)]) for name, y in flat.items()]
    return line_plot("inpaint validation: hole MAE (8-bit levels, lower is better) over "
                     "training CPU time", series, x_label="CPU seconds of training")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", default="../runs/col-data/train")
    parser.add_argument("--val", type=Path, default=Path("../runs/col-data/val"))
    parser.add_argument("--masks", default=MASKS)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--designs", nargs="+", default=list(DESIGNS), choices=list(DESIGNS))
    parser.add_argument("--cpu-seconds", type=float, default=2400.0)
    parser.add_argument("--val-limit", type=int, default=None,
                        help="score this many validation images (spread over the folder)")
    parser.add_argument("--eval-only", action="store_true")
    parser.add_argument("--plot-only", action="store_true",
                        help="only redraw --svg from OUT/curves.json")
    parser.add_argument("--svg", type=Path, default=None, help="write the curves here")
    parser.add_argument("--smoke", action="store_true",
                        help="2 steps each on the bundled samples, with 2 made-up masks")
    args = parser.parse_args()
    if args.smoke:
        from smoke_data import smoke_folder

        work = Path(tempfile.mkdtemp(prefix="gantools-smoke-"))
        args.train = args.val = smoke_folder(3)
        args.masks = str(smoke_masks(work / "masks"))
        args.out, args.cpu_seconds = work / "runs", 1e9
    if args.out is None:
        parser.error("--out is required")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "curves.json"  # beside the curves of designs scored before
    if not args.plot_only:
        if not args.eval_only:
            print(json.dumps(train(args.designs, str(args.train), args.masks, args.out,
                                   args.cpu_seconds, args.smoke), indent=2))
        with tempfile.TemporaryDirectory() as tmp:
            result = curves(args.designs, subset(args.val, args.val_limit, Path(tmp) / "val"),
                            args.out)
        earlier = json.loads(path.read_text()) if path.exists() else {}
        path.write_text(json.dumps({**earlier, **result}, indent=2) + "\n")
        print(json.dumps({"baselines": result["baselines"],
                          "shipped inpaint": result["shipped"]}))
    if args.svg is not None or args.smoke:
        svg = args.svg or args.out / "curves.svg"
        svg.write_text(curve_svg(json.loads(path.read_text())))
        print(f"wrote {svg}")


def smoke_masks(folder: Path) -> Path:
    """Two small free-form-like masks (white = hole) for the smoke run."""
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True)
    for i in range(2):
        mask = np.zeros((64, 64), np.uint8)
        mask[8 + 10 * i:30 + 10 * i, 10:50] = 255
        Image.fromarray(mask).save(folder / f"{i}.png")
    return folder


if __name__ == "__main__":
    main()
