"""One image tensor through a task's ``infer``, tiled, whole (infer_image) or streamed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from gantools.task import ImageTask
from gantools.tiling import (
    WORK_CHANNELS,
    RowSink,
    auto_tile,
    stream_tiles,
    tile_budget,
    tiled_apply,
)


def resolve_tile(tile: int | None, height: int, width: int, scale: int, overlap: int,
                 device: torch.device, work_channels: int = WORK_CHANNELS) -> int:
    """``tile`` as given, or (None) :func:`auto_tile` for ``device`` (with the task's
    ``work_channels``), kept above ``4 * overlap`` so that tiles are mostly new pixels."""
    if tile is not None:
        return tile
    auto = auto_tile(height, width, 3, scale, tile_budget(device), work_channels)
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
    tile = (resolve_tile(tile, height, width, scale, overlap, model.device,
                         task.tile_work_channels(model.config)) if task.tileable else 0)
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
    task.check_image(image, options)
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
    task.check_image(image, options)
    height, width = image.shape[-2:]
    scale, tile, overlap = _tiling(task, model, height, width, tile, overlap)
    with torch.inference_mode():
        stream_tiles(_runner(task, model, options), image, tile, overlap, scale, sink,
                     progress, device=model.device)
