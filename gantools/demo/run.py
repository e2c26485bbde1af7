"""Running the demo: load the sample photos, then for every task its default model
(timed) and its :meth:`~gantools.task.Task.demo` rows; write images, ``index.html``
and ``demo.json`` into the output folder.

A task never stops the others: a failure, a missing model or a missing demo becomes
a :class:`TaskResult` with a one-line ``note``.
"""

from __future__ import annotations

import io
import json
import os
import re
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from gantools.registry import Registry
from gantools.task import DemoRow, ImageTask, Task

SAMPLES = "samples"
"""Folder of the sample photos inside the ``gantools`` package."""

PNG_MAX_PIXELS = 100_000
"""Panels up to this size (sample grids) are written as PNG, larger ones as JPEG."""

JPEG_QUALITY = 92

OK, NO_MODEL, NO_DEMO, FAILED, UNAVAILABLE = "ok", "no model", "no demo", "failed", "unavailable"


@dataclass
class PanelFile:
    """A panel as written: its label, image file (relative to the gallery), size and
    time in seconds (None for inputs and originals)."""

    label: str
    file: str
    width: int
    height: int
    seconds: float | None = None


@dataclass
class RowFiles:
    caption: str
    panels: list[PanelFile]


@dataclass
class TaskResult:
    """What became of one task. ``status``: ok, no model (nothing shipped: ``note`` says
    how to train one), no demo, failed (``note`` says why), unavailable (the plugin did
    not load or is disabled). ``shipped``: a default model was found installed, so a
    failure counts against the exit code."""

    name: str
    summary: str = ""
    status: str = OK
    note: str = ""
    model: str | None = None
    shipped: bool = False
    load_s: float | None = None
    demo_s: float | None = None
    rows: list[RowFiles] = field(default_factory=list)

    def mean_seconds(self) -> dict[str, float]:
        """Mean time per image of every timed panel label ("model", "bicubic", ...)."""
        times: dict[str, list[float]] = {}
        for row in self.rows:
            for panel in row.panels:
                if panel.seconds is not None:
                    times.setdefault(panel.label, []).append(panel.seconds)
        return {label: sum(v) / len(v) for label, v in times.items()}


def sample_photos() -> list[tuple[str, np.ndarray]]:
    """The bundled sample photos, ``(name, (H, W, 3) uint8 RGB)``, sorted by name;
    read from the installed package (see gantools/samples/SOURCES.md)."""
    from PIL import Image

    folder = resources.files("gantools").joinpath(SAMPLES)
    photos = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.lower().endswith(".jpg"):
            with Image.open(io.BytesIO(entry.read_bytes())) as image:
                photos.append((entry.name.rsplit(".", 1)[0], np.asarray(image.convert("RGB"))))
    if not photos:
        raise FileNotFoundError(f"no sample photos in {folder} (is the package installed "
                                "with its data files?)")
    return photos


def default_model_name(task: Task) -> str | None:
    """The shipped model the task uses when the user names none."""
    if isinstance(task, ImageTask):
        return task.model_for_options(task.InferOptions())
    return task.default_model


def training_hint(name: str) -> str:
    """How to make a model for a task that ships none."""
    return (f"train one with 'gantools train {name} --data PHOTOS/ --out runs/{name}', "
            f"export it with 'gantools export runs/{name} -o {name}.safetensors', then use "
            f"'gantools {name} ... --weights {name}.safetensors' (see docs/training.md)")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "panel"


def run_task(task: Task, photos: list[np.ndarray], device: str, precision: str,
             out_dir: Path) -> TaskResult:
    """Load the task's default model, run its demo, write its images under
    ``out_dir/images``. Never raises for a failing task (KeyboardInterrupt aside)."""
    from gantools.api import load
    from gantools.weights import WeightsError, find_weights

    result = TaskResult(task.name, task.summary)
    try:
        result.model = default_model_name(task)
        if result.model is None:
            result.status, result.note = NO_MODEL, f"no shipped model: {training_hint(task.name)}"
            return result
        try:
            ref = find_weights(result.model, task=task.name, extra=task.pretrained_dirs)
        except WeightsError:
            result.status = NO_MODEL
            result.note = (f"no shipped model (weights '{result.model}' are not installed): "
                           + training_hint(task.name))
            return result
        result.shipped = True
        start = time.perf_counter()
        model = load(task, weights=ref.path, device=device, precision=precision)
        result.load_s = time.perf_counter() - start
        start = time.perf_counter()
        rows = task.demo(model, photos)
        result.demo_s = time.perf_counter() - start
        result.rows = _write_rows(task.name, rows, out_dir)
    except NotImplementedError as exc:
        result.status, result.note = NO_DEMO, f"no demo: {_one_line(exc)}"
    except Exception as exc:  # noqa: BLE001 - one task's failure is a note, not a crash
        if os.environ.get("GANTOOLS_DEBUG"):
            traceback.print_exc()
        result.status, result.note = FAILED, f"failed: {_one_line(exc)}"
    return result


def _write_rows(name: str, rows: list[DemoRow], out_dir: Path) -> list[RowFiles]:
    """Write every panel as an image file; PNG for small ones, JPEG otherwise."""
    from gantools.imageio import write_image

    images = out_dir / "images"
    images.mkdir(parents=True, exist_ok=True)
    written = []
    for r, row in enumerate(rows):
        panels = []
        for p, panel in enumerate(row.panels):
            pixels = np.asarray(panel.image)
            if pixels.ndim == 2:
                pixels = pixels[..., None]
            if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in (1, 3):
                raise ValueError(f"demo panel '{panel.label}' must be (H, W, 3) uint8, got "
                                 f"{pixels.shape} {pixels.dtype}")
            height, width = pixels.shape[:2]
            ext = "png" if height * width <= PNG_MAX_PIXELS else "jpg"
            rel = f"images/{_slug(name)}-{r + 1:02d}-{p + 1}-{_slug(panel.label)}.{ext}"
            write_image(out_dir / rel, pixels, quality=JPEG_QUALITY)
            panels.append(PanelFile(panel.label, rel, width, height, panel.seconds))
        written.append(RowFiles(row.caption, panels))
    return written


def run_demo(registry: Registry, names: list[str] | None, out_dir: Path, device: str,
             precision: str, log: Callable[[str], None]) -> tuple[list[TaskResult], Path]:
    """Run the demo of every task of ``registry`` (or of ``names``), write the gallery
    into ``out_dir``; returns the results and the path of index.html."""
    import torch

    import gantools
    from gantools.atomic import atomic_write_bytes
    from gantools.demo.html import render
    from gantools.engine.device import pick_device, resolve_precision

    dev = pick_device(device)
    dtype = resolve_precision(precision, dev)
    wanted = names if names is not None else sorted(
        {rec.name for rec in registry.records} | set(registry.tasks))
    photos = sample_photos()
    out_dir.mkdir(parents=True, exist_ok=True)
    compute = str(dtype).removeprefix("torch.")
    log(f"gantools demo: {len(wanted)} task(s) on {len(photos)} sample photos, {dev} "
        f"({compute}) -> {out_dir}")
    started = time.perf_counter()
    results = []
    for i, name in enumerate(wanted, 1):
        task = registry.tasks.get(name)
        if task is None:
            reason = registry.unavailable_reason(name) or f"no task named '{name}'"
            result = TaskResult(name, status=UNAVAILABLE, note=reason)
        else:
            result = run_task(task, [p for _, p in photos], device, precision, out_dir)
        results.append(result)
        log(f"[{i}/{len(wanted)}] {name}: {_status_line(result)}")
    total_s = time.perf_counter() - started
    meta = {"gantools_version": gantools.__version__, "torch_version": torch.__version__,
            "device": str(dev), "precision": compute, "threads": torch.get_num_threads(),
            "total_s": total_s, "photos": [n for n, _ in photos],
            "created": time.strftime("%Y-%m-%d %H:%M:%S")}
    index = out_dir / "index.html"
    atomic_write_bytes(out_dir / "demo.json", (json.dumps(
        {"meta": meta, "tasks": [_as_json(r) for r in results]}, indent=2) + "\n").encode())
    atomic_write_bytes(index, render(results, meta).encode("utf-8"))
    return results, index


def _status_line(result: TaskResult) -> str:
    if result.status != OK:
        return result.note
    means = result.mean_seconds()
    times = ", ".join(f"{label} {s:.2f} s" for label, s in means.items())
    return (f"ok, model '{result.model}' loaded in {result.load_s:.2f} s, "
            f"{len(result.rows)} row(s){'; mean time per picture: ' + times if times else ''}")


def _as_json(result: TaskResult) -> dict[str, Any]:
    from dataclasses import asdict

    data = asdict(result)
    data["mean_seconds"] = result.mean_seconds()
    return data
