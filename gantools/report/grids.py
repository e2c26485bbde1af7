"""Sample grids: tile layout, diversity between tiles, and small JPEG previews.

The run log writes grids with ``gantools.engine.runlog.make_grid``: tiles of equal
size separated and surrounded by ``pad`` = 2 white pixels; a plain grid holds the
``n_samples`` generated images ``ceil(sqrt(n))`` per row, a comparison grid (a task's
several sample rows: input, output, target, ...) one row per kind with ``n`` images
each. numpy and Pillow are imported when these functions run."""

from __future__ import annotations

import base64
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PAD = 2
STEP_NAME = re.compile(r"step_(\d+)\.png$")


@dataclass
class Layout:
    nrow: int
    ncol: int
    tile_h: int
    tile_w: int
    kind: str  # "plain": every tile a sample; "comparison": one row per kind


@dataclass
class Grid:
    step: int
    path: Path


def list_grids(run_dir: Path) -> list[Grid]:
    """``samples/step_XXXXXXXX.png`` sorted by step."""
    grids = []
    for path in (Path(run_dir) / "samples").glob("step_*.png"):
        match = STEP_NAME.search(path.name)
        if match:
            grids.append(Grid(int(match.group(1)), path))
    return sorted(grids, key=lambda g: g.step)


def _valid_splits(white: Any, length: int) -> list[int]:
    """Tile counts c for which every pad line of a c-tile split is white."""
    counts = []
    for c in range(1, (length - PAD) // (PAD + 2) + 1):
        if (length - PAD) % c:
            continue
        size = (length - PAD) // c - PAD
        pads = [k * (size + PAD) + p for k in range(c + 1) for p in range(PAD)]
        if all(white[i] for i in pads):
            counts.append(c)
    return counts


def infer_layout(image: Any, n_samples: int | None = None) -> Layout | None:
    """The tile layout of a grid (an (H, W) or (H, W, C) uint8 array), or None.

    With ``n_samples`` known (config.json), the layouts ``make_grid`` writes are tried
    first: plain (``ceil(sqrt(n))`` columns) and comparison (``n`` columns). Otherwise
    the finest split whose pad lines are all white is taken."""
    import numpy as np

    arr = np.asarray(image)
    if arr.ndim == 3:
        arr = arr.min(axis=2)
    height, width = arr.shape
    is_white = arr >= 254
    cols = _valid_splits(is_white.all(axis=0), width)
    rows = _valid_splits(is_white.all(axis=1), height)
    if not cols or not rows:
        return None

    def layout(nrow: int, ncol: int, kind: str) -> Layout:
        return Layout(nrow, ncol, (height - PAD) // nrow - PAD, (width - PAD) // ncol - PAD,
                      kind)

    if n_samples:
        ncol = max(1, math.ceil(math.sqrt(n_samples)))
        nrow = math.ceil(n_samples / ncol)
        if ncol in cols and nrow in rows:
            return layout(nrow, ncol, "plain")
    # the finest split; a grid that is not make_grid's near-square layout of its
    # tiles holds stacked rows of different kinds (a task's comparison rows)
    ncol, nrow = max(cols), max(rows)
    square = ncol == math.ceil(math.sqrt(nrow * ncol))
    plain = square and not n_samples and nrow * ncol > 1
    return layout(nrow, ncol, "plain" if plain else "comparison")


def tiles(image: Any, layout: Layout, count: int | None = None) -> Any:
    """(N, h, w[, C]) float array in [0, 1] of the grid's tiles, row by row."""
    import numpy as np

    arr = np.asarray(image).astype(np.float32) / 255.0
    out = []
    for r in range(layout.nrow):
        for c in range(layout.ncol):
            top = PAD + r * (layout.tile_h + PAD)
            left = PAD + c * (layout.tile_w + PAD)
            out.append(arr[top:top + layout.tile_h, left:left + layout.tile_w])
    if count is not None:
        out = out[:count]
    return np.stack(out)


def mean_pairwise_distance(batch: Any, max_side: int = 32) -> float:
    """Mean absolute pixel difference over all pairs of tiles, in [0, 1]
    (tiles larger than ``max_side`` are block-averaged down first)."""
    import numpy as np

    x = np.asarray(batch, dtype=np.float32)
    n = x.shape[0]
    if n < 2:
        return 0.0
    factor = max(1, math.ceil(max(x.shape[1], x.shape[2]) / max_side))
    if factor > 1:
        h, w = (x.shape[1] // factor) * factor, (x.shape[2] // factor) * factor
        x = x[:, :h, :w]
        x = x.reshape(n, h // factor, factor, w // factor, factor, *x.shape[3:]).mean(axis=(2, 4))
    flat = x.reshape(n, -1)
    total, pairs = 0.0, 0
    for i in range(n - 1):
        total += float(np.abs(flat[i + 1:] - flat[i]).mean(axis=1).sum())
        pairs += n - 1 - i
    return total / pairs


def grid_diversity(path: Path, n_samples: int | None) -> tuple[Layout | None, float | None]:
    """The grid's layout and, for a plain grid (every tile a sample), the mean
    pairwise distance between its samples."""
    import numpy as np

    arr = np.asarray(_open_for_display(path))
    layout = infer_layout(arr, n_samples)
    if layout is None or layout.kind != "plain":
        return layout, None
    count = n_samples if n_samples and n_samples <= layout.nrow * layout.ncol else None
    return layout, mean_pairwise_distance(tiles(arr, layout, count))


def preview_data_uri(path: Path, max_width: int = 768, quality: int = 85) -> str:
    """The grid as a ``data:image/jpeg;base64,...`` URI, at most ``max_width`` wide."""
    from PIL import Image

    im = _open_for_display(path)
    if im.width > max_width:
        height = max(1, round(im.height * max_width / im.width))
        im = im.resize((max_width, height), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    im.save(buffer, format="JPEG", quality=quality, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _open_for_display(path: Path) -> Any:
    """The grid PNG decoded as an 8-bit PIL image: "L" for gray modes, else "RGB"."""
    from PIL import Image

    with Image.open(path) as im:
        return im.convert("L" if im.mode in ("L", "I", "I;16", "1") else "RGB")
