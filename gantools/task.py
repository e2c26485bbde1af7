"""The Task contract: what a plugin owns, and the defaults the core falls back on.

A task is one generator/discriminator pair with its own data pairing and losses.
The core (engine, CLI, weights, I/O) owns everything else.

This module must stay importable without torch: the registry imports every plugin
to list it, and ``gantools --help`` / ``gantools plugins`` must not pay for torch.
Plugins therefore import torch inside their methods (or in sub-modules they import
lazily).

Conventions at every boundary: images are NCHW float tensors in [0, 1].
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # pragma: no cover - typing only
    import click
    import torch
    from torch import nn

API_VERSION = 1
"""Version of this contract. A plugin sets ``Task.api_version`` to the version it was
written for; the registry refuses plugins built for another major version."""


@dataclass
class DataSpec:
    """How the data pipeline should prepare training images for a task.

    ``size``: side of the square crop, in pixels. ``channels``: 1 (gray), 3 (RGB) or
    0 (as stored: idx data keeps its channels, image folders are read as RGB).
    ``crop``: "random" (random crop, for patch-based tasks) or "resize" (resize the
    short side to ``size`` then centre crop, for whole-image generation).
    ``labels``: "no", "optional" (used when the data has them: idx labels, or one
    sub-folder per class) or "required". ``colour_only``: skip grayscale images
    (gray modes, or RGB files whose channels are equal) with a note. ``min_scale``
    (random crops only): each crop is taken at a random scale in [min_scale, 1], a
    square region of up to ``size / min_scale`` pixels resized down to ``size``
    (antialiased), so a network also sees its subjects smaller than stored.
    """

    size: int
    channels: int = 0
    crop: str = "random"
    labels: str = "no"
    colour_only: bool = False
    min_scale: float = 1.0


@dataclass
class DemoPanel:
    """One picture of a ``gantools demo`` row: ``label`` ("bicubic", "model", ...),
    ``image`` (H, W, 3) uint8 RGB NumPy array, and ``seconds``: the time it took to
    make (the model's inference or a classical baseline), None for inputs and
    originals."""

    label: str
    image: Any
    seconds: float | None = None


@dataclass
class DemoRow:
    """One row of the demo gallery: panels shown side by side, with a caption."""

    caption: str
    panels: list[DemoPanel]


@dataclass
class Batch:
    """A batch on the device. ``image``: (N, C, H, W) float in [0, 1];
    ``label``: (N,) int64 class labels, or None for unlabelled data."""

    image: torch.Tensor
    label: torch.Tensor | None = None


class Task:
    """Base class of every task. Subclasses set the class attributes and override
    the methods marked *required*; the rest have sensible defaults.

    Class attributes:
      name: the CLI name (``gantools NAME``, ``gantools train NAME``).
      summary: one line for ``gantools plugins`` and ``--help``.
      Config: dataclass of model and loss hyper-parameters; each field becomes a
        ``gantools train NAME --field`` option. Field metadata ``help`` documents it.
      default_model: shipped weights used when the user names none.
      pretrained_dirs: folders searched for ``*.safetensors`` + ``*.json`` cards.
      recipes: named presets of training options (core and task fields),
        ``{"name": ({option: value}, "one-line description")}``; ``gantools train
        NAME --recipe R`` starts from them, options given on the command line win.
      default_recipe: the recipe a new run starts from when none is named ("" = the
        fields' own defaults).
      api_version: the contract version the plugin was written for.
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    Config: ClassVar[type] = object
    default_model: ClassVar[str | None] = None
    pretrained_dirs: ClassVar[tuple[Path, ...]] = ()
    recipes: ClassVar[dict[str, tuple[dict[str, Any], str]]] = {}
    default_recipe: ClassVar[str] = ""
    api_version: ClassVar[int] = API_VERSION

    # ----- model -------------------------------------------------------------
    def build(self, cfg: Any) -> tuple[nn.Module, nn.Module]:
        """*Required.* Return ``(generator, discriminator)`` for config ``cfg``."""
        raise NotImplementedError

    def build_generator(self, cfg: Any) -> nn.Module:
        """The generator alone (inference). Default: ``build(cfg)[0]``."""
        return self.build(cfg)[0]

    def data_spec(self, cfg: Any) -> DataSpec:
        """*Required.* How training images must be cropped and converted."""
        raise NotImplementedError

    def adapt_config(self, cfg: Any, dataset: Any) -> Any:
        """Fill config fields that depend on the data (channels, number of classes)
        once the dataset is open. ``dataset`` has ``channels`` and ``num_classes``.
        Default: ``cfg`` unchanged."""
        return cfg

    def prepare_export(self, generator: nn.Module, cfg: Any) -> None:
        """Last touches before the EMA generator is exported (e.g. re-estimating
        batch-norm statistics). Default: nothing."""

    # ----- training ----------------------------------------------------------
    def make_pair(self, batch: Batch, cfg: Any) -> tuple[Any, torch.Tensor]:
        """*Required.* On the device, turn real images into ``(condition, target)``.

        Randomness must come from torch's global generator so that runs resume
        exactly. ``target`` is (N, C, H, W) in [0, 1]."""
        raise NotImplementedError

    def generator_input(self, condition: Any) -> tuple:
        """Positional arguments for ``generator(...)``. Default: ``(condition,)``."""
        return (condition,)

    def discriminator_input(self, condition: Any, image: torch.Tensor) -> tuple:
        """Positional arguments for ``discriminator(...)``: what D sees.
        Default: the image alone."""
        return (image,)

    def task_losses(
        self, fake: torch.Tensor, target: torch.Tensor, condition: Any, cfg: Any
    ) -> dict[str, torch.Tensor]:
        """The task's own generator losses (already weighted), added to the
        adversarial term. Default: none."""
        return {}

    def adversarial_weight(self, cfg: Any) -> float:
        """Weight of the adversarial term in the generator loss. Default 1."""
        return float(getattr(cfg, "adv_weight", 1.0))

    def sample_images(
        self, generator: nn.Module, condition: Any, target: torch.Tensor
    ) -> list[torch.Tensor]:
        """Rows of a sample grid (each (N, C, H, W) in [0, 1]) for a fixed
        condition. Default: the generator's output only."""
        import torch

        with torch.no_grad():
            return [generator(*self.generator_input(condition)).float().clamp(0, 1)]

    def card_extras(self, cfg: Any) -> dict[str, Any]:
        """Task-specific fields for the JSON card of exported weights (colour
        space, scale, ...). Default: none."""
        return {}

    # ----- inference and evaluation -----------------------------------------
    def call(self, model: Any, *args: Any, **kwargs: Any) -> Any:
        """What ``gantools.load(NAME)(...)`` does with a loaded model."""
        raise NotImplementedError(f"task {self.name} has no Python call")

    def make_command(self) -> click.Command:
        """The task's inference command (``gantools NAME ...``). Required for a
        task to be usable from the shell."""
        raise NotImplementedError

    def make_eval_command(self) -> click.Command | None:
        """``gantools eval NAME``; None if the task has no evaluation."""
        return None

    def demo(self, model: Any, photos: list[Any]) -> list[DemoRow]:
        """What ``gantools demo`` shows for this task: rows of before/after panels,
        made with ``model`` (a :class:`gantools.api.LoadedModel`) from the bundled
        sample ``photos`` ((H, W, 3) uint8 RGB arrays; tasks that take no images
        ignore them). Default: no demo (NotImplementedError)."""
        raise NotImplementedError(f"task {self.name} has no demo")

    def ui_tab(self, ui: Any) -> None:
        """What ``gantools ui`` shows for this task: build the tab's components and
        events with gradio (imported inside, never at module level) inside the open
        tab. ``ui`` is a :class:`gantools.ui.context.UIContext`: cached models, the
        server's result folder, the limits and the error guard. Default: no tab
        (NotImplementedError)."""
        raise NotImplementedError(f"task {self.name} has no web page")

    # ----- helpers -------------------------------------------------------------
    def default_config(self) -> Any:
        """A Config instance with every default."""
        return self.Config()

    def config_from_dict(self, values: dict[str, Any]) -> Any:
        """Build a Config from a (possibly partial) dict; unknown keys are an error."""
        known = {f.name for f in dataclasses.fields(self.Config)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown {self.name} option(s): {', '.join(sorted(unknown))}")
        return self.Config(**values)


@dataclass(frozen=True)
class Companion:
    """A second input an image task needs for every image (inpaint's mask).

    The core adds ``--NAME FILE`` (one file for every input) and ``--NAMEs DIR``
    (same stem in DIR) to the task's command; without either, ``STEM{suffix}.*``
    beside each input is used, and such files are never taken as inputs themselves.
    The companion is read as RGB, checked to have the image's size, reduced by
    :meth:`ImageTask.companion_channels` (default: its luma) and appended to the
    image as extra channels: :meth:`ImageTask.infer` receives (1, 3 + 1, H, W),
    the companion in [0, 1] last. ``gantools.load(...)(image, NAME=...)`` takes it as
    a keyword."""

    name: str
    suffix: str
    help: str = ""


@dataclass
class NoOptions:
    """Inference options of a task that has none."""


class ImageTask(Task):
    """An image-to-image task (superres, inpaint, colorize, ...): the core reads each
    input, converts it to an RGB float tensor (1, 3, H, W) in [0, 1] on the device,
    runs :meth:`infer` (tiled when large), puts alpha, gray, bit depth and ICC back,
    and writes the result atomically. Subclasses set ``InferOptions`` (a dataclass;
    its fields become CLI options) and ``output_suffix`` (``NAME{suffix}.EXT`` when the
    output is written beside its input), and implement :meth:`infer`."""

    InferOptions: ClassVar[type] = NoOptions
    output_suffix: ClassVar[str] = "_out"
    keeps_gray: ClassVar[bool] = True
    """A gray input gives a gray output (its luma). False: outputs are always colour
    (colorize)."""
    companion: ClassVar[Companion | None] = None
    """A second input paired with every image (inpaint's mask), or None."""
    tileable: ClassVar[bool] = True
    """False for tasks that must see the whole image at once (colorize predicts chroma
    from a downscaled copy of it): never tiled, and ``--tile`` is refused."""
    lossless_outputs: ClassVar[bool] = False
    """True for tasks that keep some pixels exactly (inpaint, outside the mask): with
    ``--format same`` a lossy input (JPEG, WEBP) gives a PNG output, so that the kept
    pixels stay bit-exact."""

    def scale(self, cfg: Any) -> int:
        """Output size / input size (4 for x4 super-resolution). Default 1."""
        return 1

    def model_for_options(self, options: Any) -> str | None:
        """The shipped model to use when the user names none (may depend on the
        inference options, e.g. the scale). Default: ``default_model``."""
        return self.default_model

    def check_options(self, model: Any, options: Any) -> None:
        """Refuse options that do not fit the loaded model (raise ValueError), once
        per command before any file is processed. Default: accept."""

    def prepare_model(self, model: Any, options: Any) -> Any:
        """The model to run for these options, once per command after
        :meth:`check_options` (superres's ``--texture`` blends another model's weights
        in): a new model, never ``model`` changed in place (the web UI caches loaded
        models). Raise ValueError to refuse. Default: ``model`` itself."""
        return model

    def check_image(self, image: torch.Tensor, options: Any) -> None:
        """Refuse (raise ValueError, reported against the file) a whole input that
        cannot give a meaningful output, before it is tiled: ``image`` is (1, C, H, W)
        in [0, 1], companion channels last. Default: accept."""

    def companion_channels(self, companion: torch.Tensor, options: Any) -> torch.Tensor:
        """The companion file as read, RGB (1, 3, H, W) in [0, 1] -> the channels
        appended to the image, (1, K, H, W) in [0, 1]. Default: its BT.601 luma (K = 1)."""
        weights = companion.new_tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
        return (companion * weights).sum(dim=1, keepdim=True)

    def image_warnings(self, image: torch.Tensor, options: Any) -> list[str]:
        """One-line warnings about a whole input that is processed anyway (printed as
        ``gantools: warning: FILE: ...`` by the batch command), e.g. a colour photo
        given to colorize; ``image`` as in :meth:`check_image`. Default: none."""
        return []

    def suffix_for(self, cfg: Any) -> str:
        """``output_suffix`` with ``{scale}`` filled in for this model."""
        return self.output_suffix.format(scale=self.scale(cfg))

    def tile_overlap(self, cfg: Any) -> int:
        """Default overlap between tiles, in input pixels: about the receptive
        field's radius, so blended tiles match the untiled result."""
        return 16

    def tile_work_channels(self, cfg: Any) -> int:
        """Feature channels live per pixel (at input and at output resolution) that the
        automatic tile size assumes when it estimates one tile's memory; a network of
        narrow layers gets larger tiles (fewer seams, less overlap work) by saying so."""
        from gantools.tiling import WORK_CHANNELS

        return WORK_CHANNELS

    def infer(self, model: Any, image: torch.Tensor, options: Any) -> torch.Tensor:
        """*Required.* One image in, one out: ``image`` (1, 3, H, W) float in [0, 1] on
        the model's device -> (1, 3, H * s, W * s) in [0, 1], s = :meth:`scale`.
        ``model`` is a :class:`gantools.api.LoadedModel`."""
        raise NotImplementedError

    def resize_alpha(self, alpha: torch.Tensor, height: int, width: int) -> torch.Tensor:
        """Alpha (1, 1, H, W) in [0, 1] for the output size; never fed to the network.
        Default: bicubic (antialiased when shrinking), clamped to [0, 1]."""
        import torch.nn.functional as F

        if alpha.shape[-2:] == (height, width):
            return alpha
        return F.interpolate(alpha, size=(height, width), mode="bicubic",
                             align_corners=False, antialias=True).clamp_(0, 1)

    def sample_images(
        self, generator: nn.Module, condition: Any, target: torch.Tensor
    ) -> list[torch.Tensor]:
        """Default grid of an image task: rows input | output | target, 8 images each
        (the input row only when the condition is an image batch; first 3 channels)."""
        from gantools.image_samples import comparison_rows

        return comparison_rows(self, generator, condition, target)

    def make_command(self) -> click.Command:
        """The shared batch image command: ``gantools NAME INPUT... [-o DIR] ...``."""
        from gantools.inference.command import make_image_command

        return make_image_command(self)

    def call(self, model: Any, image: Any, **options: Any) -> Any:
        """``gantools.load(NAME)(image)``: a PIL image, a NumPy array (H, W[, C]) or a
        tensor (1, 3, H, W) in [0, 1]; the result is of the same kind. A task with a
        companion takes it as a keyword: ``model(image, mask=mask)``."""
        from gantools.inference.pycall import call_on_image

        extra = None
        if self.companion is not None:
            extra = options.pop(self.companion.name, None)
            if extra is None:
                raise TypeError(f"{self.name} needs {self.companion.name}=... (a PIL image, "
                                "array or tensor of the image's size)")
        infer_options = self.InferOptions(**options)
        return call_on_image(self, self.prepare_model(model, infer_options), image,
                             infer_options, extra)

    def demo(self, model: Any, photos: list[Any]) -> list[DemoRow]:
        """Default demo of an image task: input | output for every photo, the output
        made by :meth:`call` and timed. Tasks with a companion input override it."""
        import time

        if self.companion is not None:
            raise NotImplementedError(f"task {self.name} needs a {self.companion.name} per "
                                      "image and has no demo")
        rows = []
        for photo in photos:
            start = time.perf_counter()
            out = self.call(model, photo)
            seconds = time.perf_counter() - start
            rows.append(DemoRow(f"{photo.shape[1]}x{photo.shape[0]}",
                                [DemoPanel("input", photo),
                                 DemoPanel("model", out, seconds)]))
        return rows

    def ui_tab(self, ui: Any) -> None:
        """Default web page of an image task: upload (and the companion, if any),
        the ``InferOptions`` as controls, model choice, output and download
        (:func:`gantools.ui.image_tab.build_image_tab`)."""
        from gantools.ui.image_tab import build_image_tab

        build_image_tab(self, ui)
