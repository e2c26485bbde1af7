"""``gantools eval denoise``: PSNR / SSIM of the noisy input and of the model.

Protocol: each clean image is read as 8-bit RGB; Gaussian noise of ``--sigma``
(8-bit levels) is added with NumPy's generator seeded by ``--seed`` and the image's
index, and the noisy image is clipped and rounded to 8 bits (what a user's noisy
photo is). The noisy image is the baseline; the model's output is rounded to 8 bits
too. PSNR and SSIM are computed on RGB (all channels, no border crop) in float64
against the clean image with :mod:`gantools.metrics`. Imports torch lazily.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import numpy as np
from gantools.cli_options import ReportedError, friendly_errors, model_options, precision_option
from gantools.score_table import Column, mean_row, per_image_table

if TYPE_CHECKING:  # pragma: no cover
    from gantools_denoise.task import DenoiseTask


@dataclass
class ImageScore:
    """Scores of one evaluation image."""

    name: str
    noisy_psnr: float
    noisy_ssim: float
    model_psnr: float
    model_ssim: float


def add_noise(clean: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    """(H, W, C) uint8 -> the same plus N(0, sigma^2) noise (8-bit levels), clipped
    and rounded to uint8. The same ``seed`` gives the same noise."""
    rng = np.random.default_rng(seed)
    noisy = clean.astype(np.float64) + rng.normal(0.0, sigma, clean.shape)
    return np.clip(np.round(noisy), 0, 255).astype(np.uint8)


def rgb_scores(out: np.ndarray, clean: np.ndarray) -> tuple[float, float]:
    """PSNR (dB) and SSIM of an 8-bit RGB image against the clean one (float64)."""
    import torch
    from gantools.metrics import psnr, ssim
    from gantools.tensors import from_hwc_uint8

    a, b = from_hwc_uint8(out, torch.float64), from_hwc_uint8(clean, torch.float64)
    return float(psnr(a, b)[0]), float(ssim(a, b)[0])


def evaluate_folder(task: DenoiseTask, model: Any, data: Path, sigma: float,
                    seed: int = 0) -> list[ImageScore]:
    """Score the noisy baseline and the model on every image below ``data``."""
    from gantools.imageio import from_float, list_images, read_image, to_float, to_rgb
    from gantools.inference.batch import infer_image
    from gantools.tensors import from_hwc_uint8, to_hwc_uint8

    paths = list_images([data])
    if not paths:
        raise ReportedError(f"{data}: no images to evaluate")
    scores = []
    for index, path in enumerate(paths):
        clean = to_rgb(read_image(path))
        if clean.dtype != np.uint8:  # the protocol is 8-bit
            clean = from_float(to_float(clean), 8)
        if min(clean.shape[:2]) < 11:
            raise ReportedError(f"{path}: SSIM needs images of at least 11x11 pixels")
        noisy = add_noise(clean, sigma, seed + index)
        out, _ = infer_image(task, model, task.InferOptions(), from_hwc_uint8(noisy))
        denoised = to_hwc_uint8(out[0])
        scores.append(ImageScore(path.stem, *rgb_scores(noisy, clean),
                                 *rgb_scores(denoised, clean)))
    return scores


def format_table(scores: list[ImageScore], label: str) -> str:
    """Per-image rows and the mean: noisy input against the model."""
    return per_image_table(scores, [Column("noisy PSNR", 10, ".2f", "noisy_psnr"),
                                    Column("SSIM", 7, ".4f", "noisy_ssim"),
                                    Column(label + " PSNR", 22, ".2f", "model_psnr"),
                                    Column("SSIM", 7, ".4f", "model_ssim")],
                           name_width=16, clip_names=True)


def eval_command(task: DenoiseTask) -> click.Command:
    """The ``gantools eval denoise`` command."""

    @click.command("denoise")
    @model_options
    @click.option("--data", required=True, type=click.Path(exists=True, path_type=Path),
                  help="Folder of clean images (e.g. Kodak24, CBSD68).")
    @click.option("--sigma", type=click.FloatRange(0, 255), default=25.0, show_default=True,
                  help="Noise standard deviation, in 8-bit levels.")
    @click.option("--seed", type=int, default=0, show_default=True,
                  help="Seed of the noise (image i uses seed + i).")
    @precision_option("Compute type of the model, as for 'gantools denoise'.")
    @click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
                  help="Also write the scores as JSON.")
    @friendly_errors
    def command(model, weights, device, data, sigma, seed, precision, json_path) -> None:
        """PSNR / SSIM (RGB, float64) of the noisy input and of the model, per image
        and mean, with seeded Gaussian noise of --sigma."""
        from gantools.api import load

        loaded = load(task, model=model, weights=weights, device=device,
                      precision=precision)
        scores = evaluate_folder(task, loaded, data, sigma, seed)
        click.echo(f"sigma {sigma:g}, seed {seed}")
        click.echo(format_table(scores, loaded.source.stem))
        if json_path:
            rows = [asdict(s) for s in [*scores, mean_row(scores)]]
            json_path.write_text(json.dumps({"sigma": sigma, "seed": seed, "scores": rows},
                                            indent=2) + "\n")

    return command
