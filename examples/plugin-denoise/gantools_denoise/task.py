"""The ``denoise`` task: removal of additive white Gaussian noise from photos.

Built on :class:`gantools.plugin_api.RestorationTask`, which gives the rest: random
flips, the conditional PatchGAN, L1 + adversarial training, the sample grid,
inference (tiled), and ``gantools eval denoise`` (noisy input against the model).
This module is what the entry point names: it imports torch inside its methods only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gantools.plugin_api import API_VERSION, RestorationConfig, RestorationTask, opt

if TYPE_CHECKING:  # typing only: torch is imported inside the methods
    import torch
    from torch import nn


@dataclass
class DenoiseConfig(RestorationConfig):  # + patch, l1_weight, adv_weight, d_width, d_layers
    width: int = opt(48, "Channels of the residual blocks.")
    blocks: int = opt(6, "Residual blocks (depth).")
    sigma_min: float = opt(5.0, "Smallest training noise standard deviation (0-255).")
    sigma_max: float = opt(50.0, "Largest training noise standard deviation (0-255).")


@dataclass
class DenoiseEval:
    sigma: float = opt(25.0, "Noise standard deviation of the evaluation (0-255).")


class DenoiseTask(RestorationTask):
    name = "denoise"
    summary = "Gaussian denoising (residual CNN + PatchGAN): any image size, tiled"
    Config = DenoiseConfig
    EvalOptions = DenoiseEval
    baseline_name = "noisy"          # the eval table's baseline: the noisy input itself
    output_suffix = "_denoised"      # photo.jpg -> photo_denoised.jpg
    api_version = API_VERSION

    def build_generator(self, cfg: DenoiseConfig) -> nn.Module:
        from gantools_denoise.models import ResidualDenoiser

        return ResidualDenoiser(cfg.width, cfg.blocks)

    def receptive_radius(self, cfg: DenoiseConfig) -> int:
        return 2 * cfg.blocks + 2    # one pixel per 3x3 convolution

    def check_config(self, cfg: DenoiseConfig) -> None:
        if not 0 <= cfg.sigma_min <= cfg.sigma_max:
            raise ValueError(f"need 0 <= --sigma-min ({cfg.sigma_min}) <= --sigma-max "
                             f"({cfg.sigma_max})")

    def degrade(self, clean: torch.Tensor, cfg: DenoiseConfig) -> torch.Tensor:
        """Noise of a per-image sigma drawn uniformly in [sigma_min, sigma_max] / 255."""
        import torch

        lo, hi = cfg.sigma_min / 255.0, cfg.sigma_max / 255.0
        sigma = lo + (hi - lo) * torch.rand(clean.shape[0], 1, 1, 1, device=clean.device)
        return clean + sigma * torch.randn_like(clean)

    def eval_degrade(self, clean: torch.Tensor, cfg: DenoiseConfig,
                     options: DenoiseEval) -> torch.Tensor:
        import torch

        return clean + options.sigma / 255.0 * torch.randn_like(clean)


task = DenoiseTask()
