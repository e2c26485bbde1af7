"""The ``denoise`` task: removal of additive white Gaussian noise from photos.

Training pairs are made on the device from clean crops: Gaussian noise of a random
standard deviation in ``[sigma_min, sigma_max]`` (8-bit levels) is added with
torch's global generator, so runs resume exactly. The generator predicts the noise
residual; the loss is L1 to the clean image plus a small adversarial (BCE) term from
a conditional PatchGAN that sees the noisy input beside the clean or denoised image.

This module is what the ``gantools.plugins`` entry point names, so it imports only
light modules at the top: torch is imported inside the methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gantools.engine.config import opt
from gantools.task import API_VERSION, Batch, DataSpec, ImageTask

if TYPE_CHECKING:  # pragma: no cover - typing only
    import click
    import torch
    from torch import nn


@dataclass
class DenoiseConfig:
    """Model and loss options: each field becomes ``gantools train denoise --field``."""

    width: int = opt(48, "Channels of the residual blocks.")
    blocks: int = opt(6, "Residual blocks (depth).")
    sigma_min: float = opt(5.0, "Smallest training noise standard deviation, in 8-bit "
                                "levels (0-255).")
    sigma_max: float = opt(50.0, "Largest training noise standard deviation, in 8-bit "
                                 "levels (0-255).")
    patch: int = opt(96, "Training crop, in pixels.")
    l1_weight: float = opt(1.0, "Weight of the L1 loss to the clean image.")
    adv_weight: float = opt(0.01, "Weight of the adversarial (BCE) term; 0 = L1 only.")
    d_width: int = opt(32, "Channels of the PatchGAN's first layer.")
    d_layers: int = opt(3, "Strided PatchGAN layers (3 = 70x70 patches).")


class DenoiseTask(ImageTask):
    """Gaussian denoising of RGB (and gray) photos."""

    name = "denoise"
    summary = "Gaussian denoising (residual CNN + PatchGAN): any image size, tiled"
    Config = DenoiseConfig
    default_model = None  # no shipped weights: use --weights with your exported run
    output_suffix = "_denoised"
    api_version = API_VERSION  # the contract this plugin was written for

    # ----- model -------------------------------------------------------------
    def build(self, cfg: DenoiseConfig) -> tuple[nn.Module, nn.Module]:
        from gantools.nets.patchgan import PatchGAN

        # D sees the noisy input beside the image: 3 + 3 channels (pix2pix style)
        return self.build_generator(cfg), PatchGAN(6, cfg.d_width, cfg.d_layers)

    def build_generator(self, cfg: DenoiseConfig) -> nn.Module:
        from gantools_denoise.models import ResidualDenoiser

        return ResidualDenoiser(cfg.width, cfg.blocks)

    def data_spec(self, cfg: DenoiseConfig) -> DataSpec:
        if not 0 <= cfg.sigma_min <= cfg.sigma_max:
            raise ValueError(f"need 0 <= --sigma-min ({cfg.sigma_min}) <= --sigma-max "
                             f"({cfg.sigma_max})")
        return DataSpec(size=cfg.patch, channels=3, crop="random")

    # ----- training ----------------------------------------------------------
    def make_pair(self, batch: Batch, cfg: DenoiseConfig) -> tuple[Any, torch.Tensor]:
        """Clean (N, 3, h, w) -> (noisy, clean), both in [0, 1]: a random flip, then
        noise of a per-image sigma drawn uniformly in [sigma_min, sigma_max] / 255,
        clipped to [0, 1] as a saved photo would be. All on the device, all from
        torch's global generator."""
        import torch

        clean = batch.image.float()
        n = clean.shape[0]
        flip = torch.rand(n, device=clean.device) < 0.5
        clean = torch.where(flip[:, None, None, None], clean.flip(-1), clean)
        lo, hi = cfg.sigma_min / 255.0, cfg.sigma_max / 255.0
        sigma = lo + (hi - lo) * torch.rand(n, 1, 1, 1, device=clean.device)
        noisy = (clean + sigma * torch.randn_like(clean)).clamp_(0.0, 1.0)
        return noisy, clean

    def discriminator_input(self, condition: Any, image: torch.Tensor) -> tuple:
        """D sees (noisy, image): (N, 6, h, w) in [0, 1]."""
        import torch

        return (torch.cat([condition.to(image.dtype), image], dim=1),)

    def task_losses(self, fake: torch.Tensor, target: torch.Tensor, condition: Any,
                    cfg: DenoiseConfig) -> dict[str, torch.Tensor]:
        import torch.nn.functional as F

        return {"l1": cfg.l1_weight * F.l1_loss(fake.float(), target.float())}

    def adversarial_weight(self, cfg: DenoiseConfig) -> float:
        return cfg.adv_weight

    def sample_images(self, generator: nn.Module, condition: Any,
                      target: torch.Tensor) -> list[torch.Tensor]:
        """Rows of the sample grid: noisy input, the model, the clean image."""
        import torch

        n = min(8, target.shape[0])
        with torch.no_grad():
            out = generator(condition[:n]).float().clamp(0, 1)
        return [condition[:n].float(), out, target[:n].float()]

    def card_extras(self, cfg: DenoiseConfig) -> dict[str, Any]:
        return {"colour_space": "RGB",
                "noise": f"additive white Gaussian, sigma {cfg.sigma_min:g}-"
                         f"{cfg.sigma_max:g} (8-bit levels), clipped",
                "input": "noisy image (N, 3, H, W) in [0, 1]",
                "output": "(N, 3, H, W) in [0, 1] (clamped)"}

    # ----- inference ---------------------------------------------------------
    def tile_overlap(self, cfg: DenoiseConfig) -> int:
        """Twice the receptive-field radius: blended tiles match the untiled output."""
        from gantools_denoise.models import receptive_radius

        return 2 * receptive_radius(cfg.blocks)

    def infer(self, model: Any, image: torch.Tensor, options: Any) -> torch.Tensor:
        """(1, 3, H, W) noisy in [0, 1] -> (1, 3, H, W) denoised in [0, 1]."""
        return model.generator(image).clamp_(0.0, 1.0)

    def make_eval_command(self) -> click.Command:
        from gantools_denoise.evaluate import eval_command

        return eval_command(self)


task = DenoiseTask()
