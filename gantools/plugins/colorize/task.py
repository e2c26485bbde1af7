"""The ``colorize`` task: pix2pix colorization in CIE Lab, full-resolution output.

Recipe (Isola et al. 2017, pix2pix): a U-Net predicts a*b* from L*; a 70x70
PatchGAN sees L with a*b* (conditional); the generator loss is BCE adversarial
plus L1 (weight 100) on a*b* / 110 in [-1, 1] (pix2pix's units). Against washed-out
(sepia) results the L1 term is re-weighted by the target's chroma
(``--chroma-weight``), and an optional hinge penalises predicted chroma below the
target's (``--saturation-weight``). ``--head classes`` predicts colour classes
instead (Zhang et al. 2016, :mod:`.bins`): a class-rebalanced cross-entropy, decoded
by the annealed mean; the L1 and adversarial terms then see the decoded a*b*.

Inference predicts chroma at a working resolution (short side ``--size``),
upsamples it bilinearly and recombines it with the full-resolution L*, so the
output has the input's size, detail and lightness. Imports torch lazily.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from gantools.engine.config import opt
from gantools.task import Batch, DataSpec, ImageTask

if TYPE_CHECKING:  # pragma: no cover
    import click
    import torch
    from torch import nn


@dataclass
class ColorizeConfig:
    """Model and loss options of the colorize task."""

    width: int = opt(32, "U-Net channels at full resolution (doubled per level).")
    levels: int = opt(5, "U-Net resolutions (levels - 1 downsamplings).")
    max_width: int = opt(128, "Cap on the U-Net channels of the deeper levels.")
    output_level: int = opt(
        0, "regression head: predict a*b* at 1 / 2 ** k of the resolution and upsample "
           "them bilinearly (0 = full resolution; 2 is 2-3x faster, chroma being smooth; "
           "the classes head always predicts at 1 / 4).")
    global_context: bool = opt(False, "Add a global-context branch: the mean of the deepest "
                                      "features, through an MLP, added everywhere "
                                      "(Iizuka et al. 2016).")
    patch: int = opt(128, "Training crop, in pixels.")
    min_scale: float = opt(
        1.0, "Training crops at a random scale in [min_scale, 1]: a region of up to "
             "patch / min_scale pixels resized to the patch, so objects are seen smaller "
             "too, as in inference on downsized photos (1 = native scale only).")
    l1_weight: float = opt(100.0, "Weight of the L1 loss on a*b* / 110 in [-1, 1], the units "
                                  "of pix2pix (whose weight is 100).")
    l2_weight: float = opt(
        0.0, "Weight of a squared-error (L2) loss on a*b* / 110: its optimum is the "
             "conditional mean, the PSNR-optimal prediction (0 = off).")
    chroma_weight: float = opt(
        1.0, "Colour rebalancing of the L1 term: pixel weight 1 + k * C*ab / 50 (C*ab: "
             "the target's chroma), normalised to mean 1; 0 = plain L1.")
    saturation_weight: float = opt(
        0.0, "Weight of a hinge on predicted chroma below the target's, in a*b* / 110 "
             "units like the L1 (0 = off).")
    head: Literal["regression", "classes"] = opt(
        "regression", "Generator output: regression (a*b* directly) or classes (a "
                      "distribution over a*b* bins, Zhang et al. 2016, decoded by the "
                      "annealed mean).")
    bin_size: float = opt(10.0, "classes head: side of the a*b* bins, in Lab units.")
    class_weight: float = opt(1.0, "classes head: weight of the cross-entropy on the bins.")
    rebalance: float = opt(0.5, "classes head: class rebalancing, pixel weight 1 / ((1 - r) "
                                "p + r / Q) with p the batch's bin frequencies (1 = none, "
                                "0.5 = Zhang et al.).")
    temperature: float = opt(0.38, "classes head: annealed-mean temperature (1 = mean of "
                                   "the predicted distribution, lower = more vivid).")
    adv_weight: float = opt(1.0, "Weight of the adversarial (BCE) term; 0 = L1 only.")
    d_width: int = opt(64, "Channels of the PatchGAN's first layer.")
    d_layers: int = opt(3, "Strided PatchGAN layers (3 = 70x70 patches).")


@dataclass
class ColorizeOptions:
    """Inference options of the colorize task."""

    size: int = opt(256, "Working resolution: chroma is predicted with the short side "
                         "resized to this many pixels, then upsampled to full size.")
    saturation: float = opt(1.0, "Colour strength: multiplies the predicted chroma on top of "
                                 "the model's calibrated gain (1 = the model's default, "
                                 "0 = gray, 1.3 = more vivid).")
    keep_color: bool = opt(False, "Pass photos that already have colour through unchanged "
                                  "(default: recolour them from their luminance, with a "
                                  "warning).")


class ColorizeTask(ImageTask):
    """Colorization of gray (or colour, through their luminance) photos."""

    name = "colorize"
    summary = "Colorization (pix2pix, CIE Lab): full-resolution output, keeps L*"
    Config = ColorizeConfig
    InferOptions = ColorizeOptions
    default_model = "colorize"
    recipes = {
        "classes": ({"head": "classes", "global_context": True, "width": 32, "levels": 5,
                     "max_width": 128, "min_scale": 0.5, "l1_weight": 0.0, "adv_weight": 0.0,
                     "lr_g": 5e-4, "beta1": 0.9, "lr_schedule": "cosine", "batch_size": 16,
                     "steps": 10_000},
                    "the shipped model's: colour classes with rebalancing (Zhang et al. "
                    "2016), global context, no GAN term"),
        "regression": ({"head": "regression", "global_context": True, "width": 16,
                        "levels": 6, "max_width": 192, "output_level": 2, "min_scale": 0.5,
                        "l1_weight": 100.0, "chroma_weight": 1.0, "adv_weight": 0.0,
                        "lr_g": 5e-4, "beta1": 0.9, "lr_schedule": "cosine",
                        "batch_size": 16, "steps": 5_000},
                       "a*b* regression with chroma-weighted L1 (the first shipped model)"),
        "pix2pix": ({"head": "regression", "global_context": False, "width": 32, "levels": 5,
                     "max_width": 128, "output_level": 0, "min_scale": 1.0,
                     "l1_weight": 100.0, "chroma_weight": 0.0, "adv_weight": 1.0,
                     "lr_g": 2e-4, "lr_d": 2e-4, "beta1": 0.5},
                    "Isola et al. 2017: U-Net, L1 x 100 plus the conditional PatchGAN"),
    }
    default_recipe = "classes"
    output_suffix = "_color"
    keeps_gray = False
    tileable = False

    # ----- model -------------------------------------------------------------
    def build(self, cfg: ColorizeConfig) -> tuple[nn.Module, nn.Module]:
        from gantools.nets.patchgan import PatchGAN

        return self.build_generator(cfg), PatchGAN(3, cfg.d_width, cfg.d_layers)

    def build_generator(self, cfg: ColorizeConfig) -> nn.Module:
        from gantools.plugins.colorize.models import ColorClassUNet, ColorUNet

        if cfg.head == "classes":
            return ColorClassUNet(class_centres(cfg.bin_size), cfg.temperature, cfg.width,
                                  cfg.levels, cfg.max_width, CLASS_HEAD_LEVEL,
                                  cfg.global_context)
        return ColorUNet(cfg.width, cfg.levels, cfg.max_width, cfg.output_level,
                         cfg.global_context)

    def data_spec(self, cfg: ColorizeConfig) -> DataSpec:
        multiple = 2 ** (cfg.levels - 1)
        if cfg.head == "classes" and cfg.patch % multiple:
            raise ValueError(f"--patch {cfg.patch}: the classes head needs a multiple of "
                             f"{multiple} (2 ** (levels - 1))")
        if cfg.head == "classes" and not 0 < cfg.rebalance <= 1:
            raise ValueError(f"--rebalance {cfg.rebalance}: must be in (0, 1]")
        if cfg.head == "classes" and cfg.temperature <= 0:
            raise ValueError(f"--temperature {cfg.temperature}: must be positive")
        if not 0 < cfg.min_scale <= 1:
            raise ValueError(f"--min-scale {cfg.min_scale}: must be in (0, 1]")
        if not 0 <= cfg.output_level < cfg.levels:
            raise ValueError(f"--output-level {cfg.output_level}: must be in 0..{cfg.levels - 1}"
                             " (below --levels)")
        return DataSpec(size=cfg.patch, channels=3, crop="random", colour_only=True,
                        min_scale=cfg.min_scale)

    # ----- training ----------------------------------------------------------
    def adversarial_weight(self, cfg: ColorizeConfig) -> float:
        return cfg.adv_weight

    def make_pair(self, batch: Batch, cfg: ColorizeConfig) -> tuple[Any, torch.Tensor]:
        """RGB (N, 3, h, w) -> (L / 100 (N, 1, h, w), normalised a*b* (N, 2, h, w)),
        both in [0, 1], after a random horizontal flip (torch's global RNG)."""
        from gantools.plugins.colorize import lab
        from gantools.restoration import random_flip

        image = random_flip(batch.image.float())
        lab_img = lab.rgb_to_lab(image)
        condition = (lab_img[:, :1] / 100.0).clamp(0, 1)
        return condition, lab.normalise_ab(lab_img[:, 1:])

    def discriminator_input(self, condition: Any, image: torch.Tensor) -> tuple:
        """D sees L with a*b*: (N, 3, h, w) in [0, 1] (the classes head's packed logits,
        behind the a*b* in training, are left out)."""
        import torch

        return (torch.cat([condition.to(image.dtype), image[:, :2]], dim=1),)

    def task_losses(self, fake: torch.Tensor, target: torch.Tensor, condition: Any,
                    cfg: ColorizeConfig) -> dict[str, torch.Tensor]:
        import torch

        from gantools.plugins.colorize.lab import AB_RANGE, chroma

        losses = {}
        if cfg.head == "classes":
            losses["classes"] = cfg.class_weight * self._class_loss(fake, target, cfg)
        fake, target = fake[:, :2].float(), target.float()
        err = 2.0 * (fake - target).abs()  # in pix2pix's units: a*b* / 110 in [-1, 1]
        if cfg.chroma_weight > 0:
            weight = 1.0 + cfg.chroma_weight * chroma(target) / 50.0
            weight = weight / weight.mean()
            l1 = (weight * err).mean()
        else:
            l1 = err.mean()
        losses["l1"] = cfg.l1_weight * l1
        if cfg.l2_weight > 0:
            losses["l2"] = cfg.l2_weight * err.square().mean()
        if cfg.saturation_weight > 0:
            shortfall = torch.relu(chroma(target) - chroma(fake)) / (AB_RANGE / 2)
            losses["saturation"] = cfg.saturation_weight * shortfall.mean()
        return losses

    def _class_loss(self, fake: torch.Tensor, target: torch.Tensor,
                    cfg: ColorizeConfig) -> torch.Tensor:
        """Rebalanced cross-entropy of the packed logits in ``fake`` (N, 2 + P, h, w)
        against the target's a*b* (N, 2, h, w, normalised), averaged over the cells of
        the logits' grid."""
        import torch.nn.functional as F

        from gantools.plugins.colorize.bins import soft_cross_entropy
        from gantools.plugins.colorize.lab import denormalise_ab
        from gantools.plugins.colorize.models import unpack_logits

        centres = class_centres(cfg.bin_size).to(fake.device)
        factor = 2 ** CLASS_HEAD_LEVEL
        logits = unpack_logits(fake[:, 2:], centres.shape[0], factor)
        true_ab = F.avg_pool2d(denormalise_ab(target), factor)
        return soft_cross_entropy(logits, true_ab, centres, cfg.bin_size, cfg.rebalance)

    def sample_images(self, generator: nn.Module, condition: Any,
                      target: torch.Tensor) -> list[torch.Tensor]:
        """Rows (RGB): the gray input, the model, the ground truth."""
        import torch

        from gantools.plugins.colorize.lab import compose

        n = min(8, target.shape[0])
        light = condition[:n].float()
        with torch.no_grad():
            ab = generator(light).float()
        gray = torch.full_like(ab, 0.5)
        return [compose(light, gray), compose(light, ab), compose(light, target[:n])]

    def card_extras(self, cfg: ColorizeConfig) -> dict[str, Any]:
        return {"colour_space": "CIE Lab (D65) via kornia",
                "working_size": ColorizeOptions().size,
                "input": "L*/100 (N, 1, h, w) in [0, 1] at the working size (short side "
                         "256 by default); images: any RGB or gray (1, 3, H, W) in [0, 1]",
                "output": "a*b* as ab/220 + 0.5, (N, 2, h, w) in [0, 1]; images: RGB "
                          "(1, 3, H, W) in [0, 1] with the input's L*"}

    # ----- inference ---------------------------------------------------------
    def check_options(self, model: Any, options: ColorizeOptions) -> None:
        if options.size < 16:
            raise ValueError(f"--size {options.size}: the working size must be at least 16")
        if not 0 <= options.saturation <= 4:
            raise ValueError(f"--saturation {options.saturation}: must be between 0 and 4")

    def image_warnings(self, image: torch.Tensor, options: Any) -> list[str]:
        """A photo that already has colour: recoloured from its luminance, or passed
        through with --keep-color; either way the user is told."""
        options = options if options is not None else ColorizeOptions()
        if not has_colour(image):
            return []
        if options.keep_color:
            return ["already in colour: passed through unchanged (--keep-color)"]
        return ["already in colour: recoloured from its luminance (--keep-color passes "
                "colour photos through)"]

    def infer(self, model: Any, image: torch.Tensor, options: Any) -> torch.Tensor:
        """RGB (1, 3, H, W) in [0, 1] -> RGB (1, 3, H, W) in [0, 1] with the same L*
        (a colour input with ``keep_color`` is returned as it is):
        chroma predicted at short side ``options.size``, upsampled bilinearly, times
        the card's ``chroma_gain`` (calibrated after training; 1 when absent) and
        ``options.saturation``."""
        import torch.nn.functional as F

        from gantools.plugins.colorize.lab import compose, luminance, scale_chroma

        options = options if options is not None else ColorizeOptions()
        if options.keep_color and has_colour(image):
            return image[:, :3].float()
        size = options.size
        light = luminance(image)
        h, w = light.shape[-2:]
        factor = size / min(h, w)
        small_hw = (max(1, round(h * factor)), max(1, round(w * factor)))
        small = light
        if small_hw != (h, w):
            small = F.interpolate(light, size=small_hw, mode="bilinear", align_corners=False,
                                  antialias=factor < 1).clamp_(0, 1)
        ab = model.generator(small).float()
        if small_hw != (h, w):
            ab = F.interpolate(ab, size=(h, w), mode="bilinear", align_corners=False)
        gain = float(model.card.get("chroma_gain", 1.0)) * options.saturation
        return compose(light, scale_chroma(ab, gain))

    def demo(self, model: Any, photos: list[Any]) -> list:
        """``gantools demo``: gray | model | original for each photo."""
        from gantools.plugins.colorize.demo import demo_rows

        return demo_rows(self, model, photos)

    def ui_tab(self, ui: Any) -> None:
        """``gantools ui``: any photo in, colour out, the saturation control."""
        from gantools.plugins.colorize.ui import build_tab

        build_tab(self, ui)

    def make_eval_command(self) -> click.Command:
        from gantools.plugins.colorize.evaluate import eval_command

        return eval_command(self)


def has_colour(image: torch.Tensor) -> bool:
    """True when an RGB (1, 3, H, W) image in [0, 1] has colour somewhere: its
    channels differ by more than 2 levels of 255 (a gray photo saved as RGB has none)."""
    rgb = image[:, :3].float()
    return bool((rgb.amax(dim=1) - rgb.amin(dim=1)).max() > 2.5 / 255)


CLASS_HEAD_LEVEL = 2
"""The classes head predicts at 1 / 4 of the resolution (as Zhang et al.)."""


@lru_cache(maxsize=4)
def class_centres(bin_size: float) -> torch.Tensor:
    """The colour classes (Q, 2) for bins of side ``bin_size`` (see :mod:`.bins`)."""
    from gantools.plugins.colorize.bins import gamut_centres

    return gamut_centres(bin_size)


task = ColorizeTask()
