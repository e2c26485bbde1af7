"""Loading models and starting training: shared by the Python API and the CLI."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from gantools.engine.config import TrainConfig
from gantools.engine.device import pick_device
from gantools.registry import get_task
from gantools.task import ImageTask, Task
from gantools.weights import (
    WeightsError,
    is_foreign_weights,
    read_task_weights,
    resolve_weights,
)


@dataclass
class LoadedModel:
    """A task's generator ready for inference: eval mode, on ``device``, channels-last;
    image tasks run it under autocast to ``dtype`` (float32 = no autocast)."""

    task: Task
    generator: nn.Module
    config: Any
    card: dict[str, Any]
    device: torch.device
    source: Path
    dtype: torch.dtype = torch.float32

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.task.call(self, *args, **kwargs)


__all__ = ["LoadedModel", "load", "read_task_weights", "resolve_weights", "split_options",
           "train"]


def load(task: str | Task, model: str | None = None, weights: str | Path | None = None,
         device: str = "auto", precision: str = "auto") -> LoadedModel:
    """Build the task's generator from a card and load its verified tensors, or
    (``weights`` a community .pth/.pt/.ckpt, or a .safetensors without a card) wrap a
    spandrel-recognised network as the task's model (:mod:`gantools.foreign`).

    ``precision``: auto (bf16 on GPUs and on CPUs with native bf16, else fp32), fp32,
    bf16 or fp16: the autocast type image tasks run the generator in."""
    from gantools.engine.device import resolve_precision

    task_obj = get_task(task) if isinstance(task, str) else task
    path = resolve_weights(task_obj, model, weights)
    if is_foreign_weights(path) and isinstance(task_obj, ImageTask):  # community model
        from gantools.foreign.model import load_foreign

        return load_foreign(task_obj, path, device, precision)
    tensors, card = read_task_weights(task_obj, path)
    cfg = task_obj.config_from_dict(card.get("config", {}))
    generator = task_obj.build_generator(cfg)
    try:
        generator.load_state_dict(tensors)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0]
        raise WeightsError(f"{path}: tensors do not fit the architecture ({first})") from exc
    dev = pick_device(device)
    generator = generator.to(dev).to(memory_format=torch.channels_last).eval()
    for p in generator.parameters():
        p.requires_grad_(False)
    return LoadedModel(task_obj, generator, cfg, card, dev, path,
                       resolve_precision(precision, dev))


def split_options(task: Task, options: dict[str, Any]) -> tuple[TrainConfig, Any]:
    """Split flat options into the core's TrainConfig and the task's Config, each
    checked against the bounds its fields declare (ValueError, one line)."""
    from gantools.engine.config import check_ranges

    core = {f.name for f in dataclasses.fields(TrainConfig)}
    train_cfg = TrainConfig(**{k: v for k, v in options.items() if k in core})
    task_cfg = task.config_from_dict({k: v for k, v in options.items() if k not in core})
    check_ranges(train_cfg)
    check_ranges(task_cfg)
    return train_cfg, task_cfg


def train(task: str | Task, resume: bool = False, progress: bool = True,
          command: list[str] | None = None, recipe: str | None = None, **options: Any):
    """Train ``task`` with flat options (core and task fields); see TrainConfig. A new
    run starts from ``recipe`` (or the task's default recipe) under ``options``."""
    from gantools.engine.trainer import Trainer
    from gantools.recipes import recipe_values

    task_obj = get_task(task) if isinstance(task, str) else task
    if not resume:
        options = {**recipe_values(task_obj, recipe), **options}
    train_cfg, task_cfg = split_options(task_obj, options)
    return Trainer(task_obj, task_cfg, train_cfg, resume=resume, command=command,
                   progress=progress).run()
