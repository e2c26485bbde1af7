"""Making low-resolution inputs from high-resolution images, on the device.

``bicubic_downscale`` matches MATLAB's ``imresize`` / PIL's BICUBIC (antialiased,
a = -0.5) to within one grey level. The real-photo degradation model is in
:mod:`gantools.plugins.superres.real_degrade`.
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


def random_flip_rot90(hr: torch.Tensor) -> torch.Tensor:
    """One random symmetry of the square (flip and/or 90-degree turn) per batch."""
    if torch.rand(()) < 0.5:
        hr = hr.flip(-1)
    turns = int(torch.randint(0, 4, ()))
    return torch.rot90(hr, turns, dims=(-2, -1)) if turns else hr
