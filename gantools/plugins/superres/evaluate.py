"""``gantools eval superres``: PSNR-Y / SSIM-Y (and NIQE) of bicubic and the model.

With ground truth (the default): the SR-literature protocol. Each HR image is cropped
to a multiple of the scale, the LR input is its bicubic (antialiased, MATLAB-like)
downscale saved as 8-bit, then degraded as ``--degrade`` says (see
:mod:`gantools.plugins.superres.eval_degrade`), outputs are rounded to 8 bits, and
metrics are computed on the BT.601 Y channel with ``scale`` border pixels cropped, in
float64. ``--niqe`` adds the no-reference NIQE of each output (:mod:`gantools.niqe`).

Without ground truth (``--no-reference``): the images are the inputs as they are (real
photos); bicubic and the model upscale them and NIQE scores both outputs.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import numpy as np
from PIL import Image

from gantools.cli_options import ReportedError, friendly_errors, model_options, precision_option
from gantools.score_table import Column, mean_row, per_image_table

if TYPE_CHECKING:  # pragma: no cover
    from gantools.plugins.superres.task import SuperresTask


@dataclass
class ImageScore:
    """Scores of one evaluation image."""

    name: str
    bicubic_psnr: float
    bicubic_ssim: float
    model_psnr: float | None = None
    model_ssim: float | None = None
    bicubic_niqe: float | None = None
    model_niqe: float | None = None


@dataclass
class NiqeScore:
    """NIQE of one real photo's upscales (no ground truth): lower is more natural."""

    name: str
    bicubic_niqe: float
    model_niqe: float | None = None


def lr_pair(hr: np.ndarray, scale: int) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, 3) uint8 HR -> (mod-cropped HR, its 8-bit bicubic downscale)."""
    h, w = hr.shape[0] - hr.shape[0] % scale, hr.shape[1] - hr.shape[1] % scale
    hr = hr[:h, :w]
    lr = Image.fromarray(hr).resize((w // scale, h // scale), Image.Resampling.BICUBIC)
    return hr, np.asarray(lr)


def bicubic_up(lr: np.ndarray, scale: int) -> np.ndarray:
    """The classical baseline: PIL bicubic upscaling of an (h, w, 3) uint8 image."""
    h, w = lr.shape[:2]
    return np.asarray(Image.fromarray(lr).resize((w * scale, h * scale),
                                                 Image.Resampling.BICUBIC))


def y_scores(out: np.ndarray, hr: np.ndarray, scale: int) -> tuple[float, float]:
    """PSNR-Y and SSIM-Y of an 8-bit output against the HR image."""
    import torch

    from gantools.metrics import psnr_y, ssim_y
    from gantools.tensors import from_hwc_uint8

    a, b = from_hwc_uint8(out, torch.float64), from_hwc_uint8(hr, torch.float64)
    return float(psnr_y(a, b, scale)[0]), float(ssim_y(a, b, scale)[0])


def read_rgb8(path: Path) -> np.ndarray:
    """(H, W, 3) uint8 RGB of an image file (16-bit images reduced to 8 bits: the
    protocol is 8-bit)."""
    from gantools.imageio import read_image, to_rgb, to_uint8

    return to_uint8(to_rgb(read_image(path)))


def upscale(task: SuperresTask, model: Any, lr: np.ndarray) -> np.ndarray:
    """The model's 8-bit upscale of an (h, w, 3) uint8 image (tiled as the CLI does)."""
    from gantools.inference.single import infer_image
    from gantools.tensors import from_hwc_uint8, to_hwc_uint8

    out, _ = infer_image(task, model, None, from_hwc_uint8(lr))
    return to_hwc_uint8(out[0])


def niqe_of(img: np.ndarray, scale: int, niqe_model: Any) -> float:
    """NIQE of an upscaled image, ``scale`` border pixels cropped."""
    from gantools.niqe import niqe

    return niqe(img, niqe_model, border=scale)


def image_paths(data: Path) -> list[Path]:
    """The images of an eval folder; refused in one line when there are none."""
    from gantools.imageio import list_images

    paths = list_images([data])
    if not paths:
        raise ReportedError(f"{data}: no images to evaluate")
    return paths


def save_strip(save: Path | None, name: str, panels: list[np.ndarray]) -> None:
    """Write equally tall (h, w, 3) uint8 panels side by side as ``save/name.png``."""
    if save is None:
        return
    from gantools.imageio import write_image

    save.mkdir(parents=True, exist_ok=True)
    write_image(save / f"{name}.png", np.concatenate(panels, axis=1))


def evaluate_folder(task: SuperresTask, model: Any | None, data: Path, scale: int,
                    save: Path | None = None, degrade: str = "clean",
                    niqe_model: Any | None = None) -> list[ImageScore]:
    """Score every image of ``data`` (bicubic, and the model when given) on LR inputs
    degraded as ``degrade`` says; NIQE too when ``niqe_model`` is given."""
    from gantools.plugins.superres.eval_degrade import degrade_lr

    scores = []
    for path in image_paths(data):
        hr, lr = lr_pair(read_rgb8(path), scale)
        lr = degrade_lr(lr, degrade, path.name)
        bic = bicubic_up(lr, scale)
        score = ImageScore(path.stem, *y_scores(bic, hr, scale))
        row = [bic]
        if model is not None:
            sr = upscale(task, model, lr)
            score.model_psnr, score.model_ssim = y_scores(sr, hr, scale)
            row.append(sr)
        if niqe_model is not None:
            score.bicubic_niqe = niqe_of(bic, scale, niqe_model)
            if model is not None:
                score.model_niqe = niqe_of(row[-1], scale, niqe_model)
        scores.append(score)
        save_strip(save, path.stem, [*row, hr])
    return scores


def evaluate_no_reference(task: SuperresTask, model: Any | None, data: Path, scale: int,
                          niqe_model: Any, save: Path | None = None) -> list[NiqeScore]:
    """NIQE of bicubic's and the model's upscales of every image of ``data``, taken as
    the inputs they are (no ground truth)."""
    scores = []
    for path in image_paths(data):
        lr = read_rgb8(path)
        bic = bicubic_up(lr, scale)
        score = NiqeScore(path.stem, niqe_of(bic, scale, niqe_model))
        row = [bic]
        if model is not None:
            row.append(upscale(task, model, lr))
            score.model_niqe = niqe_of(row[-1], scale, niqe_model)
        scores.append(score)
        save_strip(save, path.stem, row)
    return scores


def format_table(scores: list[ImageScore] | list[NiqeScore], label: str) -> str:
    """Per-image rows and the mean: bicubic PSNR-Y / SSIM-Y (with ground truth) and
    NIQE (when scored), then the same for the model."""
    first = scores[0]
    reference = isinstance(first, ImageScore)
    niqe = first.bicubic_niqe is not None
    scored_model = first.model_niqe is not None or getattr(first, "model_psnr", None) is not None
    who_field = [("bicubic", "bicubic")] + ([(label, "model")] if scored_model else [])
    columns = []
    for who, field in who_field:
        width = max(14, len(who) + 7)
        if reference:
            columns += [Column(f"{who} PSNR-Y", width + 1, ".2f", f"{field}_psnr"),
                        Column("SSIM-Y", 7, ".4f", f"{field}_ssim")]
        if niqe:
            columns.append(Column("NIQE" if reference else f"{who} NIQE", 6 if reference
                                  else width, ".2f", f"{field}_niqe"))
    return per_image_table(scores, columns)


def eval_command(task: SuperresTask) -> click.Command:
    @click.command("superres")
    @model_options
    @click.option("--data", required=True, type=click.Path(exists=True, path_type=Path),
                  help="Folder of high-resolution images (e.g. Set5, Set14).")
    @click.option("--scale", type=click.Choice(["2", "3", "4"]), default=None,
                  help="Scale (default: the model's).")
    @precision_option("Compute type of the model, as for 'gantools superres'.")
    @click.option("--degrade", type=click.Choice(["clean", "jpeg", "noise-jpeg", "blur-jpeg"]),
                  default="clean", show_default=True,
                  help="What the LR inputs carry besides the bicubic downscale: clean (the "
                       "literature protocol), jpeg (quality 60), noise-jpeg (sigma 8/255, "
                       "quality 75) or blur-jpeg (sigma 1.2, quality 75); Pillow's JPEG, "
                       "seeded noise.")
    @click.option("--niqe", "with_niqe", is_flag=True,
                  help="Also score each output's NIQE (no-reference naturalness, lower is "
                       "better).")
    @click.option("--no-reference", is_flag=True,
                  help="The images are real photos without ground truth: upscale them as "
                       "they are and report NIQE of bicubic and the model.")
    @click.option("--niqe-params", type=click.Path(exists=True, dir_okay=False,
                                                   path_type=Path),
                  help="NIQE pristine model: gantools's JSON, or the MATLAB release's "
                       "parameters as BasicSR ships them (niqe_pris_params.npz); default: "
                       "the one fitted by gantools (benchmarks/niqe_fit.py).")
    @click.option("--texture", type=click.FloatRange(0.0, 1.0), default=0.0,
                  show_default=True,
                  help="As for 'gantools superres': this share of superres-real-gan "
                       "blended into superres-real.")
    @click.option("--bicubic-only", is_flag=True, help="Score the bicubic baseline alone.")
    @click.option("--save", type=click.Path(file_okay=False, path_type=Path),
                  help="Write bicubic | model | HR comparison strips here.")
    @click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
                  help="Also write the scores as JSON.")
    @friendly_errors
    def command(model, weights, device, data, scale, precision, degrade, with_niqe,
                no_reference, niqe_params, texture, bicubic_only, save, json_path) -> None:
        """PSNR-Y / SSIM-Y (BT.601, border = scale) of bicubic and the model, per
        image and mean; LR inputs are bicubic downscales of the mod-cropped HR, degraded
        as --degrade says. --no-reference scores real photos without ground truth by
        NIQE instead."""
        from gantools.api import load
        from gantools.niqe import PristineModel, default_model

        loaded = None if bicubic_only else load(task, model=model, weights=weights,
                                                device=device, precision=precision)
        if loaded is not None:  # --texture: the same hook as 'gantools superres'
            loaded = task.prepare_model(loaded, task.InferOptions(texture=texture))
        factor = int(scale) if scale else (loaded.config.scale if loaded else 4)
        if loaded is not None and loaded.config.scale != factor:
            raise ReportedError(f"the model upscales x{loaded.config.scale}, not x{factor}")
        niqe_model = None
        if with_niqe or no_reference:
            niqe_model = PristineModel.load(niqe_params) if niqe_params else default_model()
        if no_reference:
            scores = evaluate_no_reference(task, loaded, data, factor, niqe_model, save)
        else:
            scores = evaluate_folder(task, loaded, data, factor, save, degrade, niqe_model)
        label = loaded.source.stem if loaded else ""
        click.echo(format_table(scores, f"{label} texture {texture:g}" if texture else label))
        if json_path:
            json_path.write_text(json.dumps([asdict(s) for s in [*scores, mean_row(scores)]],
                                            indent=2) + "\n")

    return command
