"""What a batch shows: image and tile progress bars, per-file failure lines above them."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from gantools.progress_bar import progress_bar, stderr_is_terminal


class Progress:
    """An image bar (unit "img") and, for tiled images, a transient tile bar; into a
    file or pipe, a progress line every few seconds instead (no tile bar)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.enabled = enabled
        self.images = progress_bar(total, "img", enabled, dynamic_ncols=True)
        self.lines = enabled and not stderr_is_terminal()  # no tile bars into a file
        self.tiles: tqdm | None = None

    def start_image(self, n_tiles: int) -> Callable[[int], None] | None:
        """Open a tile bar when tiled; returns its update function or None."""
        if not self.enabled or self.lines or n_tiles <= 1:
            return None
        self.tiles = tqdm(total=n_tiles, unit="tile", leave=False, position=1,
                          dynamic_ncols=True)
        return self.tiles.update

    def end_tiles(self) -> None:
        """Close the tile bar of the image the model has finished."""
        if self.tiles is not None:
            self.tiles.close()
            self.tiles = None

    def end_image(self) -> None:
        """Count one more finished file (written, skipped or failed)."""
        self.images.update(1)

    def close(self) -> None:
        if self.tiles is not None:
            self.tiles.close()
        self.images.close()


def report_failure(path: Path, reason: str) -> None:
    """Print ``gantools: <path>: <reason>`` on stderr, above the progress bars."""
    tqdm.write(f"gantools: {path}: {reason}", file=sys.stderr)


def report_warning(path: Path, message: str) -> None:
    """Print ``gantools: warning: <path>: <message>`` on stderr, above the bars."""
    tqdm.write(f"gantools: warning: {path}: {message}", file=sys.stderr)
