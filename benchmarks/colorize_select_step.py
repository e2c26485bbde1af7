"""Choose which checkpoint of a colorize run to ship, on a validation folder held out
from the training data (never on Set5/Set14): the step with the best mean RGB PSNR
among those whose colourfulness is at least half the ground truth's (the issue's two
criteria). Prints every checkpoint's scores and the chosen step; ``--export`` writes
that step's EMA generator like ``gantools export``.

    python benchmarks/colorize_select_step.py RUN_DIR --val VAL_DIR [--size 256]
        [--export OUT.safetensors --dtype float16]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from gantools.api import load
from gantools.commands.export import export_run
from gantools.engine import checkpoint as ckpt
from gantools.plugins.colorize.evaluate import evaluate_folder, mean_score
from gantools.plugins.colorize.task import task


def export_step(run: Path, path: Path, out: Path, dtype: str,
                extra: dict | None = None) -> Path:
    """Export checkpoint ``path`` of ``run`` (export_run takes a run's newest one)."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / run.name
        (copy / "checkpoints").mkdir(parents=True)
        shutil.copy(run / "config.json", copy / "config.json")
        (copy / "checkpoints" / path.name).symlink_to(path.resolve())
        return export_run(copy, out, extra_card=extra, dtype=dtype)


def main() -> None:
    parser = argparse.ArgumentParser(description="pick a colorize checkpoint on validation")
    parser.add_argument("run", type=Path)
    parser.add_argument("--val", type=Path, required=True)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--export", type=Path, default=None)
    parser.add_argument("--dtype", default="float16")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for step, path in ckpt.list_checkpoints(args.run / "checkpoints"):
            weights = export_step(args.run, path, Path(tmp) / f"s{step}.safetensors", "float32")
            mean = mean_score(evaluate_folder(task, load(task, weights=weights, device="cpu"),
                                              args.val, args.size))
            ok = mean.model_colourfulness >= 0.5 * mean.truth_colourfulness
            rows.append((step, mean, ok))
            print(f"step {step:6d}  PSNR {mean.model_psnr:6.2f} (gray {mean.gray_psnr:5.2f})  "
                  f"colourfulness {mean.model_colourfulness:5.1f} (truth "
                  f"{mean.truth_colourfulness:5.1f}){'' if ok else '  too gray'}", flush=True)
    eligible = [r for r in rows if r[2]] or rows
    step, mean, _ = max(eligible, key=lambda r: r[1].model_psnr)
    print(f"chosen: step {step} (validation PSNR {mean.model_psnr:.2f}, colourfulness "
          f"{mean.model_colourfulness:.1f})")
    if args.export:
        path = dict(ckpt.list_checkpoints(args.run / "checkpoints"))[step]
        selection = {
            "rule": "best validation RGB PSNR among checkpoints whose colourfulness is at "
                    "least half the ground truth's",
            "validation": str(args.val), "size": args.size,
            "scores": {str(s): {"psnr": round(m.model_psnr, 3),
                                "colourfulness": round(m.model_colourfulness, 2),
                                "gray_psnr": round(m.gray_psnr, 3),
                                "truth_colourfulness": round(m.truth_colourfulness, 2)}
                       for s, m, _ in rows},
            "chosen_step": step}
        written = export_step(args.run, path, args.export, args.dtype,
                              {"checkpoint_selection": selection})
        print(f"wrote {written}")


if __name__ == "__main__":
    main()
