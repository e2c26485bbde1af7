"""NIQE, the no-reference "naturalness" score of Mittal, Soundararajan and Bovik (2013).

An image's local contrast-normalised luminance (MSCN) statistics, measured on 96x96
blocks at two scales, are fitted by generalized Gaussian distributions (36 features a
block); NIQE is the Mahalanobis-like distance between the multivariate Gaussian of an
image's block features and the one fitted on pristine photos. Lower is more natural;
sharp clean photos score about 3, blurred or JPEG-blocky ones 6 and more.

The pristine model shipped with gantools (``pretrained/niqe-pristine.json``) is fitted
by ``benchmarks/niqe_fit.py`` on sharp photos (its card says which); the
conventions follow the published MATLAB release (7x7 Gaussian window of sigma 7/6,
MSCN constant 1, block sharpness threshold 0.75 when fitting, BT.601 Y in [16, 235],
bicubic halving for the second scale), so a parameter file in that release's layout
(``mu``, ``cov``) can be given instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image
from scipy.ndimage import correlate
from scipy.special import gamma

BLOCK = 96
SHARPNESS_THRESHOLD = 0.75
PRISTINE = Path(__file__).parent / "pretrained" / "niqe-pristine.json"


@cache
def _gamma_grid() -> tuple[np.ndarray, np.ndarray]:
    """Shape parameters 0.2..10 and the AGGD moment ratio that identifies each."""
    g = np.arange(0.2, 10.001, 0.001)
    return g, gamma(2 / g) ** 2 / (gamma(1 / g) * gamma(3 / g))


def gaussian_window(size: int = 7, sigma: float = 7 / 6) -> np.ndarray:
    """(size, size) normalised Gaussian window."""
    r = np.arange(size) - (size - 1) / 2
    w = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * sigma ** 2))
    return w / w.sum()


def mscn(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(H, W) luminance in [0, 255] -> (MSCN coefficients, local sigma), both (H, W)."""
    w = gaussian_window()
    mu = correlate(y, w, mode="nearest")
    sigma = np.sqrt(np.abs(correlate(y * y, w, mode="nearest") - mu * mu))
    return (y - mu) / (sigma + 1.0), sigma


def aggd_params(x: np.ndarray) -> tuple[float, float, float]:
    """Asymmetric generalized Gaussian fit of the values x: (shape, left scale, right
    scale). NaN shape when a side is empty."""
    left, right = x[x < 0], x[x > 0]
    if left.size == 0 or right.size == 0:
        return float("nan"), float("nan"), float("nan")
    left_std, right_std = np.sqrt(np.mean(left ** 2)), np.sqrt(np.mean(right ** 2))
    gamma_hat = left_std / right_std
    r_hat = np.mean(np.abs(x)) ** 2 / np.mean(x ** 2)
    r_norm = r_hat * (gamma_hat ** 3 + 1) * (gamma_hat + 1) / (gamma_hat ** 2 + 1) ** 2
    grid, ratios = _gamma_grid()
    alpha = grid[np.argmin((ratios - r_norm) ** 2)]
    factor = np.sqrt(gamma(1 / alpha) / gamma(3 / alpha))
    return float(alpha), float(left_std * factor), float(right_std * factor)


def block_features(block: np.ndarray) -> list[float]:
    """18 features of one MSCN block: its AGGD shape and mean scale, then shape, mean,
    left and right scales of the products with its 4 neighbours (right, down, diagonals)."""
    alpha, left, right = aggd_params(block)
    feats = [alpha, (left + right) / 2]
    for shift in ((0, 1), (1, 0), (1, 1), (1, -1)):
        alpha, left, right = aggd_params(block * np.roll(block, shift, axis=(0, 1)))
        mean = (right - left) * gamma(2 / alpha) / gamma(1 / alpha)
        feats += [alpha, mean, left, right]
    return feats


def halve(y: np.ndarray) -> np.ndarray:
    """Bicubic (antialiased) half-size version of an (H, W) float image."""
    h, w = y.shape
    small = Image.fromarray(y.astype(np.float32), mode="F").resize(
        (max(1, round(w / 2)), max(1, round(h / 2))), Image.Resampling.BICUBIC)
    return np.asarray(small, dtype=np.float64)


def image_features(y: np.ndarray, select_sharp: bool = False) -> np.ndarray:
    """(blocks, 36) features of an (H, W) luminance image in [0, 255] (cropped to whole
    96-pixel blocks). ``select_sharp`` keeps only blocks whose mean local sigma is above
    0.75 of the sharpest block's (used when fitting the pristine model)."""
    rows, cols = y.shape[0] // BLOCK, y.shape[1] // BLOCK
    if rows == 0 or cols == 0:
        raise ValueError(f"NIQE needs at least {BLOCK}x{BLOCK} pixels, got "
                         f"{y.shape[1]}x{y.shape[0]}")
    y = y[:rows * BLOCK, :cols * BLOCK].astype(np.float64)
    per_scale, sharpness = [], None
    for scale in (1, 2):
        coeffs, sigma = mscn(y)
        size = BLOCK // scale
        feats, sharp = [], []
        for i in range(rows):
            for j in range(cols):
                window = (slice(i * size, (i + 1) * size), slice(j * size, (j + 1) * size))
                feats.append(block_features(coeffs[window]))
                sharp.append(float(np.mean(sigma[window])))
        per_scale.append(np.array(feats))
        if scale == 1:
            sharpness = np.array(sharp)
        y = halve(y)
    features = np.concatenate(per_scale, axis=1)
    if select_sharp and sharpness is not None:
        features = features[sharpness > SHARPNESS_THRESHOLD * sharpness.max()]
    return features


def luminance(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB (or (H, W) gray) -> BT.601 Y in [16, 235], rounded, float64."""
    if rgb.ndim == 2:
        return np.round(16.0 + rgb.astype(np.float64) * (219.0 / 255.0))
    x = rgb.astype(np.float64) / 255.0
    return np.round(16.0 + 65.481 * x[..., 0] + 128.553 * x[..., 1] + 24.966 * x[..., 2])


@dataclass(frozen=True)
class PristineModel:
    """Mean (36,) and covariance (36, 36) of pristine block features."""

    mu: np.ndarray
    cov: np.ndarray

    @classmethod
    def load(cls, path: Path = PRISTINE) -> PristineModel:
        """Read a JSON file with ``mu`` and ``cov``, or a ``.npz`` with the MATLAB
        release's ``mu_pris_param`` / ``cov_pris_param`` (as BasicSR ships it)."""
        if Path(path).suffix == ".npz":
            data = np.load(path)
            return cls(np.ravel(data["mu_pris_param"]), np.asarray(data["cov_pris_param"]))
        data = json.loads(Path(path).read_text())
        return cls(np.asarray(data["mu"], dtype=np.float64),
                   np.asarray(data["cov"], dtype=np.float64))


@cache
def default_model() -> PristineModel:
    """The pristine model shipped with gantools."""
    return PristineModel.load(PRISTINE)


def niqe(rgb: np.ndarray, model: PristineModel | None = None, border: int = 0) -> float:
    """NIQE of an (H, W, 3) or (H, W) uint8 image (``border`` pixels cropped first);
    lower is more natural."""
    model = model or default_model()
    if border:
        rgb = rgb[border:-border, border:-border]
    feats = image_features(luminance(rgb))
    mu = np.nanmean(feats, axis=0)
    clean = feats[~np.isnan(feats).any(axis=1)]
    cov = np.cov(clean, rowvar=False) if len(clean) > 1 else np.zeros_like(model.cov)
    diff = model.mu - mu
    return float(np.sqrt(diff @ np.linalg.pinv((model.cov + cov) / 2) @ diff))
