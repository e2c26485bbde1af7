"""A first-order degradation model of photos as the web serves them, on the device.

HR (N, 3, H, W) in [0, 1] -> LR (N, 3, H/scale, W/scale) in [0, 1], rounded to 8 bits:
an antialiased bicubic downscale (what Pillow, browsers and editors do), then per image
a Gaussian blur in LR pixels (defocus, a soft lens), Gaussian noise (colour or gray) and
one JPEG round, in that order.

Real-ESRGAN's second-order model (:mod:`~gantools.plugins.superres.real_degrade`)
blurs before it downscales, so its blur is at most a fraction of an LR pixel; photos
that were soft *at their own size* and then compressed are rarer there than on the web.
``--web-fraction`` mixes this model into each batch. The ranges below are those of
strength 1; ``strength`` scales the blur sigma and noise sigma and moves the JPEG
quality from 100 by ``strength`` times its distance, as it does for the real model.
"""

from __future__ import annotations

import math

import torch

from gantools.plugins.superres import degrade
from gantools.plugins.superres.kernels import uniform
from gantools.plugins.superres.real_degrade import (
    blur_some,
    gaussian_noise,
    jpeg,
    real_degradation,
)

BLUR_PROB = 0.5
BLUR_SIGMA = (0.2, 3.0)  # LR pixels; Real-ESRGAN's first-round range (HR pixels there)
NOISE_PROB = 0.4
NOISE_SIGMA = (1.0, 25.0)  # 8-bit levels; Real-ESRGAN's second-round range
GRAY_NOISE_PROB = 0.4
JPEG_QUALITY = (30.0, 95.0)  # Real-ESRGAN's


def gaussian_kernels(sigma: torch.Tensor) -> torch.Tensor:
    """Isotropic Gaussians, one per sigma (N,) in pixels -> (N, K, K) summing to 1, with
    K odd and covering 3 sigma of the largest."""
    radius = max(1, math.ceil(3.0 * float(sigma.max())))
    offsets = torch.arange(-radius, radius + 1, device=sigma.device, dtype=torch.float32)
    squared = offsets.view(1, -1, 1) ** 2 + offsets.view(1, 1, -1) ** 2
    kernels = torch.exp(-squared / (2.0 * sigma.clamp(min=1e-3).view(-1, 1, 1) ** 2))
    return kernels / kernels.sum(dim=(1, 2), keepdim=True)


def web_degradation(hr: torch.Tensor, scale: int, strength: float = 1.0) -> torch.Tensor:
    """HR (N, 3, H, W) in [0, 1], H and W divisible by ``scale`` -> LR (N, 3, H/scale,
    W/scale) in [0, 1], rounded to 8 bits: downscale, blur, noise, JPEG (see above)."""
    s = strength
    x = degrade.bicubic_downscale(hr, scale)
    n, device = x.shape[0], x.device
    sigma = uniform(n, BLUR_SIGMA[0] * s, BLUR_SIGMA[1] * s, device)
    if s > 0:
        x = blur_some(x, gaussian_kernels(sigma), torch.rand(n, device=device) < BLUR_PROB)
    noise_sigma = uniform(n, NOISE_SIGMA[0] * s, NOISE_SIGMA[1] * s, device) / 255.0
    noisy = (torch.rand(n, device=device) < NOISE_PROB).float() * noise_sigma
    gray = torch.rand(n, device=device) < GRAY_NOISE_PROB
    x = (x + gaussian_noise(x, noisy, gray)).clamp_(0.0, 1.0)
    low, high = (100.0 - s * (100.0 - q) for q in JPEG_QUALITY)
    x = jpeg(x, uniform(n, max(5.0, low), max(5.0, high), device))
    return (x.clamp(0.0, 1.0) * 255.0).round() / 255.0


def mixed_degradation(hr: torch.Tensor, scale: int, strength: float,
                      web_fraction: float) -> torch.Tensor:
    """The first ``round(web_fraction * N)`` images of HR (N, 3, H, W) by the web model,
    the rest by Real-ESRGAN's second-order model, both at ``strength``; (N, 3, H/scale,
    W/scale) in [0, 1]. The batch is already shuffled, so which images is immaterial."""
    k = round(web_fraction * hr.shape[0])
    parts = []
    if k:
        parts.append(web_degradation(hr[:k], scale, strength))
    if k < hr.shape[0]:
        parts.append(real_degradation(hr[k:], scale, strength))
    return torch.cat(parts) if len(parts) > 1 else parts[0]
