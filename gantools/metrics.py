"""Image quality and distribution metrics.

Pixel metrics (PSNR, SSIM, masked errors, colourfulness) take float tensors
(N, C, H, W) or (C, H, W) and return one float64 value per image, shape (N,).
Distribution metrics (FID, KID, precision/recall) take feature arrays (N, D).
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg
import torch
import torch.nn.functional as F
from torch import Tensor

# ITU-R BT.601 luma as MATLAB's rgb2ycbcr computes it, for R, G, B in [0, 1]:
# Y (in [16, 235] / 255) = (16 + 65.481 R + 128.553 G + 24.966 B) / 255.
_Y_WEIGHTS = (65.481, 128.553, 24.966)
_Y_OFFSET = 16.0


def _as_batch(img: Tensor) -> Tensor:
    """(C, H, W) -> (1, C, H, W); (N, C, H, W) unchanged."""
    if not isinstance(img, Tensor):
        hint = (": infer_image returns (image, alpha), unpack it (out, _ = infer_image(...))"
                if isinstance(img, tuple) else "")
        raise TypeError(f"expected an image tensor, got a {type(img).__name__}{hint}")
    if img.dim() == 3:
        return img.unsqueeze(0)
    if img.dim() != 4:
        raise ValueError(
            f"expected a (N, C, H, W) or (C, H, W) tensor, got shape {tuple(img.shape)}"
        )
    return img


def _pair64(a: Tensor, b: Tensor, crop_border: int = 0) -> tuple[Tensor, Tensor]:
    """Both images as float64 (N, C, H, W), with ``crop_border`` pixels cut off each side."""
    a64, b64 = _as_batch(a).to(torch.float64), _as_batch(b).to(torch.float64)
    if a64.shape != b64.shape:
        raise ValueError(f"shape mismatch: {tuple(a64.shape)} vs {tuple(b64.shape)}")
    if crop_border > 0:
        c = crop_border
        a64, b64 = a64[..., c:-c, c:-c], b64[..., c:-c, c:-c]
        if a64.shape[-1] == 0 or a64.shape[-2] == 0:
            raise ValueError(f"crop_border={crop_border} leaves no pixels")
    return a64, b64


def rgb_to_y(img: Tensor) -> Tensor:
    """Luma Y of BT.601 (MATLAB rgb2ycbcr convention) in [0, 1].

    ``img``: (N, 3, H, W) or (3, H, W) RGB in [0, 1] -> (N, 1, H, W) or (1, H, W),
    same dtype. A 1-channel (gray) input is returned as is."""
    if img.shape[-3] == 1:
        return img
    if img.shape[-3] != 3:
        raise ValueError(f"rgb_to_y needs 1 or 3 channels, got shape {tuple(img.shape)}")
    r, g, b = img.unbind(dim=-3)
    wr, wg, wb = _Y_WEIGHTS
    y = (_Y_OFFSET + wr * r + wg * g + wb * b) / 255.0
    return y.unsqueeze(-3)


def _psnr_from_mse(mse: Tensor, data_range: float) -> Tensor:
    """PSNR in dB from a per-image float64 MSE (inf where mse == 0)."""
    return 10.0 * torch.log10(data_range**2 / mse)


def psnr(a: Tensor, b: Tensor, data_range: float = 1.0, crop_border: int = 0) -> Tensor:
    """Peak signal-to-noise ratio in dB per image, (N,) float64 (inf for equal images).

    ``a``, ``b``: (N, C, H, W) or (C, H, W) with values in [0, data_range]."""
    a64, b64 = _pair64(a, b, crop_border)
    mse = ((a64 - b64) ** 2).flatten(1).mean(dim=1)
    return _psnr_from_mse(mse, data_range)


def gaussian_kernel(size: int = 11, sigma: float = 1.5) -> Tensor:
    """Normalised 1-D Gaussian, (size,) float64 summing to 1; the 2-D window of SSIM
    is its outer product with itself."""
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2.0
    g = torch.exp(-0.5 * (x / sigma) ** 2)
    return g / g.sum()


def _filter_valid(x: Tensor, kernel: Tensor) -> Tensor:
    """Depthwise 'valid' correlation of (N, C, H, W) with the separable window
    outer(kernel, kernel), as two 1-D passes (k + k products per pixel, not k * k)."""
    channels, k = x.shape[1], kernel.shape[0]
    kernel = kernel.to(x)
    x = F.conv2d(x, kernel.reshape(1, 1, k, 1).expand(channels, 1, k, 1), groups=channels)
    return F.conv2d(x, kernel.reshape(1, 1, 1, k).expand(channels, 1, 1, k), groups=channels)


def ssim(a: Tensor, b: Tensor, data_range: float = 1.0, crop_border: int = 0) -> Tensor:
    """Structural similarity (Wang et al. 2004) per image, (N,) float64.

    11x11 Gaussian window (sigma 1.5), K1 = 0.01, K2 = 0.03, 'valid' filtering (no
    padding); the SSIM map is averaged per channel, then over channels. Images must
    be at least 11x11 after cropping."""
    a64, b64 = _pair64(a, b, crop_border)
    if min(a64.shape[-2:]) < 11:
        raise ValueError(f"ssim needs images of at least 11x11, got {tuple(a64.shape[-2:])}")
    kernel = gaussian_kernel(11, 1.5)
    c1 = (0.01 * data_range) ** 2
    c2 = (0.03 * data_range) ** 2
    mu_a, mu_b = _filter_valid(a64, kernel), _filter_valid(b64, kernel)
    var_a = _filter_valid(a64 * a64, kernel) - mu_a**2
    var_b = _filter_valid(b64 * b64, kernel) - mu_b**2
    cov = _filter_valid(a64 * b64, kernel) - mu_a * mu_b
    num = (2 * mu_a * mu_b + c1) * (2 * cov + c2)
    den = (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)
    ssim_map = num / den
    return ssim_map.flatten(2).mean(dim=2).mean(dim=1)


def psnr_y(sr: Tensor, hr: Tensor, crop_border: int = 0) -> Tensor:
    """PSNR on the BT.601 Y channel of RGB images in [0, 1] (SR convention), (N,) float64."""
    return psnr(rgb_to_y(sr.to(torch.float64)), rgb_to_y(hr.to(torch.float64)), 1.0, crop_border)


def ssim_y(sr: Tensor, hr: Tensor, crop_border: int = 0) -> Tensor:
    """SSIM on the BT.601 Y channel of RGB images in [0, 1] (SR convention), (N,) float64."""
    return ssim(rgb_to_y(sr.to(torch.float64)), rgb_to_y(hr.to(torch.float64)), 1.0, crop_border)


def _masked_terms(a: Tensor, b: Tensor, mask: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(a - b) float64 (N, C, H, W), the mask broadcast to it, and per-image counts."""
    a64, b64 = _pair64(a, b)
    m = _as_batch(mask).to(torch.float64).expand_as(a64)
    count = m.flatten(1).sum(dim=1)
    return a64 - b64, m, count


def masked_mae(a: Tensor, b: Tensor, mask: Tensor) -> Tensor:
    """Mean absolute error inside ``mask`` per image, (N,) float64 (nan if mask is empty).

    ``mask``: (N, 1, H, W) in {0, 1}, 1 marks the pixels to score (all channels)."""
    diff, m, count = _masked_terms(a, b, mask)
    return (diff.abs() * m).flatten(1).sum(dim=1) / count


def masked_psnr(a: Tensor, b: Tensor, mask: Tensor, data_range: float = 1.0) -> Tensor:
    """PSNR over the pixels inside ``mask`` only, per image, (N,) float64 dB."""
    diff, m, count = _masked_terms(a, b, mask)
    mse = (diff**2 * m).flatten(1).sum(dim=1) / count
    return _psnr_from_mse(mse, data_range)


def colourfulness(img: Tensor) -> Tensor:
    """Hasler and Suesstrunk (2003) colourfulness per image, (N,) float64.

    ``img``: (N, 3, H, W) or (3, H, W) RGB in [0, 1]; computed on the [0, 255] scale
    with population standard deviations. A gray image scores 0."""
    x = _as_batch(img).to(torch.float64) * 255.0
    if x.shape[1] != 3:
        raise ValueError(f"colourfulness needs RGB input, got shape {tuple(x.shape)}")
    r, g, b = x.unbind(dim=1)
    rg = (r - g).flatten(1)
    yb = (0.5 * (r + g) - b).flatten(1)
    std = torch.sqrt(rg.var(dim=1, unbiased=False) + yb.var(dim=1, unbiased=False))
    mean = torch.sqrt(rg.mean(dim=1) ** 2 + yb.mean(dim=1) ** 2)
    return std + 0.3 * mean


# ---------------------------------------------------------------- distributions


def feature_stats(feats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (D,) and covariance (D, D) of features (N, D), both float64."""
    f = np.asarray(feats, dtype=np.float64)
    if f.ndim != 2 or f.shape[0] < 2:
        raise ValueError(f"expected (N >= 2, D) features, got shape {f.shape}")
    return f.mean(axis=0), np.cov(f, rowvar=False)


def _sqrtm_is_bad(covmean: np.ndarray, product: np.ndarray) -> bool:
    """True when sqrtm failed (non-finite) or is clearly inaccurate (singular product)."""
    if not np.isfinite(covmean).all():
        return True
    scale = max(np.linalg.norm(product), 1e-300)
    return float(np.linalg.norm(covmean @ covmean - product) / scale) > 1e-3


def frechet_distance(
    mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray, eps: float = 1e-6
) -> float:
    """Squared Frechet distance between N(mu1, sigma1) and N(mu2, sigma2), float64.

    ||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 sqrt(sigma1 sigma2)). When the product
    is singular, ``eps`` is added to both diagonals; a small imaginary part of the
    square root (numerical noise) is dropped, a large one raises ValueError."""
    mu1, mu2 = (
        np.atleast_1d(np.asarray(mu1, np.float64)),
        np.atleast_1d(np.asarray(mu2, np.float64)),
    )
    s1, s2 = (
        np.atleast_2d(np.asarray(sigma1, np.float64)),
        np.atleast_2d(np.asarray(sigma2, np.float64)),
    )
    if mu1.shape != mu2.shape or s1.shape != s2.shape or s1.shape != (mu1.size, mu1.size):
        raise ValueError(f"inconsistent shapes: {mu1.shape}, {s1.shape}, {mu2.shape}, {s2.shape}")
    diff = mu1 - mu2
    product = s1 @ s2
    with warnings.catch_warnings():  # a singular product is detected and handled below
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        covmean = scipy.linalg.sqrtm(product)
    if _sqrtm_is_bad(covmean, product):
        offset = np.eye(s1.shape[0]) * eps
        covmean = scipy.linalg.sqrtm((s1 + offset) @ (s2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0.0, atol=1e-3):
            worst = float(np.max(np.abs(covmean.imag)))
            raise ValueError(f"frechet_distance: sqrtm has a large imaginary part ({worst:.3g})")
        covmean = covmean.real
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * np.trace(covmean))


def fid(real_feats: np.ndarray, fake_feats: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to two feature sets (N, D)."""
    mu1, s1 = feature_stats(real_feats)
    mu2, s2 = feature_stats(fake_feats)
    return frechet_distance(mu1, s1, mu2, s2)


def _poly_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Cubic polynomial kernel (x.y / d + 1)^3, (n, m) float64."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def _mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD^2 estimate (Binkowski et al. 2018) of two equal-size samples (m, D)."""
    m = x.shape[0]
    k_xx, k_yy, k_xy = _poly_kernel(x, x), _poly_kernel(y, y), _poly_kernel(x, y)
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within - 2.0 * k_xy.sum() / (m * m))


def kid(
    real_feats: np.ndarray,
    fake_feats: np.ndarray,
    n_subsets: int = 100,
    subset_size: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """Kernel Inception Distance: (mean, std) of unbiased MMD^2 over random subsets.

    Each subset draws ``subset_size`` rows (without replacement) from each set;
    ``subset_size`` is capped at the smaller set size."""
    real = np.asarray(real_feats, dtype=np.float64)
    fake = np.asarray(fake_feats, dtype=np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"expected (N, D) feature sets, got {real.shape} and {fake.shape}")
    m = min(subset_size, real.shape[0], fake.shape[0])
    if m < 2:
        raise ValueError("kid needs at least 2 samples in each set")
    rng = np.random.default_rng(seed)
    values = np.empty(n_subsets, dtype=np.float64)
    for i in range(n_subsets):
        x = real[rng.choice(real.shape[0], m, replace=False)]
        y = fake[rng.choice(fake.shape[0], m, replace=False)]
        values[i] = _mmd2_unbiased(x, y)
    return float(values.mean()), float(values.std())


def _kth_neighbour_radii(feats: Tensor, k: int, batch_size: int) -> Tensor:
    """Distance of each row (N, D) to its k-th nearest other row, (N,) float32."""
    if feats.shape[0] <= k:
        raise ValueError(f"precision_recall needs more than k={k} samples, got {feats.shape[0]}")
    radii = []
    for start in range(0, feats.shape[0], batch_size):
        dist = torch.cdist(feats[start : start + batch_size], feats)
        # Index k (0-based) skips the point itself at distance 0.
        radii.append(dist.kthvalue(k + 1, dim=1).values)
    return torch.cat(radii)


def _fraction_inside(queries: Tensor, centres: Tensor, radii: Tensor, batch_size: int) -> float:
    """Fraction of ``queries`` within ``radii[j]`` of at least one ``centres[j]``."""
    inside = 0
    for start in range(0, queries.shape[0], batch_size):
        dist = torch.cdist(queries[start : start + batch_size], centres)
        inside += int((dist <= radii.unsqueeze(0)).any(dim=1).sum())
    return inside / queries.shape[0]


def _subsample(feats: np.ndarray, max_samples: int | None, rng: np.random.Generator) -> Tensor:
    """At most ``max_samples`` random rows of ``feats`` as a float32 tensor."""
    if max_samples is not None and feats.shape[0] > max_samples:
        feats = feats[rng.choice(feats.shape[0], max_samples, replace=False)]
    return torch.as_tensor(np.asarray(feats, dtype=np.float32))


def precision_recall(
    real_feats: np.ndarray,
    fake_feats: np.ndarray,
    k: int = 3,
    max_samples: int | None = None,
    seed: int = 0,
    batch_size: int = 1000,
) -> tuple[float, float]:
    """Improved precision and recall (Kynkaanniemi et al. 2019), each in [0, 1].

    A manifold is the union of balls around each sample with radius the distance to
    its k-th nearest neighbour in the same set. Precision: fraction of fakes inside
    the real manifold; recall: fraction of reals inside the fake manifold. Distances
    are float32, computed ``batch_size`` rows at a time; sets larger than
    ``max_samples`` are randomly subsampled (``seed``)."""
    rng = np.random.default_rng(seed)
    real = _subsample(np.asarray(real_feats), max_samples, rng)
    fake = _subsample(np.asarray(fake_feats), max_samples, rng)
    if real.dim() != 2 or fake.dim() != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"expected (N, D) feature sets, got {real.shape} and {fake.shape}")
    real_radii = _kth_neighbour_radii(real, k, batch_size)
    fake_radii = _kth_neighbour_radii(fake, k, batch_size)
    precision = _fraction_inside(fake, real, real_radii, batch_size)
    recall = _fraction_inside(real, fake, fake_radii, batch_size)
    return precision, recall
