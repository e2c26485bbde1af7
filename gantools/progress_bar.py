"""Progress that suits where stderr goes: a tqdm bar on a terminal; into a file or a
pipe (a log, CI, ``2> log.txt``), one plain line every few seconds instead of a flood
of carriage returns."""

from __future__ import annotations

import sys
import time
from typing import IO, Any

LINE_INTERVAL_S = 10.0
"""Seconds between two progress lines when stderr is not a terminal."""


class ProgressLines:
    """The part of tqdm's interface the commands use, printing full lines:
    ``unit: n/total (pct%), rate unit/s, postfix`` at most every ``interval`` seconds,
    and once more when closed."""

    def __init__(self, total: int | None, unit: str, initial: int = 0,
                 interval: float = LINE_INTERVAL_S, file: IO[str] | None = None) -> None:
        self.total, self.unit, self.n, self.interval = total, unit, initial, interval
        self.file = file if file is not None else sys.stderr
        self.postfix = ""
        self._start = self._last = time.monotonic()
        self._initial = initial
        self._closed = False

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self._print(now)

    def set_postfix(self, values: dict[str, Any] | None = None, refresh: bool = True,
                    **kwargs: Any) -> None:  # noqa: ARG002 - tqdm's signature
        items = {**(values or {}), **kwargs}
        self.postfix = ", ".join(f"{k}={v}" for k, v in items.items())

    def set_postfix_str(self, text: str = "", refresh: bool = True) -> None:  # noqa: ARG002
        self.postfix = text

    def line(self, now: float | None = None) -> str:
        """The line printed for the current state."""
        elapsed = max((now or time.monotonic()) - self._start, 1e-9)
        done = f"{self.n}/{self.total}" if self.total else f"{self.n}"
        pct = f" ({100 * self.n / self.total:.0f}%)" if self.total else ""
        rate = (self.n - self._initial) / elapsed
        extra = f", {self.postfix}" if self.postfix else ""
        return f"{self.unit}: {done}{pct}, {rate:.3g} {self.unit}/s, {elapsed:.0f} s{extra}"

    def _print(self, now: float | None = None) -> None:
        print(self.line(now), file=self.file, flush=True)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            if self.n != self._initial:
                self._print()


def stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def progress_bar(total: int | None, unit: str, enabled: bool = True, initial: int = 0,
                 **tqdm_options: Any) -> Any:
    """A tqdm bar on a terminal (``tqdm_options`` passed on), :class:`ProgressLines`
    when stderr is a file or pipe, a disabled tqdm bar when not ``enabled``."""
    from tqdm import tqdm

    if enabled and not stderr_is_terminal():
        return ProgressLines(total, unit, initial)
    return tqdm(total=total, initial=initial, unit=unit, disable=not enabled, **tqdm_options)
