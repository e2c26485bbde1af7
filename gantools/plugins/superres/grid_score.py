"""How strongly an upscaled image carries a grid of the upscaling period.

A sub-pixel (pixel-shuffle) upsampler predicts each of the scale x scale phases of an
output pixel with its own filter; when the phases disagree (GAN training pushes them
apart), the output carries a checkerboard of period ``scale``. Its energy sits exactly
on the frequencies that are multiples of 1/period, so it shows as peaks there in the
power spectrum, above the smooth spectrum of a photo. The score is the power at those
frequencies over the power of their surroundings, in dB: about 0 for a photo, and it
rises with a visible grid.
"""

from __future__ import annotations

import numpy as np

TILE = 64
"""Side of the tiles whose power spectra are averaged (a multiple of the period)."""


def luma(image: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB or (H, W) gray -> (H, W) float64 luma in [0, 1]."""
    pixels = image.astype(np.float64) / (255.0 if image.dtype == np.uint8 else 1.0)
    if pixels.ndim == 2:
        return pixels
    return pixels @ np.array([0.299, 0.587, 0.114])


def tile_power(gray: np.ndarray, tile: int = TILE) -> np.ndarray:
    """(H, W) -> (tile, tile): the mean power spectrum of the non-overlapping
    Hann-tapered tiles, each with its mean removed. H and W at least ``tile``."""
    h, w = gray.shape
    if min(h, w) < tile:
        raise ValueError(f"an image of {w}x{h} is smaller than the {tile}-pixel tile")
    rows, cols = h // tile, w // tile
    tiles = gray[:rows * tile, :cols * tile].reshape(rows, tile, cols, tile).swapaxes(1, 2)
    tiles = tiles - tiles.mean(axis=(2, 3), keepdims=True)
    taper = np.hanning(tile)
    spectra = np.fft.fft2(tiles * np.outer(taper, taper))
    return (np.abs(spectra) ** 2).mean(axis=(0, 1))


def grid_score(image: np.ndarray, period: int = 4, tile: int = TILE) -> float:
    """Mean excess power, in dB, at the frequencies of a ``period``-pixel grid
    (every multiple of tile/period cycles per tile but zero) over the mean of the
    16 bins two steps around each (beyond the Hann taper's spread of a pure grid).
    ``image``: (H, W, 3) uint8 or (H, W) float, H and W at least ``tile``."""
    if tile % period:
        raise ValueError(f"the tile ({tile}) must be a multiple of the period ({period})")
    power = tile_power(luma(image), tile) + 1e-20
    step = tile // period
    ring = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3) if max(abs(dy), abs(dx)) == 2]
    ratios = []
    for ky in range(period):
        for kx in range(period):
            if ky == kx == 0:
                continue
            y, x = ky * step, kx * step
            around = np.mean([power[(y + dy) % tile, (x + dx) % tile] for dy, dx in ring])
            ratios.append(power[y, x] / around)
    return float(10.0 * np.log10(np.mean(ratios)))
