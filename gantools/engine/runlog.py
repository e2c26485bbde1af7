"""The run folder: resolved config, metrics.jsonl, TensorBoard scalars, sample grids."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import torch

from gantools.image_grid import tile_images
from gantools.weights import atomic_write_bytes


class RunLog:
    """Writes everything a run leaves behind, except checkpoints.

    Layout: ``config.json``, ``metrics.jsonl`` (one JSON object per logged step),
    ``samples/step_XXXXXXXX.png``, ``tb/`` (only when tensorboard is installed)."""

    def __init__(self, folder: Path, enabled: bool = True) -> None:
        self.folder = Path(folder)
        self.enabled = enabled
        self._tb = None
        self._opened = False

    def _open(self) -> None:
        """Create the folder (and TensorBoard writer) at the first write, so a run that
        stops on a bad option or data path leaves no empty folder behind."""
        if self._opened:
            return
        self._opened = True
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "samples").mkdir(exist_ok=True)
        try:
            from torch.utils.tensorboard import SummaryWriter

            self._tb = SummaryWriter(str(self.folder / "tb"))
        except Exception:  # noqa: BLE001 - tensorboard is optional
            self._tb = None

    @property
    def metrics_path(self) -> Path:
        return self.folder / "metrics.jsonl"

    def write_config(self, config: dict[str, Any]) -> None:
        if self.enabled:
            self._open()
            text = json.dumps(config, indent=2, default=str) + "\n"
            atomic_write_bytes(self.folder / "config.json", text.encode())

    def truncate_after(self, step: int) -> None:
        """Drop metric lines logged after ``step`` (work lost when a run was killed
        after its last checkpoint), so a resumed log has no duplicate steps."""
        if not self.enabled or not self.metrics_path.exists():
            return
        kept = [line for line in self.metrics_path.read_text().splitlines()
                if line.strip() and json.loads(line).get("step", 0) <= step]
        atomic_write_bytes(self.metrics_path, ("\n".join(kept) + "\n" if kept else "").encode())

    def log(self, step: int, values: dict[str, float]) -> None:
        """Append one line; non-finite values are written as null."""
        if not self.enabled:
            return
        self._open()
        clean = {k: (v if math.isfinite(v) else None) for k, v in values.items()}
        with open(self.metrics_path, "a") as fh:
            fh.write(json.dumps({"step": step, **clean}) + "\n")
        if self._tb is not None:
            for key, value in values.items():
                self._tb.add_scalar(key, value, step)

    def save_grid(self, step: int, rows: list[torch.Tensor]) -> Path | None:
        """Save rows of images (each (N, C, H, W) in [0, 1]) as one PNG grid."""
        if not self.enabled:
            return None
        self._open()
        path = self.folder / "samples" / f"step_{step:08d}.png"
        save_image_grid(rows, path)
        return path

    def close(self) -> None:
        if self._tb is not None:
            self._tb.close()


def make_grid(images: torch.Tensor, ncol: int | None = None, pad: int = 2) -> torch.Tensor:
    """Tile (N, C, H, W) images in [0, 1] into one (C, H', W') image, ``ncol`` per row
    (default: a near-square grid), with ``pad`` pixels of white between them."""
    return torch.from_numpy(tile_images(images.detach().float().cpu().numpy(), ncol, pad))


def save_image_grid(rows: list[torch.Tensor], path: Path) -> None:
    """Save one grid: a single row-set as a square grid, several as stacked rows
    (row i of the picture = element i of ``rows``) for side-by-side comparisons."""
    from gantools.imageio import write_image
    from gantools.tensors import to_hwc_uint8

    if len(rows) == 1:
        grid = make_grid(rows[0])
    else:
        channels = max(r.shape[1] for r in rows)
        rows = [r.expand(-1, channels, -1, -1) if r.shape[1] != channels else r for r in rows]
        grid = make_grid(torch.cat(rows), ncol=rows[0].shape[0])
    write_image(path, to_hwc_uint8(grid))
