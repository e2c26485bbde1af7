"""Shared by the ``test_ui_*`` files: one ``gantools ui`` server per test session (it
takes seconds to start), small sample pictures, and a free port."""

from __future__ import annotations

import atexit
import socket
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "gantools" / "samples" / "astronaut.jpg"

_SERVER: dict[str, Any] = {}


def free_port() -> int:
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def shared_server() -> Any:
    """The session's server (started on first use, on the CPU, closed at exit)."""
    if "server" not in _SERVER:
        from gantools.ui.server import start

        server = start(port=free_port(), device="cpu", precision="fp32")
        _SERVER["server"] = server
        atexit.register(server.close)
    return _SERVER["server"]


def small_photo(path: Path, width: int = 96, height: int = 64, gray: bool = False) -> Path:
    """The bundled astronaut photo shrunk to ``width`` x ``height``, saved as PNG."""
    from PIL import Image

    with Image.open(SAMPLE) as im:
        small = im.convert("L" if gray else "RGB").resize((width, height),
                                                         Image.Resampling.LANCZOS)
    small.save(path)
    return path


def photo_array(width: int = 96, height: int = 64) -> np.ndarray:
    """The same photo as an (H, W, 3) uint8 array."""
    from PIL import Image

    with Image.open(SAMPLE) as im:
        return np.asarray(im.convert("RGB").resize((width, height),
                                                  Image.Resampling.LANCZOS))
