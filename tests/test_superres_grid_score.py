"""The grid score of superres outputs: power at a sub-pixel grid's frequencies."""

from __future__ import annotations

import numpy as np
import pytest

from gantools.plugins.superres.grid_score import grid_score


def _smooth_texture(seed: int = 0, size: int = 192) -> np.ndarray:
    """(size, size, 3) uint8: noise whose amplitude falls as 1/f^1.5, as in photos."""
    rng = np.random.default_rng(seed)
    fy, fx = np.meshgrid(np.fft.fftfreq(size), np.fft.fftfreq(size), indexing="ij")
    falloff = np.maximum(np.hypot(fy, fx), 1e-2) ** 1.5
    spectrum = np.fft.fft2(rng.normal(size=(size, size))) / falloff
    field = np.real(np.fft.ifft2(spectrum))
    field = (field - field.min()) / (field.max() - field.min())
    return np.repeat((field * 200 + 28).astype(np.uint8)[..., None], 3, axis=2)


def test_near_zero_without_a_grid_and_high_with_one():
    image = _smooth_texture()
    assert abs(grid_score(image)) < 3.0
    pattern = np.zeros((4, 4))
    pattern[0, 0], pattern[2, 1] = 3.0, -3.0  # 3 levels: barely visible
    gridded = np.clip(image + np.tile(pattern, (48, 48))[..., None], 0, 255).astype(np.uint8)
    assert grid_score(gridded) > grid_score(image) + 6.0


def test_float_gray_input_and_refusals():
    gray = _smooth_texture(1)[..., 0].astype(np.float64) / 255.0
    assert grid_score(gray) == pytest.approx(grid_score(_smooth_texture(1)), abs=1e-6)
    with pytest.raises(ValueError, match="smaller than"):
        grid_score(np.zeros((32, 80), np.uint8))
    with pytest.raises(ValueError, match="multiple of the period"):
        grid_score(gray, period=3)
