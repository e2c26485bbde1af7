"""What a tab's handlers share: the device, cached models, the pixel limit and the
server's own result folder. No path from the page is ever opened: uploads arrive as
files gradio wrote into the server's temporary folder, models are chosen by name
from the installed ones, and results are written under :attr:`UIContext.results`."""

from __future__ import annotations

import re
import shutil
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KEEP_RESULTS = 32
"""Result folders kept; older ones are deleted as new results are written."""


@dataclass
class UIContext:
    """The running page's state, handed to every :meth:`Task.ui_tab`.

    ``root``: the server's temporary folder (results live under it). ``device``,
    ``precision``: as ``--device`` / ``--precision`` of the commands. ``uploads``:
    gradio's folder of uploaded files (None: under ``root``).
    """

    root: Path
    device: str = "auto"
    precision: str = "auto"
    uploads: Path | None = None
    _models: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def results(self) -> Path:
        """The folder every result is written in (one sub-folder per result)."""
        return self.root / "results"

    # ----- models -------------------------------------------------------------
    def model_names(self, task: Any) -> list[str]:
        """Installed models of ``task`` (shipped and ``$GANTOOLS_WEIGHTS``), the
        task's default first."""
        from gantools.weights import list_weights

        names = [ref.name for ref in list_weights(task.name, tuple(task.pretrained_dirs))]
        default = getattr(task, "default_model", None)
        return sorted(names, key=lambda n: (n != default, n))

    def model_card(self, task: Any, name: str) -> dict[str, Any]:
        """The JSON card of installed model ``name`` (ValueError if not installed)."""
        from gantools.weights import find_weights

        self._check_name(task, name)
        return find_weights(name, task=task.name, extra=tuple(task.pretrained_dirs)).card

    def model(self, task: Any, name: str | None) -> Any:
        """The loaded model ``name`` (default: the task's) of ``task``, loaded once on
        :attr:`device` and kept; only installed models can be named."""
        from gantools.api import load

        name = name or task.default_model
        self._check_name(task, name)
        key = (task.name, name)
        with self._lock:
            if key not in self._models:
                self._models[key] = load(task, model=name, device=self.device,
                                         precision=self.precision)
            return self._models[key]

    def _check_name(self, task: Any, name: str | None) -> None:
        names = self.model_names(task)
        if name not in names:
            raise ValueError(f"no {task.name} model named {name!r} is installed "
                             f"(installed: {', '.join(names) or 'none'})")

    # ----- files --------------------------------------------------------------
    def result_path(self, filename: str) -> Path:
        """A new path ``results/<id>/<filename>`` (the file name reduced to safe
        characters); the oldest result folders beyond :data:`KEEP_RESULTS` go."""
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(filename).name).lstrip(".") or "result"
        folder = self.results / uuid.uuid4().hex[:12]
        folder.mkdir(parents=True)
        self._prune()
        return folder / safe

    def _prune(self) -> None:
        folders = sorted((p for p in self.results.iterdir() if p.is_dir()),
                         key=lambda p: p.stat().st_mtime)
        for old in folders[:-KEEP_RESULTS]:
            shutil.rmtree(old, ignore_errors=True)

    def check_pixels(self, width: int, height: int, what: str = "the image") -> None:
        """Refuse an image above ``$GANTOOLS_MAX_PIXELS`` (the CLI's read limit)."""
        from gantools.imageio.limits import MAX_PIXELS_ENV, _pixel_limit

        limit = _pixel_limit(None)
        if width * height > limit:
            raise ValueError(f"{what} is {width}x{height} = {width * height} pixels, above "
                             f"the limit of {limit} (set {MAX_PIXELS_ENV} to raise it)")

    # ----- errors -------------------------------------------------------------
    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)`` with any failure shown as one line on the page
        (see :func:`gantools.ui.errors.page_error`)."""
        from gantools.ui.errors import page_error

        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every failure becomes one line
            raise page_error(exc, (self.root, self.uploads or self.root)) from None
