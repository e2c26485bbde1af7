"""Generated inputs for the contract: training image folders, a test image, its companion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gantools.task import ImageTask


def make_image_folder(folder: Path, size: int, count: int = 6, labels: bool = False,
                      seed: int = 0) -> Path:
    """``count`` smooth RGB PNGs with edges, of sides ``size`` to ``size + 2 * count``
    (in two class sub-folders when ``labels``). Returns ``folder``."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        h, w = size + 2 * i, size + 3 * i
        y, x = np.mgrid[0:h, 0:w].astype(np.float64)
        phase = rng.uniform(0, 6.28, 3)
        img = np.stack([128 + 90 * np.sin(x / (4 + i) + phase[0]),
                        128 + 90 * np.cos(y / (5 + i) + phase[1]),
                        128 + 90 * np.sin((x + y) / 7 + phase[2])], axis=2)
        img[h // 4: h // 2, w // 3: 2 * w // 3] = rng.integers(0, 255, 3)
        img += rng.normal(0, 4, img.shape)
        target = folder / f"class{i % 2}" if labels else folder
        target.mkdir(exist_ok=True)
        Image.fromarray(img.clip(0, 255).astype(np.uint8)).save(target / f"img{i}.png")
    return folder


def _test_image(size: int, seed: int = 3) -> Any:
    import numpy as np

    rng = np.random.default_rng(seed)
    h, w = size, size + 5  # not square: catches swapped axes
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([x * 255 / w, y * 255 / h, 128 + 60 * np.sin(x / 3.0)], axis=2)
    return (img + rng.normal(0, 10, img.shape)).clip(0, 255).astype(np.uint8)


def _companion_input(task: ImageTask, h: int, w: int) -> dict[str, Any]:
    import numpy as np

    if task.companion is None:
        return {}
    mask = np.zeros((h, w), np.uint8)
    mask[h // 4: h // 2, w // 4: w // 2] = 255
    return {task.companion.name: mask}
