"""Making low-resolution inputs from high-resolution images, on the device.

``bicubic_downscale`` matches MATLAB's ``imresize`` / PIL's BICUBIC (antialiased,
a = -0.5) to within one grey level; ``real_degradation`` adds what real photos
suffer (blur before downscaling, noise and JPEG after), drawn from torch's global
generator so training runs resume exactly.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def bicubic_downscale(hr: torch.Tensor, scale: int) -> torch.Tensor:
    """(N, C, H, W) in [0, 1] -> (N, C, H/scale, W/scale) in [0, 1]; H, W divisible."""
    h, w = hr.shape[-2:]
    lr = F.interpolate(hr.float(), size=(h // scale, w // scale), mode="bicubic",
                       align_corners=False, antialias=True)
    return lr.clamp_(0.0, 1.0)


def bicubic_upscale(lr: torch.Tensor, scale: int) -> torch.Tensor:
    """The classical baseline: (N, C, h, w) -> (N, C, h*scale, w*scale), clamped."""
    return F.interpolate(lr.float(), scale_factor=scale, mode="bicubic",
                         align_corners=False).clamp_(0.0, 1.0)


def real_degradation(hr: torch.Tensor, scale: int) -> torch.Tensor:
    """Blur (random Gaussian, sigma 0.2-2.0), bicubic downscale, Gaussian noise
    (sigma 0-10/255) and JPEG (quality 40-95), each per image. (N, 3, H, W) in [0, 1]."""
    import kornia.augmentation as K

    n = hr.shape[0]
    blurred = K.RandomGaussianBlur((7, 7), (0.2, 2.0), p=1.0)(hr)
    lr = bicubic_downscale(blurred, scale)
    sigma = torch.rand(n, 1, 1, 1, device=lr.device) * (10.0 / 255.0)
    lr = (lr + torch.randn_like(lr) * sigma).clamp_(0.0, 1.0)
    return K.RandomJPEG(jpeg_quality=(40.0, 95.0), p=1.0)(lr).clamp_(0.0, 1.0)


def random_flip_rot90(hr: torch.Tensor) -> torch.Tensor:
    """One random symmetry of the square (flip and/or 90-degree turn) per batch."""
    if torch.rand(()) < 0.5:
        hr = hr.flip(-1)
    turns = int(torch.randint(0, 4, ()))
    return torch.rot90(hr, turns, dims=(-2, -1)) if turns else hr
