"""``gantools eval superres``: PSNR-Y / SSIM-Y of bicubic and the model, side by side.

The SR-literature protocol: each HR image is cropped to a multiple of the scale, the
LR input is its bicubic (antialiased, MATLAB-like) downscale saved as 8-bit, outputs
are rounded to 8 bits, and metrics are computed on the BT.601 Y channel with
``scale`` border pixels cropped, in float64.
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


def evaluate_folder(task: SuperresTask, model: Any | None, data: Path, scale: int,
                    save: Path | None = None) -> list[ImageScore]:
    """Score every image of ``data`` (bicubic, and the model when given)."""
    import torch

    from gantools.engine.device import autocast
    from gantools.imageio import from_float, list_images, read_image, to_float, to_rgb, write_image
    from gantools.tensors import from_hwc_uint8, to_hwc_uint8

    paths = list_images([data])
    if not paths:
        raise ReportedError(f"{data}: no images to evaluate")
    scores = []
    for path in paths:
        pixels = to_rgb(read_image(path))
        if pixels.dtype != np.uint8:  # the protocol is 8-bit: reduce 16-bit images first
            pixels = from_float(to_float(pixels), 8)
        hr, lr = lr_pair(pixels, scale)
        bic = bicubic_up(lr, scale)
        score = ImageScore(path.stem, *y_scores(bic, hr, scale))
        row = [bic]
        if model is not None:
            x = from_hwc_uint8(lr).to(model.device)
            with torch.inference_mode(), autocast(model.device, model.dtype):
                sr = to_hwc_uint8(task.infer(model, x, None)[0].float())
            score.model_psnr, score.model_ssim = y_scores(sr, hr, scale)
            row.append(sr)
        scores.append(score)
        if save is not None:
            save.mkdir(parents=True, exist_ok=True)
            write_image(save / f"{path.stem}.png", np.concatenate([*row, hr], axis=1))
    return scores


def format_table(scores: list[ImageScore], label: str) -> str:
    """Per-image rows and the mean: bicubic PSNR-Y / SSIM-Y, then the model's."""
    columns = [Column("bicubic PSNR-Y", 14, ".2f", "bicubic_psnr"),
               Column("SSIM-Y", 7, ".4f", "bicubic_ssim")]
    if scores[0].model_psnr is not None:
        columns += [Column(label + " PSNR-Y", 22, ".2f", "model_psnr"),
                    Column("SSIM-Y", 7, ".4f", "model_ssim")]
    return per_image_table(scores, columns)


def eval_command(task: SuperresTask) -> click.Command:
    @click.command("superres")
    @model_options
    @click.option("--data", required=True, type=click.Path(exists=True, path_type=Path),
                  help="Folder of high-resolution images (e.g. Set5, Set14).")
    @click.option("--scale", type=click.Choice(["2", "3", "4"]), default=None,
                  help="Scale (default: the model's).")
    @precision_option("Compute type of the model, as for 'gantools superres'.")
    @click.option("--bicubic-only", is_flag=True, help="Score the bicubic baseline alone.")
    @click.option("--save", type=click.Path(file_okay=False, path_type=Path),
                  help="Write bicubic | model | HR comparison strips here.")
    @click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
                  help="Also write the scores as JSON.")
    @friendly_errors
    def command(model, weights, device, data, scale, precision, bicubic_only, save,
                json_path) -> None:
        """PSNR-Y / SSIM-Y (BT.601, border = scale) of bicubic and the model, per
        image and mean; LR inputs are bicubic downscales of the mod-cropped HR."""
        from gantools.api import load

        loaded = None if bicubic_only else load(task, model=model, weights=weights,
                                                device=device, precision=precision)
        factor = int(scale) if scale else (loaded.config.scale if loaded else 4)
        if loaded is not None and loaded.config.scale != factor:
            raise ReportedError(f"the model upscales x{loaded.config.scale}, not x{factor}")
        scores = evaluate_folder(task, loaded, data, factor, save)
        click.echo(format_table(scores, loaded.source.stem if loaded else ""))
        if json_path:
            json_path.write_text(json.dumps([asdict(s) for s in [*scores, mean_row(scores)]],
                                            indent=2) + "\n")

    return command
