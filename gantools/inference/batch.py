"""Running an image task over many files: read, infer (tiled), write, one outcome per
file. One bad file never stops the batch; Ctrl-C does (writes are atomic).

Reading and writing overlap the model (see :mod:`gantools.inference.pipeline`): the
next inputs are checked and decoded on a reader thread, finished outputs written on
a writer thread; outcomes, messages and exit codes are those of the plain loop
(``GANTOOLS_PIPELINE=0``).

The per-file steps live in :mod:`gantools.inference.steps`, the outcomes in
:mod:`gantools.inference.outcome` and single-image inference in
:mod:`gantools.inference.single`; their public names are importable from here too."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from gantools.inference.companion import CompanionSource
from gantools.inference.ledger import Entry, Ledger
from gantools.inference.naming import output_path, skip_reason
from gantools.inference.outcome import (
    FILE_ERRORS,
    BatchInterrupted,
    FileOutcome,
    Status,
    failure_reason,
)
from gantools.inference.pipeline import (
    READ_AHEAD_MAX_PIXELS,
    WRITE_BEHIND_MAX_PIXELS,
    ReadAhead,
    WriteBehind,
    pipeline_enabled,
)
from gantools.inference.progress import Progress
from gantools.inference.single import infer_image, resolve_tile, stream_image
from gantools.inference.steps import (
    Decoded,
    decode,
    existing_output,
    header_pixels,
    infer,
    write,
)
from gantools.task import ImageTask

__all__ = [
    "FILE_ERRORS",
    "BatchInterrupted",
    "FileOutcome",
    "Status",
    "failure_reason",
    "infer_image",
    "resolve_tile",
    "run_batch",
    "stream_image",
]


@dataclass
class _Prepared:
    """One job after the checks made before reading (output path, skips, existing
    output) and, unless ``deferred``, its decoded input."""

    src: Path
    root: Path | None
    dst: Path | None = None
    status: Status = "ok"
    reason: str | None = None
    data: Decoded | None = None
    deferred: bool = False  # read at its turn, on the main thread
    seconds: float = 0.0


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
    planned: dict[str, Path] = {}

    def prepare(job: tuple[Path, Path | None]) -> _Prepared:
        """The checks made before reading, then the read (reader thread)."""
        src, root = job
        start = time.perf_counter()
        item = _Prepared(src, root)
        try:
            item.dst = dst = output_path(src, root, out_dir, suffix, fmt)
            item.reason = skip_reason(src, root, out_dir, suffix, companions)
            if item.reason is not None:
                item.status = "skipped"
            else:
                key = os.path.realpath(dst)
                if key in planned:
                    raise ValueError(f"same output path as {planned[key]}")
                # an input that an earlier job writes is read after that write
                earlier_output = os.path.realpath(src) in planned
                planned[key] = src
                if existing_output(src, dst, skip_existing, overwrite) == "skipped":
                    item.status, item.reason = "skipped", "output exists"
                elif threaded and (earlier_output or (
                        header_pixels(src) or 0) > READ_AHEAD_MAX_PIXELS):
                    item.deferred = True
                else:
                    item.data = decode(task, model, src, dst, root, companions, options)
        except FILE_ERRORS as exc:
            item.status, item.reason = "failed", failure_reason(exc, src)
            item.data = None
        item.seconds = time.perf_counter() - start
        return item

    bar = Progress(len(jobs), progress)
    ledger = Ledger(bar)
    reader: ReadAhead[tuple[Path, Path | None], _Prepared] = ReadAhead(
        jobs, prepare, threaded=threaded)
    writer = WriteBehind(threaded=threaded)
    try:
        for (src, _root), result in reader:
            start = time.perf_counter()
            bar.images.set_postfix_str(src.name, refresh=False)
            item = result.get()
            entry = Entry(src, item.dst, item.status, item.reason, start, item.seconds)
            if item.status == "ok":
                assert item.dst is not None
                try:
                    if item.deferred:
                        writer.drain()  # its input may be one of them; frees memory
                        ledger.finish()
                        item.data = decode(task, model, src, item.dst, item.root, companions,
                                           options)
                    data, item.data = item.data, None
                    assert data is not None
                    try:
                        pixels, alpha_px = infer(task, model, options, data, item.dst, tile,
                                                 overlap, bar, source=src)
                    finally:
                        bar.end_tiles()
                    dst = item.dst
                    entry.pending = writer.submit(
                        lambda d=dst, p=pixels, a=alpha_px, m=data: write(d, p, a, m, quality))
                    del pixels, alpha_px
                    if data.out_h * data.out_w > WRITE_BEHIND_MAX_PIXELS:
                        entry.pending.done.wait()
                except FILE_ERRORS as exc:
                    entry.status, entry.reason = "failed", failure_reason(exc, src)
                    if isinstance(exc, torch.OutOfMemoryError) and torch.cuda.is_available():
                        torch.cuda.empty_cache()
            entry.end = time.perf_counter()
            ledger.add(entry)
            ledger.finish()
        writer.close()
        ledger.finish(wait=True)
    except KeyboardInterrupt:
        reader.close()
        try:
            writer.close()  # the outputs already computed are still written
            ledger.finish(wait=True)
        except KeyboardInterrupt:
            ledger.finish()
        raise BatchInterrupted(ledger.outcomes) from None
    finally:
        reader.close()
        try:  # after an unexpected error too, the outputs already computed are written
            writer.close()
        except KeyboardInterrupt:
            pass
        bar.close()
    return ledger.outcomes
