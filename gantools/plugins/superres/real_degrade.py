"""The second-order degradation model of Real-ESRGAN (Wang et al. 2021), on the device.

HR (N, 3, H, W) in [0, 1] -> LR (N, 3, H/scale, W/scale) in [0, 1], rounded to 8 bits:

1. first round: blur (Gaussian / generalized / plateau / sinc kernels), random resize
   (up, down or keep; area, bilinear or bicubic), Gaussian or Poisson noise (colour or
   gray), JPEG;
2. second round: the same with milder ranges (blur skipped 20% of the time);
3. the final resize to the LR size with a sinc filter, and JPEG, in random order.

The ranges are the published ones (``FIRST`` / ``SECOND``) scaled by one
``strength`` knob: 0 gives a plain downscale, 0.5 mild web photos, 1 the published
model, up to 2 harsher inputs than the paper's (see ``docs/tasks/superres.md``).
Random draws come from torch's global generator, so seeded runs (and resumed ones,
which restore its state) replay the same degradations.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F

from gantools.plugins.superres.jpeg import jpeg_compress
from gantools.plugins.superres.kernels import (
    BlurRanges,
    final_sinc_kernels,
    random_blur_kernels,
    uniform,
)

RESIZE_MODES = ("area", "bilinear", "bicubic", "bicubic-antialias")
"""Resize modes drawn uniformly. The first three are the published ones (no
antialiasing); ``bicubic-antialias`` is added because most software that shrinks
photos for the web (Pillow, browsers, editors) filters before it subsamples."""


@dataclass(frozen=True)
class StageRanges:
    """Ranges of one degradation round. Noise sigmas are in 8-bit levels."""

    blur: BlurRanges
    blur_prob: float
    resize_prob: tuple[float, float, float]  # up, down, keep
    resize_range: tuple[float, float]
    gaussian_noise_prob: float  # else Poisson noise
    noise_sigma: tuple[float, float]
    poisson_scale: tuple[float, float]
    gray_noise_prob: float
    jpeg_quality: tuple[float, float]


FIRST = StageRanges(BlurRanges(), 1.0, (0.2, 0.7, 0.1), (0.15, 1.5), 0.5, (1.0, 30.0),
                    (0.05, 3.0), 0.4, (30.0, 95.0))
SECOND = StageRanges(BlurRanges(sigma=(0.2, 1.5)), 0.8, (0.3, 0.4, 0.3), (0.3, 1.2), 0.5,
                     (1.0, 25.0), (0.05, 2.5), 0.4, (30.0, 95.0))
FINAL_SINC_PROB = 0.8
FINAL_SINC_SIZE = 21


def scaled_stage(stage: StageRanges, strength: float) -> StageRanges:
    """The ranges of ``stage`` moved towards "no degradation" (strength 0) or beyond the
    published ones (strength > 1): probabilities and magnitudes scale with strength,
    JPEG quality moves from 100 by ``strength`` times the published distance."""
    s = strength

    def prob(p: float) -> float:
        return min(1.0, p * s)

    def quality(q: float) -> float:
        return max(5.0, 100.0 - s * (100.0 - q))

    low_sigma, high_sigma = stage.blur.sigma
    blur = replace(stage.blur, sigma=(low_sigma, low_sigma + s * (high_sigma - low_sigma)),
                   sinc_prob=prob(stage.blur.sinc_prob))
    up, down, _ = stage.resize_prob
    up, down = prob(up), prob(down)
    if up + down > 1.0:
        up, down = up / (up + down), down / (up + down)
    low, high = stage.resize_range
    return StageRanges(
        blur=blur, blur_prob=prob(stage.blur_prob),
        resize_prob=(up, down, max(0.0, 1.0 - up - down)),
        resize_range=(max(0.05, 1.0 - s * (1.0 - low)), 1.0 + s * (high - 1.0)),
        gaussian_noise_prob=stage.gaussian_noise_prob,
        noise_sigma=(stage.noise_sigma[0] * s, stage.noise_sigma[1] * s),
        poisson_scale=(stage.poisson_scale[0] * s, stage.poisson_scale[1] * s),
        gray_noise_prob=stage.gray_noise_prob,
        jpeg_quality=(quality(stage.jpeg_quality[0]), quality(stage.jpeg_quality[1])))


def blur(x: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """Each image of (N, C, H, W) filtered by its own (N, K, K) kernel (reflect border,
    or replicate for images smaller than the kernel).
    The kernels are first cropped to the smallest centred square holding every nonzero."""
    from kornia.filters import filter2d

    k = kernels.shape[-1]
    nonzero = kernels.abs().amax(dim=(0, 1)) > 0
    offsets = (torch.arange(k, device=kernels.device) - k // 2).abs()
    radius = int(offsets[nonzero].max()) if bool(nonzero.any()) else 0
    c = k // 2
    kernels = kernels[:, c - radius:c + radius + 1, c - radius:c + radius + 1]
    if radius == 0:
        return x * kernels[:, :1, :1].unsqueeze(1)
    border = "reflect" if min(x.shape[-2:]) > radius else "replicate"  # tiny images
    return filter2d(x, kernels, border_type=border)


def blur_some(x: torch.Tensor, kernels: torch.Tensor, use: torch.Tensor) -> torch.Tensor:
    """Blur the images of (N, C, H, W) where ``use`` (N,) is true, each by its kernel."""
    if not bool(use.any()):
        return x
    if bool(use.all()):
        return blur(x, kernels)
    x = x.clone()
    x[use] = blur(x[use], kernels[use])
    return x


def resize(x: torch.Tensor, size: tuple[int, int], mode: str) -> torch.Tensor:
    """(N, C, H, W) -> (N, C, *size) with ``mode`` (one of :data:`RESIZE_MODES`; the
    aliasing of the plain modes is part of the degradation)."""
    size = (max(1, size[0]), max(1, size[1]))
    if mode == "area":
        return F.interpolate(x, size=size, mode="area")
    if mode == "bicubic-antialias":
        return F.interpolate(x, size=size, mode="bicubic", align_corners=False,
                             antialias=True)
    return F.interpolate(x, size=size, mode=mode, align_corners=False)


def random_resize(x: torch.Tensor, stage: StageRanges, base: tuple[int, int]) -> torch.Tensor:
    """Resize the batch to ``base`` times a factor drawn from ``stage`` (up, down or
    keep), with a random mode; one factor and mode for the whole batch."""
    choice = int(torch.multinomial(torch.tensor(stage.resize_prob), 1))
    low, high = stage.resize_range
    factor = (float(uniform(1, 1.0, high, torch.device("cpu"))) if choice == 0 else
              float(uniform(1, low, 1.0, torch.device("cpu"))) if choice == 1 else 1.0)
    mode = RESIZE_MODES[int(torch.randint(0, len(RESIZE_MODES), ()))]
    return resize(x, (int(base[0] * factor), int(base[1] * factor)), mode)


def gaussian_noise(x: torch.Tensor, sigma: torch.Tensor, gray: torch.Tensor) -> torch.Tensor:
    """Additive noise, ``sigma`` (N,) in [0, 1] units; gray (N,) bool: the same noise in
    every channel."""
    colour = torch.randn_like(x)
    mono = torch.randn_like(x[:, :1]).expand_as(x)
    noise = torch.where(gray.view(-1, 1, 1, 1), mono, colour)
    return noise * sigma.view(-1, 1, 1, 1)


def poisson_noise(x: torch.Tensor, scale: torch.Tensor, gray: torch.Tensor) -> torch.Tensor:
    """Shot noise of an 8-bit sensor (photon counts = 256 levels), times ``scale`` (N,);
    gray images draw it from their luminance."""
    levels = 256.0
    x8 = (x.clamp(0, 1) * 255).round() / 255
    colour = torch.poisson(x8 * levels) / levels - x8
    y = (0.299 * x8[:, 0:1] + 0.587 * x8[:, 1:2] + 0.114 * x8[:, 2:3])
    mono = (torch.poisson(y * levels) / levels - y).expand_as(x)
    noise = torch.where(gray.view(-1, 1, 1, 1), mono, colour)
    return noise * scale.view(-1, 1, 1, 1)


def random_noise(x: torch.Tensor, stage: StageRanges) -> torch.Tensor:
    """Gaussian (probability ``stage.gaussian_noise_prob``) or Poisson noise per image,
    colour or gray; clamped to [0, 1]."""
    n, device = x.shape[0], x.device
    gray = torch.rand(n, device=device) < stage.gray_noise_prob
    use_gaussian = torch.rand(n, device=device) < stage.gaussian_noise_prob
    sigma = uniform(n, *stage.noise_sigma, device) / 255.0
    scale = uniform(n, *stage.poisson_scale, device)
    if stage.noise_sigma[1] <= 0 and stage.poisson_scale[1] <= 0:
        return x
    noise = torch.empty_like(x)
    for chosen, make, amount in ((use_gaussian, gaussian_noise, sigma),
                                 (~use_gaussian, poisson_noise, scale)):
        if bool(chosen.any()):
            noise[chosen] = make(x[chosen], amount[chosen], gray[chosen])
    return (x + noise).clamp_(0.0, 1.0)


def jpeg(x: torch.Tensor, quality: torch.Tensor) -> torch.Tensor:
    """JPEG-code each image of (N, 3, H, W) in [0, 1] at its ``quality`` (N,) (see
    :mod:`gantools.plugins.superres.jpeg`); quality 100 or more leaves it unchanged."""
    coded = jpeg_compress(x, quality.clamp(1.0, 99.0))
    keep = (quality >= 100).view(-1, 1, 1, 1)
    return torch.where(keep, x.float(), coded)


def random_jpeg(x: torch.Tensor, stage: StageRanges) -> torch.Tensor:
    """JPEG at a quality drawn per image from ``stage.jpeg_quality``."""
    return jpeg(x, uniform(x.shape[0], *stage.jpeg_quality, x.device))


def degradation_round(x: torch.Tensor, stage: StageRanges,
                      base: tuple[int, int]) -> torch.Tensor:
    """One round: blur (with probability ``stage.blur_prob`` per image), resize, noise,
    JPEG. ``base`` is the size the random resize factor applies to."""
    n, device = x.shape[0], x.device
    kernels = random_blur_kernels(n, stage.blur, device)
    x = blur_some(x, kernels, torch.rand(n, device=device) < stage.blur_prob)
    x = random_resize(x, stage, base)
    x = random_noise(x, stage)
    return random_jpeg(x, stage)


def real_degradation(hr: torch.Tensor, scale: int, strength: float = 1.0) -> torch.Tensor:
    """HR (N, 3, H, W) in [0, 1], H and W divisible by ``scale`` -> LR (N, 3, H/scale,
    W/scale) in [0, 1], rounded to 8 bits, by the second-order model at ``strength``."""
    first, second = scaled_stage(FIRST, strength), scaled_stage(SECOND, strength)
    h, w = hr.shape[-2:]
    lr_size = (h // scale, w // scale)
    x = degradation_round(hr.float(), first, (h, w))
    x = degradation_round(x, second, lr_size)
    n, device = x.shape[0], x.device
    sinc = final_sinc_kernels(n, FINAL_SINC_SIZE, device)
    use_sinc = torch.rand(n, device=device) < min(1.0, FINAL_SINC_PROB * strength)
    mode = RESIZE_MODES[int(torch.randint(0, len(RESIZE_MODES), ()))]
    if torch.rand(()) < 0.5:  # resize + sinc, then JPEG
        x = blur_some(resize(x, lr_size, mode), sinc, use_sinc)
        x = random_jpeg(x.clamp(0, 1), second)
    else:  # JPEG, then resize + sinc
        x = random_jpeg(x, second)
        x = blur_some(resize(x, lr_size, mode), sinc, use_sinc)
    return (x.clamp(0.0, 1.0) * 255.0).round() / 255.0
