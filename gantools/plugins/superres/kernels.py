"""Random blur kernels of the Real-ESRGAN degradation model (Wang et al. 2021), batched
on the device.

Every function returns an (N, K, K) float32 stack of kernels that sum to 1, K odd;
smaller kernels are centred in the K x K square (zeros around), so one batched
``kornia.filters.filter2d`` call blurs each image with its own kernel. Random draws come
from torch's global generator, so a seeded run replays them.

Kernel families (``x`` is the pixel offset, ``S`` the covariance of a rotated Gaussian):

- Gaussian: ``exp(-x'S^-1x / 2)``, isotropic (one sigma) or anisotropic (two sigmas and
  an angle);
- generalized Gaussian: ``exp(-(x'S^-1x)^beta / 2)``, heavier or lighter tails;
- plateau: ``1 / (1 + (x'S^-1x)^beta)``, a flat top;
- sinc: the ideal circular low-pass ``wc J1(wc r) / (2 pi r)``, whose ringing mimics
  over-sharpened or resampled photos.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

FAMILIES = ("iso", "aniso", "generalized_iso", "generalized_aniso", "plateau_iso",
            "plateau_aniso")
"""Kernel families, in the order of :attr:`BlurRanges.family_prob`."""


@dataclass(frozen=True)
class BlurRanges:
    """Ranges of one blur stage (Real-ESRGAN's published values by default)."""

    sigma: tuple[float, float] = (0.2, 3.0)
    beta_generalized: tuple[float, float] = (0.5, 4.0)
    beta_plateau: tuple[float, float] = (1.0, 2.0)
    family_prob: tuple[float, ...] = (0.45, 0.25, 0.12, 0.03, 0.12, 0.03)
    sinc_prob: float = 0.1
    sizes: tuple[int, int] = (7, 21)  # odd sizes drawn from this range


def uniform(n: int, low: float, high: float, device: torch.device) -> torch.Tensor:
    """(n,) uniform draws in [low, high]."""
    return low + (high - low) * torch.rand(n, device=device)


def random_odd_sizes(n: int, low: int, high: int, device: torch.device) -> torch.Tensor:
    """(n,) odd integers in [low, high] (both odd), uniformly."""
    count = (high - low) // 2 + 1
    return low + 2 * torch.randint(0, count, (n,), device=device)


def offset_grid(size: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """(size, size) pixel offsets x, y from the centre (size odd)."""
    r = torch.arange(size, device=device, dtype=torch.float32) - size // 2
    return r.view(1, -1).expand(size, size), r.view(-1, 1).expand(size, size)


def quadratic_form(sigma_x: torch.Tensor, sigma_y: torch.Tensor, angle: torch.Tensor,
                   size: int) -> torch.Tensor:
    """(N, size, size) values of x' S^-1 x for rotated covariances S (sigmas in pixels)."""
    gx, gy = offset_grid(size, sigma_x.device)
    cos, sin = torch.cos(angle).view(-1, 1, 1), torch.sin(angle).view(-1, 1, 1)
    u = cos * gx + sin * gy  # coordinates along the principal axes
    v = -sin * gx + cos * gy
    return (u / sigma_x.view(-1, 1, 1)) ** 2 + (v / sigma_y.view(-1, 1, 1)) ** 2


def mask_to_sizes(kernels: torch.Tensor, sizes: torch.Tensor) -> torch.Tensor:
    """Zero each (K, K) kernel outside its own centred ``sizes[i]`` square, then
    normalise to sum 1."""
    k = kernels.shape[-1]
    gx, gy = offset_grid(k, kernels.device)
    radius = (sizes // 2).view(-1, 1, 1).float()
    inside = (gx.abs() <= radius) & (gy.abs() <= radius)
    kernels = kernels * inside
    return kernels / kernels.sum(dim=(-2, -1), keepdim=True).clamp_min(1e-12)


def shape_kernels(n: int, ranges: BlurRanges, size: int,
                  device: torch.device) -> torch.Tensor:
    """(n, size, size) Gaussian / generalized / plateau kernels, families drawn with
    ``ranges.family_prob``."""
    family = torch.multinomial(torch.tensor(ranges.family_prob, device=device), n,
                               replacement=True)
    iso = family % 2 == 0  # iso families sit at even positions of FAMILIES
    sigma_x = uniform(n, *ranges.sigma, device)
    sigma_y = torch.where(iso, sigma_x, uniform(n, *ranges.sigma, device))
    angle = torch.where(iso, torch.zeros_like(sigma_x), uniform(n, -math.pi, math.pi, device))
    q = quadratic_form(sigma_x, sigma_y, angle, size)
    # generalized Gaussian: beta below 1 half of the time, as in the reference sampler
    low, high = ranges.beta_generalized
    beta_g = torch.where(torch.rand(n, device=device) < 0.5, uniform(n, low, 1.0, device),
                         uniform(n, 1.0, high, device)).view(-1, 1, 1)
    beta_p = uniform(n, *ranges.beta_plateau, device).view(-1, 1, 1)
    kind = (family // 2).view(-1, 1, 1)  # 0 Gaussian, 1 generalized, 2 plateau
    gaussian = torch.exp(-0.5 * q)
    generalized = torch.exp(-0.5 * q.clamp_min(0) ** beta_g)
    plateau = 1.0 / (1.0 + q.clamp_min(0) ** beta_p)
    return torch.where(kind == 0, gaussian, torch.where(kind == 1, generalized, plateau))


def sinc_kernels(cutoff: torch.Tensor, size: int) -> torch.Tensor:
    """(N, size, size) circular low-pass kernels with cutoffs ``cutoff`` (radians per
    pixel, in (0, pi]), normalised to sum 1."""
    gx, gy = offset_grid(size, cutoff.device)
    r = torch.sqrt(gx ** 2 + gy ** 2).unsqueeze(0)
    wc = cutoff.view(-1, 1, 1)
    safe_r = torch.where(r == 0, torch.ones_like(r), r)
    values = wc * torch.special.bessel_j1(wc * safe_r) / (2 * math.pi * safe_r)
    values = torch.where(r == 0, wc ** 2 / (4 * math.pi), values)
    return values / values.sum(dim=(-2, -1), keepdim=True)


def sinc_cutoffs(sizes: torch.Tensor) -> torch.Tensor:
    """Real-ESRGAN's cutoff draw: pi/3..pi for kernels under 13 px, else pi/5..pi."""
    n, device = sizes.shape[0], sizes.device
    low = torch.where(sizes < 13, torch.full((n,), math.pi / 3, device=device),
                      torch.full((n,), math.pi / 5, device=device))
    return low + (math.pi - low) * torch.rand(n, device=device)


def random_blur_kernels(n: int, ranges: BlurRanges, device: torch.device) -> torch.Tensor:
    """(n, K, K) kernels of one blur stage, K = ``ranges.sizes[1]``: a sinc with
    probability ``ranges.sinc_prob``, else a shape kernel; each of a random odd size."""
    size = ranges.sizes[1]
    sizes = random_odd_sizes(n, *ranges.sizes, device)
    use_sinc = (torch.rand(n, device=device) < ranges.sinc_prob).view(-1, 1, 1)
    kernels = torch.where(use_sinc, sinc_kernels(sinc_cutoffs(sizes), size),
                          shape_kernels(n, ranges, size, device))
    return mask_to_sizes(kernels, sizes)


def final_sinc_kernels(n: int, size: int, device: torch.device) -> torch.Tensor:
    """(n, size, size) sinc kernels of the final stage, cutoffs pi/3..pi."""
    return sinc_kernels(uniform(n, math.pi / 3, math.pi, device), size)
