"""Failures on the page: one line, never a traceback, no server paths."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

log = logging.getLogger("gantools.ui")

EXPECTED = (ValueError, KeyError, OSError, RuntimeError, TypeError)
"""Failures reported by their message alone; others get their type name too, and
their traceback goes to the server's log when ``GANTOOLS_DEBUG`` is set."""


def one_line(exc: BaseException, hidden: tuple[Path, ...] = ()) -> str:
    """The first line of ``exc``'s message, paths under the ``hidden`` folders (the
    server's temporary ones) reduced to their file name."""
    message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
    lines = str(message).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    if not isinstance(exc, EXPECTED + _image_errors()):
        text = f"{type(exc).__name__}: {text}"
    for folder in hidden:
        text = re.sub(re.escape(os.fspath(folder)) + r"[^\s:'\"]*/", "", text)
    return text


def _image_errors() -> tuple[type[BaseException], ...]:
    from gantools.imageio import ImageReadError, ImageWriteError

    return (ImageReadError, ImageWriteError)


def page_error(exc: BaseException, hidden: tuple[Path, ...] = ()) -> Exception:
    """A ``gr.Error`` showing :func:`one_line` of ``exc`` (a ``gr.Error`` is kept)."""
    from gantools.ui.offline import gradio

    gr = gradio()
    if isinstance(exc, gr.Error):
        return exc
    if os.environ.get("GANTOOLS_DEBUG"):
        log.error("gantools ui: handler failed", exc_info=exc)
    return gr.Error(one_line(exc, hidden), duration=20, print_exception=False)
