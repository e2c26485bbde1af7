"""Import gradio for offline use: no analytics, no version check, no share link, no
Hugging Face telemetry. Every module of :mod:`gantools.ui` gets gradio from here."""

from __future__ import annotations

import os
from types import ModuleType

INSTALL_HINT = 'gantools ui needs gradio: pip install "gantools[ui]"'

OFFLINE_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",  # also switches off gradio's version check
    "GRADIO_SHARE": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
}
"""Set before gradio is imported (and before each page is built)."""


class GradioMissing(RuntimeError):
    """gradio is not installed; the message says what to install."""


def gradio() -> ModuleType:
    """The gradio module, imported with :data:`OFFLINE_ENV` set; GradioMissing (one
    line: what to install) when it is not installed."""
    os.environ.update(OFFLINE_ENV)
    try:
        import gradio as gr
    except ImportError as exc:
        raise GradioMissing(f"{INSTALL_HINT} ({exc})") from None
    return gr
