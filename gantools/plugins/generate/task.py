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
        """``n`` images (n, C, S, S) in [0, 1] from noise seeded by ``seed``. A
        conditional model draws classes uniformly unless ``label`` gives one class
        (index or name), or one class per image (a list of length ``n``)."""
        import torch

        gen = torch.Generator().manual_seed(seed)
        z = torch.randn(n, cfg.z_dim, generator=gen)
        return self._render(generator, cfg, z, self._labels(cfg, n, gen, label), batch_size)

    def interpolate(self, generator: nn.Module, cfg: GenerateConfig, rows: int, steps: int,
                    seed: int = 0, label: int | str | None = None) -> torch.Tensor:
        """(rows * steps, C, S, S) in [0, 1]: each row of ``steps`` images walks from
        one random noise vector to another (:func:`slerp`), in one class (``label``,
        or one drawn per row) for a conditional model."""
        import torch

        gen = torch.Generator().manual_seed(seed)
        z0 = torch.randn(rows, cfg.z_dim, generator=gen)
        z1 = torch.randn(rows, cfg.z_dim, generator=gen)
        labels = self._labels(cfg, rows, gen, label)
        if labels is not None:
            labels = labels.repeat_interleave(steps)
        return self._render(generator, cfg, slerp(z0, z1, steps), labels, 500)

    @staticmethod
    def _labels(cfg: GenerateConfig, n: int, gen: torch.Generator,
                label: int | str | list[int | str] | None) -> torch.Tensor | None:
        """(n,) class indices for a conditional model (None otherwise): ``label`` for
        all, one per image (a list), or drawn by the data's frequencies."""
        import torch

        if label is not None and not cfg.num_classes:
            raise ValueError("this model is not class-conditional: --class is not available")
        if not cfg.num_classes:
            return None
        wanted = [label] * n if isinstance(label, int | str) else label
        if wanted is None:
            return draw_classes(cfg, n, gen)
        return torch.tensor([class_index(cfg, k) for k in wanted], dtype=torch.long)

    @staticmethod
    def _render(generator: nn.Module, cfg: GenerateConfig, z: torch.Tensor,
                labels: torch.Tensor | None, batch_size: int) -> torch.Tensor:
        import torch

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
        extras = {"class_names": class_names(cfg)} if cfg.num_classes else {}
        return {**extras, "colour_space": "gray" if cfg.channels == 1 else "RGB",
                "image_size": cfg.size, "classes": cfg.num_classes,
                "input": f"noise (N, {cfg.z_dim}) N(0, 1)"
                         + (" and class labels (N,)" if cfg.num_classes else "")}


def class_names(cfg: GenerateConfig) -> list[str]:
    """The classes' names (the data's sub-folders or --labels-from-name classes), or
    their indices as text when the data named none (idx labels)."""
    names = cfg.class_names.split("|") if cfg.class_names else []
    return names if len(names) == cfg.num_classes else [str(k) for k in range(cfg.num_classes)]


def slerp(z0: torch.Tensor, z1: torch.Tensor, steps: int) -> torch.Tensor:
    """(R, D) start and end noise -> (R * steps, D): each row walks from z0 to z1 on
    the great circle (spherical interpolation keeps the noise's norm typical, where a
    straight line passes through unlikely low-norm noise)."""
    import torch

    t = torch.linspace(0.0, 1.0, steps).view(1, steps, 1)
    a, b = z0[:, None], z1[:, None]
    cos = (torch.nn.functional.normalize(a, dim=-1) *
           torch.nn.functional.normalize(b, dim=-1)).sum(-1, keepdim=True).clamp(-1, 1)
    omega = torch.acos(cos).clamp_min(1e-6)
    out = (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)
    return out.reshape(-1, z0.shape[1])


def draw_classes(cfg: GenerateConfig, n: int, gen: torch.Generator) -> torch.Tensor:
    """(n,) class indices: by the training data's class frequencies when the config
    records them, else uniform."""
    import torch

    counts = [float(c) for c in cfg.class_counts.split("|")] if cfg.class_counts else []
    if len(counts) != cfg.num_classes or sum(counts) <= 0:
        return torch.randint(0, cfg.num_classes, (n,), generator=gen)
    return torch.multinomial(torch.tensor(counts), n, replacement=True, generator=gen)


def class_index(cfg: GenerateConfig, value: int | str) -> int:
    """The class index of ``value``: an index, or a class name (case-insensitive);
    ValueError (one line, listing the classes) otherwise."""
    if not cfg.num_classes:
        raise ValueError("this model is not class-conditional: --class is not available")
    names = class_names(cfg)
    text = str(value).strip()
    lowered = [n.lower() for n in names]
    if text.lower() in lowered:
        return lowered.index(text.lower())
    if text.lstrip("-").isdigit() and 0 <= int(text) < cfg.num_classes:
        return int(text)
    raise ValueError(f"--class {value}: choose a class name ({', '.join(names)}) or an "
                     f"index 0..{cfg.num_classes - 1}")


task = GenerateTask()
