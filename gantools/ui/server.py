"""Start the page's server: its own temporary folder for results (deleted on close)
and gradio's for uploads and shown pictures (deleted at exit), 127.0.0.1 unless told
otherwise, gradio's upload-size limit, Pillow's pixel limit set to
``$GANTOOLS_MAX_PIXELS``, one job at a time."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gantools.ui.context import UIContext

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

DEFAULT_MAX_UPLOAD = "100M"
"""Largest upload accepted (``--max-upload``); pixels are limited separately."""

QUEUE_SIZE = 16
"""Jobs waiting at most; the page says "queue full" beyond."""


_UPLOADS: list[Path] = []


def uploads_folder() -> Path:
    """gradio's folder of uploads and shown pictures (``GRADIO_TEMP_DIR``): one per
    process, since gradio reads the variable on every request; deleted at exit."""
    if not _UPLOADS:
        path = Path(tempfile.mkdtemp(prefix="gantools-ui-uploads-"))
        atexit.register(shutil.rmtree, path, True)
        _UPLOADS.append(path)
    os.environ["GRADIO_TEMP_DIR"] = str(_UPLOADS[0])
    return _UPLOADS[0]


def host_warning(host: str) -> str | None:
    """The warning for a server reachable from other machines, or None on loopback."""
    if host in LOCAL_HOSTS:
        return None
    return (f"warning: listening on {host}: anyone who can reach this machine on the "
            "network can use the page and its compute (there is no login)")


@dataclass
class Server:
    """A running page: ``url`` (its local address), the gradio ``page`` and the
    :class:`UIContext` its tabs share."""

    url: str
    page: Any
    ui: UIContext

    def wait(self) -> None:
        """Serve until Ctrl-C, then :meth:`close`."""
        try:
            self.page.block_thread()
        finally:
            self.close()

    def close(self) -> None:
        """Stop the server and delete its results."""
        try:
            self.page.close()
        finally:
            shutil.rmtree(self.ui.root, ignore_errors=True)


def start(host: str = "127.0.0.1", port: int = 7860, device: str = "auto",
          precision: str = "auto", max_upload: str = DEFAULT_MAX_UPLOAD,
          registry: Any = None) -> Server:
    """Build the page for the installed tasks (or ``registry``'s) and serve it in the
    background; :meth:`Server.wait` blocks, :meth:`Server.close` stops it."""
    from PIL import Image

    from gantools.engine.device import pick_device
    from gantools.imageio.limits import _pixel_limit
    from gantools.memory import parse_bytes
    from gantools.ui.app import build_app
    from gantools.ui.offline import gradio

    pick_device(device)  # a bad --device fails here, not on the first click
    try:
        upload_bytes = parse_bytes(max_upload)
    except ValueError:
        raise ValueError(f"--max-upload {max_upload!r} is not a size (e.g. 100M)") from None
    Image.MAX_IMAGE_PIXELS = _pixel_limit(None)  # what gradio itself decodes
    root = Path(tempfile.mkdtemp(prefix="gantools-ui-"))
    uploads = uploads_folder()
    os.environ.pop("GRADIO_ALLOWED_PATHS", None)
    gradio()
    ui = UIContext(root, device, precision, uploads)
    ui.results.mkdir()
    try:
        page = build_app(ui, registry)
        page.queue(default_concurrency_limit=1, max_size=QUEUE_SIZE)
        _launch(page, server_name=host, server_port=port, share=False, inbrowser=False,
                prevent_thread_lock=True, quiet=True, show_error=False,
                max_file_size=upload_bytes, footer_links=[], run_history=False,
                ssr_mode=False, mcp_server=False, pwa=False)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return Server(page.local_url, page, ui)


LAUNCH_TRIES = 3
"""gradio gives up when its own server does not answer a first request within 3 s
(a busy machine); the launch is tried this many times."""


def _launch(page: Any, **options: Any) -> None:
    for attempt in range(LAUNCH_TRIES):
        try:
            page.launch(**options)
            return
        except ValueError as exc:
            if "localhost is not accessible" not in str(exc):
                raise
            page.close()
            if attempt == LAUNCH_TRIES - 1:
                raise RuntimeError("the page's server did not answer its first request "
                                   "(is the machine very busy?); try again") from None
