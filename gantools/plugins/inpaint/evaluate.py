"""``gantools eval inpaint``: OpenCV Telea, OpenCV Navier-Stokes and the model, side
by side, on the same holes.

Holes: the user's masks (``--masks DIR``, same stem as each image), or seeded
free-form stroke masks in three hole-ratio bands (10-20%, 20-30%, 30-40%), one per
image and band, identical every run (the seed is derived from the file name and the
band). Images are scored as 8-bit RGB in float64: PSNR and SSIM over the whole image
(known pixels are identical for every method, so differences come from the holes)
and the mean absolute error inside the hole, in 8-bit levels.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import numpy as np

from gantools.cli_options import ReportedError, friendly_errors, model_options, precision_option

if TYPE_CHECKING:  # pragma: no cover
    from gantools.plugins.inpaint.task import InpaintTask

BANDS = ((0.1, 0.2), (0.2, 0.3), (0.3, 0.4))
"""Hole-ratio bands of the seeded evaluation masks."""

OPENCV_RADIUS = 5
"""Neighbourhood radius of both OpenCV methods, in pixels."""

METHODS = ("telea", "ns")


@dataclass
class Score:
    """PSNR (dB), SSIM and hole MAE (8-bit levels) of one method on one image."""

    psnr: float
    ssim: float
    hole_mae: float


@dataclass
class Case:
    """One image with one hole: its band ("10-20%", ... or "user"), the hole ratio,
    and the scores by method ("telea", "ns", and "model" when evaluated)."""

    name: str
    band: str
    hole_ratio: float
    scores: dict[str, Score] = field(default_factory=dict)


def band_label(band: tuple[float, float]) -> str:
    return f"{round(band[0] * 100)}-{round(band[1] * 100)}%"


def eval_seed(name: str, band_index: int) -> int:
    """The seed of the mask of image ``name`` in band ``band_index``: a CRC of both,
    so masks do not depend on the order or number of files."""
    return zlib.crc32(f"{name}:{band_index}".encode())


def opencv_inpaint(image: np.ndarray, hole: np.ndarray, method: str) -> np.ndarray:
    """(H, W, 3) uint8 RGB with ``hole`` (H, W) bool filled by OpenCV's Telea ("telea")
    or Navier-Stokes ("ns") method, radius :data:`OPENCV_RADIUS`."""
    import cv2

    flag = {"telea": cv2.INPAINT_TELEA, "ns": cv2.INPAINT_NS}[method]
    bgr = np.ascontiguousarray(image[..., ::-1])
    out = cv2.inpaint(bgr, hole.astype(np.uint8) * 255, OPENCV_RADIUS, flag)
    return np.ascontiguousarray(out[..., ::-1])


def score(output: np.ndarray, truth: np.ndarray, hole: np.ndarray) -> Score:
    """Scores of an (H, W, 3) uint8 output against the truth, hole (H, W) bool."""
    import torch

    from gantools.metrics import masked_mae, psnr, ssim
    from gantools.tensors import from_hwc_uint8

    a, b = from_hwc_uint8(output, torch.float64), from_hwc_uint8(truth, torch.float64)
    m = torch.from_numpy(hole)[None, None].to(torch.float64)
    return Score(float(psnr(a, b)[0]), float(ssim(a, b)[0]), float(masked_mae(a, b, m)[0]) * 255)


def model_inpaint(task: InpaintTask, model: Any, image: np.ndarray,
                  hole: np.ndarray) -> np.ndarray:
    """The model's (H, W, 3) uint8 result, through the same tiled path as the CLI."""
    import torch

    from gantools.inference.batch import infer_image
    from gantools.plugins.inpaint.task import InpaintOptions
    from gantools.tensors import from_hwc_uint8, to_hwc_uint8

    x = from_hwc_uint8(image)
    m = torch.from_numpy(hole)[None, None].float()
    out, _ = infer_image(task, model, InpaintOptions(), torch.cat([x, m], 1))
    return to_hwc_uint8(out[0])


def _holes(path: Path, shape: tuple[int, int], masks: Path | None
           ) -> list[tuple[str, np.ndarray]]:
    """(band label, hole (H, W) bool) pairs for one image."""
    from gantools.imageio import read_image, to_float, to_gray
    from gantools.plugins.inpaint.masks import seeded_mask

    if masks is not None:
        found = sorted(p for p in masks.iterdir() if p.stem == path.stem and p.is_file())
        if not found:
            raise ReportedError(f"{masks}: no mask named {path.stem}.* for {path.name}")
        hole = to_float(to_gray(read_image(found[0])))[..., 0] > 0.5
        if hole.shape != shape:
            raise ReportedError(f"{found[0]}: mask is {hole.shape[1]}x{hole.shape[0]}, the "
                                f"image is {shape[1]}x{shape[0]}")
        return [("user", hole)]
    return [(band_label(band), seeded_mask(*shape, band, eval_seed(path.stem, i))[0, 0]
             .numpy() > 0.5) for i, band in enumerate(BANDS)]


def evaluate_folder(task: InpaintTask, model: Any | None, data: Path,
                    masks: Path | None = None, save: Path | None = None) -> list[Case]:
    """Score every image of ``data`` with every hole (see the module docstring)."""
    from gantools.imageio import list_images, read_image, to_rgb, to_uint8, write_image

    paths = list_images([data])
    if not paths:
        raise ReportedError(f"{data}: no images to evaluate")
    cases = []
    for path in paths:
        truth = to_uint8(to_rgb(read_image(path)))
        for band, hole in _holes(path, truth.shape[:2], masks):
            case = Case(path.stem, band, float(hole.mean()))
            outputs = {m: opencv_inpaint(truth, hole, m) for m in METHODS}
            if model is not None:
                outputs["model"] = model_inpaint(task, model, truth, hole)
            case.scores = {m: score(out, truth, hole) for m, out in outputs.items()}
            cases.append(case)
            if save is not None:
                shown = truth.copy()
                shown[hole] = 255
                save.mkdir(parents=True, exist_ok=True)
                write_image(save / f"{path.stem}_{band.replace('%', '')}.png",
                            np.concatenate([shown, *outputs.values(), truth], axis=1))
    return cases


def summarize(cases: list[Case]) -> dict[str, dict[str, Score]]:
    """Mean scores per band and "overall", by method."""
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(case.band, []).append(case)
    groups["overall"] = cases
    table = {}
    for label, group in groups.items():
        table[label] = {m: Score(*(float(np.mean([getattr(c.scores[m], k) for c in group]))
                                   for k in ("psnr", "ssim", "hole_mae")))
                        for m in group[0].scores}
    return table


def format_table(table: dict[str, dict[str, Score]]) -> str:
    methods = list(next(iter(table.values())))
    names = {"telea": "Telea", "ns": "Navier-Stokes", "model": "model"}
    head = f"{'holes':<9}" + "".join(f" {names.get(m, m) + ' PSNR':>18} {'SSIM':>6} {'MAE':>6}"
                                     for m in methods)
    lines = [head, "-" * len(head)]
    for label, row in table.items():
        if label == "overall":
            lines.append("-" * len(head))
        lines.append(f"{label:<9}" + "".join(
            f" {row[m].psnr:18.2f} {row[m].ssim:6.4f} {row[m].hole_mae:6.2f}" for m in methods))
    return "\n".join(lines)


def eval_command(task: InpaintTask) -> click.Command:
    @click.command("inpaint")
    @model_options
    @click.option("--data", required=True, type=click.Path(exists=True, path_type=Path),
                  help="Folder of images (e.g. Set14).")
    @click.option("--masks", type=click.Path(exists=True, file_okay=False, path_type=Path),
                  help="Your own masks (same stem as each image, white = hole) instead "
                       "of the seeded free-form masks in three hole-ratio bands.")
    @precision_option("Compute type of the model, as for 'gantools inpaint'.")
    @click.option("--baselines-only", is_flag=True, help="Score the OpenCV methods alone.")
    @click.option("--save", type=click.Path(file_okay=False, path_type=Path),
                  help="Write comparison strips here: input | Telea | Navier-Stokes | "
                       "model | truth.")
    @click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
                  help="Also write every score as JSON.")
    @friendly_errors
    def command(model, weights, device, data, masks, precision, baselines_only, save,
                json_path) -> None:
        """PSNR, SSIM (whole image, RGB) and hole MAE (8-bit levels) of OpenCV Telea,
        OpenCV Navier-Stokes (radius 5) and the model, per hole-ratio band and overall.
        Without --masks, every image gets one seeded free-form mask per band
        (10-20%, 20-30%, 30-40%), the same on every run."""
        from gantools.api import load

        loaded = None if baselines_only else load(task, model=model, weights=weights,
                                                  device=device, precision=precision)
        cases = evaluate_folder(task, loaded, data, masks, save)
        table = summarize(cases)
        click.echo(format_table(table))
        if json_path:
            data_out = {"summary": {k: {m: asdict(s) for m, s in v.items()}
                                    for k, v in table.items()},
                        "cases": [asdict(c) for c in cases]}
            json_path.write_text(json.dumps(data_out, indent=2) + "\n")

    return command
