"""The artifact loss of LDL (Liang et al. 2022, "Details or Artifacts: A Locally
Discriminative Learning Approach to Realistic Image Super-Resolution"), written
from the paper's formulas.

A GAN generator draws two kinds of high-frequency content: detail, which changes
from step to step but stays close to the truth on average, and artifacts, where the
error is large, varies sharply from pixel to pixel and is worse than the EMA of the
generator's weights (the stable model) makes it. The loss is an L1 to the truth
weighted by a map that is non-zero only at such pixels: the local variance of the
error (7x7), scaled by the image's error variance to the power 1/5, and zero
wherever the output is closer to the truth than the EMA output. It acts in GAN
training only (with an adversarial term), where artifacts arise.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

WINDOW = 7
"""Side of the window over which the local variance of the error is taken."""


def local_variance(values: torch.Tensor, window: int = WINDOW) -> torch.Tensor:
    """Variance of ``values`` (N, 1, H, W) in each ``window`` x ``window`` neighbourhood
    (edges reflected), (N, 1, H, W), >= 0."""
    pad = window // 2
    padded = F.pad(values, (pad, pad, pad, pad), mode="reflect")
    mean = F.avg_pool2d(padded, window, stride=1)
    mean_sq = F.avg_pool2d(padded * padded, window, stride=1)
    return (mean_sq - mean * mean).clamp_min(0.0)


def artifact_map(output: torch.Tensor, ema_output: torch.Tensor, target: torch.Tensor,
                 window: int = WINDOW) -> torch.Tensor:
    """LDL's refined artifact map (N, 1, H, W), >= 0, a constant (no gradient), for
    images (N, C, H, W) in [0, 1]: ``output`` of the generator being trained,
    ``ema_output`` of its EMA, ``target`` the truth."""
    with torch.no_grad():
        error = (target.float() - output.float()).abs().sum(1, keepdim=True)
        ema_error = (target.float() - ema_output.float()).abs().sum(1, keepdim=True)
        image_weight = error.var(dim=(1, 2, 3), keepdim=True) ** 0.2
        weight = image_weight * local_variance(error, window)
        return weight * (error >= ema_error)


def artifact_loss(output: torch.Tensor, ema_output: torch.Tensor, target: torch.Tensor,
                  window: int = WINDOW) -> torch.Tensor:
    """Scalar L1 between ``output`` and ``target`` (N, C, H, W) weighted by
    :func:`artifact_map`; only ``output`` gets a gradient."""
    weight = artifact_map(output, ema_output, target, window)
    return F.l1_loss(weight * output.float(), weight * target.float())
