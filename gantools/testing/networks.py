"""Checks of the networks on a small config: build, data_spec, one batch through G, D, losses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gantools.task import Task
from gantools.testing.rules import _check_tensor, _fail, _require


def _check_config(task: Task, overrides: dict[str, Any]) -> Any:
    try:
        cfg = task.config_from_dict(overrides)
    except Exception as exc:  # noqa: BLE001
        raise _fail("config", f"config overrides {overrides} are refused: {exc}") from exc
    return cfg


def _check_build(task: Task, cfg: Any) -> Any:
    from torch import nn

    from gantools.task import DataSpec

    built = task.build(cfg)
    _require(isinstance(built, tuple) and len(built) == 2, "build",
             f"build(cfg) must return (generator, discriminator), got {type(built).__name__}")
    g, d = built
    _require(isinstance(g, nn.Module) and isinstance(d, nn.Module), "build",
             "build(cfg) must return two torch.nn.Module")
    g_only = task.build_generator(cfg)
    _require(isinstance(g_only, nn.Module), "build_generator",
             "build_generator(cfg) must return a torch.nn.Module")
    _require(set(g_only.state_dict()) == set(g.state_dict()), "build_generator",
             "build_generator(cfg) must build the same network as build(cfg)[0] (their "
             "state_dict keys differ), or exported weights will not load")
    spec = task.data_spec(cfg)
    _require(isinstance(spec, DataSpec), "data_spec",
             f"data_spec(cfg) must return a gantools.task.DataSpec, got {type(spec).__name__}")
    _require(spec.crop in ("random", "resize") and spec.channels in (0, 1, 3), "data_spec",
             f"bad DataSpec {spec}: crop is 'random' or 'resize', channels 0, 1 or 3")
    return spec


@dataclass
class _FakeDataset:
    channels: int
    num_classes: int


def _check_pair(task: Task, cfg: Any, spec: Any) -> None:
    """One batch through make_pair, G, D and the losses, on the CPU."""
    import torch

    from gantools.task import Batch

    torch.manual_seed(0)
    channels = spec.channels or 3
    image = torch.rand(2, channels, spec.size, spec.size)
    label = torch.zeros(2, dtype=torch.long) if spec.labels == "required" else None
    cfg = task.adapt_config(cfg, _FakeDataset(channels, 2 if label is not None else 0))
    g, d = task.build(cfg)
    pair = task.make_pair(Batch(image, label), cfg)
    _require(isinstance(pair, tuple) and len(pair) == 2, "make_pair",
             "make_pair(batch, cfg) must return (condition, target)")
    condition, target = pair
    _check_tensor(target, "make_pair", "the target of make_pair")
    _require(target.dim() == 4 and target.shape[0] == 2, "make_pair",
             f"the target must be (N, C, H, W) with N = batch size, got {tuple(target.shape)}")
    if isinstance(condition, torch.Tensor) and condition.is_floating_point():
        _require(bool(torch.isfinite(condition).all()), "make_pair",
                 "the condition of make_pair has NaN or infinite values")
    fake = g(*task.generator_input(condition))
    _require(isinstance(fake, torch.Tensor) and fake.shape == target.shape, "generator",
             f"G(*generator_input(condition)) must have the target's shape "
             f"{tuple(target.shape)}, got {tuple(getattr(fake, 'shape', ()))}")
    _check_tensor(fake, "generator", "the generator's output", unit_range=False)
    logits = d(*task.discriminator_input(condition, fake))
    _check_tensor(logits, "discriminator", "D(*discriminator_input(condition, fake))",
                  unit_range=False)
    _require(logits.shape[0] == 2, "discriminator",
             f"D must give one logit (or a grid of them) per image, got {tuple(logits.shape)}")
    losses = task.task_losses(fake, target, condition, cfg)
    _require(isinstance(losses, dict), "task_losses", "task_losses must return a dict")
    for key, value in losses.items():
        _require(isinstance(value, torch.Tensor) and value.dim() == 0, "task_losses",
                 f"loss '{key}' must be a scalar tensor")
        _check_tensor(value, "task_losses", f"loss '{key}'", unit_range=False)
    rows = task.sample_images(g, condition, target)
    _require(isinstance(rows, list) and rows, "sample_images",
             "sample_images must return a non-empty list of (N, C, H, W) tensors")
    for row in rows:
        _check_tensor(row, "sample_images", "a row of sample_images")
