"""The ``inpaint`` task: free-form hole filling with a gated/dilated encoder-decoder
and a spectral-norm PatchGAN.

Recipe: L1 pre-training (``--adv-weight 0``: no discriminator), then adversarial
fine-tuning from it (``--init-from``, ``--adv-weight`` about 1e-2). Imports torch
lazily.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from gantools.engine.config import opt
from gantools.task import Batch, Companion, DataSpec, ImageTask

if TYPE_CHECKING:  # pragma: no cover
    import click
    import torch
    from torch import nn


@dataclass
class InpaintConfig:
    """Model and loss options of the inpaint task."""

    width: int = opt(32, "Generator channels at full resolution (x4 in the dilated body).")
    blocks: int = opt(8, "Residual blocks at quarter resolution.")
    body: Literal["dilated", "fourier"] = opt(
        "dilated", "Residual blocks: dilated convolutions (dilations 1, 2, 4, 8, repeated) "
                   "or Fourier blocks (half the channels mixed over the whole image by "
                   "its FFT, as LaMa).")
    patch: int = opt(128, "Training crop, in pixels.")
    mask_kind: Literal["mixed", "strokes", "rectangles"] = opt(
        "mixed", "Generated training holes: free-form strokes, rectangles, or a mix "
                 "(ignored with --masks).")
    hole_min: float = opt(0.05, "Smallest hole ratio of generated training masks.")
    hole_max: float = opt(0.5, "Largest hole ratio of generated training masks.")
    masks: str = opt("", "Folder of your own masks (white = hole), drawn at random and "
                         "resized to the crop, instead of generated ones.")
    mask_mix: float = opt(1.0, "With --masks: share of training images whose hole comes "
                               "from the folder; the others get generated holes.")
    hole_weight: float = opt(1.0, "Weight of the L1 loss inside holes (mean over hole "
                                  "pixels).")
    valid_weight: float = opt(0.5, "Weight of the L1 loss on known pixels.")
    perceptual_weight: float = opt(0.0, "Weight of the VGG19 perceptual loss (local VGG19 "
                                        "weights only: --vgg-weights or torchvision's cache).")
    vgg_weights: str = opt("", "Path to torchvision's vgg19-dcbb9e9d.pth (never downloaded).")
    adv_weight: float = opt(0.01, "Weight of the adversarial term; 0 = L1 training without "
                                  "a discriminator.")
    d_width: int = opt(64, "Base width of the PatchGAN discriminator.")


@dataclass
class InpaintOptions:
    """Inference options of the inpaint task."""

    dilate: int = opt(0, "Grow every hole by N pixels first (covers the soft edges of "
                         "scratches and drawn masks).")
    mask_color: str = opt("", "The mask is a copy of the photo with the holes painted in "
                              "this colour (red, '#ff0000', 255,0,0) instead of white on "
                              "black.")
    mask_tolerance: int = opt(40, "With --mask-color: how far (0-255, largest channel "
                                  "difference) a pixel may be from the colour and still be "
                                  "a hole; JPEG copies need some.")


NEARLY_WHOLE = 0.9
"""A mask covering at least this share of the image gets a warning."""

MASK = Companion(
    name="mask", suffix="_mask",
    help="Hole mask, white (>127) = fill; same size as the image.")


class InpaintTask(ImageTask):
    """Free-form inpainting: holes given by a mask are filled; known pixels are kept."""

    name = "inpaint"
    summary = "Inpainting of free-form holes (mask white = fill), any image size"
    Config = InpaintConfig
    InferOptions = InpaintOptions
    default_model = "inpaint"
    output_suffix = "_inpainted"
    companion = MASK
    lossless_outputs = True  # JPEG in -> PNG out: the known pixels stay bit-exact

    def __init__(self) -> None:
        self._user_masks: dict[str, Any] = {}

    def build(self, cfg: InpaintConfig) -> tuple[nn.Module, nn.Module]:
        from gantools.nets.patchgan import PatchGAN

        return self.build_generator(cfg), PatchGAN(4, cfg.d_width, 3, spectral=True)

    def build_generator(self, cfg: InpaintConfig) -> nn.Module:
        from gantools.plugins.inpaint.models import InpaintGenerator

        return InpaintGenerator(cfg.width, cfg.blocks, cfg.body)

    def data_spec(self, cfg: InpaintConfig) -> DataSpec:
        if not 0 <= cfg.hole_min < cfg.hole_max <= 1:
            raise ValueError(f"need 0 <= --hole-min < --hole-max <= 1, got {cfg.hole_min} "
                             f"and {cfg.hole_max}")
        if not 0 <= cfg.mask_mix <= 1:
            raise ValueError(f"--mask-mix must be between 0 and 1, got {cfg.mask_mix}")
        if cfg.masks:
            self._mask_bank(cfg)  # refuse a bad folder before training starts
        if cfg.perceptual_weight > 0:
            from gantools.nets.perceptual import find_vgg19_weights

            find_vgg19_weights(cfg.vgg_weights or None)
        return DataSpec(size=cfg.patch, channels=3, crop="random")

    def adversarial_weight(self, cfg: InpaintConfig) -> float:
        return cfg.adv_weight

    def _mask_bank(self, cfg: InpaintConfig) -> Any:
        from gantools.plugins.inpaint.mask_folder import MaskBank

        if cfg.masks not in self._user_masks:
            self._user_masks[cfg.masks] = MaskBank(cfg.masks)
        return self._user_masks[cfg.masks]

    def make_pair(self, batch: Batch, cfg: InpaintConfig) -> tuple[Any, torch.Tensor]:
        """condition (N, 4, P, P): masked image + mask; target: the image."""
        import torch

        from gantools.data.augment import random_hflip
        from gantools.plugins.inpaint.masks import random_masks

        image = random_hflip(batch.image)
        n, _, height, width = image.shape
        mask = random_masks(n, height, width, (cfg.hole_min, cfg.hole_max), cfg.mask_kind,
                            image.device) if not cfg.masks or cfg.mask_mix < 1 else None
        if cfg.masks:
            own = self._mask_bank(cfg).sample(n, height, width).to(image.device)
            if mask is None:
                mask = own
            else:
                pick = (torch.rand(n) < cfg.mask_mix).to(image.device).view(n, 1, 1, 1)
                mask = torch.where(pick, own, mask)
        mask = mask.to(image.dtype)
        condition = torch.cat([image * (1 - mask), mask], 1)
        return condition.contiguous(memory_format=_format_of(image)), image

    def discriminator_input(self, condition: torch.Tensor, image: torch.Tensor) -> tuple:
        """D sees the composited image and the mask, (N, 4, H, W)."""
        import torch

        mask = condition[:, 3:4]
        return (torch.cat([composite(image, condition), mask.to(image.dtype)], 1),)

    def task_losses(self, fake: torch.Tensor, target: torch.Tensor, condition: Any,
                    cfg: InpaintConfig) -> dict[str, torch.Tensor]:
        mask = condition[:, 3:4].float()
        err = (fake.float() - target.float()).abs()
        channels = err.shape[1]
        hole = (err * mask).sum() / (mask.sum() * channels).clamp_min(1.0)
        valid = (err * (1 - mask)).sum() / ((1 - mask).sum() * channels).clamp_min(1.0)
        losses = {"l1_hole": cfg.hole_weight * hole, "l1_valid": cfg.valid_weight * valid}
        if cfg.perceptual_weight > 0:
            from gantools.nets.perceptual import perceptual_loss

            vgg = perceptual_loss(cfg.vgg_weights, fake.device)
            losses["perceptual"] = cfg.perceptual_weight * vgg(
                composite(fake.float(), condition.float()), target.float())
        return losses

    def sample_images(self, generator: nn.Module, condition: Any,
                      target: torch.Tensor) -> list[torch.Tensor]:
        """Rows: input (holes white), mask, output (composited), truth."""
        import torch

        n = min(8, target.shape[0])
        cond = condition[:n]
        mask = cond[:, 3:4].float()
        with torch.no_grad():
            out = composite(generator(cond).float().clamp(0, 1), cond.float())
        shown = cond[:, :3].float() + mask
        return [shown.clamp(0, 1), mask.expand(-1, 3, -1, -1), out, target[:n].float()]

    def card_extras(self, cfg: InpaintConfig) -> dict[str, Any]:
        return {"colour_space": "RGB",
                "input": "masked image (N, 3, H, W) in [0, 1] (holes zeroed) + mask "
                         "(N, 1, H, W), 1 = hole",
                "output": "(N, 3, H, W) in [0, 1], composited: known pixels unchanged"}

    # ----- inference ---------------------------------------------------------
    def tile_overlap(self, cfg: InpaintConfig) -> int:
        """Large: the dilated body sees hundreds of pixels. Big images use tiles of
        1024 pixels or more, so most holes lie well inside one tile."""
        return 128

    def infer(self, model: Any, image: torch.Tensor, options: InpaintOptions) -> torch.Tensor:
        """``image`` (1, 4, H, W): RGB in [0, 1] and the mask (> 0.5 = hole) ->
        (1, 3, H, W) with holes filled and known pixels passed through exactly."""
        import torch
        import torch.nn.functional as F

        rgb = image[:, :3].float()
        mask = (image[:, 3:4] > 0.5).float()
        if options.dilate > 0:
            k = 2 * options.dilate + 1
            mask = F.max_pool2d(mask, k, stride=1, padding=options.dilate)
        condition = torch.cat([rgb * (1 - mask), mask], 1)
        fake = model.generator(condition.to(image.dtype)).float().clamp_(0, 1)
        return torch.where(mask > 0.5, fake, rgb)

    def companion_channels(self, companion: torch.Tensor,
                           options: InpaintOptions | None) -> torch.Tensor:
        """The mask file (1, 3, H, W) in [0, 1] -> (1, 1, H, W): its luma (white = hole),
        or with ``--mask-color`` 1 where it shows the paint colour."""
        if options is None or not options.mask_color:
            return super().companion_channels(companion, options)
        from gantools.plugins.inpaint.mask_color import mask_from_color, parse_mask_color

        return mask_from_color(companion, parse_mask_color(options.mask_color),
                               options.mask_tolerance)

    def image_warnings(self, image: torch.Tensor, options: InpaintOptions) -> list[str]:
        """A mask with no hole (nothing is filled), or one covering nearly the whole
        image (the fill has almost nothing to go on)."""
        share = float((image[:, 3:4] > 0.5).float().mean())
        painted = f" in --mask-color {options.mask_color}" if options.mask_color else ""
        if share == 0.0:
            return [f"the mask marks no hole{painted}: the output is the input"]
        if share >= NEARLY_WHOLE:
            return [f"the mask covers {share:.0%} of the image: the fill has little of "
                    "the photo to go on and will be mostly invented"]
        return []

    def check_image(self, image: torch.Tensor, options: InpaintOptions) -> None:
        """Refuse a mask that leaves no known pixel (all white, or after --dilate):
        the hole would have nothing to be filled from."""
        if bool((image[:, 3:4] > 0.5).all()):
            raise ValueError("the mask is white everywhere: nothing of the image is left "
                             "to fill the hole from (white marks only the pixels to fill)")

    def check_options(self, model: Any, options: InpaintOptions) -> None:
        if options.dilate < 0:
            raise ValueError(f"--dilate must be >= 0, got {options.dilate}")
        if not 0 <= options.mask_tolerance <= 255:
            raise ValueError(f"--mask-tolerance must be 0-255, got {options.mask_tolerance}")
        if options.mask_color:
            from gantools.plugins.inpaint.mask_color import parse_mask_color

            parse_mask_color(options.mask_color)

    def demo(self, model: Any, photos: list[Any]) -> list:
        """``gantools demo``: masked input | OpenCV Telea | model | original."""
        from gantools.plugins.inpaint.demo import demo_rows

        return demo_rows(self, model, photos)

    def ui_tab(self, ui: Any) -> None:
        """``gantools ui``: paint the hole with a brush, model next to OpenCV Telea."""
        from gantools.plugins.inpaint.ui import build_tab

        build_tab(self, ui)

    def make_eval_command(self) -> click.Command:
        from gantools.plugins.inpaint.evaluate import eval_command

        return eval_command(self)


def composite(fake: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
    """Holes from ``fake`` (N, 3, H, W), known pixels from ``condition`` (N, 4, H, W:
    masked image + mask); bit-exact outside the holes."""
    import torch

    mask = condition[:, 3:4]
    return torch.where(mask > 0.5, fake, condition[:, :3].to(fake.dtype))


def _format_of(x: torch.Tensor) -> torch.memory_format:
    import torch

    return (torch.channels_last if x.is_contiguous(memory_format=torch.channels_last)
            else torch.contiguous_format)


task = InpaintTask()
