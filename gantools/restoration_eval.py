"""Degrade, then score the baseline and the model side by side: the eval of
restoration tasks (``gantools eval NAME`` of a :class:`~gantools.restoration.RestorationTask`),
and its parts for plugins that write their own command.

Protocol of :func:`evaluate_folder`: every image below ``--data`` is read as RGB and
rounded to 8 bits (the clean reference); it is degraded with torch's global generator
seeded with ``seed + index`` (index in the sorted file list), and the degraded image is
clipped and rounded to 8 bits (what a user's photo is). The baseline and the model run
on that image (the model through :func:`gantools.inference.single.infer_image`: tiles,
autocast, clamping, as the batch command), their outputs are rounded to 8 bits, and
PSNR / SSIM are computed on RGB (all channels, no border crop) in float64 against the
clean image (:mod:`gantools.metrics`). The table comes from :mod:`gantools.score_table`.

Light at import (click and the standard library); torch is imported when a command runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gantools.cli_options import (
    ReportedError,
    dataclass_options,
    friendly_errors,
    given,
    model_options,
    precision_option,
)
from gantools.score_table import Column, mean_row, per_image_table

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from gantools.restoration import RestorationTask

EVAL_CORE_NAMES = frozenset({"model", "weights", "device", "data", "seed", "precision",
                             "json_path", "threads"})
"""Options of the eval command that an ``EvalOptions`` field may not reuse."""


@dataclass
class RestorationScore:
    """PSNR (dB) and SSIM of the baseline and of the model on one image."""

    name: str
    baseline_psnr: float
    baseline_ssim: float
    model_psnr: float
    model_ssim: float


def read_rgb(path: str | Path) -> torch.Tensor:
    """One image file as (1, 3, H, W) float32 in [0, 1] (gray repeated, alpha dropped,
    16-bit kept). Raises ImageReadError (an OSError) with a one-line reason."""
    import torch

    from gantools.imageio import read_image, to_float, to_rgb

    pixels = to_float(to_rgb(read_image(path)))  # (H, W, 3) float in [0, 1]
    return torch.from_numpy(pixels).float().permute(2, 0, 1)[None].contiguous()


def to_8bit(image: torch.Tensor) -> torch.Tensor:
    """Clip to [0, 1] and round to the nearest of the 256 8-bit levels (same shape)."""
    return (image.float().clamp(0, 1) * 255).round() / 255


def score_rgb(image: torch.Tensor, clean: torch.Tensor) -> tuple[float, float]:
    """PSNR (dB) and SSIM of one (1, 3, H, W) image against the clean one, RGB, float64.
    Both need at least 11x11 pixels (the SSIM window)."""
    import torch

    from gantools.metrics import psnr, ssim

    a, b = image.to(torch.float64), clean.to(torch.float64)
    return float(psnr(a, b)[0]), float(ssim(a, b)[0])


def evaluate_folder(task: Any, model: Any, data: Path,
                    degrade: Callable[[torch.Tensor], torch.Tensor],
                    baseline: Callable[[torch.Tensor], torch.Tensor] | None = None,
                    seed: int = 0, options: Any = None) -> list[RestorationScore]:
    """Score ``baseline`` and the model on every image below ``data`` (module protocol).

    ``task``, ``model``: an ImageTask and its :class:`gantools.api.LoadedModel`.
    ``degrade``: clean (1, 3, H, W) in [0, 1] on the CPU -> degraded, same shape, drawn
    from torch's global generator (seeded here per image). ``baseline``: degraded ->
    (1, 3, H, W) in [0, 1]; default: the degraded image itself. ``options``: the
    model's InferOptions (default: ``task.InferOptions()``). Raises ReportedError (one
    line) for an empty folder or an image below 11x11 pixels."""
    import torch

    from gantools.imageio import list_images
    from gantools.inference.single import infer_image

    paths = list_images([data], recursive=True)
    if not paths:
        raise ReportedError(f"{data}: no images to evaluate")
    options = task.InferOptions() if options is None else options
    scores = []
    for index, path in enumerate(paths):
        clean = to_8bit(read_rgb(path))
        if min(clean.shape[-2:]) < 11:
            raise ReportedError(f"{path}: SSIM needs images of at least 11x11 pixels")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed + index)
            degraded = degrade(clean.clone())
        if tuple(degraded.shape) != tuple(clean.shape):
            raise ReportedError(f"{path}: the degradation changed the shape "
                                f"{tuple(clean.shape)} to {tuple(degraded.shape)}")
        degraded = to_8bit(degraded)
        base = degraded if baseline is None else to_8bit(baseline(degraded))
        out, _ = infer_image(task, model, options, degraded)
        scores.append(RestorationScore(path.stem, *score_rgb(base, clean),
                                       *score_rgb(to_8bit(out), clean)))
    return scores


def restoration_table(scores: list[RestorationScore], baseline_label: str = "input",
                      model_label: str = "model") -> str:
    """Per-image rows, a rule and the mean: baseline PSNR / SSIM, then the model's."""
    base = f"{baseline_label} PSNR"
    model = f"{model_label} PSNR"
    return per_image_table(scores, [Column(base, max(10, len(base)), ".2f", "baseline_psnr"),
                                    Column("SSIM", 7, ".4f", "baseline_ssim"),
                                    Column(model, max(10, len(model)), ".2f", "model_psnr"),
                                    Column("SSIM", 7, ".4f", "model_ssim")])


def describe_options(options: Any, seed: int) -> str:
    """One line naming the eval options and the seed: ``sigma 25, seed 0``."""
    parts = [f"{f.name.replace('_', ' ')} {_shown(getattr(options, f.name))}"
             for f in fields(options)]
    return ", ".join([*parts, f"seed {seed}"])


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def eval_command(task: RestorationTask) -> click.Command:
    """``gantools eval NAME`` of a restoration task: ``--data`` (clean images), the model
    options, ``--precision``, ``--seed``, ``--json`` and one option per field of
    ``task.EvalOptions``. Degrades with :meth:`~RestorationTask.eval_degrade`, compares
    :meth:`~RestorationTask.baseline` (``baseline_name``) with the model."""
    extra = dataclass_options(task.EvalOptions)
    clash = sorted({o.name for o in extra} & EVAL_CORE_NAMES)
    if clash:
        raise ValueError(f"{task.name}: EvalOptions field(s) {clash} clash with the options "
                         "of gantools eval")

    @friendly_errors
    def run(model: str | None, weights: Path | None, device: str, data: Path, seed: int,
            precision: str, json_path: Path | None, **values: Any) -> None:
        from gantools.api import load

        options = task.EvalOptions(**given(values))
        loaded = load(task, model=model, weights=weights, device=device, precision=precision)
        scores = evaluate_folder(
            task, loaded, data, lambda clean: task.eval_degrade(clean, loaded.config, options),
            lambda degraded: task.baseline(degraded, options), seed)
        click.echo(describe_options(options, seed))
        click.echo(restoration_table(scores, task.baseline_name, loaded.source.stem))
        if json_path is not None:
            rows = [asdict(s) for s in [*scores, mean_row(scores)]]
            payload = {"task": task.name, "model": str(loaded.source), "seed": seed,
                       "options": asdict(options), "baseline": task.baseline_name,
                       "scores": rows}
            json_path.write_text(json.dumps(payload, indent=2) + "\n")

    command = click.Command(
        task.name, callback=run,
        short_help=f"PSNR / SSIM (RGB, 8-bit) of the {task.baseline_name} baseline and the model",
        help=f"PSNR / SSIM (RGB, float64, 8-bit images) of the {task.baseline_name} "
             "baseline and of the model, per image and mean: every clean image of --data is "
             "degraded (seeded: image i uses --seed + i), then restored.")
    command.params = [
        click.Option(["--data"], required=True,
                     type=click.Path(exists=True, file_okay=False, path_type=Path),
                     help="Folder of clean images (sub-folders included)."),
        *_model_params(),
        click.Option(["--seed"], type=int, default=0, show_default=True,
                     help="Seed of the degradation (image i uses seed + i)."),
        click.Option(["--json", "json_path"], type=click.Path(dir_okay=False, path_type=Path),
                     help="Also write the scores as JSON."),
        *extra,
    ]
    return command


def _model_params() -> list[click.Parameter]:
    """--model, --weights, --device and --precision, as every eval command has them."""

    @model_options
    @precision_option("Compute type of the model, as for the task's command.")
    def _holder(**_: Any) -> None:  # pragma: no cover - never called
        pass

    return list(reversed(_holder.__click_params__))
