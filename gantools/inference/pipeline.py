"""Read-ahead and write-behind for :func:`gantools.inference.batch.run_batch`: the next
inputs are prepared (checked, decoded) on a reader thread and finished outputs are
encoded and written on a writer thread, so that the model does not wait for the disk.

Both stages are bounded (a few items) and keep the job order. With ``threaded=False``
they run inline in the caller's thread, which is the plain one-file-at-a-time batch;
``GANTOOLS_PIPELINE=0`` selects that (see :func:`pipeline_enabled`).

Signals (Ctrl-C) reach the main thread only; the threads are daemons, stopped by
:meth:`ReadAhead.close` and :meth:`WriteBehind.close`. Exceptions raised on a thread
are handed back to the main thread with the item they belong to.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

PIPELINE_ENV = "GANTOOLS_PIPELINE"

READ_AHEAD = 2
"""Inputs decoded ahead of the one the model works on."""

WRITE_BEHIND = 1
"""Finished outputs waiting for the writer, besides the one being written."""

READ_AHEAD_MAX_PIXELS = 16_000_000
"""Larger inputs are not decoded ahead (their float tensor alone is 12 bytes a pixel):
they are read when their turn comes, after the pending writes are done."""

WRITE_BEHIND_MAX_PIXELS = 64_000_000
"""After submitting a larger output, the batch waits for its write before going on, so
that two large outputs are never held at once."""

_POLL = 0.1  # seconds between checks of the stop flag while a queue is full


def pipeline_enabled(value: bool | None = None) -> bool:
    """``value`` when given, else False when ``GANTOOLS_PIPELINE`` is 0/false/no/off."""
    if value is not None:
        return value
    raw = os.environ.get(PIPELINE_ENV, "").strip().lower()
    return raw not in ("0", "false", "no", "off")


@dataclass
class _Result(Generic[R]):
    value: R | None = None
    error: BaseException | None = None

    def get(self) -> R:
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]


class ReadAhead(Generic[T, R]):
    """``for job, result in ReadAhead(jobs, prepare)``: ``prepare(job)`` for every job,
    in order, up to ``depth`` jobs ahead of the consumer on a background thread
    (inline when not ``threaded``). ``result.get()`` returns the value or raises what
    ``prepare`` raised, in the consumer's thread and at that job's turn."""

    def __init__(self, jobs: Iterable[T], prepare: Callable[[T], R], depth: int = READ_AHEAD,
                 threaded: bool = True) -> None:
        self._jobs = list(jobs)
        self._prepare = prepare
        self._threaded = threaded
        self._stop = threading.Event()
        self._queue: queue.Queue[tuple[T, _Result[R]]] = queue.Queue(maxsize=max(1, depth))
        self._thread: threading.Thread | None = None
        if threaded and self._jobs:
            self._thread = threading.Thread(target=self._work, name="gantools-read",
                                            daemon=True)
            self._thread.start()

    def _run(self, job: T) -> _Result[R]:
        try:
            return _Result(value=self._prepare(job))
        except BaseException as exc:  # handed to the consumer with its job
            return _Result(error=exc)

    def _work(self) -> None:
        for job in self._jobs:
            if self._stop.is_set():
                return
            item = (job, self._run(job))
            while True:
                try:
                    self._queue.put(item, timeout=_POLL)
                    break
                except queue.Full:
                    if self._stop.is_set():
                        return

    def __iter__(self) -> Iterator[tuple[T, _Result[R]]]:
        if not self._threaded:
            for job in self._jobs:
                result = self._run(job)
                if isinstance(result.error, KeyboardInterrupt):
                    raise result.error
                yield job, result
            return
        for _ in self._jobs:
            yield self._queue.get()

    def close(self) -> None:
        """Stop reading ahead (a decode in progress finishes and is dropped)."""
        self._stop.set()
        while True:  # unblock a reader waiting on a full queue
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break


@dataclass
class Pending:
    """A submitted write: ``done`` once it ran; ``error`` what it raised (or None);
    ``finished`` its perf_counter end time."""

    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None
    finished: float = 0.0


class WriteBehind:
    """``submit(write)`` runs ``write()`` on a background writer thread, in submission
    order, with at most ``depth`` writes waiting besides the running one (``submit``
    blocks beyond that); inline when not ``threaded``."""

    def __init__(self, depth: int = WRITE_BEHIND, threaded: bool = True) -> None:
        self._threaded = threaded
        self._queue: queue.Queue[tuple[Callable[[], Any], Pending] | None] = queue.Queue(
            maxsize=max(1, depth))
        self._abandon = threading.Event()
        self._thread: threading.Thread | None = None
        self._pending: list[Pending] = []
        self._closed = False

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._work, name="gantools-write", daemon=True)
        self._thread.start()

    @staticmethod
    def _run(write: Callable[[], Any], pending: Pending, catch: type[BaseException]) -> None:
        try:
            write()
        except catch as exc:
            pending.error = exc
        finally:
            pending.finished = time.perf_counter()
            pending.done.set()

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            write, pending = item
            if self._abandon.is_set():
                pending.error = KeyboardInterrupt()
                pending.finished = time.perf_counter()
                pending.done.set()
                continue
            self._run(write, pending, BaseException)

    def submit(self, write: Callable[[], Any]) -> Pending:
        pending = Pending()
        if not self._threaded:
            # KeyboardInterrupt is not caught: it stops the batch like any Ctrl-C
            self._run(write, pending, Exception)
            return pending
        if self._thread is None:
            self._start()
        self._queue.put((write, pending))  # Ctrl-C while blocked here: not submitted
        self._pending = [p for p in self._pending if not p.done.is_set()] + [pending]
        return pending

    def drain(self) -> None:
        """Wait until every submitted write has run."""
        for pending in self._pending:
            pending.done.wait()
        self._pending = []

    def close(self) -> None:
        """Finish the submitted writes, then stop the thread. A KeyboardInterrupt
        while waiting abandons the writes not yet started (the one being written
        finishes on its own: writes are atomic)."""
        if self._thread is None or self._closed:
            return
        self._closed = True
        try:
            self.drain()
        except KeyboardInterrupt:
            self._abandon.set()
            raise
        finally:
            try:
                self._queue.put_nowait(None)
            except queue.Full:
                pass
