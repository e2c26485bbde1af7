"""Per-file outcomes of a batch: status, failure reasons, the Ctrl-C exception carrying them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch

from gantools.imageio import ImageReadError, ImageWriteError

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
    """Ctrl-C during :func:`~gantools.inference.batch.run_batch`; ``outcomes`` holds the
    files finished before."""

    def __init__(self, outcomes: list[FileOutcome]) -> None:
        super().__init__()
        self.outcomes = outcomes


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
