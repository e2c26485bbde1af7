"""``gantools eval colorize``: PSNR / SSIM / colourfulness of the grayscale baseline
and the model, side by side; with ``--faces``, the skin check (:mod:`.skin`).

Protocol: each ground-truth image is read as 8-bit RGB; the model's input is its
grayscale version (L* kept, a* = b* = 0, converted back to RGB and rounded to 8
bits: what a user with a black-and-white photo has), which is also the grayscale
baseline. Outputs are rounded to 8 bits; PSNR and SSIM are computed on RGB (all
three channels, no border crop) in float64 against the ground truth, and
colourfulness (Hasler and Suesstrunk 2003) of each output is shown next to the
ground truth's. Images whose ground truth is gray (Set14's bridge and man) are
skipped with a note: there is no colour to score.
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
    from gantools.plugins.colorize.task import ColorizeTask


@dataclass
class ImageScore:
    """Scores of one evaluation image (colourfulness on the [0, 255] scale)."""

    name: str
    gray_psnr: float
    gray_ssim: float
    truth_colourfulness: float
    model_psnr: float | None = None
    model_ssim: float | None = None
    model_colourfulness: float | None = None


def gray_version(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB -> its grayscale version (L* kept, a* = b* = 0), as
    (H, W, 3) uint8 RGB: the grayscale baseline and the model's input."""
    import torch

    from gantools.plugins.colorize.lab import compose, luminance
    from gantools.tensors import from_hwc_uint8, to_hwc_uint8

    x = from_hwc_uint8(rgb)
    light = luminance(x)
    neutral = torch.full((1, 2, *light.shape[-2:]), 0.5)
    return to_hwc_uint8(compose(light, neutral)[0])


def rgb_scores(out: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    """PSNR (dB), SSIM and colourfulness of an 8-bit RGB output against the 8-bit
    RGB ground truth: float64, all channels, no border crop."""
    import torch

    from gantools.metrics import colourfulness, psnr, ssim
    from gantools.tensors import from_hwc_uint8

    a, b = from_hwc_uint8(out, torch.float64), from_hwc_uint8(truth, torch.float64)
    return float(psnr(a, b)[0]), float(ssim(a, b)[0]), float(colourfulness(a)[0])


def evaluate_folder(task: ColorizeTask, model: Any | None, data: Path, size: int = 256,
                    save: Path | None = None, skipped: list[Path] | None = None,
                    saturation: float = 1.0) -> list[ImageScore]:
    """Score every colour image of ``data`` (grayscale baseline, and the model when
    given, at working size ``size`` and colour strength ``saturation`` as with
    ``--size`` / ``--saturation``). ``save``: write gray | model | truth strips there
    as PNG. Gray images (gray modes, or RGB with equal channels) are left out and
    appended to ``skipped``."""
    import torch

    from gantools.data.datasets import is_grayscale
    from gantools.imageio import list_images, read_image, to_rgb, to_uint8, write_image
    from gantools.inference.single import infer_image
    from gantools.metrics import colourfulness
    from gantools.plugins.colorize.task import ColorizeOptions
    from gantools.tensors import from_hwc_uint8, to_hwc_uint8

    paths = list_images([data])
    if not paths:
        raise ReportedError(f"{data}: no images to evaluate")
    options = ColorizeOptions(size=size, saturation=saturation)
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
    scores = []
    for path in paths:
        loaded = read_image(path)
        truth = to_rgb(loaded)
        if is_grayscale(loaded, truth):
            if skipped is not None:
                skipped.append(path)
            continue
        truth = to_uint8(truth)  # the protocol is 8-bit: reduce 16-bit images first
        gray = gray_version(truth)
        g_psnr, g_ssim, _ = rgb_scores(gray, truth)
        truth_c = float(colourfulness(from_hwc_uint8(truth, torch.float64))[0])
        score = ImageScore(path.stem, g_psnr, g_ssim, truth_c)
        row = [gray]
        if model is not None:
            out = to_hwc_uint8(infer_image(task, model, options, from_hwc_uint8(gray))[0][0])
            score.model_psnr, score.model_ssim, score.model_colourfulness = rgb_scores(
                out, truth)
            row.append(out)
        scores.append(score)
        if save is not None:
            write_image(save / f"{path.stem}.png", np.concatenate([*row, truth], axis=1))
    if not scores:
        raise ReportedError(f"{data}: no colour images to evaluate")
    return scores


@dataclass
class SkinScores:
    """Mean off-skin share (:mod:`.skin`) of the face pixels, over ``faces`` faces."""

    faces: int
    gray: float
    model: float | None
    truth: float


def evaluate_faces(task: ColorizeTask, model: Any | None, data: Path, size: int = 128,
                   limit: int = 300) -> SkinScores:
    """The skin check on the first ``limit`` colour faces of ``data`` (aligned crops),
    each given to the model as its grayscale version at working size ``size``."""
    from gantools.data.datasets import is_grayscale
    from gantools.imageio import list_images, read_image, to_rgb, to_uint8
    from gantools.inference.single import infer_image
    from gantools.plugins.colorize.skin import off_skin_share
    from gantools.plugins.colorize.task import ColorizeOptions
    from gantools.tensors import from_hwc_uint8, to_hwc_uint8

    options = ColorizeOptions(size=size)
    gray_s, model_s, truth_s = [], [], []
    for path in list_images([data]):
        if len(truth_s) >= limit:
            break
        loaded = read_image(path)
        truth = to_rgb(loaded)
        if is_grayscale(loaded, truth):
            continue
        truth = to_uint8(truth)
        gray = gray_version(truth)
        truth_s.append(off_skin_share(truth))
        gray_s.append(off_skin_share(gray))
        if model is not None:
            out = to_hwc_uint8(infer_image(task, model, options, from_hwc_uint8(gray))[0][0])
            model_s.append(off_skin_share(out))
    if not truth_s:
        raise ReportedError(f"{data}: no colour faces to check")
    return SkinScores(len(truth_s), float(np.mean(gray_s)),
                      float(np.mean(model_s)) if model_s else None, float(np.mean(truth_s)))


def format_skin(skin: SkinScores, label: str) -> str:
    """The skin check as three lines: gray, model, truth (and the model / truth ratio)."""
    lines = [f"skin check ({skin.faces} faces): share of face pixels coloured outside "
             "the skin hue range",
             f"  gray baseline {skin.gray:8.4f}"]
    if skin.model is not None:
        ratio = skin.model / skin.truth if skin.truth > 0 else float("inf")
        lines.append(f"  {label:<13} {skin.model:8.4f}  ({ratio:.2f}x the truth's)")
    lines.append(f"  truth         {skin.truth:8.4f}")
    return "\n".join(lines)


def format_table(scores: list[ImageScore], label: str) -> str:
    """Per-image rows and the mean: gray PSNR / SSIM, model PSNR / SSIM, and the
    colourfulness of the model's output and of the ground truth."""
    columns = [Column("gray PSNR", 9, ".2f", "gray_psnr"), Column("SSIM", 6, ".4f", "gray_ssim")]
    if scores[0].model_psnr is not None:
        columns += [Column(label + " PSNR", 18, ".2f", "model_psnr"),
                    Column("SSIM", 6, ".4f", "model_ssim"),
                    Column("colourful", 9, ".2f", "model_colourfulness")]
    columns.append(Column("truth colourful", 15, ".2f", "truth_colourfulness"))
    return per_image_table(scores, columns)


def eval_command(task: ColorizeTask) -> click.Command:
    @click.command("colorize")
    @model_options
    @click.option("--data", required=True, type=click.Path(exists=True, path_type=Path),
                  help="Folder of colour images (e.g. Set5, Set14).")
    @click.option("--size", type=click.IntRange(min=16), default=256, show_default=True,
                  help="Working resolution (short side), as for 'gantools colorize'.")
    @click.option("--saturation", type=click.FloatRange(0, 4), default=1.0, show_default=True,
                  help="Colour strength, as for 'gantools colorize'.")
    @precision_option("Compute type of the model, as for 'gantools colorize'.")
    @click.option("--gray-only", is_flag=True, help="Score the grayscale baseline alone.")
    @click.option("--save", type=click.Path(file_okay=False, path_type=Path),
                  help="Write gray | model | truth comparison strips here.")
    @click.option("--faces", type=click.Path(exists=True, file_okay=False, path_type=Path),
                  help="Also run the skin check on this folder of aligned face crops "
                       "(e.g. UTKFace validation faces): the share of face pixels whose "
                       "hue falls outside the skin range, for gray, model and truth.")
    @click.option("--faces-size", type=click.IntRange(min=16), default=128,
                  show_default=True, help="Working size for the faces.")
    @click.option("--faces-limit", type=click.IntRange(min=1), default=300,
                  show_default=True, help="Faces checked (the first, in name order).")
    @click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
                  help="Also write the scores as JSON.")
    @friendly_errors
    def command(model, weights, device, data, size, saturation, precision, gray_only, save,
                faces, faces_size, faces_limit, json_path) -> None:
        """PSNR / SSIM (RGB, 8-bit) and colourfulness of the grayscale baseline and the
        model against the ground truth, per image and mean. The model's input is the
        image's grayscale version (its own L*, a* = b* = 0). With --faces, the skin
        check too (blue, green or purple faces)."""
        from gantools.api import load

        loaded = None if gray_only else load(task, model=model, weights=weights,
                                             device=device, precision=precision)
        skipped: list[Path] = []
        scores = evaluate_folder(task, loaded, data, size, save, skipped, saturation)
        for path in skipped:
            click.echo(f"note: {path}: grayscale ground truth skipped (no colour to score)",
                       err=True)
        label = loaded.source.stem if loaded else ""
        click.echo(format_table(scores, label))
        rows: Any = [asdict(s) for s in [*scores, mean_row(scores)]]
        if faces is not None:
            skin = evaluate_faces(task, loaded, faces, faces_size, faces_limit)
            click.echo(format_skin(skin, label))
            rows = {"images": rows, "skin": asdict(skin)}
        if json_path:
            json_path.write_text(json.dumps(rows, indent=2) + "\n")

    return command
