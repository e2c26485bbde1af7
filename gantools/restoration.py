"""A base for restoration and pix2pix-style translation plugins: the author writes the
degradation and the generator, the base gives the rest.

::

    class DeblurTask(RestorationTask):
        name = "deblur"
        summary = "Gaussian deblurring of photos"
        Config = DeblurConfig                       # a RestorationConfig subclass

        def build_generator(self, cfg): ...         # (N, 3, H, W) -> (N, 3, H, W)
        def degrade(self, clean, cfg): ...          # clean -> what the user has

Training pairs are ``(degrade(flip(clean)), flip(clean))``; D is a conditional
PatchGAN that sees the degraded input beside the clean or restored image (pix2pix);
the generator loss is L1 to the clean image plus the adversarial term; the sample
grid shows input | output | target; inference runs the generator (tiled, with an
overlap of twice :meth:`RestorationTask.receptive_radius`); ``gantools eval NAME``
degrades every clean image of ``--data`` and scores the baseline and the model side
by side (:mod:`gantools.restoration_eval`). Every part is a method to override.

Images are (N, 3, H, W) float in [0, 1] (RGB); input and output have the same size.
This module imports no torch (plugin task modules import it at their top).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from gantools.engine.config import opt
from gantools.task import Batch, DataSpec, ImageTask, NoOptions

if TYPE_CHECKING:  # pragma: no cover - typing only
    import click
    import torch
    from torch import nn


@dataclass
class RestorationConfig:
    """The options every restoration task shares; a task's Config subclasses it and
    adds its own fields (generator size, degradation strength, ...)."""

    patch: int = opt(96, "Training crop, in pixels.")
    l1_weight: float = opt(1.0, "Weight of the L1 loss to the clean image.")
    adv_weight: float = opt(0.01, "Weight of the adversarial (BCE) term; 0 = L1 only "
                                  "(no discriminator is trained).")
    d_width: int = opt(32, "Channels of the PatchGAN's first layer.")
    d_layers: int = opt(3, "Strided PatchGAN layers (3 = 70x70 patches).")


def random_flip(images: torch.Tensor) -> torch.Tensor:
    """Mirror each image of (N, C, H, W) left-right with probability 1/2, drawn from
    torch's global generator (one ``torch.rand(N)``), so resumed runs replay it."""
    import torch

    flip = torch.rand(images.shape[0], device=images.device) < 0.5
    return torch.where(flip[:, None, None, None], images.flip(-1), images)


class RestorationTask(ImageTask):
    """Image restoration / translation: degraded (N, 3, H, W) in -> clean (N, 3, H, W)
    out, both in [0, 1].

    *Required*: :meth:`build_generator` and :meth:`degrade`. Class attributes, besides
    those of :class:`~gantools.task.ImageTask`:

    ``Config``: a :class:`RestorationConfig` subclass. ``EvalOptions``: dataclass of the
    options of ``gantools eval NAME`` (default: none). ``baseline_name``: the eval
    table's name of :meth:`baseline` ("input": the degraded image itself). ``hflip``:
    random left-right flips of the training crops.
    """

    Config: ClassVar[type] = RestorationConfig
    EvalOptions: ClassVar[type] = NoOptions
    baseline_name: ClassVar[str] = "input"
    hflip: ClassVar[bool] = True

    # ----- the author's part ---------------------------------------------------------
    def build_generator(self, cfg: Any) -> nn.Module:
        """*Required.* The generator: (N, 3, H, W) degraded in [0, 1] -> (N, 3, H, W)
        restored (unclamped; inference clamps to [0, 1])."""
        raise NotImplementedError(f"{type(self).__name__} must implement "
                                  "build_generator(cfg)")

    def degrade(self, clean: torch.Tensor, cfg: Any) -> torch.Tensor:
        """*Required.* On the device: clean crops (N, 3, h, w) float in [0, 1] -> the
        degraded input of the same shape (clamped to [0, 1] afterwards). Randomness
        from torch's global generator only (``torch.rand``, ``torch.randn_like``)."""
        raise NotImplementedError(f"{type(self).__name__} must implement "
                                  "degrade(clean, cfg)")

    def receptive_radius(self, cfg: Any) -> int:
        """Input pixels each output pixel depends on, on each side (one per 3x3
        convolution). Tiles overlap by twice this. Default 8."""
        return 8

    def check_config(self, cfg: Any) -> None:
        """Refuse bad option values (raise ValueError): runs before training starts.
        Default: accept."""

    # ----- model -----------------------------------------------------------------
    def build(self, cfg: Any) -> tuple[nn.Module, nn.Module]:
        """``(build_generator(cfg), build_discriminator(cfg))``."""
        return self.build_generator(cfg), self.build_discriminator(cfg)

    def build_discriminator(self, cfg: Any) -> nn.Module:
        """The conditional PatchGAN of pix2pix: (N, 6, h, w), input and image -> a grid
        of logits. Override for another D (it gets :meth:`discriminator_input`)."""
        from gantools.nets.patchgan import PatchGAN

        return PatchGAN(6, cfg.d_width, cfg.d_layers)

    def data_spec(self, cfg: Any) -> DataSpec:
        """Random RGB crops of ``cfg.patch`` pixels, after :meth:`check_config`."""
        self.check_config(cfg)
        return DataSpec(size=cfg.patch, channels=3, crop="random")

    # ----- training --------------------------------------------------------------
    def make_pair(self, batch: Batch, cfg: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """Clean (N, 3, h, w) -> (degraded, clean), both float in [0, 1]: a random flip
        (when ``hflip``), then :meth:`degrade`, clamped."""
        clean = batch.image.float()
        if self.hflip:
            clean = random_flip(clean)
        degraded = self.degrade(clean, cfg)
        if tuple(degraded.shape) != tuple(clean.shape):
            raise ValueError(f"{type(self).__name__}.degrade must keep the shape "
                             f"{tuple(clean.shape)}, got {tuple(degraded.shape)}")
        return degraded.clamp(0.0, 1.0), clean

    def discriminator_input(self, condition: torch.Tensor, image: torch.Tensor) -> tuple:
        """D sees (degraded, image): (N, 6, h, w) in [0, 1]."""
        import torch

        return (torch.cat([condition.to(image.dtype), image], dim=1),)

    def task_losses(self, fake: torch.Tensor, target: torch.Tensor, condition: Any,
                    cfg: Any) -> dict[str, torch.Tensor]:
        """``{"l1": l1_weight * mean |fake - target|}``."""
        import torch.nn.functional as F

        return {"l1": cfg.l1_weight * F.l1_loss(fake.float(), target.float())}

    def adversarial_weight(self, cfg: Any) -> float:
        return float(cfg.adv_weight)

    def card_extras(self, cfg: Any) -> dict[str, Any]:
        return {"colour_space": "RGB", "input": "degraded image (N, 3, H, W) in [0, 1]",
                "output": "(N, 3, H, W) in [0, 1] (clamped)"}

    # ----- inference and evaluation ----------------------------------------------
    def tile_overlap(self, cfg: Any) -> int:
        """Twice :meth:`receptive_radius`: blended tiles then match untiled output."""
        return 2 * self.receptive_radius(cfg)

    def infer(self, model: Any, image: torch.Tensor, options: Any) -> torch.Tensor:
        """(1, 3, H, W) degraded in [0, 1] -> (1, 3, H, W) restored in [0, 1]."""
        return model.generator(image).clamp_(0.0, 1.0)

    def eval_degrade(self, clean: torch.Tensor, cfg: Any, options: Any) -> torch.Tensor:
        """``gantools eval NAME``'s degradation of one clean image (1, 3, H, W) in
        [0, 1] on the CPU; ``cfg``: the model's Config, ``options``: an EvalOptions.
        Torch's global generator is seeded per image. Default: :meth:`degrade`."""
        return self.degrade(clean, cfg)

    def baseline(self, degraded: torch.Tensor, options: Any) -> torch.Tensor:
        """The classical result the model must beat, (1, 3, H, W) in [0, 1], from the
        8-bit degraded image. Default: the degraded image itself."""
        return degraded

    def make_eval_command(self) -> click.Command | None:
        """``gantools eval NAME``: see :func:`gantools.restoration_eval.eval_command`."""
        from gantools.restoration_eval import eval_command

        return eval_command(self)
