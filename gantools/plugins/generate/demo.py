"""``gantools demo`` rows of the generate task: a grid of samples from fixed noise,
one row per class for a class-conditional model. Takes no photos."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from gantools.task import DemoPanel, DemoRow

if TYPE_CHECKING:  # pragma: no cover
    from gantools.plugins.generate.task import GenerateTask

PER_ROW = 10


def demo_rows(task: GenerateTask, model: Any, photos: list[Any]) -> list[DemoRow]:
    from gantools.engine.runlog import make_grid
    from gantools.tensors import to_hwc_uint8

    classes = model.config.num_classes
    labels = [k for k in range(classes) for _ in range(PER_ROW)] if classes else None
    n = len(labels) if labels else PER_ROW * PER_ROW
    start = time.perf_counter()
    images = task.sample(model.generator, model.config, n, seed=0, label=labels)
    seconds = time.perf_counter() - start
    grid = to_hwc_uint8(make_grid(images.expand(-1, 3, -1, -1), ncol=PER_ROW))
    size = model.config.size
    what = f"one row per class (0-{classes - 1})" if classes else "from random noise"
    return [DemoRow(f"{n} {size}x{size} samples, {what}, seed 0",
                    [DemoPanel(f"model ({n} samples)", grid, seconds)])]
