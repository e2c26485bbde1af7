"""``gantools demo`` rows of the superres task: each photo downscaled by the model's
scale (bicubic, as in ``gantools eval superres``), then bicubic | model | original."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from gantools.task import DemoPanel, DemoRow

if TYPE_CHECKING:  # pragma: no cover
    from gantools.plugins.superres.task import SuperresTask


def demo_rows(task: SuperresTask, model: Any, photos: list[np.ndarray]) -> list[DemoRow]:
    from gantools.plugins.superres.evaluate import bicubic_up, lr_pair

    scale = task.scale(model.config)
    rows = []
    for photo in photos:
        hr, lr = lr_pair(photo, scale)
        start = time.perf_counter()
        bicubic = bicubic_up(lr, scale)
        bicubic_s = time.perf_counter() - start
        start = time.perf_counter()
        sr = task.call(model, lr)
        model_s = time.perf_counter() - start
        rows.append(DemoRow(
            f"x{scale}: {lr.shape[1]}x{lr.shape[0]} input (the photo shrunk x{scale}) -> "
            f"{hr.shape[1]}x{hr.shape[0]}",
            [DemoPanel("bicubic", bicubic, bicubic_s), DemoPanel("model", sr, model_s),
             DemoPanel("original", hr)]))
    return rows
