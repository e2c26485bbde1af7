"""The batch's ledger: files recorded (and reported) in job order once their write is done."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from gantools.inference.outcome import FILE_ERRORS, FileOutcome, Status, failure_reason
from gantools.inference.pipeline import Pending
from gantools.inference.progress import Progress, report_failure


@dataclass
class Entry:
    """A file whose turn has come, waiting (in order) for its write to finish."""

    src: Path
    dst: Path | None
    status: Status
    reason: str | None
    start: float
    extra: float  # seconds spent preparing it before its turn
    end: float = 0.0
    pending: Pending | None = field(default=None, repr=False)


class Ledger:
    """The entries waiting in job order and the :class:`FileOutcome` of each file
    recorded so far (``outcomes``); each recorded file counts on ``bar``."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.entries: deque[Entry] = deque()
        self.outcomes: list[FileOutcome] = []

    def add(self, entry: Entry) -> None:
        """Queue a file whose turn has come (its write may still be pending)."""
        self.entries.append(entry)

    def finish(self, wait: bool = False) -> None:
        """Record (and report) the files at the head of ``entries`` that are done."""
        entries = self.entries
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
                report_failure(entry.src, entry.reason)
            self.bar.end_image()
            seconds = entry.end - entry.start + entry.extra
            self.outcomes.append(FileOutcome(str(entry.src),
                                             str(entry.dst) if entry.dst else None,
                                             entry.status, entry.reason, round(seconds, 4)))
