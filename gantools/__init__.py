"""gantools: GANs put to work on images.

The Python front door (the CLI uses the same functions)::

    import gantools
    gantools.list_tasks()                        # ['generate', ...]
    model = gantools.load("generate", model="mnist")
    images = model(16, seed=0)                   # (16, 1, 28, 28) float in [0, 1]

Importing this package is cheap: torch is imported only when a model is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "list_tasks", "load", "train"]

if TYPE_CHECKING:  # pragma: no cover
    from gantools.api import LoadedModel


def list_tasks() -> list[str]:
    """Names of the installed tasks that loaded without error."""
    from gantools.registry import default_registry

    return sorted(default_registry().tasks)


def load(task: str, model: str | None = None, weights: str | None = None,
         device: str = "auto", precision: str = "auto") -> LoadedModel:
    """Load a task's generator from shipped weights (``model``) or a file (``weights``);
    ``precision`` (auto, fp32, bf16, fp16) is the compute type of image tasks."""
    from gantools.api import load as _load

    return _load(task, model=model, weights=weights, device=device, precision=precision)


def train(task: str, **options: Any):
    """Train ``task``; options are the ``gantools train TASK`` options by field name
    (``data=``, ``out=``, ``steps=``, ...). Returns a TrainResult."""
    from gantools.api import train as _train

    return _train(task, **options)
