"""The ``generate`` task: unconditional or class-conditional image generation
(DCGAN, or the tutorial MLP GAN) from noise.

Imports torch lazily: this module is imported to list plugins.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from gantools.engine.config import opt
from gantools.task import Batch, DataSpec, Task

if TYPE_CHECKING:  # pragma: no cover
    import click
    import numpy as np
    import torch
    from torch import nn


@dataclass
class GenerateConfig:
    """Model options of the generate task."""

    arch: Literal["dcgan", "resnet", "mlp"] = opt(
        "dcgan", "dcgan (convolutional), resnet (residual blocks, spectrally normalised D, "
                 "as SNGAN; 32 or 64 px) or mlp (the classic tutorial GAN: 100 -> 256 -> "
                 "pixels).")
    size: int = opt(0, "Image side: 28, 32 or 64 for dcgan; 0 = the data's own size "
                       "for idx data, 64 for image folders.")
    width: int = opt(64, "Base channel width of the DCGAN or resnet nets (hidden units for "
                         "mlp: 256).")
    d_norm: Literal["batch", "spectral"] = opt(
        "batch", "dcgan discriminator: batch norm (the DCGAN paper) or spectral "
                 "normalisation of every layer (steadier with --loss hinge).")
    z_dim: int = opt(100, "Length of the noise vector.")
    conditional: Literal["auto", "on", "off"] = opt(
        "auto", "Class-conditional: auto = when the data has labels (idx labels, or "
                "one sub-folder per class).")
    hflip: bool = opt(False, "Random left-right flips of the training images (on the "
                             "device); for faces and photos, not for digits.")
    channels: int = opt(0, "Image channels; 0 = from the data.")
    num_classes: int = opt(0, "Set from the data when conditional.")
    class_names: str = opt("", "Set from the data when conditional: the class names "
                               "separated by '|' (sub-folders, or --labels-from-name).")
    class_counts: str = opt("", "Set from the data when conditional: images per class "
                                "separated by '|'; samples without --class follow these "
                                "frequencies (uniform when empty).")


class GenerateTask(Task):
    """Images from noise (and an optional class label)."""

    name = "generate"
    summary = "Generate images from noise: DCGAN or the classic MLP GAN, optionally per class"
    Config = GenerateConfig
    default_model = "mnist"

    # ----- model -------------------------------------------------------------
    def build(self, cfg: GenerateConfig) -> tuple[nn.Module, nn.Module]:
        from gantools.plugins.generate import models

        channels = cfg.channels or 1
        size = cfg.size or 28
        if cfg.arch == "mlp":
            hidden = 256 if cfg.width == 64 else cfg.width
            return (models.MLPGenerator(size, channels, cfg.z_dim, hidden, cfg.num_classes),
                    models.MLPDiscriminator(size, channels, hidden, cfg.num_classes))
        if cfg.arch == "resnet":
            from gantools.plugins.generate import resnet_models as rn

            return (rn.ResNetGenerator(size, channels, cfg.z_dim, cfg.width, cfg.num_classes),
                    rn.ResNetDiscriminator(size, channels, cfg.width, cfg.num_classes))
        return (models.DCGANGenerator(size, channels, cfg.z_dim, cfg.width, cfg.num_classes),
                models.DCGANDiscriminator(size, channels, cfg.width, cfg.num_classes,
                                          cfg.d_norm))

    def data_spec(self, cfg: GenerateConfig) -> DataSpec:
        labels = {"auto": "optional", "on": "required", "off": "no"}[cfg.conditional]
        return DataSpec(size=cfg.size, channels=cfg.channels, crop="resize", labels=labels)

    def adapt_config(self, cfg: GenerateConfig, dataset: Any) -> GenerateConfig:
        import numpy as np

        from gantools.plugins.generate.models import SIZES
        from gantools.plugins.generate.resnet_models import RESNET_SIZES

        size = cfg.size or dataset.size
        if cfg.arch == "dcgan" and size not in SIZES:
            raise ValueError(f"the DCGAN generates {SIZES} pixel images; the data is "
                             f"{size}px: pass --size 28, 32 or 64")
        if cfg.arch == "resnet" and size not in RESNET_SIZES:
            raise ValueError(f"the resnet pair generates {RESNET_SIZES} pixel images; the "
                             f"data is {size}px: pass --size 32 or 64")
        names = list(getattr(dataset, "classes", []) or [])
        if any("|" in name for name in names):
            raise ValueError(f"class names may not contain '|': {names}")
        labels = getattr(dataset, "labels", None)
        counts = (np.bincount(np.asarray(labels, dtype=np.int64),
                              minlength=dataset.num_classes).tolist()
                  if labels is not None and dataset.num_classes else [])
        return replace(cfg, size=size, channels=dataset.channels,
                       num_classes=dataset.num_classes, class_names="|".join(names),
                       class_counts="|".join(map(str, counts)))

    # ----- training ----------------------------------------------------------
    def make_pair(self, batch: Batch, cfg: GenerateConfig) -> tuple[Any, torch.Tensor]:
        import torch

        n = batch.image.shape[0]
        z = torch.randn(n, cfg.z_dim, device=batch.image.device)
        label = batch.label if cfg.num_classes else None
        image = batch.image
        if cfg.hflip:
            from gantools.data.augment import random_hflip

            image = random_hflip(image)
        return (z, label), image

    def generator_input(self, condition: Any) -> tuple:
        return condition

    def discriminator_input(self, condition: Any, image: torch.Tensor) -> tuple:
        return (image, condition[1])

    def prepare_export(self, generator: nn.Module, cfg: GenerateConfig) -> None:
        """Re-estimate batch-norm statistics of the EMA generator on fresh noise."""
        import torch

        bns = [m for m in generator.modules() if isinstance(m, torch.nn.BatchNorm2d)]
        if not bns:
            return
        device = next(generator.parameters()).device
        for bn in bns:
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average
        generator.train()
        with torch.no_grad(), torch.random.fork_rng():
            torch.manual_seed(0)
            for _ in range(50):
                z = torch.randn(256, cfg.z_dim, device=device)
                label = (torch.randint(0, cfg.num_classes, (256,), device=device)
                         if cfg.num_classes else None)
                generator(z, label)
        for bn in bns:
            bn.momentum = 0.1
        generator.eval()

    # ----- inference ---------------------------------------------------------
    def sample(self, generator: nn.Module, cfg: GenerateConfig, n: int, seed: int = 0,
               label: int | str | list[int | str] | None = None,
               batch_size: int = 500) -> torch.Tensor:
        """``n`` images (n, C, S, S) in [0, 1] from noise seeded by ``seed``
        (:func:`~gantools.plugins.generate.noise.sample_inputs`). A conditional model
        draws classes by the data's frequencies unless ``label`` gives one class
        (index or name), or one class per image (a list of length ``n``)."""
        from gantools.plugins.generate.noise import sample_inputs

        z, labels = sample_inputs(cfg, n, seed, label)
        return self.render(generator, z, labels, batch_size)

    def interpolate(self, generator: nn.Module, cfg: GenerateConfig, rows: int, steps: int,
                    seed: int = 0, label: int | str | None = None) -> torch.Tensor:
        """(rows * steps, C, S, S) in [0, 1]: each row of ``steps`` images walks from
        one random noise vector to another (spherical interpolation), in one class
        (``label``, or one drawn per row) for a conditional model."""
        from gantools.plugins.generate.noise import interpolation_inputs

        z, labels = interpolation_inputs(cfg, rows, steps, seed, label)
        return self.render(generator, z, labels, 500)

    @staticmethod
    def render(generator: nn.Module, z: np.ndarray, labels: np.ndarray | None,
               batch_size: int = 500) -> torch.Tensor:
        """Noise (N, z_dim) float32 and labels (N,) int64 or None -> images
        (N, C, S, S) in [0, 1], float32 on the CPU, ``batch_size`` at a time."""
        import torch

        z = torch.from_numpy(z)
        labels = None if labels is None else torch.from_numpy(labels)
        n = z.shape[0]
        device = next(generator.parameters()).device
        out = []
        with torch.inference_mode():
            for i in range(0, n, batch_size):
                lab = labels[i:i + batch_size].to(device) if labels is not None else None
                out.append(generator(z[i:i + batch_size].to(device), lab).float().cpu())
        return torch.cat(out).clamp_(0, 1)

    def call(self, model: Any, n: int = 16, seed: int = 0, label: int | str | None = None):
        """``gantools.load("generate")(n, seed=..., label=...)``: a tensor of images."""
        return self.sample(model.generator, model.config, n, seed, label)

    def make_command(self) -> click.Command:
        from gantools.plugins.generate.cli import generate_command

        return generate_command(self)

    def demo(self, model: Any, photos: list[Any]) -> list:
        """``gantools demo``: a grid of samples, one row per class when conditional."""
        from gantools.plugins.generate.demo import demo_rows

        return demo_rows(self, model, photos)

    def ui_tab(self, ui: Any) -> None:
        """``gantools ui``: model, class, seed, count, the grid."""
        from gantools.plugins.generate.ui import build_tab

        build_tab(self, ui)

    def make_eval_command(self) -> click.Command:
        from gantools.plugins.generate.evaluate import eval_command

        return eval_command(self)

    def card_extras(self, cfg: GenerateConfig) -> dict[str, Any]:
        from gantools.plugins.generate.noise import class_names

        extras = {"class_names": class_names(cfg)} if cfg.num_classes else {}
        return {**extras, "colour_space": "gray" if cfg.channels == 1 else "RGB",
                "image_size": cfg.size, "classes": cfg.num_classes,
                "input": f"noise (N, {cfg.z_dim}) N(0, 1)"
                         + (" and class labels (N,)" if cfg.num_classes else "")}


task = GenerateTask()
