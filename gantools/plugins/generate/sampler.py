"""The model behind ``gantools generate``: the numpy forward pass when it covers the
architecture and the images are few (start-up in a fraction of a second, no torch
import), else the torch model. Both take the same seeded inputs
(:mod:`gantools.plugins.generate.noise`) and give the same images."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gantools.weights import check_task, is_foreign_weights, load_weights_numpy, resolve_weights

if TYPE_CHECKING:  # pragma: no cover
    from gantools.plugins.generate.task import GenerateTask

NUMPY_LIMIT = 1024
"""Most images the numpy path draws; more go to torch, whose bf16 kernels then pay
for its import."""


@dataclass
class Sampler:
    """A generator as a function: ``forward(noise (N, z_dim) float32, labels (N,)
    int64 or None) -> images (N, C, S, S) float32 in [0, 1]``."""

    config: Any
    forward: Callable[[np.ndarray, np.ndarray | None], np.ndarray]
    backend: str


def open_sampler(task: GenerateTask, model: str | None, weights: Path | None, device: str,
                 count: int) -> Sampler:
    """The sampler for ``count`` images of a shipped ``model`` or exported ``weights``
    on ``device``: numpy for up to :data:`NUMPY_LIMIT` images on the CPU (device auto
    or cpu) when :func:`numpy_generator` covers the architecture, torch otherwise."""
    from gantools.plugins.generate.numpy_forward import numpy_generator

    path = resolve_weights(task, model, weights)
    if device in ("auto", "cpu") and count <= NUMPY_LIMIT and not is_foreign_weights(path):
        arrays, card = load_weights_numpy(path)
        check_task(task, path, card)
        cfg = task.config_from_dict(card.get("config", {}))
        forward = numpy_generator(cfg, arrays)
        if forward is not None:
            return Sampler(cfg, forward, "numpy")
    from gantools.api import load

    loaded = load(task, weights=path, device=device)
    return Sampler(loaded.config,
                   lambda z, labels: task.render(loaded.generator, z, labels).numpy(), "torch")
