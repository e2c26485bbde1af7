"""The grid of the upscaling period, and images without it (torch).

A sub-pixel upsampler predicts each of the period x period phases of an output pixel
with its own filter, so a grid of that period (one offset per phase) costs it
nothing. Training signals that reward such a grid make one: a spectral loss (energy
at the grid frequencies) or a discriminator whose gradient has the period of its
strided convolutions. Within a window whose side is a multiple of the period, the
grid is the mean of each phase less the window's mean; removing it is an orthogonal
projection, so a loss computed on the projected image sends no gradient along any grid.
"""

from __future__ import annotations

import torch


def without_grid(tiles: torch.Tensor, period: int) -> torch.Tensor:
    """(..., w, w) windows less their own ``period``-pixel grid: the mean of each
    pixel phase (over the window's period x period cells) minus the window's mean.
    ``w`` must be a multiple of ``period``."""
    *lead, w, _ = tiles.shape
    cells = tiles.reshape(*lead, w // period, period, w // period, period)
    phases = cells.mean(dim=(-4, -2), keepdim=True)
    grid = phases - phases.mean(dim=(-3, -1), keepdim=True)
    return (cells - grid).reshape(tiles.shape)


def windows(image: torch.Tensor, window: int) -> torch.Tensor:
    """(N, C, H, W) -> (N, C, H // window, W // window, window, window): the whole
    ``window``-pixel windows from the top left (a remainder at the right and bottom
    edges is left out)."""
    n, c, h, w = image.shape
    rows, cols = h // window, w // window
    core = image[:, :, :rows * window, :cols * window]
    return core.reshape(n, c, rows, window, cols, window).permute(0, 1, 2, 4, 3, 5)


def image_without_grid(image: torch.Tensor, period: int, window: int = 16) -> torch.Tensor:
    """(N, C, H, W) -> the same with the grid of every ``window``-pixel window (from
    the top left) removed; a remainder at the right and bottom edges is left as it
    is. ``window`` must be a multiple of ``period``."""
    if window % period:
        raise ValueError(f"the window ({window}) is not a multiple of the grid period "
                         f"({period})")
    n, c, h, w = image.shape
    rows, cols = h // window, w // window
    if rows == 0 or cols == 0:
        return image
    clean = without_grid(windows(image, window), period).permute(0, 1, 2, 4, 3, 5)
    clean = clean.reshape(n, c, rows * window, cols * window)
    if rows * window == h and cols * window == w:
        return clean
    out = image.clone()
    out[:, :, :rows * window, :cols * window] = clean
    return out
