"""Running an image task over many files: read, infer (tiled), write, one outcome per
file. One bad file never stops the batch; Ctrl-C does (writes are atomic).

Reading and writing overlap the model (see :mod:`gantools.inference.pipeline`): the
next inputs are checked and decoded on a reader thread, finished outputs written on
a writer thread; outcomes, messages and exit codes are those of the plain loop
(``GANTOOLS_PIPELINE=0``)."""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
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
from gantools.inference.pipeline import (
    READ_AHEAD_MAX_PIXELS,
    WRITE_BEHIND_MAX_PIXELS,
    Pending,
    ReadAhead,
    WriteBehind,
    pipeline_enabled,
)
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

    def end_tiles(self) -> None:
        """Close the tile bar of the image the model has finished."""
        if self.tiles is not None:
            self.tiles.close()
            self.tiles = None

    def end_image(self) -> None:
        """Count one more finished file (written, skipped or failed)."""
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


@dataclass
class _Decoded:
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


@dataclass
class _Prepared:
    """One job after the checks made before reading (output path, skips, existing
    output) and, unless ``deferred``, its decoded input."""

    src: Path
    root: Path | None
    dst: Path | None = None
    status: Status = "ok"
    reason: str | None = None
    data: _Decoded | None = None
    deferred: bool = False  # read at its turn, on the main thread
    seconds: float = 0.0


@dataclass
class _Entry:
    """A file whose turn has come, waiting (in order) for its write to finish."""

    src: Path
    dst: Path | None
    status: Status
    reason: str | None
    start: float
    extra: float  # seconds spent preparing it before its turn
    end: float = 0.0
    pending: Pending | None = field(default=None, repr=False)


def _decode(task: ImageTask, model: Any, src: Path, dst: Path, root: Path | None,
            companions: CompanionSource | None) -> _Decoded:
    """Read ``src`` (then its companion file, found by ``companions`` and appended as
    channels) as tensors. An output size ``dst``'s format cannot store fails here,
    before inference."""
    img = read_image(src)
    scale = task.scale(model.config)
    out_h, out_w = img.height * scale, img.width * scale
    check_output_size(dst, out_w, out_h)
    image = image_to_tensor(img)
    if companions is not None:
        path = companions.find(src, root)
        image = torch.cat([image, read_companion(path, img.height, img.width,
                                                 companions.spec.name)], 1)
    return _Decoded(image, alpha_to_tensor(img), img.height, img.width, img.bit_depth,
                    img.icc_profile, img.exif, img.is_gray and task.keeps_gray, out_h, out_w)


def _infer(task: ImageTask, model: Any, options: Any, data: _Decoded, dst: Path,
           tile: int | None, overlap: int | None, bar: _Progress) -> tuple[Any, Any]:
    """Run the task on a decoded input: (pixels, alpha pixels or None) of the output,
    with the input's depth (gray kept when the task keeps it).

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
    return rows.pixels, alpha_px


def _write(dst: Path, pixels: Any, alpha: Any, data: _Decoded, quality: int) -> None:
    """Write ``dst`` (atomically) with the input's depth, ICC and EXIF."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    write_image(dst, pixels, alpha, bit_depth=data.depth, icc_profile=data.icc,
                exif=data.exif, quality=quality)


def _header_pixels(path: Path) -> int | None:
    """width * height from the file's header (Pillow, nothing decoded), or None."""
    from PIL import Image

    from gantools.imageio.limits import _pillow_settings

    try:
        with _pillow_settings(), Image.open(path) as im:
            return im.width * im.height
    except Exception:  # unreadable: read_image reports it at the file's turn
        return None


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
    pipeline: bool | None = None,
) -> list[FileOutcome]:
    """Process ``jobs`` ((input, folder root or None) pairs) in order.

    ``companions``: where each input's companion file is found, for tasks that
    declare one (files that are companions themselves are skipped).

    Output paths follow :func:`gantools.inference.naming.output_path` (``fmt``:
    "same", "png", "jpg", "webp", "tif"). ``tile``: None = automatic, 0 = untiled;
    ``overlap``: None = the task's default. Failures are printed as
    ``gantools: <path>: <reason>``, one line per file in job order, and recorded;
    KeyboardInterrupt raises :class:`BatchInterrupted` with the outcomes so far.

    ``pipeline`` (None: on unless ``GANTOOLS_PIPELINE=0``): the checks before reading
    and the decoding of the next inputs run ahead on a reader thread (inputs above
    ``READ_AHEAD_MAX_PIXELS`` are read at their turn), and outputs are written behind
    on a writer thread; each file's outcome is recorded once its write is done. On
    Ctrl-C the outputs already computed are still written (a second Ctrl-C abandons
    those not yet started), so the outcomes match the plain loop's.
    """
    threaded = pipeline_enabled(pipeline)
    suffix = task.suffix_for(model.config)
    outcomes: list[FileOutcome] = []
    planned: dict[str, Path] = {}

    def prepare(job: tuple[Path, Path | None]) -> _Prepared:
        """The checks made before reading, then the read (reader thread)."""
        src, root = job
        start = time.perf_counter()
        item = _Prepared(src, root)
        try:
            item.dst = dst = output_path(src, root, out_dir, suffix, fmt)
            item.reason = skip_reason(src, root, out_dir, suffix)
            if item.reason is None and companions is not None:
                item.reason = companions.is_companion(src)
            if item.reason is not None:
                item.status = "skipped"
            else:
                key = os.path.realpath(dst)
                if key in planned:
                    raise ValueError(f"same output path as {planned[key]}")
                # an input that an earlier job writes is read after that write
                earlier_output = os.path.realpath(src) in planned
                planned[key] = src
                if _existing(src, dst, skip_existing, overwrite) == "skipped":
                    item.status, item.reason = "skipped", "output exists"
                elif threaded and (earlier_output or (
                        _header_pixels(src) or 0) > READ_AHEAD_MAX_PIXELS):
                    item.deferred = True
                else:
                    item.data = _decode(task, model, src, dst, root, companions)
        except FILE_ERRORS as exc:
            item.status, item.reason = "failed", failure_reason(exc, src)
            item.data = None
        item.seconds = time.perf_counter() - start
        return item

    entries: deque[_Entry] = deque()

    def finish(wait: bool = False) -> None:
        """Record (and report) the files at the head of ``entries`` that are done."""
        while entries:
            entry = entries[0]
            if entry.pending is not None:
                if not entry.pending.done.is_set():
                    if not wait:
                        return
                    entry.pending.done.wait()
                error = entry.pending.error
                if isinstance(error, KeyboardInterrupt):
                    return  # abandoned by a second Ctrl-C: not written
                if error is not None:
                    if not isinstance(error, FILE_ERRORS):
                        raise error
                    entry.status, entry.reason = "failed", failure_reason(error, entry.src)
                entry.end = entry.pending.finished
            entries.popleft()
            if entry.status == "failed":
                assert entry.reason is not None
                _report(entry.src, entry.reason)
            bar.end_image()
            seconds = entry.end - entry.start + entry.extra
            outcomes.append(FileOutcome(str(entry.src), str(entry.dst) if entry.dst else None,
                                        entry.status, entry.reason, round(seconds, 4)))

    bar = _Progress(len(jobs), progress)
    reader: ReadAhead[tuple[Path, Path | None], _Prepared] = ReadAhead(
        jobs, prepare, threaded=threaded)
    writer = WriteBehind(threaded=threaded)
    try:
        for (src, _root), result in reader:
            start = time.perf_counter()
            bar.images.set_postfix_str(src.name, refresh=False)
            item = result.get()
            entry = _Entry(src, item.dst, item.status, item.reason, start, item.seconds)
            if item.status == "ok":
                assert item.dst is not None
                try:
                    if item.deferred:
                        writer.drain()  # its input may be one of them; frees memory
                        finish()
                        item.data = _decode(task, model, src, item.dst, item.root, companions)
                    data, item.data = item.data, None
                    assert data is not None
                    try:
                        pixels, alpha_px = _infer(task, model, options, data, item.dst, tile,
                                                  overlap, bar)
                    finally:
                        bar.end_tiles()
                    dst = item.dst
                    entry.pending = writer.submit(
                        lambda d=dst, p=pixels, a=alpha_px, m=data: _write(d, p, a, m, quality))
                    del pixels, alpha_px
                    if data.out_h * data.out_w > WRITE_BEHIND_MAX_PIXELS:
                        entry.pending.done.wait()
                except FILE_ERRORS as exc:
                    entry.status, entry.reason = "failed", failure_reason(exc, src)
                    if isinstance(exc, torch.OutOfMemoryError) and torch.cuda.is_available():
                        torch.cuda.empty_cache()
            entry.end = time.perf_counter()
            entries.append(entry)
            finish()
        writer.close()
        finish(wait=True)
    except KeyboardInterrupt:
        reader.close()
        try:
            writer.close()  # the outputs already computed are still written
            finish(wait=True)
        except KeyboardInterrupt:
            finish()
        raise BatchInterrupted(outcomes) from None
    finally:
        reader.close()
        try:  # after an unexpected error too, the outputs already computed are written
            writer.close()
        except KeyboardInterrupt:
            pass
        bar.close()
    return outcomes
