"""Every metric against an independent computation (numpy formulas, skimage, brute force)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from gantools import metrics as M


def rand_images(n: int = 3, c: int = 3, h: int = 24, w: int = 20, seed: int = 0) -> torch.Tensor:
    """Smooth-ish random images (N, C, H, W) float64 in [0, 1]."""
    g = torch.Generator().manual_seed(seed)
    base = torch.rand(n, c, h // 4, w // 4, generator=g, dtype=torch.float64)
    up = torch.nn.functional.interpolate(base, size=(h, w), mode="bilinear")
    return (up + 0.1 * torch.rand(n, c, h, w, generator=g, dtype=torch.float64)).clamp(0, 1)


def noisy(x: torch.Tensor, scale: float = 0.05, seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (x + scale * torch.randn(x.shape, generator=g, dtype=x.dtype)).clamp(0, 1)


def y_numpy(rgb: np.ndarray) -> np.ndarray:
    """(N, 3, H, W) RGB in [0, 1] -> (N, H, W) Y by the rgb2ycbcr formula."""
    r, g, b = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    return (16.0 + 65.481 * r + 128.553 * g + 24.966 * b) / 255.0


# ----------------------------------------------------------------------------- Y


def test_rgb_to_y_formula() -> None:
    x = rand_images()
    np.testing.assert_allclose(M.rgb_to_y(x)[:, 0].numpy(), y_numpy(x.numpy()), atol=1e-12)
    assert M.rgb_to_y(x[0]).shape == (1, 24, 20)
    white, black = torch.ones(1, 3, 2, 2), torch.zeros(1, 3, 2, 2)
    assert torch.allclose(M.rgb_to_y(white), torch.tensor(235 / 255), atol=1e-5)
    assert torch.allclose(M.rgb_to_y(black), torch.tensor(16 / 255), atol=1e-7)
    gray = torch.rand(2, 1, 5, 5)
    assert M.rgb_to_y(gray) is gray


# -------------------------------------------------------------------------- PSNR


@pytest.mark.parametrize("crop", [0, 3])
def test_psnr_matches_numpy_and_skimage(crop: int) -> None:
    a = rand_images()
    b = noisy(a)
    got = M.psnr(a, b, crop_border=crop)
    assert got.dtype == torch.float64 and got.shape == (3,)
    an, bn = a.numpy(), b.numpy()
    if crop:
        an, bn = an[..., crop:-crop, crop:-crop], bn[..., crop:-crop, crop:-crop]
    for i in range(3):
        mse = np.mean((an[i] - bn[i]) ** 2)
        assert got[i].item() == pytest.approx(10 * np.log10(1.0 / mse), abs=1e-9)
        ref = peak_signal_noise_ratio(an[i], bn[i], data_range=1.0)
        assert got[i].item() == pytest.approx(ref, abs=1e-9)


def test_psnr_data_range_and_identical() -> None:
    a = rand_images(n=1) * 255
    b = noisy(a / 255) * 255
    ref = peak_signal_noise_ratio(a.numpy(), b.numpy(), data_range=255)
    assert M.psnr(a, b, data_range=255.0).item() == pytest.approx(ref, abs=1e-9)
    assert torch.isinf(M.psnr(a, a)).all()


# -------------------------------------------------------------------------- SSIM
# skimage filters with scipy.ndimage (reflect padding) and then drops (11-1)/2 = 5
# pixels on each side of the SSIM map before averaging. Those interior values never
# touch the padding, so they are exactly our 'valid' convolution with the same
# normalised 11x11 Gaussian (truncate=3.5, sigma=1.5 -> radius 5): agreement is at
# float64 round-off (1e-10 allows for differently ordered sums).


def sk_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """skimage SSIM of one (C, H, W) image pair."""
    return structural_similarity(
        a,
        b,
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
        data_range=1.0,
        channel_axis=0,
    )


@pytest.mark.parametrize("channels", [1, 3])
def test_ssim_matches_skimage(channels: int) -> None:
    a = rand_images(c=channels, h=32, w=28)
    b = noisy(a, 0.1)
    got = M.ssim(a, b)
    assert got.shape == (3,) and got.dtype == torch.float64
    for i in range(3):
        assert got[i].item() == pytest.approx(sk_ssim(a[i].numpy(), b[i].numpy()), abs=1e-10)


def test_ssim_crop_identity_and_errors() -> None:
    a = rand_images(n=2, c=1, h=30, w=30)
    b = noisy(a, 0.2)
    ref = sk_ssim(a[0, :, 4:-4, 4:-4].numpy(), b[0, :, 4:-4, 4:-4].numpy())
    assert M.ssim(a, b, crop_border=4)[0].item() == pytest.approx(ref, abs=1e-10)
    torch.testing.assert_close(M.ssim(a, a), torch.ones(2, dtype=torch.float64))
    with pytest.raises(ValueError, match="11x11"):
        M.ssim(a[..., :10, :10], b[..., :10, :10])
    with pytest.raises(ValueError, match="shape"):
        M.ssim(a, b[..., :20])


def test_y_channel_metrics() -> None:
    sr = rand_images(n=2, h=32, w=32)
    hr = noisy(sr, 0.08)
    ys, yh = y_numpy(sr.numpy()), y_numpy(hr.numpy())
    c = 4
    for i in range(2):
        s, h = ys[i, c:-c, c:-c], yh[i, c:-c, c:-c]
        ref_psnr = peak_signal_noise_ratio(h, s, data_range=1.0)
        assert M.psnr_y(sr, hr, crop_border=c)[i].item() == pytest.approx(ref_psnr, abs=1e-9)
        ref_ssim = sk_ssim(s[None], h[None])
        assert M.ssim_y(sr, hr, crop_border=c)[i].item() == pytest.approx(ref_ssim, abs=1e-10)


# ------------------------------------------------------------------------ masked


def test_masked_metrics_match_numpy() -> None:
    a = rand_images(n=2, h=16, w=16)
    b = noisy(a, 0.1)
    g = torch.Generator().manual_seed(3)
    mask = (torch.rand(2, 1, 16, 16, generator=g) > 0.6).double()
    an, bn, mn = a.numpy(), b.numpy(), mask.numpy().astype(bool)
    for i in range(2):
        sel = np.broadcast_to(mn[i], an[i].shape)
        diff = an[i][sel] - bn[i][sel]
        assert M.masked_mae(a, b, mask)[i].item() == pytest.approx(np.abs(diff).mean(), abs=1e-12)
        ref = 10 * np.log10(1.0 / np.mean(diff**2))
        assert M.masked_psnr(a, b, mask)[i].item() == pytest.approx(ref, abs=1e-9)
    full = torch.ones(2, 1, 16, 16)
    torch.testing.assert_close(M.masked_psnr(a, b, full), M.psnr(a, b))


# ------------------------------------------------------------------ colourfulness


def test_colourfulness() -> None:
    gray = torch.rand(2, 1, 8, 8).expand(2, 3, 8, 8)
    torch.testing.assert_close(M.colourfulness(gray), torch.zeros(2, dtype=torch.float64))
    x = rand_images(n=2).numpy() * 255
    for i in range(2):
        r, g, b = x[i]
        rg, yb = r - g, 0.5 * (r + g) - b
        ref = np.sqrt(rg.std() ** 2 + yb.std() ** 2) + 0.3 * np.sqrt(
            rg.mean() ** 2 + yb.mean() ** 2
        )
        got = M.colourfulness(torch.from_numpy(x / 255))[i].item()
        assert got == pytest.approx(ref, rel=1e-10)


# ---------------------------------------------------------------------------- FID


def test_feature_stats() -> None:
    f = np.random.default_rng(0).normal(size=(50, 4)).astype(np.float32)
    mu, sigma = M.feature_stats(f)
    assert mu.dtype == np.float64 and sigma.shape == (4, 4)
    centred = f.astype(np.float64) - f.astype(np.float64).mean(0)
    np.testing.assert_allclose(sigma, centred.T @ centred / 49, atol=1e-12)


def sqrtm_psd(a: np.ndarray) -> np.ndarray:
    """Symmetric PSD square root through an eigendecomposition."""
    w, v = np.linalg.eigh(a)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def random_cov(d: int, rng: np.random.Generator) -> np.ndarray:
    a = rng.normal(size=(d, d))
    return a @ a.T / d + 0.1 * np.eye(d)


def test_frechet_closed_form() -> None:
    rng = np.random.default_rng(0)
    d = 8
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    s1, s2 = random_cov(d, rng), random_cov(d, rng)
    # Tr sqrt(s1 s2) = Tr sqrt(s1^1/2 s2 s1^1/2), which is symmetric PSD.
    r1 = sqrtm_psd(s1)
    ref = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * sqrtm_psd(r1 @ s2 @ r1))
    assert M.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(ref, rel=1e-8)
    # Diagonal covariances: sum of (sqrt(a) - sqrt(b))^2.
    a, b = rng.uniform(0.5, 2, d), rng.uniform(0.5, 2, d)
    ref = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    got = M.frechet_distance(mu1, np.diag(a), mu2, np.diag(b))
    assert got == pytest.approx(ref, rel=1e-10)


def test_fid_identical_and_shift() -> None:
    rng = np.random.default_rng(1)
    f = rng.normal(size=(400, 16))
    assert abs(M.fid(f, f)) < 1e-6
    shifted = f + 2.0  # same covariance, mean moved by 2 in 16 dims -> 64
    assert M.fid(f, shifted) == pytest.approx(64.0, rel=1e-6)


def test_fid_singular_covariance_is_finite() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(10, 32)), rng.normal(size=(10, 32))  # rank 9 < 32
    value = M.fid(a, b)
    (mu1, s1), (mu2, s2) = M.feature_stats(a), M.feature_stats(b)
    r1 = sqrtm_psd(s1)  # the closed form through symmetric PSD square roots
    ref = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * sqrtm_psd(r1 @ s2 @ r1))
    assert np.isfinite(value) and value == pytest.approx(ref, rel=1e-6)


# ---------------------------------------------------------------------------- KID


def kid_brute(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD^2 with k(a, b) = (a.b / d + 1)^3, by explicit double loops."""
    m, d = x.shape

    def k(a: np.ndarray, b: np.ndarray) -> float:
        return (float(np.dot(a, b)) / d + 1.0) ** 3

    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / (m * m)
    return xx + yy - 2 * xy


def test_kid_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(30, 5)), rng.normal(0.5, 1.2, size=(30, 5))
    mean, std = M.kid(x, y, n_subsets=1, subset_size=30)
    assert mean == pytest.approx(kid_brute(x, y), rel=1e-10)
    assert std == 0.0
    # subset_size is capped at the smaller set (30 of 40 here): still a full-set estimate
    # for x, so a large request must not fail.
    mean, _ = M.kid(x, np.vstack([y, y[:10]]), n_subsets=3, subset_size=1000)
    assert np.isfinite(mean)


def test_kid_same_distribution_near_zero() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(300, 8)), rng.normal(size=(300, 8))
    mean, std = M.kid(x, y, n_subsets=20, subset_size=100)
    far, _ = M.kid(x, y + 1.0, n_subsets=20, subset_size=100)
    assert abs(mean) < 3 * std + 1e-3 and far > 10 * abs(mean)


# ------------------------------------------------------------- precision / recall


def pr_brute(real: np.ndarray, fake: np.ndarray, k: int) -> tuple[float, float]:
    """Improved precision/recall with explicit float64 distance matrices."""

    def dists(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))

    def radii(a: np.ndarray) -> np.ndarray:
        return np.sort(dists(a, a), axis=1)[:, k]  # column 0 is the point itself

    def inside(q: np.ndarray, c: np.ndarray) -> float:
        return float(np.mean((dists(q, c) <= radii(c)[None, :]).any(axis=1)))

    return inside(fake, real), inside(real, fake)


@pytest.mark.parametrize("k", [1, 3, 5])
def test_precision_recall_matches_brute_force(k: int) -> None:
    rng = np.random.default_rng(k)
    real = rng.normal(size=(200, 10))
    fake = rng.normal(0.4, 0.8, size=(180, 10))
    got = M.precision_recall(real, fake, k=k, batch_size=64)
    assert got == pytest.approx(pr_brute(real, fake, k), abs=1e-12)
    assert 0 < got[0] < 1 and 0 < got[1] < 1


def test_precision_recall_sanity() -> None:
    rng = np.random.default_rng(0)
    real = rng.normal(size=(200, 16))
    assert M.precision_recall(real, real.copy()) == (1.0, 1.0)
    collapsed = np.repeat(real.mean(0, keepdims=True), 200, axis=0)
    precision, recall = M.precision_recall(real, collapsed)
    assert recall < 0.02
    assert precision in (0.0, 1.0)  # all fakes are the same point: all in or all out
    # max_samples draws each set's subset independently (real first) from default_rng(seed).
    fake = rng.normal(0.3, 1.0, size=(150, 16))
    pick = np.random.default_rng(7)
    real_sub = real[pick.choice(200, 50, replace=False)]
    fake_sub = fake[pick.choice(150, 50, replace=False)]
    got = M.precision_recall(real, fake, max_samples=50, seed=7)
    assert got == pytest.approx(pr_brute(real_sub, fake_sub, 3), abs=1e-12)
    assert M.precision_recall(real, fake, max_samples=500) == M.precision_recall(real, fake)
