"""The default sample grid of an image-to-image task: input | output | target rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:  # pragma: no cover
    from torch import nn

    from gantools.task import Task


def shown_input(condition: Any, target: torch.Tensor) -> torch.Tensor | None:
    """The condition as a picture row of the target's size: its first 3 channels (or
    its 1 gray channel), clamped to [0, 1], resized by nearest neighbour when its size
    differs (a low-resolution input). None when the condition is not an image batch."""
    if not (isinstance(condition, torch.Tensor) and condition.dim() == 4
            and condition.is_floating_point() and condition.shape[0] == target.shape[0]):
        return None
    shown = condition[:, :3] if condition.shape[1] >= 3 else condition[:, :1]
    shown = shown.float().clamp(0, 1)
    if shown.shape[-2:] != target.shape[-2:]:
        shown = torch.nn.functional.interpolate(shown, size=target.shape[-2:], mode="nearest")
    return shown


def comparison_rows(task: Task, generator: nn.Module, condition: Any, target: torch.Tensor,
                    count: int = 8) -> list[torch.Tensor]:
    """Rows of the sample grid, each (n, C, H, W) in [0, 1] with n = min(count, N): the
    input (when the condition is an image), the generator's output, the target."""
    n = min(count, target.shape[0])
    if isinstance(condition, torch.Tensor):
        condition = condition[:n]
    with torch.no_grad():
        out = generator(*task.generator_input(condition))[:n].float().clamp(0, 1)
    rows = [out, target[:n].float()]
    shown = shown_input(condition, target[:n])
    return rows if shown is None else [shown, *rows]
