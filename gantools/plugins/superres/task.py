"""The ``superres`` task: SRGAN-style x2/x4 super-resolution.

The default model, ``superres-real``, is trained on Real-ESRGAN's degradation model
(``--degradation real``) for photos as people have them; ``superres`` is the model
for clean bicubic inputs (benchmark-style). Recipe: PSNR-oriented pre-training
(``--adv-weight 0``: L1 only, no discriminator), then GAN fine-tuning from it
(``--init-from`` the pre-trained weights, with ``--adv-weight 1e-3`` and
``--perceptual-weight 1``). Imports torch lazily.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from gantools.engine.config import opt
from gantools.task import Batch, DataSpec, ImageTask

if TYPE_CHECKING:  # pragma: no cover
    import click
    import torch
    from torch import nn


@dataclass
class SuperresConfig:
    """Model and loss options of the superres task."""

    scale: int = opt(4, "Upscaling factor: 2, 3 or 4.", choices=(2, 3, 4))
    arch: Literal["srresnet", "compact"] = opt(
        "srresnet", "Generator: srresnet (residual blocks) or compact (a plain stack of "
                    "convolutions with PReLU, Real-ESRGAN's fast shape; the superres-real "
                    "model).")
    width: int = opt(64, "Channels of the generator's convolutions.", min=1)
    blocks: int = opt(8, "Depth: residual blocks (srresnet) or hidden convolutions "
                         "(compact).", min=1)
    patch: int = opt(128, "High-resolution training crop, in pixels (a multiple of scale).")
    degradation: Literal["bicubic", "real"] = opt(
        "bicubic", "How LR inputs are made: bicubic (matches MATLAB imresize) or real "
                   "(Real-ESRGAN's second-order model: two rounds of blur, resize, noise "
                   "and JPEG, then resize + sinc and JPEG; for photos as people have them).")
    degradation_strength: float = opt(
        1.0, "With --degradation real: scales every range of the degradation model; 0 = "
             "a plain downscale, 0.5 = mild (phone photos, good scans), 1 = Real-ESRGAN's "
             "published ranges (web images), up to 2 = harsher.", min=0.0, max=2.0)
    web_fraction: float = opt(
        0.0, "With --degradation real: the share of each batch degraded instead by a "
             "first-order web model (downscale, then Gaussian blur in LR pixels, noise and "
             "one JPEG, at the same strength; web_degrade.py): photos that were soft or "
             "noisy at their own size before compression. 0 = the real model only.",
        min=0.0, max=1.0)
    l1_weight: float = opt(1.0, "Weight of the pixel L1 loss.")
    l2_weight: float = opt(
        0.0, "Weight of a pixel squared-error (L2) loss: its optimum is the conditional "
             "mean, the PSNR-optimal prediction, where L1's is the median; its gradient "
             "is 2 x the error, so ~10 matches L1's pull at errors of 0.05 (0 = off).",
        min=0.0)
    perceptual_weight: float = opt(0.0, "Weight of the VGG19 perceptual loss (needs local "
                                        "VGG19 weights: --vgg-weights or torchvision's cache).")
    vgg_weights: str = opt("", "Path to torchvision's vgg19-dcbb9e9d.pth (never downloaded).")
    spectral_weight: float = opt(
        0.0, "Weight of the texture loss without a pretrained network: L1 between the "
             "log amplitudes of local (16 px) Fourier spectra of output and truth, asking "
             "for the right amount of detail at every frequency; each window's grid of the "
             "scale's period is left out, so it cannot reward a checkerboard "
             "(spectral_loss.py).", min=0.0)
    adv_weight: float = opt(0.0, "Weight of the adversarial term; 0 = PSNR-oriented "
                                 "training without a discriminator, ~1e-3 for SRGAN.")
    d_arch: Literal["vgg", "unet"] = opt(
        "vgg", "Discriminator: vgg (SRGAN's classifier, one score an image) or unet "
               "(Real-ESRGAN's U-Net with spectral norm, one score a pixel).")
    d_width: int = opt(64, "Base width of the discriminator.", min=1)


@dataclass
class SuperresOptions:
    """Inference options of the superres task."""

    scale: int = opt(0, "2 or 4: use the shipped photo model of that scale "
                        "(superres-real-x2, superres-real); default: the model's own "
                        "scale.")
    texture: float = opt(
        0.0, "0 to 1: blend this share of superres-real-gan (the sharp GAN model: more "
             "texture, lower NIQE, less PSNR) into the default superres-real when it "
             "loads; 0 = the default as shipped, 1 = superres-real-gan. Figures per "
             "share: docs/tasks/superres.md.", min=0.0, max=1.0)


SHIPPED_BY_SCALE = {2: "superres-real-x2", 4: "superres-real"}
"""The model ``--scale`` picks: the real-world one (JPEG, noise, blur); the clean-input
models superres and superres-x2 are chosen with ``--model``."""

D_GRID_WINDOW = 8
"""Side of the windows whose grid the discriminator does not see (rounded down to a
multiple of the scale); smaller windows also remove grids that vary with the content."""


class SuperresTask(ImageTask):
    """Single-image super-resolution."""

    name = "superres"
    summary = "Super-resolution x2/x4 (SRGAN): any image size, tiled, in batch"
    Config = SuperresConfig
    InferOptions = SuperresOptions
    default_model = "superres-real"
    output_suffix = "_x{scale}"

    def build(self, cfg: SuperresConfig) -> tuple[nn.Module, nn.Module]:
        from gantools.plugins.superres.models import UNetDiscriminator, VGGDiscriminator

        network = UNetDiscriminator if cfg.d_arch == "unet" else VGGDiscriminator
        return self.build_generator(cfg), network(cfg.d_width)

    def build_generator(self, cfg: SuperresConfig) -> nn.Module:
        from gantools.plugins.superres.models import CompactSR, SRResNet

        network = CompactSR if cfg.arch == "compact" else SRResNet
        return network(cfg.scale, cfg.width, cfg.blocks)

    def data_spec(self, cfg: SuperresConfig) -> DataSpec:
        if cfg.patch % cfg.scale:
            raise ValueError(f"--patch {cfg.patch} must be a multiple of --scale {cfg.scale}")
        if cfg.web_fraction > 0 and cfg.degradation != "real":
            raise ValueError(f"--web-fraction {cfg.web_fraction} needs --degradation real")
        if cfg.perceptual_weight > 0:
            from gantools.nets.perceptual import find_vgg19_weights

            find_vgg19_weights(cfg.vgg_weights or None)  # refuse early, before training
        return DataSpec(size=cfg.patch, channels=3, crop="random")

    def discriminator_input(self, condition: Any, image: torch.Tensor) -> tuple:
        """D sees the image (N, 3, sH, sW) without the grid of the scale's period s in
        each window of D_GRID_WINDOW pixels (grid.py), real and generated alike: its
        gradient then never asks the sub-pixel upsampler for a checkerboard (GAN runs
        before 2026-12-03 showed one)."""
        from gantools.plugins.superres.grid import image_without_grid

        period = image.shape[-1] // condition.shape[-1]
        return (image_without_grid(image, period, D_GRID_WINDOW // period * period),)

    def adversarial_weight(self, cfg: SuperresConfig) -> float:
        return cfg.adv_weight

    def make_pair(self, batch: Batch, cfg: SuperresConfig) -> tuple[Any, torch.Tensor]:
        import torch

        from gantools.plugins.superres import degrade, web_degrade

        fmt = (torch.channels_last if batch.image.is_contiguous(memory_format=torch.channels_last)
               else torch.contiguous_format)
        hr = degrade.random_flip_rot90(batch.image).contiguous(memory_format=fmt)
        if cfg.degradation == "real":
            lr = web_degrade.mixed_degradation(hr, cfg.scale, cfg.degradation_strength,
                                               cfg.web_fraction)
        else:
            lr = degrade.bicubic_downscale(hr, cfg.scale)
        return lr.contiguous(memory_format=fmt), hr

    def task_losses(self, fake: torch.Tensor, target: torch.Tensor, condition: Any,
                    cfg: SuperresConfig) -> dict[str, torch.Tensor]:
        import torch.nn.functional as F

        from gantools.nets.perceptual import perceptual_loss
        from gantools.plugins.superres.spectral_loss import spectral_amplitude_loss

        losses = {"l1": cfg.l1_weight * F.l1_loss(fake.float(), target.float())}
        if cfg.l2_weight > 0:
            losses["l2"] = cfg.l2_weight * F.mse_loss(fake.float(), target.float())
        if cfg.spectral_weight > 0:
            losses["spectral"] = cfg.spectral_weight * spectral_amplitude_loss(
                fake.float(), target.float(), window=16 // cfg.scale * cfg.scale,
                period=cfg.scale)
        if cfg.perceptual_weight > 0:
            vgg = perceptual_loss(cfg.vgg_weights, fake.device)
            losses["perceptual"] = cfg.perceptual_weight * vgg(
                fake.float(), target.float())
        return losses

    def sample_images(self, generator: nn.Module, condition: Any,
                      target: torch.Tensor) -> list[torch.Tensor]:
        """Rows: bicubic, the model, the ground truth."""
        import torch

        from gantools.plugins.superres.degrade import bicubic_upscale

        scale = target.shape[-1] // condition.shape[-1]
        n = min(8, target.shape[0])
        with torch.no_grad():
            sr = generator(condition[:n]).float().clamp(0, 1)
        return [bicubic_upscale(condition[:n], scale), sr, target[:n].float()]

    def card_extras(self, cfg: SuperresConfig) -> dict[str, Any]:
        return {"scale": cfg.scale, "colour_space": "RGB",
                "input": "LR image (N, 3, H, W) in [0, 1]",
                "output": f"(N, 3, {cfg.scale}H, {cfg.scale}W) in [0, 1] (clamped)"}

    # ----- inference ---------------------------------------------------------
    def scale(self, cfg: SuperresConfig) -> int:
        return cfg.scale

    def tile_overlap(self, cfg: SuperresConfig) -> int:
        """Twice the receptive-field radius in LR pixels (srresnet: 2 convs per block
        and 3 more; compact: one per hidden layer and 2 more; plus bicubic's 2):
        blended tiles then match the untiled output."""
        convs = cfg.blocks + 2 if cfg.arch == "compact" else 2 * cfg.blocks + 3
        return 2 * (convs + 2)

    def tile_work_channels(self, cfg: SuperresConfig) -> int:
        """The generator's own width (the core assumes 128): compact models get
        larger automatic tiles, so less of their time goes to overlaps."""
        return cfg.width

    def model_for_options(self, options: SuperresOptions) -> str | None:
        if options.scale and options.scale not in SHIPPED_BY_SCALE:
            raise ValueError(f"--scale {options.scale}: shipped models are x2 and x4")
        return SHIPPED_BY_SCALE.get(options.scale, self.default_model)

    def check_options(self, model: Any, options: SuperresOptions) -> None:
        if options.scale and options.scale != model.config.scale:
            raise ValueError(f"--scale {options.scale}, but {model.source.name} upscales "
                             f"x{model.config.scale}")

    def prepare_model(self, model: Any, options: SuperresOptions) -> Any:
        """``--texture W``: superres-real-gan blended in (texture.py)."""
        from gantools.plugins.superres.texture import with_texture

        return with_texture(model, options.texture)

    def infer(self, model: Any, image: torch.Tensor, options: Any) -> torch.Tensor:
        return model.generator(image).clamp_(0.0, 1.0)

    def demo(self, model: Any, photos: list[Any]) -> list:
        """``gantools demo``: bicubic | model | original (photo shrunk by the scale)."""
        from gantools.plugins.superres.demo import demo_rows

        return demo_rows(self, model, photos)

    def ui_tab(self, ui: Any) -> None:
        """``gantools ui``: scale and model, before/after slider, download."""
        from gantools.plugins.superres.ui import build_tab

        build_tab(self, ui)

    def make_eval_command(self) -> click.Command:
        from gantools.plugins.superres.evaluate import eval_command

        return eval_command(self)


task = SuperresTask()
