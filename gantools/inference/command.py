"""``gantools NAME INPUT...``: the shared batch command of every image task.

Importing this module must stay light (no torch): ``gantools --help`` builds every
task's command to list it. Torch and the batch machinery load when a command runs.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gantools.cli_options import (
    PRECISION_CHOICES,
    ReportedError,
    dataclass_options,
    friendly_errors,
    given,
)
from gantools.inference.naming import FORMAT_CHOICES

if TYPE_CHECKING:  # pragma: no cover
    from gantools.inference.companion import CompanionSource
    from gantools.inference.outcome import FileOutcome
    from gantools.task import ImageTask

HELP = """{summary}

\b
Outputs are named after their inputs:
  gantools {name} photo.jpg               -> photo{suffix}.jpg beside the input
  gantools {name} photo.jpg -o new.png    -> new.png (one input: -o may be a file)
  gantools {name} photos/ -o out/         -> out/<input's own name>
  gantools {name} photos/ -o out/ --recursive
                                          -> sub-folders mirrored under out/

INPUT is any mix of files, folders and glob patterns. -o is a folder, except for a
single input file, where a name with an image extension (.png, .jpg, .webp, .tif,
.bmp) is the output file itself. --format same keeps each input's format (formats
that cannot be written, such as GIF, become PNG{lossless}). {kept}
An existing output is an error unless --skip-existing or --overwrite is given.
The output folders are checked to be writable before the model runs.
{tiling} Exit code 1 if any file failed, 130 after Ctrl-C.
"""

LOSSLESS = {True: "; so do JPEG and WEBP inputs, so that the pixels this task keeps stay "
                  "bit-exact: pass --format jpg for a JPEG output",
            False: ""}

KEPT = {True: "Alpha, gray, 16 bits, ICC profile and EXIF are kept.",
        False: "Alpha, 16 bits, ICC profile and EXIF are kept; gray inputs give colour "
               "outputs."}
TILING = {True: "Large images are processed in blended tiles (--tile), so memory stays "
                "bounded.",
          False: "Each image is processed whole (this task is never tiled)."}
TILE_OPTIONS = frozenset({"tile", "tile_overlap"})


def _core_params() -> list[click.Parameter]:
    """The argument and options every image command has, in --help order."""
    return [
        click.Argument(["inputs"], nargs=-1, metavar="INPUT...",
                       type=click.Path(path_type=Path)),
        click.Option(["-o", "--out-dir"], type=click.Path(path_type=Path),
                     help="Write outputs into this folder (created when needed); for a "
                          "single input file, FILE.png / .jpg / ... writes that file."),
        click.Option(["--model"], default=None,
                     help="Shipped model name (see 'gantools plugins')."),
        click.Option(["--weights"], type=click.Path(dir_okay=False, path_type=Path),
                     help="Your own exported .safetensors (with its .json card), or a "
                          "community model (.pth/.pt/.ckpt/.safetensors; see 'gantools "
                          "models')."),
        click.Option(["--device"], default="auto", show_default=True,
                     help="auto (cuda, then mps, then cpu), cpu, cuda, cuda:N, mps."),
        click.Option(["--precision"], type=click.Choice(PRECISION_CHOICES),
                     default="auto", show_default=True,
                     help="Compute type: auto = bf16 on GPUs and on CPUs with native bf16 "
                          "(AVX512-BF16/AMX: about 3x faster here, same PSNR), else fp32."),
        TileOption(["--tile"], type=click.IntRange(min=0), default=None,
                   help="Tile side in input pixels, overlap included: each tile shares "
                        "--tile-overlap pixels of context with its neighbours, so it "
                        "brings tile - 2 x overlap new pixels.{overlap}  [default: auto, "
                        "from the device memory; 0 = never tile]"),
        click.Option(["--tile-overlap"], type=click.IntRange(min=0), default=None,
                     help="Context pixels shared by neighbouring tiles.  [default: set by "
                          "the task from the model's receptive field, so that tiled output "
                          "matches untiled output]"),
        click.Option(["--recursive"], is_flag=True, help="Walk sub-folders of folder inputs."),
        click.Option(["--skip-existing"], is_flag=True, help="Leave existing outputs alone."),
        click.Option(["--overwrite"], is_flag=True, help="Replace existing outputs."),
        click.Option(["--format", "fmt"], type=click.Choice(FORMAT_CHOICES), default="same",
                     show_default=True, help="Output format."),
        click.Option(["--quality"], type=click.IntRange(1, 100), default=95, show_default=True,
                     help="JPEG/WEBP quality (100 = lossless WEBP)."),
        click.Option(["--report"], type=click.Path(dir_okay=False, path_type=Path),
                     help="Write a JSON report of every file (status, reason, time)."),
        click.Option(["--progress/--no-progress"], default=None,
                     help="Progress bars.  [default: when stderr is a terminal]"),
        click.Option(["--shard"], metavar="I/N", default=None,
                     help="Process only shard I of N (counted from 1): the sorted inputs "
                          "are dealt round-robin, so that N machines or the tasks of an "
                          "array job share a folder with no overlap."),
    ]


class TileOption(click.Option):
    """``--tile``, whose help names the overlap of the command's default model (read
    from its card when the help is shown, so that building the command stays light)."""

    task: ImageTask | None = None

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        overlap = default_overlap(self.task) if self.task is not None else None
        text = "" if overlap is None else (f" The default model's overlap is {overlap} "
                                           "pixels.")
        saved, self.help = self.help, (self.help or "").replace("{overlap}", text)
        try:
            return super().get_help_record(ctx)
        finally:
            self.help = saved


def default_overlap(task: ImageTask) -> int | None:
    """The tile overlap of ``task``'s default model, from its card; None when the
    task ships none or the card cannot be read."""
    from gantools.weights import WeightsError, find_weights

    if task.default_model is None:
        return None
    try:
        card = find_weights(task.default_model, task=task.name,
                            extra=task.pretrained_dirs).card
        return int(task.tile_overlap(task.config_from_dict(card.get("config", {}))))
    except (WeightsError, TypeError, ValueError):
        return None


CORE_NAMES = frozenset({"inputs", "out_dir", "model", "weights", "device", "precision", "tile",
                        "tile_overlap", "recursive", "skip_existing", "overwrite", "fmt",
                        "quality", "report", "progress", "shard"})


def summarize(outcomes: list[FileOutcome], seconds: float) -> dict[str, Any]:
    """Counts of written / skipped / failed files and the total time."""
    counts = {s: sum(o.status == s for o in outcomes) for s in ("ok", "skipped", "failed")}
    return {"written": counts["ok"], "skipped": counts["skipped"], "failed": counts["failed"],
            "seconds": round(seconds, 3)}


def write_report(path: Path, outcomes: list[FileOutcome], summary: dict[str, Any]) -> None:
    """Write the JSON report atomically: ``{"files": [...], "summary": {...}}``."""
    from gantools.atomic import atomic_write_bytes

    data = {"files": [dataclasses.asdict(o) for o in outcomes], "summary": summary}
    try:
        atomic_write_bytes(path, (json.dumps(data, indent=2) + "\n").encode())
    except OSError as exc:
        raise ReportedError(f"cannot write the report {path}: {exc.strerror or exc}") from exc


def make_image_command(task: ImageTask) -> click.Command:
    """The ``gantools NAME`` command of ``task``: core options plus one option per
    field of ``task.InferOptions``."""
    extra = dataclass_options(task.InferOptions)
    clash = {o.name for o in extra} & CORE_NAMES
    if clash:
        raise ValueError(f"{task.name}: InferOptions field(s) {sorted(clash)} clash with "
                         "core options")

    companion = _companion_params(task)
    clash = {o.name for o in extra} & {o.name for o in companion}
    if clash:
        raise ValueError(f"{task.name}: InferOptions field(s) {sorted(clash)} clash with "
                         "the companion options")

    @friendly_errors
    def run(**values: Any) -> None:
        core = {k: values.pop(k, None) for k in CORE_NAMES}
        pairing = {o.name: values.pop(o.name) for o in companion}
        options = task.InferOptions(**given(values))
        _run(task, options, companions=_companion_source(task, pairing), **core)

    command = click.Command(
        task.name, callback=run, short_help=task.summary,
        help=HELP.format(summary=task.summary or task.name, name=task.name,
                         suffix=task.output_suffix, kept=KEPT[task.keeps_gray],
                         tiling=TILING[task.tileable],
                         lossless=LOSSLESS[task.lossless_outputs]))
    core = [p for p in _core_params() if task.tileable or p.name not in TILE_OPTIONS]
    for param in core:
        if isinstance(param, TileOption):
            param.task = task
    command.params = core[:1] + companion + core[1:] + extra
    return command


def _companion_params(task: ImageTask) -> list[click.Parameter]:
    """``--NAME FILE`` and ``--NAMEs DIR`` for a task with a companion input."""
    spec = task.companion
    if spec is None:
        return []
    return [
        click.Option([f"--{spec.name}", f"{spec.name}_file"],
                     type=click.Path(dir_okay=False, path_type=Path),
                     help=f"{spec.help} Used for every input.".strip()),
        click.Option([f"--{spec.name}s", f"{spec.name}_folder"],
                     type=click.Path(file_okay=False, path_type=Path),
                     help=f"Folder of {spec.name}s: each input's {spec.name} has its stem "
                          f"(sub-folders mirrored with --recursive). Without --{spec.name} "
                          f"or --{spec.name}s: STEM{spec.suffix}.* beside each input."),
    ]


def _companion_source(task: ImageTask, pairing: dict[str, Any]) -> CompanionSource | None:
    """The pairing rule chosen by the user, checked (ReportedError when wrong)."""
    if task.companion is None:
        return None
    from gantools.inference.companion import CompanionSource

    name = task.companion.name
    try:
        return CompanionSource(task.companion, pairing[f"{name}_file"],
                               pairing[f"{name}_folder"])
    except ValueError as exc:
        raise ReportedError(str(exc), exit_code=2) from exc


def _run(task: ImageTask, options: Any, inputs: tuple[Path, ...], out_dir: Path | None,
         model: str | None, weights: Path | None, device: str, precision: str,
         tile: int | None,
         tile_overlap: int | None, recursive: bool, skip_existing: bool, overwrite: bool,
         fmt: str, quality: int, report: Path | None, progress: bool | None,
         companions: CompanionSource | None = None, shard: str | None = None) -> None:
    """Check the options, expand the inputs, load the model once, run the batch (of
    this shard's files only, with ``--shard I/N``)."""
    from gantools.inference.naming import (
        SAME_LOSSLESS,
        check_writable_folder,
        expand_inputs,
        skip_reason,
    )
    from gantools.inference.shard import parse_shard, shard_jobs

    shard_of: tuple[int, int] | None = None
    if shard is not None:
        try:
            shard_of = parse_shard(shard)
        except ValueError as exc:
            raise ReportedError(str(exc), exit_code=2) from exc
    if skip_existing and overwrite:
        raise ReportedError("give --skip-existing or --overwrite, not both", exit_code=2)
    if not inputs:
        raise ReportedError("no INPUT given (files, folders or glob patterns)", exit_code=2)
    jobs = expand_inputs(inputs, recursive)
    if not jobs:
        hint = "" if recursive else " (add --recursive to walk sub-folders)"
        raise ReportedError(f"no input images found in {', '.join(map(str, inputs))}{hint}",
                            exit_code=2)
    check_output_target(out_dir, jobs, fmt)
    from gantools.engine.device import pick_device

    pick_device(device)  # a bad --device is refused before any folder is made
    if fmt == "same" and task.lossless_outputs:
        fmt = SAME_LOSSLESS
    for folder in output_folders(out_dir, jobs):
        try:
            check_writable_folder(folder)
        except ValueError as exc:
            raise ReportedError(str(exc)) from exc
    from gantools.api import load
    from gantools.inference.batch import run_batch
    from gantools.inference.outcome import BatchInterrupted

    if model is None and weights is None:
        model = task.model_for_options(options)
    loaded = load(task, model=model, weights=weights, device=device, precision=precision)
    task = loaded.task  # a community model brings its own scale and tile overlap
    task.check_options(loaded, options)
    loaded = task.prepare_model(loaded, options)
    overlap = task.tile_overlap(loaded.config) if tile_overlap is None else tile_overlap
    if tile and tile <= 2 * overlap:
        raise ReportedError(f"--tile {tile} must be larger than twice the tile overlap "
                            f"({overlap}); raise --tile or lower --tile-overlap", exit_code=2)
    if tile and tile < 4 * overlap:
        click.echo(f"gantools: note: --tile {tile} with a {overlap}-pixel overlap leaves only "
                   f"{tile - 2 * overlap} new pixels per tile (slow); --tile {4 * overlap} or "
                   "more is much faster", err=True)
    total = len(jobs)
    if shard_of is not None:
        suffix = task.suffix_for(loaded.config)

        def excluded(src: Path, root: Path | None) -> bool:
            return skip_reason(src, root, out_dir, suffix, companions) is not None

        jobs = shard_jobs(jobs, *shard_of, excluded=excluded)
    show = sys.stderr.isatty() if progress is None else progress
    start = time.perf_counter()
    interrupted = False
    try:
        outcomes = run_batch(task, loaded, options, jobs, out_dir, fmt, tile, overlap,
                             skip_existing, overwrite, quality, show, companions)
    except BatchInterrupted as stop:
        outcomes, interrupted = stop.outcomes, True
    summary = summarize(outcomes, time.perf_counter() - start)
    if interrupted:
        summary["interrupted"] = True
    line = (f"{summary['written']} written, {summary['skipped']} skipped, "
            f"{summary['failed']} failed in {summary['seconds']:.1f} s")
    if shard_of is not None:
        summary["shard"] = f"{shard_of[0]}/{shard_of[1]}"
        line += f" (shard {summary['shard']}: {len(jobs)} of {total} files)"
    click.echo(("interrupted: " if interrupted else "") + line, err=True)
    if report is not None:
        write_report(report, outcomes, summary)
    if interrupted:
        sys.exit(130)  # SystemExit: not turned into an error line by friendly_errors
    if summary["failed"]:
        sys.exit(1)


def check_output_target(out: Path | None, jobs: list[tuple[Path, Path | None]],
                        fmt: str) -> None:
    """Refuse (exit code 2) ``-o FILE`` for several inputs or a folder input, a name
    that is neither an image file nor a folder, and a ``--format`` that contradicts
    the file's extension."""
    from gantools.inference.naming import FORMAT_SUFFIXES, output_is_file

    if out is None:
        return
    try:
        is_file = output_is_file(out)
    except ValueError as exc:
        raise ReportedError(str(exc), exit_code=2) from exc
    if not is_file:
        return
    if len(jobs) != 1 or jobs[0][1] is not None:
        raise ReportedError(f"-o {out} names one file, but the input is a folder or several "
                            f"files ({len(jobs)} images): give a folder, e.g. "
                            f"-o {out.with_suffix('')}/", exit_code=2)
    wanted = FORMAT_SUFFIXES.get(fmt)
    if wanted is not None and _same_format(out.suffix, wanted) is False:
        raise ReportedError(f"-o {out} with --format {fmt}: the file's extension sets the "
                            "format; drop --format or change the extension", exit_code=2)


def _same_format(suffix: str, wanted: str) -> bool:
    """Whether file extension ``suffix`` writes the format of ``wanted`` (.jpg, ...)."""
    groups = ({".jpg", ".jpeg", ".jpe", ".jfif"}, {".tif", ".tiff"})
    suffix = suffix.lower()
    return suffix == wanted or any(suffix in g and wanted in g for g in groups)


def output_folders(out: Path | None, jobs: list[tuple[Path, Path | None]]) -> list[Path]:
    """The folders outputs go to, to check before the model runs: ``-o``'s folder (or
    the parent of ``-o FILE``), else the existing folders of the inputs."""
    from gantools.inference.naming import output_is_file

    if out is not None:
        return [out.parent if output_is_file(out) else out]
    parents = {src.parent for src, _ in jobs}
    return sorted(p for p in parents if p.is_dir())
