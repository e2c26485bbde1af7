"""Exponential moving average of generator weights (used for samples and export)."""

from __future__ import annotations

import copy

import torch
from torch import nn


class EMA:
    """Keeps ``shadow``, a copy of ``model`` whose parameters follow
    ``shadow = d * shadow + (1 - d) * model``; buffers (e.g. batch-norm statistics)
    are copied as they are. ``d = min(decay, (1 + t) / (10 + t))`` at update ``t``:
    the warm-up keeps early samples from being dominated by the initial weights."""

    def __init__(self, model: nn.Module, decay: float = 0.999) -> None:
        self.decay = decay
        self.shadow = copy.deepcopy(model).eval()
        for p in self.shadow.parameters():
            p.requires_grad_(False)

    def decay_at(self, step: int) -> float:
        """The decay used for the update of (0-based) ``step``."""
        return min(self.decay, (1.0 + step) / (10.0 + step))

    @torch.no_grad()
    def update(self, model: nn.Module, step: int) -> None:
        """Move the average towards ``model``'s weights (update number ``step``)."""
        shadow_params = list(self.shadow.parameters())
        params = [p.detach() for p in model.parameters()]
        torch._foreach_lerp_(shadow_params, params, 1.0 - self.decay_at(step))
        for sb, b in zip(self.shadow.buffers(), model.buffers(), strict=True):
            sb.copy_(b)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return self.shadow.state_dict()

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        self.shadow.load_state_dict(state)
