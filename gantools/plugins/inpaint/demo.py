"""``gantools demo`` rows of the inpaint task: a seeded free-form hole (20-30% of the
photo) punched in each photo, then masked input | OpenCV Telea | model | original."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from gantools.task import DemoPanel, DemoRow

if TYPE_CHECKING:  # pragma: no cover
    from gantools.plugins.inpaint.task import InpaintTask

HOLE_RATIO = (0.2, 0.3)


def demo_rows(task: InpaintTask, model: Any, photos: list[np.ndarray]) -> list[DemoRow]:
    from gantools.plugins.inpaint.evaluate import opencv_inpaint
    from gantools.plugins.inpaint.masks import seeded_mask

    rows = []
    for seed, photo in enumerate(photos):
        hole = seeded_mask(*photo.shape[:2], HOLE_RATIO, seed)[0, 0].numpy() > 0.5
        shown = photo.copy()
        shown[hole] = 255
        start = time.perf_counter()
        telea = opencv_inpaint(photo, hole, "telea")
        telea_s = time.perf_counter() - start
        start = time.perf_counter()
        filled = task.call(model, photo, mask=hole.astype(np.uint8) * 255)
        model_s = time.perf_counter() - start
        rows.append(DemoRow(
            f"{hole.mean():.0%} of the {photo.shape[1]}x{photo.shape[0]} photo hidden "
            "(white) and filled",
            [DemoPanel("input (holes white)", shown), DemoPanel("OpenCV Telea", telea, telea_s),
             DemoPanel("model", filled, model_s), DemoPanel("original", photo)]))
    return rows
