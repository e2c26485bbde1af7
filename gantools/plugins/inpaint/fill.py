"""A fast classical hole fill (push-pull: normalised averaging over an image pyramid)
that the inpainting generator refines.

Pull: known pixels and their weights are blurred (binomial 4x4) and halved in size
down to a few pixels. Push: from the coarsest level up, each level keeps its own
normalised average where enough known pixels support it and takes the upsampled
coarser estimate elsewhere. Cost O(H * W), no parameters, any device; on Set14-like
crops it fills stroke holes about as well as OpenCV's Telea method.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

SHARPNESS = 8.0
"""How quickly a level trusts its own average as the share of known pixels grows
(weight = clamp(sharpness * share, 0, 1)); 8 measured best of 1, 2, 4, 8."""


def _binomial_down(x: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> (N, C, ceil(H / 2), ceil(W / 2)), binomial [1 3 3 1] / 8 blur."""
    k1 = torch.tensor([1.0, 3.0, 3.0, 1.0], device=x.device, dtype=x.dtype) / 8
    kernel = (k1[:, None] * k1[None, :]).expand(x.shape[1], 1, 4, 4)
    h, w = x.shape[-2:]
    x = F.pad(x, (1, 1 + w % 2, 1, 1 + h % 2), mode="replicate")
    return F.conv2d(x, kernel, stride=2, groups=x.shape[1])


def pushpull_fill(image: torch.Tensor, known: torch.Tensor,
                  sharpness: float = SHARPNESS) -> torch.Tensor:
    """``image`` (N, C, H, W) with holes, ``known`` (N, 1, H, W) in {0, 1} (1 = valid)
    -> (N, C, H, W): known pixels unchanged, holes filled smoothly. float32 maths."""
    image, known = image.float(), known.float()
    values, weights = image * known, known
    pyramid = []
    while True:
        pyramid.append((values, weights))
        if min(values.shape[-2:]) <= 2:
            break
        values, weights = _binomial_down(values), _binomial_down(weights)
    filled: torch.Tensor | None = None
    for values, weights in reversed(pyramid):
        estimate = values / weights.clamp_min(1e-6)
        if filled is None:
            filled = estimate
            continue
        coarse = F.interpolate(filled, size=values.shape[-2:], mode="bilinear",
                               align_corners=False)
        trust = (weights * sharpness).clamp(0, 1)
        filled = trust * estimate + (1 - trust) * coarse
    assert filled is not None
    return image * known + filled * (1 - known)
