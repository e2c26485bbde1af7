"""``gantools demo`` rows of the colorize task: each photo made gray (its luma), then
gray | model | original."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from gantools.task import DemoPanel, DemoRow

if TYPE_CHECKING:  # pragma: no cover
    from gantools.plugins.colorize.task import ColorizeTask


def demo_rows(task: ColorizeTask, model: Any, photos: list[np.ndarray]) -> list[DemoRow]:
    rows = []
    for photo in photos:
        gray = np.asarray(Image.fromarray(photo).convert("L"))
        start = time.perf_counter()
        colour = task.call(model, gray)
        model_s = time.perf_counter() - start
        rows.append(DemoRow(
            f"{photo.shape[1]}x{photo.shape[0]} gray photo colorized",
            [DemoPanel("gray input", np.repeat(gray[..., None], 3, axis=2)),
             DemoPanel("model", colour, model_s), DemoPanel("original", photo)]))
    return rows
