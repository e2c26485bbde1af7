"""Running an image task over many files: read, infer (tiled), write, one outcome per
file. One bad file never stops the batch; Ctrl-C does (writes are atomic)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch
from tqdm import tqdm

from gantools.imageio import (
    ImageReadError,
    ImageWriteError,
    check_output_size,
    read_image,
    streams_output,
    write_image,
)
from gantools.inference.companion import CompanionSource, read_companion
from gantools.inference.convert import (
    PixelRows,
    alpha_to_array,
    alpha_to_tensor,
    image_to_tensor,
)
from gantools.inference.naming import output_path, skip_reason
from gantools.memory import check_fits, image_job_bytes
from gantools.task import ImageTask
from gantools.tiling import (
    RowSink,
    auto_tile,
    count_tiles,
    stream_tiles,
    tile_budget,
    tiled_apply,
)

Status = Literal["ok", "skipped", "failed"]

FILE_ERRORS = (ImageReadError, ImageWriteError, ValueError, RuntimeError, OSError, MemoryError)
"""Failures recorded against one file; the batch goes on."""


@dataclass
class FileOutcome:
    """What happened to one input: ``status`` "ok", "skipped" or "failed", with a
    one-line ``reason`` for the last two; ``output`` is the (intended) output path."""

    path: str
    output: str | None
    status: Status
    reason: str | None
    seconds: float


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`run_batch`; ``outcomes`` holds the files finished before."""

    def __init__(self, outcomes: list[FileOutcome]) -> None:
        super().__init__()
        self.outcomes = outcomes


def resolve_tile(tile: int | None, height: int, width: int, scale: int, overlap: int,
                 device: torch.device) -> int:
    """``tile`` as given, or (None) :func:`auto_tile` for ``device``, kept above
    ``4 * overlap`` so that tiles are mostly new pixels."""
    if tile is not None:
        return tile
    auto = auto_tile(height, width, 3, scale, tile_budget(device))
    return max(auto, 4 * overlap) if auto > 0 else 0


def _runner(task: ImageTask, model: Any, options: Any) -> Callable[[torch.Tensor], torch.Tensor]:
    """``task.infer`` on one tile under the model's autocast, as float."""
    from gantools.engine.device import autocast

    def run(x: torch.Tensor) -> torch.Tensor:
        with autocast(model.device, model.dtype):
            return task.infer(model, x.contiguous(memory_format=torch.channels_last),
                              options).float()

    return run


def _tiling(task: ImageTask, model: Any, height: int, width: int, tile: int | None,
            overlap: int | None) -> tuple[int, int, int]:
    """(scale, tile, overlap) for an input of ``height`` x ``width`` pixels."""
    scale = task.scale(model.config)
    if overlap is None:
        overlap = task.tile_overlap(model.config)
    tile = resolve_tile(tile, height, width, scale, overlap, model.device) if task.tileable else 0
    return scale, tile, overlap


def infer_image(
    task: ImageTask,
    model: Any,
    options: Any,
    image: torch.Tensor,
    alpha: torch.Tensor | None = None,
    tile: int | None = None,
    overlap: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Run ``task.infer`` on one image, tiled, and resize its alpha.

    ``image``: (1, 3, H, W) float in [0, 1], any device (tiles go to ``model.device``).
    ``alpha``: (1, 1, H, W) in [0, 1] or None; never given to the network.
    ``tile``: None = automatic, 0 = untiled. ``overlap``: None = the task's default.
    Returns ((1, 3, sH, sW) float32 in [0, 1] on the CPU, alpha of that size or None).
    For large outputs prefer :func:`stream_image`, which never holds the full float
    result.
    """
    height, width = image.shape[-2:]
    scale, tile, overlap = _tiling(task, model, height, width, tile, overlap)
    with torch.inference_mode():
        out = tiled_apply(_runner(task, model, options), image, tile, overlap, scale,
                          progress, device=model.device)
        out = out.clamp_(0, 1)
        if alpha is not None:
            alpha = task.resize_alpha(alpha.cpu().float(), out.shape[-2], out.shape[-1])
    return out, alpha


def stream_image(
    task: ImageTask,
    model: Any,
    options: Any,
    image: torch.Tensor,
    sink: RowSink,
    tile: int | None = None,
    overlap: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Run ``task.infer`` on one image, tiled, handing the output to ``sink`` one band
    of final rows at a time (see :func:`gantools.tiling.stream_tiles`).

    ``image``: (1, C, H, W) float in [0, 1]; ``sink(y, rows)`` gets rows
    (1, 3, n, sW) float32 on the CPU, not yet clamped, valid during the call only.
    Same values as :func:`infer_image` (before its clamp), bit for bit.
    """
    height, width = image.shape[-2:]
    scale, tile, overlap = _tiling(task, model, height, width, tile, overlap)
    with torch.inference_mode():
        stream_tiles(_runner(task, model, options), image, tile, overlap, scale, sink,
                     progress, device=model.device)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def failure_reason(exc: BaseException, src: Path) -> str:
    """A short one-line reason for a failed file (no path prefix for read errors)."""
    if isinstance(exc, torch.OutOfMemoryError) or isinstance(exc, MemoryError) or (
        isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()
    ):
        return "out of memory (try a smaller --tile)"
    text = _one_line(str(exc)) or type(exc).__name__
    if isinstance(exc, ImageWriteError):
        return f"cannot write {text}"
    prefix = f"{src}: "
    return text[len(prefix):] if text.startswith(prefix) else text


class _Progress:
    """An image bar (unit "img") and, for tiled images, a transient tile bar."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.enabled = enabled
        self.images = tqdm(total=total, unit="img", disable=not enabled, dynamic_ncols=True)
        self.tiles: tqdm | None = None

    def start_image(self, n_tiles: int) -> Callable[[int], None] | None:
        """Open a tile bar when tiled; returns its update function or None."""
        if not self.enabled or n_tiles <= 1:
            return None
        self.tiles = tqdm(total=n_tiles, unit="tile", leave=False, position=1,
                          dynamic_ncols=True)
        return self.tiles.update

    def end_image(self) -> None:
        if self.tiles is not None:
            self.tiles.close()
            self.tiles = None
        self.images.update(1)

    def close(self) -> None:
        if self.tiles is not None:
            self.tiles.close()
        self.images.close()


def _report(path: Path, reason: str) -> None:
    """Print ``gantools: <path>: <reason>`` on stderr, above the progress bars."""
    tqdm.write(f"gantools: {path}: {reason}", file=sys.stderr)


def _existing(src: Path, dst: Path, skip_existing: bool, overwrite: bool) -> Status | None:
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


def _process(task: ImageTask, model: Any, options: Any, src: Path, dst: Path,
             tile: int | None, overlap: int | None, quality: int, bar: _Progress,
             companions: CompanionSource | None = None, root: Path | None = None) -> None:
    """Read ``src`` (then its companion file, found by ``companions`` and appended as
    channels), run the task, write ``dst`` with the input's depth, ICC and EXIF.

    Memory: the output goes straight from the tiler's bands into a preallocated
    array of the output's own kind (uint8/uint16, gray or RGB); the decoded input is
    dropped once converted and the input tensor once inference is done. An output
    size ``dst``'s format cannot store fails before inference."""
    img = read_image(src)
    scale = task.scale(model.config)
    out_h, out_w = img.height * scale, img.width * scale
    check_output_size(dst, out_w, out_h)
    image = image_to_tensor(img)
    if companions is not None:
        path = companions.find(src, root)
        image = torch.cat([image, read_companion(path, img.height, img.width,
                                                 companions.spec.name)], 1)
    alpha = alpha_to_tensor(img)
    height, width, depth = img.height, img.width, img.bit_depth
    icc, exif, gray = img.icc_profile, img.exif, img.is_gray and task.keeps_gray
    del img
    ov = task.tile_overlap(model.config) if overlap is None else overlap
    t = resolve_tile(tile, height, width, scale, ov, model.device) if task.tileable else 0
    check_fits(image_job_bytes(height, width, scale, image.shape[1], 1 if gray else 3, depth,
                               alpha is not None, t, streams_output(dst, out_h, out_w)),
               f"a {width}x{height} image (output {out_w}x{out_h})")
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
    dst.parent.mkdir(parents=True, exist_ok=True)
    write_image(dst, rows.pixels, alpha_px, bit_depth=depth, icc_profile=icc, exif=exif,
                quality=quality)


def run_batch(
    task: ImageTask,
    model: Any,
    options: Any,
    jobs: list[tuple[Path, Path | None]],
    out_dir: Path | None,
    fmt: str,
    tile: int | None,
    overlap: int | None,
    skip_existing: bool,
    overwrite: bool,
    quality: int,
    progress: bool,
    companions: CompanionSource | None = None,
) -> list[FileOutcome]:
    """Process ``jobs`` ((input, folder root or None) pairs) one by one.

    ``companions``: where each input's companion file is found, for tasks that
    declare one (files that are companions themselves are skipped).

    Output paths follow :func:`gantools.inference.naming.output_path` (``fmt``:
    "same", "png", "jpg", "webp", "tif"). ``tile``: None = automatic, 0 = untiled;
    ``overlap``: None = the task's default. Failures are printed at once as
    ``gantools: <path>: <reason>`` and recorded; KeyboardInterrupt raises
    :class:`BatchInterrupted` with the outcomes so far.
    """
    outcomes: list[FileOutcome] = []
    planned: dict[str, Path] = {}
    bar = _Progress(len(jobs), progress)
    try:
        for src, root in jobs:
            start = time.perf_counter()
            bar.images.set_postfix_str(src.name, refresh=False)
            dst: Path | None = None
            status: Status = "ok"
            reason: str | None = None
            try:
                dst = output_path(src, root, out_dir, task.suffix_for(model.config), fmt)
                reason = skip_reason(src, root, out_dir, task.suffix_for(model.config))
                if reason is None and companions is not None:
                    reason = companions.is_companion(src)
                if reason is not None:
                    status = "skipped"
                else:
                    key = os.path.realpath(dst)
                    if key in planned:
                        raise ValueError(f"same output path as {planned[key]}")
                    planned[key] = src
                    if _existing(src, dst, skip_existing, overwrite) == "skipped":
                        status, reason = "skipped", "output exists"
                    else:
                        _process(task, model, options, src, dst, tile, overlap, quality, bar,
                                 companions, root)
            except FILE_ERRORS as exc:
                status, reason = "failed", failure_reason(exc, src)
                if isinstance(exc, torch.OutOfMemoryError) and torch.cuda.is_available():
                    torch.cuda.empty_cache()
                _report(src, reason)
            bar.end_image()
            outcomes.append(FileOutcome(str(src), str(dst) if dst else None, status, reason,
                                        round(time.perf_counter() - start, 4)))
    except KeyboardInterrupt:
        raise BatchInterrupted(outcomes) from None
    finally:
        bar.close()
    return outcomes
