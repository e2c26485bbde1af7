"""Bounded-memory tiled inference with blended overlaps.

Layout: along each axis of length ``L`` the input is covered by ``n`` windows of
``min(tile, L)`` pixels, ``n = ceil((L - 2 * overlap) / (tile - 2 * overlap))``, spread
evenly from one border to the other. Neighbouring windows therefore share at least
``2 * overlap`` pixels: every tile carries at least ``overlap`` pixels of context on
each side that has a neighbour, and windows end exactly at the image borders (which
need no context).

Blending: where two windows overlap, the output is a linear cross-fade. The
``overlap // 2`` pixels next to a window's inner edge get weight 0 (their context is
cut), and the weight ramps linearly across the rest of the shared band. The 1-D
weights are built as differences of consecutive ramps, so they sum to exactly 1 at
every pixel (a partition of unity), and the 2-D weight of a tile is the product of
its row and column weights. Hence no weight map is needed: each weighted tile is
added into one float32 accumulator, and the result equals the untiled one whenever
the network's receptive-field radius is at most ``overlap // 2`` input pixels (and
fades smoothly, without seams, when it is larger).

Memory: :func:`stream_tiles` processes one row of tiles at a time into a float32
band (1, C_out, tile * scale, W * scale) on ``out_device`` (CPU by default); output
rows that no later row of tiles touches are final and handed to a sink, then the
band slides down. :func:`tiled_apply` collects those rows into one full-size
(1, C_out, H * scale, W * scale) tensor. Each tile is sent to ``device``, run,
weighted there and moved back, so the device holds one tile's working set at a time.
Both add the weighted tiles in the same order, so their results are bit-identical.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

WORK_CHANNELS = 128
"""Feature channels assumed live per input pixel when estimating a tile's working set
(roughly two 64-channel feature maps, typical of GAN generators)."""

DEFAULT_BUDGET = 1 << 30
"""Working-set budget of one tile when the device's free memory is unknown (1 GiB)."""

TILE_CANDIDATES = (1024, 768, 512, 384, 256, 192, 128, 96, 64)
"""Tile sides :func:`auto_tile` chooses from, largest first."""


def _starts(length: int, tile: int, overlap: int) -> list[int]:
    """Start offsets of the windows covering ``[0, length)`` along one axis."""
    if tile <= 0 or length <= tile:
        return [0]
    stride = tile - 2 * overlap
    if stride <= 0:
        raise ValueError(f"tile ({tile}) must be larger than twice the overlap ({overlap})")
    n = max(2, math.ceil((length - 2 * overlap) / stride))
    span = length - tile
    return [(i * span) // (n - 1) for i in range(n)]


def count_tiles(height: int, width: int, tile: int, overlap: int) -> int:
    """Number of tiles (calls of ``fn``) :func:`tiled_apply` makes for an input of
    ``height`` x ``width`` pixels; 1 when ``tile <= 0`` or the image fits one tile."""
    return len(_starts(height, tile, overlap)) * len(_starts(width, tile, overlap))


def _ramp(pos: torch.Tensor, lo: float, hi: float) -> torch.Tensor:
    """0 before ``lo``, 1 after ``hi``, linear in between (a step at ``lo`` if equal)."""
    if hi <= lo:
        return (pos >= lo).to(pos.dtype)
    return ((pos - lo) / (hi - lo)).clamp_(0, 1)


def _axis_weights(starts: list[int], size: int, overlap: int, scale: int,
                  index: int, device: torch.device) -> torch.Tensor:
    """Blend weights (size * scale,) float32 of window ``index`` along one axis.

    Ramp ``k`` (between windows k-1 and k) rises across their shared band, leaving
    ``overlap // 2`` pixels at each end; window i's weight is ramp_i - ramp_{i+1}
    (ramp_0 = 1, ramp_n = 0), so the weights of all windows sum to 1."""
    margin = overlap // 2
    start = starts[index]
    pos = (torch.arange(size * scale, device=device, dtype=torch.float32) + 0.5) / scale
    pos += start

    def ramp(k: int) -> torch.Tensor | float:
        if k == 0:
            return 1.0
        if k == len(starts):
            return 0.0
        return _ramp(pos, starts[k] + margin, starts[k - 1] + size - margin)

    return ramp(index) - ramp(index + 1) + torch.zeros_like(pos)


RowSink = Callable[[int, torch.Tensor], None]
"""``sink(y, rows)``: ``rows`` (1, C_out, n, W * scale) float32 are the final output
rows ``y .. y + n - 1``. ``rows`` may be a view of a buffer that is overwritten once
the sink returns: copy what you keep."""


def stream_tiles(
    fn: Callable[[torch.Tensor], torch.Tensor],
    image: torch.Tensor,
    tile: int,
    overlap: int,
    scale: int,
    sink: RowSink,
    progress: Callable[[int], None] | None = None,
    *,
    device: torch.device | str | None = None,
    out_device: torch.device | str = "cpu",
) -> None:
    """Apply ``fn`` to ``image`` tile by tile, one row of tiles at a time, and give the
    blended output rows to ``sink`` top to bottom as soon as they are final.

    Arguments as :func:`tiled_apply`; ``sink`` follows :data:`RowSink`. The calls of
    ``sink`` cover output rows ``0 .. H * scale - 1`` exactly once, in order. Peak
    memory on ``out_device``: one band (1, C_out, min(tile, H) * scale, W * scale)
    float32 plus one weighted tile.
    """
    if image.ndim != 4 or image.shape[0] != 1:
        raise ValueError(f"image must be (1, C, H, W), got {tuple(image.shape)}")
    if overlap < 0 or scale < 1:
        raise ValueError(f"overlap must be >= 0 and scale >= 1, got {overlap}, {scale}")
    device = torch.device(device) if device is not None else image.device
    height, width = image.shape[-2:]
    ys, xs = _starts(height, tile, overlap), _starts(width, tile, overlap)
    th, tw = min(height, tile) if tile > 0 else height, min(width, tile) if tile > 0 else width
    single = len(ys) * len(xs) == 1
    band: torch.Tensor | None = None
    for iy in range(len(ys)):
        for ix, x in enumerate(xs):
            result = _weighted_tile(fn, image, ys, xs, iy, ix, th, tw, overlap, scale,
                                    device, single)
            result = result.to(out_device, torch.float32)
            if single:
                sink(0, result)
            else:
                if band is None:
                    shape = (1, result.shape[1], th * scale, width * scale)
                    band = torch.zeros(shape, dtype=torch.float32, device=out_device)
                band[:, :, :, x * scale:(x + tw) * scale] += result
            del result
            if progress is not None:
                progress(1)
        if band is not None:
            band = _emit_rows(band, ys, iy, scale, height, sink)


def _weighted_tile(fn: Callable[[torch.Tensor], torch.Tensor], image: torch.Tensor,
                   ys: list[int], xs: list[int], iy: int, ix: int, th: int, tw: int,
                   overlap: int, scale: int, device: torch.device,
                   single: bool) -> torch.Tensor:
    """``fn`` of tile (iy, ix), times its blend weights unless ``single``:
    (1, C_out, th * scale, tw * scale) on ``fn``'s output device."""
    y, x = ys[iy], xs[ix]
    piece = image[:, :, y:y + th, x:x + tw].to(device)
    result = fn(piece)
    del piece
    _check_output(result, th, tw, scale)
    if single:
        return result
    wy = _axis_weights(ys, th, overlap, scale, iy, result.device)
    wx = _axis_weights(xs, tw, overlap, scale, ix, result.device)
    return result.float() * (wy[:, None] * wx[None, :])


def _emit_rows(band: torch.Tensor, ys: list[int], iy: int, scale: int, height: int,
               sink: RowSink) -> torch.Tensor:
    """After row of tiles ``iy``: give the band's final rows (those above the next
    row of tiles, or all at the end) to ``sink``, then slide the band down so that it
    starts at the next row of tiles (kept rows moved up, the rest zeroed)."""
    top = ys[iy] * scale
    if iy + 1 == len(ys):
        sink(top, band[:, :, :height * scale - top])
        return band
    shift = ys[iy + 1] * scale - top
    sink(top, band[:, :, :shift])
    keep = band.shape[2] - shift
    if keep > 0:
        band[:, :, :keep] = band[:, :, shift:].clone()
    band[:, :, max(keep, 0):] = 0
    return band


def tiled_apply(
    fn: Callable[[torch.Tensor], torch.Tensor],
    image: torch.Tensor,
    tile: int,
    overlap: int,
    scale: int,
    progress: Callable[[int], None] | None = None,
    *,
    device: torch.device | str | None = None,
    out_device: torch.device | str = "cpu",
) -> torch.Tensor:
    """Apply ``fn`` to ``image`` tile by tile and blend the results (see module doc).

    ``fn``: (1, C, h, w) float -> (1, C_out, h * scale, w * scale) float.
    ``image``: (1, C, H, W) float, on any device; each tile is moved to ``device``
    (default: the image's) before ``fn``. ``tile``: tile side in input pixels, 0 or
    less = one call on the whole image. ``overlap``: context pixels per inner side;
    must satisfy ``tile > 2 * overlap`` when tiling. ``progress(1)`` is called after
    each finished tile (an increment, as ``tqdm.update`` takes).
    Returns (1, C_out, H * scale, W * scale) float32 on ``out_device``: the rows of
    :func:`stream_tiles`, collected.
    """
    parts: dict[str, torch.Tensor] = {}

    def collect(y: int, rows: torch.Tensor) -> None:
        total = image.shape[-2] * scale
        if y == 0 and rows.shape[2] == total:
            parts["out"] = rows  # one piece: nothing later reuses its buffer
            return
        if "out" not in parts:
            shape = (1, rows.shape[1], total, image.shape[-1] * scale)
            parts["out"] = torch.empty(shape, dtype=torch.float32, device=rows.device)
        parts["out"][:, :, y:y + rows.shape[2]] = rows

    stream_tiles(fn, image, tile, overlap, scale, collect, progress, device=device,
                 out_device=out_device)
    return parts["out"]


def _check_output(result: torch.Tensor, h: int, w: int, scale: int) -> None:
    expected = (h * scale, w * scale)
    if result.ndim != 4 or result.shape[0] != 1 or tuple(result.shape[-2:]) != expected:
        raise ValueError(f"the model returned {tuple(result.shape)} for a {h}x{w} input; "
                         f"expected (1, C, {expected[0]}, {expected[1]})")


def _bytes_per_pixel(channels_out: int, scale: int, work_channels: int = WORK_CHANNELS) -> int:
    """Estimated working set per input pixel: ``work_channels`` feature maps at input
    and output resolution plus the float32 output, 4 bytes each."""
    return 4 * (work_channels * (1 + scale * scale) + channels_out * scale * scale)


def auto_tile(height: int, width: int, channels_out: int, scale: int,
              budget_bytes: int, work_channels: int = WORK_CHANNELS) -> int:
    """A tile side for :func:`tiled_apply` (0 = untiled) that keeps one tile's
    estimated working set within ``budget_bytes``.

    The estimate is ``pixels * 4 * (work_channels * (1 + scale**2) + channels_out *
    scale**2)`` bytes. Untiled when the whole image fits; else the largest of
    TILE_CANDIDATES that fits (64 at least). E.g. with 1 GiB: x1 runs up to about
    1000 x 1000 untiled, x4 uses 256-pixel tiles."""
    per_pixel = _bytes_per_pixel(channels_out, scale, work_channels)
    if height * width * per_pixel <= budget_bytes:
        return 0
    for side in TILE_CANDIDATES:
        if side * side * per_pixel <= budget_bytes:
            return side
    return TILE_CANDIDATES[-1]


def tile_budget(device: torch.device | str) -> int:
    """Working-set budget for one tile on ``device``: half the free CUDA memory; on
    the CPU DEFAULT_BUDGET, or a quarter of the available memory when that is less
    (so tiles shrink on a crowded machine); DEFAULT_BUDGET on MPS."""
    device = torch.device(device)
    if device.type == "cuda" and torch.cuda.is_available():
        free, _total = torch.cuda.mem_get_info(device)
        return max(DEFAULT_BUDGET // 4, free // 2)
    if device.type == "cpu":
        from gantools.memory import available_memory

        free = available_memory()
        if free is not None:
            return max(DEFAULT_BUDGET // 16, min(DEFAULT_BUDGET, free // 4))
    return DEFAULT_BUDGET
