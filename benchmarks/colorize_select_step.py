"""Choose which checkpoint of one or more colorize runs to ship, on a validation folder
held out from the training data (never on Set5/Set14).

Candidates: every checkpoint of the runs (or those named by ``--only RUN:STEP``),
each at every chroma gain of ``--gains`` (default 1 alone; the gain multiplies the
predicted a*b* at inference and is stored in the card as ``chroma_gain``) and, for
runs with the colour-class head (``--head classes``), every annealed-mean
temperature of ``--temperatures`` (default: the run's own; the chosen one is
written into the exported card's config).

Rule: among candidates whose validation PSNR is at least ``--min-gain`` dB above the
grayscale baseline's (no PSNR condition when not given) and whose colourfulness is at
least ``--min-colour-ratio`` times the ground truth's, the best PSNR; if none
qualifies, the checkpoint closest to qualifying (largest min of the two ratios
achieved / required), or nothing with ``--strict``.

With ``--keep-fraction F`` the rule has three stages instead: the checkpoint with the
best validation PSNR at gain 1; its calibrated gain g*, the gain of ``--gains`` with
the best validation PSNR (its lead over gray must be at least ``--min-gain`` dB, else
nothing is chosen); then the largest gain at or above g* whose PSNR lead over gray is
still at least F times the lead at g*. A PSNR-optimal prediction's PSNR is flat around
its optimum, so part of its lead over gray buys colour.

Prints every checkpoint's scores and the choice; ``--export`` writes that checkpoint's
EMA generator like ``gantools export``.

    python benchmarks/colorize_select_step.py RUN_DIR [RUN_DIR...] --val VAL_DIR
        [--only RUN:STEP ...] [--gains 1.0 1.1 ...] [--temperatures 0.38 1.0 ...]
        [--size 256] [--min-gain DB] [--min-colour-ratio R] [--strict]
        [--keep-fraction F]
        [--export OUT.safetensors --dtype float16] [--scored LOG ...]

``--scored`` adds the score lines that earlier runs of this script printed (saved
logs) to the exported card, beside this run's own, so that a selection spread over
several runs is recorded in full; the rule applies to this run's candidates only.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from checkpoints import export_step

from gantools.api import load
from gantools.engine import checkpoint as ckpt
from gantools.plugins.colorize.evaluate import ImageScore, evaluate_folder
from gantools.plugins.colorize.task import task
from gantools.score_table import mean_row


@dataclass
class Candidate:
    """One checkpoint of a run at one chroma gain (and annealed-mean temperature, for
    the colour-class head), and its mean validation scores."""

    run: Path
    step: int
    path: Path
    chroma_gain: float
    temperature: float | None
    score: ImageScore

    @property
    def name(self) -> str:
        at_t = "" if self.temperature is None else f"T{self.temperature:g}"
        return f"{self.run.name}:{self.step}@{self.chroma_gain:g}{at_t}"

    @property
    def psnr_gain(self) -> float:
        """Validation PSNR over the grayscale baseline's, dB."""
        return self.score.model_psnr - self.score.gray_psnr

    @property
    def colour_ratio(self) -> float:
        """Validation colourfulness / the ground truth's."""
        return self.score.model_colourfulness / self.score.truth_colourfulness


def score_runs(runs: list[Path], val: Path, size: int, gains: list[float],
               only: set[str] | None = None,
               temperatures: list[float] | None = None) -> list[Candidate]:
    """The checkpoints of ``runs`` (those named "RUN:STEP" in ``only``, if given) at
    each chroma gain (and temperature, for class-head runs), scored on ``val`` at
    working size ``size``."""
    found = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in runs:
            for step, path in ckpt.list_checkpoints(run / "checkpoints"):
                if only is not None and f"{run.name}:{step}" not in only:
                    continue
                weights = export_step(run, path, Path(tmp) / f"{run.name}-{step}.safetensors",
                                      "float32")
                model = load(task, weights=weights, device="cpu")
                own = getattr(model.generator, "temperature", None)
                temps = [None] if own is None else (temperatures or [own])
                for temperature, gain in [(t, g) for t in temps for g in gains]:
                    if temperature is not None:
                        model.generator.temperature = temperature
                    cand = Candidate(run, step, path, gain, temperature, mean_row(
                        evaluate_folder(task, model, val, size, saturation=gain)))
                    found.append(cand)
                    s = cand.score
                    print(f"{cand.name:28s} PSNR {s.model_psnr:6.2f} (gray {s.gray_psnr:5.2f}, "
                          f"{cand.psnr_gain:+.3f})  colourfulness {s.model_colourfulness:5.1f} "
                          f"(truth {s.truth_colourfulness:5.1f}, {cand.colour_ratio:.3f})",
                          flush=True)
    return found


SCORE_LINE = re.compile(r"^(\S+)\s+PSNR\s+([\d.]+) \(gray ([\d.]+), [^)]*\)\s+"
                        r"colourfulness\s+([\d.]+) \(truth\s+([\d.]+),")


def scores_from_logs(logs: list[Path]) -> dict[str, dict[str, float]]:
    """Candidate name -> scores, read from the lines :func:`score_runs` printed (at
    their printed precision)."""
    scores = {}
    for log in logs:
        for line in log.read_text().splitlines():
            match = SCORE_LINE.match(line)
            if match:
                name, psnr, gray, colour, truth = match.groups()
                scores[name] = {"psnr": float(psnr), "colourfulness": float(colour),
                                "gray_psnr": float(gray), "truth_colourfulness": float(truth)}
    return scores


def choose(found: list[Candidate], min_gain: float | None, min_ratio: float,
           strict: bool = False) -> Candidate | None:
    """Best PSNR among the qualifying candidates, else the one closest to qualifying
    (None when ``strict``)."""
    def qualifies(c: Candidate) -> bool:
        return (min_gain is None or c.psnr_gain >= min_gain) and c.colour_ratio >= min_ratio

    eligible = [c for c in found if qualifies(c)]
    if eligible:
        return max(eligible, key=lambda c: c.score.model_psnr)
    if strict:
        print("no checkpoint qualifies: nothing chosen (--strict)")
        return None

    def closeness(c: Candidate) -> float:
        parts = [c.colour_ratio / min_ratio]
        if min_gain is not None and min_gain > 0:
            parts.append(c.psnr_gain / min_gain)
        return min(parts)

    print("no checkpoint qualifies: taking the one closest to qualifying")
    return max(found, key=closeness)


def calibrated_choice(gains: list[Candidate], fraction: float,
                      min_gain: float | None) -> Candidate | None:
    """One checkpoint scored at several gains: the gain g* of best PSNR (None when its
    lead over gray is below ``min_gain`` dB), then the largest gain >= g* whose lead is
    at least ``fraction`` times g*'s."""
    best = max(gains, key=lambda c: c.score.model_psnr)
    if min_gain is not None and best.psnr_gain < min_gain:
        print(f"{best.name}: best lead over gray {best.psnr_gain:+.3f} dB is below "
              f"--min-gain {min_gain}: nothing chosen")
        return None
    keeping = [c for c in gains if c.chroma_gain >= best.chroma_gain
               and c.psnr_gain >= fraction * best.psnr_gain]
    return max(keeping, key=lambda c: c.chroma_gain)


def smoke_run() -> tuple[list[Path], Path, int, Path]:
    """(runs, validation folder, size, export path) of a tiny 2-step colorize run
    trained here on shrunk bundled photos, for ``--smoke``."""
    import tempfile

    from smoke_data import smoke_folder

    import gantools

    work = Path(tempfile.mkdtemp(prefix="gantools-smoke-"))
    gantools.train("colorize", data=str(smoke_folder(4, 64)), out=str(work / "run"),
                   steps=2, batch_size=2, checkpoint_every=1, sample_every=0, n_samples=2,
                   device="cpu", width=4, levels=3, max_width=8, patch=32, d_width=4,
                   progress=False, command=["smoke"])
    return [work / "run"], smoke_folder(2, 48), 32, work / "chosen.safetensors"


def main() -> None:
    parser = argparse.ArgumentParser(description="pick a colorize checkpoint on validation")
    parser.add_argument("runs", type=Path, nargs="*", help="required unless --smoke")
    parser.add_argument("--val", type=Path, default=None, help="required unless --smoke")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--only", nargs="+", default=None, metavar="RUN:STEP",
                        help="score only these checkpoints (run folder name:step)")
    parser.add_argument("--gains", nargs="+", type=float, default=[1.0],
                        help="chroma gains to try at inference (default: 1)")
    parser.add_argument("--temperatures", nargs="+", type=float, default=None,
                        help="annealed-mean temperatures for class-head runs "
                             "(default: the run's own)")
    parser.add_argument("--min-gain", type=float, default=None,
                        help="required validation PSNR over gray, dB (default: none)")
    parser.add_argument("--min-colour-ratio", type=float, default=0.5,
                        help="required colourfulness / the truth's (default 0.5)")
    parser.add_argument("--strict", action="store_true",
                        help="choose nothing when no candidate qualifies")
    parser.add_argument("--keep-fraction", type=float, default=None,
                        help="two-stage rule: best checkpoint at gain 1, then the largest "
                             "gain keeping this fraction of its PSNR gain over gray")
    parser.add_argument("--export", type=Path, default=None)
    parser.add_argument("--dtype", default="float16")
    parser.add_argument("--scored", nargs="+", type=Path, default=[],
                        help="logs of earlier runs of this script, recorded in the card")
    parser.add_argument("--smoke", action="store_true",
                        help="seconds: a 2-step tiny run on shrunk bundled photos, scored "
                             "at 32 px, exported into a temporary folder")
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.val, args.size, args.export = smoke_run()
    if not args.runs or args.val is None:
        parser.error("RUN_DIR and --val are required (or --smoke)")
    only = set(args.only) if args.only else None
    if args.keep_fraction is None:
        found = score_runs(args.runs, args.val, args.size, args.gains, only,
                           args.temperatures)
        best = choose(found, args.min_gain, args.min_colour_ratio, args.strict)
    else:
        found = score_runs(args.runs, args.val, args.size, [1.0], only, args.temperatures)
        best = max(found, key=lambda c: c.score.model_psnr)
        print(f"checkpoint: {best.name}; its gains:")
        temps = None if best.temperature is None else [best.temperature]
        more = score_runs([best.run], args.val, args.size,
                          [g for g in args.gains if g != 1.0],
                          {f"{best.run.name}:{best.step}"}, temps)
        found += more
        best = calibrated_choice([best, *more], args.keep_fraction, args.min_gain)
    if best is None:
        return
    print(f"chosen: {best.name} (validation PSNR "
          f"{best.score.model_psnr:.2f}, colourfulness {best.score.model_colourfulness:.1f})")
    if args.export:
        gain = "" if args.min_gain is None else (
            f"PSNR at least {args.min_gain} dB above the grayscale baseline's and ")
        rule = (f"best validation RGB PSNR among checkpoints (x chroma gains) with "
                f"{gain}colourfulness at least {args.min_colour_ratio} of the ground truth's")
        if args.keep_fraction is not None:
            rule = (f"checkpoint: best validation RGB PSNR at gain 1; calibrated gain g*: "
                    f"best PSNR among {args.gains} (at least {args.min_gain} dB above "
                    f"gray); chroma gain: the largest >= g* keeping {args.keep_fraction} "
                    f"of g*'s PSNR lead over gray")
        selection = {
            "rule": rule,
            "validation": str(args.val), "size": args.size,
            "scores": {**scores_from_logs(args.scored), **{c.name: {
                "psnr": round(c.score.model_psnr, 3),
                "colourfulness": round(c.score.model_colourfulness, 2),
                "gray_psnr": round(c.score.gray_psnr, 3),
                "truth_colourfulness": round(c.score.truth_colourfulness, 2)} for c in found}},
            "chosen": best.name, "chosen_step": best.step}
        written = export_step(best.run, best.path, args.export, args.dtype,
                              {"checkpoint_selection": selection,
                               "chroma_gain": best.chroma_gain}, best.temperature)
        print(f"wrote {written}")


if __name__ == "__main__":
    main()
