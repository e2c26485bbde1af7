"""The steps of one file in a batch: existing-output check, decode, infer, atomic write."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from gantools.imageio import check_output_size, read_image, streams_output, write_image
from gantools.inference.companion import CompanionSource, read_companion
from gantools.inference.convert import (
    PixelRows,
    alpha_to_array,
    alpha_to_tensor,
    image_to_tensor,
)
from gantools.inference.outcome import Status
from gantools.inference.progress import Progress, report_warning
from gantools.inference.single import resolve_tile, stream_image
from gantools.memory import check_fits, image_job_bytes
from gantools.task import ImageTask
from gantools.tiling import count_tiles


def existing_output(src: Path, dst: Path, skip_existing: bool,
                    overwrite: bool) -> Status | None:
    """Decide about an existing output: "skipped", or None (go on); raise to refuse."""
    if not dst.exists():
        return None
    if os.path.realpath(dst) == os.path.realpath(src):
        raise ValueError("the output would replace the input (use -o DIR or --format)")
    if skip_existing:
        return "skipped"
    if overwrite:
        return None
    raise ValueError("output exists (use --skip-existing or --overwrite)")


@dataclass
class Decoded:
    """One input, decoded on the reader thread, ready for the model."""

    image: torch.Tensor | None  # (1, C, H, W), companion channels appended
    alpha: torch.Tensor | None
    height: int
    width: int
    depth: int
    icc: bytes | None
    exif: bytes | None
    gray: bool
    out_h: int
    out_w: int


def decode(task: ImageTask, model: Any, src: Path, dst: Path, root: Path | None,
           companions: CompanionSource | None, options: Any = None) -> Decoded:
    """Read ``src`` (then its companion file, found by ``companions``, reduced by the
    task under ``options`` and appended as channels) as tensors. An output size
    ``dst``'s format cannot store fails here, before inference."""
    img = read_image(src)
    scale = task.scale(model.config)
    out_h, out_w = img.height * scale, img.width * scale
    check_output_size(dst, out_w, out_h)
    image = image_to_tensor(img)
    if companions is not None:
        path = companions.find(src, root)
        companion = read_companion(path, img.height, img.width, companions.spec.name)
        image = torch.cat([image, task.companion_channels(companion, options)], 1)
    return Decoded(image, alpha_to_tensor(img), img.height, img.width, img.bit_depth,
                   img.icc_profile, img.exif, img.is_gray and task.keeps_gray, out_h, out_w)


def infer(task: ImageTask, model: Any, options: Any, data: Decoded, dst: Path,
          tile: int | None, overlap: int | None, bar: Progress,
          source: Path | None = None) -> tuple[Any, Any]:
    """Run the task on a decoded input: (pixels, alpha pixels or None) of the output,
    with the input's depth (gray kept when the task keeps it). The task's
    :meth:`~gantools.task.ImageTask.image_warnings` are printed against ``source``.

    Memory: the output goes straight from the tiler's bands into a preallocated
    array of the output's own kind (uint8/uint16, gray or RGB); the input tensor is
    dropped once inference is done."""
    image, alpha = data.image, data.alpha
    data.image = data.alpha = None
    assert image is not None
    height, width, depth, gray = data.height, data.width, data.depth, data.gray
    scale = task.scale(model.config)
    out_h, out_w = data.out_h, data.out_w
    ov = task.tile_overlap(model.config) if overlap is None else overlap
    t = (resolve_tile(tile, height, width, scale, ov, model.device,
                      task.tile_work_channels(model.config)) if task.tileable else 0)
    check_fits(image_job_bytes(height, width, scale, image.shape[1], 1 if gray else 3, depth,
                               alpha is not None, t, streams_output(dst, out_h, out_w)),
               f"a {width}x{height} image (output {out_w}x{out_h})")
    task.check_image(image, options)  # a refused image gets its error, not warnings too
    for message in task.image_warnings(image, options):
        report_warning(source or dst, message)
    tick = bar.start_image(count_tiles(height, width, t, ov))
    rows = PixelRows(out_h, out_w, gray, depth)
    stream_image(task, model, options, image, rows, t, ov, tick)
    del image
    alpha_px = None
    if alpha is not None:
        with torch.inference_mode():
            alpha = task.resize_alpha(alpha.float(), out_h, out_w)
        alpha_px = alpha_to_array(alpha, depth)
        del alpha
    return rows.pixels, alpha_px


def write(dst: Path, pixels: Any, alpha: Any, data: Decoded, quality: int) -> None:
    """Write ``dst`` (atomically) with the input's depth, ICC and EXIF."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    write_image(dst, pixels, alpha, bit_depth=data.depth, icc_profile=data.icc,
                exif=data.exif, quality=quality)


def header_pixels(path: Path) -> int | None:
    """width * height from the file's header (Pillow, nothing decoded), or None."""
    from PIL import Image

    from gantools.imageio.limits import _pillow_settings

    try:
        with _pillow_settings(), Image.open(path) as im:
            return im.width * im.height
    except Exception:  # unreadable: read_image reports it at the file's turn
        return None
