"""A community model as a :class:`gantools.api.LoadedModel`.

The loaded model carries a :func:`foreign_task`: the command's own task (same name,
options, output naming, companion input, ``infer``) with the scale and tile overlap
of the foreign network, so the batch command, tiling, alpha, 16-bit, ICC/EXIF,
memory guard, progress, ``--report`` and ``gantools.load(...)(image)`` all work
unchanged. The network sits behind the task's generator interface (:mod:`nets`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from gantools.foreign.detect import ForeignInfo, check_purpose, detect
from gantools.task import ImageTask
from gantools.weights import WeightsError, sha256_of


class ForeignTask:
    """Mixin over the command's own task class (see :func:`foreign_task`): the scale
    and tile overlap come from the foreign network (:class:`ForeignInfo`); every
    other member (options, naming, companion, ``infer``, ``check_image``, demo, web
    page, ...) is the task's own."""

    base: ImageTask
    info: ForeignInfo

    def scale(self, cfg: Any) -> int:
        return self.info.scale

    def tile_overlap(self, cfg: Any) -> int:
        return self.info.tile_overlap

    def tile_work_channels(self, cfg: Any) -> int:
        """The core's default estimate: a foreign network's widths are not known."""
        return ImageTask.tile_work_channels(self.base, cfg)

    def check_options(self, model: Any, options: Any) -> None:
        """A ``scale`` option must match the model's; the task's own checks run when
        they only read what a foreign model has."""
        wanted = getattr(options, "scale", 0)
        if wanted and wanted != self.info.scale:
            raise ValueError(f"--scale {wanted}, but {model.source.name} upscales "
                             f"x{self.info.scale}")
        try:
            self.base.check_options(model, options)
        except AttributeError:
            pass  # the check reads a field of the task's own config: not ours


def foreign_task(base: ImageTask, info: ForeignInfo) -> ImageTask:
    """``base`` running the network ``info`` describes: an instance of a subclass of
    ``base``'s class with :class:`ForeignTask` first, sharing ``base``'s state."""
    cls = type(f"Foreign{type(base).__name__}", (ForeignTask, type(base)),
               {"__module__": __name__, "__doc__": ForeignTask.__doc__})
    task = cls.__new__(cls)
    task.__dict__.update(vars(base))
    task.base, task.info = base, info
    task.tileable = base.tileable and info.tiling != "internal"
    return task


def foreign_card(task: ImageTask, info: ForeignInfo, path: Path) -> dict[str, Any]:
    """Card-like metadata of a foreign model (what gantools's JSON cards say)."""
    return {
        "task": task.name, "name": path.stem, "architecture": info.architecture,
        "purpose": info.purpose, "scale": info.scale, "value_range": [0.0, 1.0],
        "colour_space": "RGB" if info.input_channels == 3 else "gray",
        "parameters": info.parameters, "tile_overlap": info.tile_overlap,
        "size_requirements": {"minimum": info.minimum, "multiple_of": info.multiple_of,
                              "square": info.square},
        "tags": info.tags, "foreign": {"loader": "spandrel", "file": path.name,
                                       "sha256": sha256_of(path)},
    }


def generator_of(descriptor: Any, info: ForeignInfo, task: ImageTask, path: Path) -> Any:
    """The network behind ``task``'s generator interface, or a one-line refusal."""
    from gantools.foreign.nets import ImageNet, MaskedNet

    if info.purpose == "Inpainting":
        return MaskedNet(descriptor)
    if task.companion is not None:
        raise WeightsError(f"{path}: a {info.purpose} model takes one image; {task.name} "
                           f"needs a {task.companion.name} too")
    if info.input_channels not in (1, 3) or info.output_channels not in (1, 3):
        raise WeightsError(f"{path}: {info.input_channels} -> {info.output_channels} "
                           "channels; gantools runs RGB or gray models")
    return ImageNet(descriptor)


def load_foreign(task: ImageTask, path: Path, device: str = "auto",
                 precision: str = "auto") -> Any:
    """Read, recognise and wrap ``path`` for ``task``: a LoadedModel whose ``task`` is
    a :func:`foreign_task`, ``config`` the :class:`ForeignInfo` and ``card`` the
    card-like metadata. Refuses (WeightsError, one line) unreadable or code-running
    files, unknown architectures and models of another purpose than ``task``'s."""
    import torch

    from gantools.api import LoadedModel
    from gantools.engine.device import pick_device, resolve_precision

    path = Path(path)
    if not isinstance(task, ImageTask):
        raise WeightsError(f"{path}: community models run in image tasks, not {task.name}")
    descriptor, info = detect(path)
    check_purpose(task, info, path)
    generator = generator_of(descriptor, info, task, path)
    dev = pick_device(device)
    dtype = resolve_precision(precision, dev)
    if (dtype == torch.float16 and not info.supports_fp16) or (
            dtype == torch.bfloat16 and not info.supports_bf16):
        dtype = torch.float32
    generator = generator.to(dev).eval()
    for p in generator.parameters():
        p.requires_grad_(False)
    adapter = foreign_task(task, info)
    return LoadedModel(adapter, generator, dataclasses.replace(info), foreign_card(
        task, info, path), dev, path, dtype)
