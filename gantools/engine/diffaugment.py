"""Differentiable augmentation of everything the discriminator sees (DiffAugment,
Zhao et al. 2020), with an adaptive strength in the spirit of ADA (Karras et al. 2020).

The same random transform is applied to real and generated images alike, and
gradients flow through it to the generator, so D cannot memorise a small training
set while G is not taught to produce augmented images. Ops (the DiffAugment policy
``colour,translation,cutout``):

- ``colour``: brightness + U(-0.5, 0.5), saturation x U(0, 2), contrast x U(0.5, 1.5)
  (in [-1, 1] units, as the paper's code);
- ``translation``: an integer shift of up to 1/8 of each side, zero-padded (mid-gray);
- ``cutout``: a square of half the side set to zero (mid-gray) at a random place.

Each op is applied to each image with probability ``p`` (1 = DiffAugment as
published). With a target ``r`` for the overfitting signal r_t = E[sign(D(real))],
:class:`AdaptiveProbability` raises ``p`` while r_t is above the target and lowers
it while below. The discriminator's inputs are the tuple a task's
``discriminator_input`` returns; every 4-D float tensor in it gets the same
transform (a condition concatenated to the image moves with it), anything else
(labels) passes through. Randomness comes from torch's global generator on the
tensors' device, which checkpoints capture, so resumed runs replay it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

OPS = ("colour", "translation", "cutout")
ALIASES = {"color": "colour"}


def parse_policy(text: str) -> tuple[str, ...]:
    """``"colour,translation,cutout"`` -> the op names, in the canonical order. An
    empty string is no augmentation. Unknown names raise ValueError (one line)."""
    names = [ALIASES.get(n.strip().lower(), n.strip().lower())
             for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in OPS]
    if unknown:
        raise ValueError(f"--diffaugment {text}: unknown op {unknown[0]!r}; choose from "
                         f"{', '.join(OPS)}")
    return tuple(op for op in OPS if op in names)


def _chosen(n: int, p: float, device: torch.device) -> torch.Tensor:
    """(n, 1, 1, 1) float mask: 1 where an image gets the op (probability p)."""
    return (torch.rand(n, 1, 1, 1, device=device) < p).float()


class DiscriminatorAugment:
    """Applies the ops of ``policy`` with per-image probability ``p`` to the
    discriminator's inputs: ``augment(inputs)`` -> inputs of the same shapes."""

    def __init__(self, policy: Sequence[str], p: float = 1.0) -> None:
        self.policy = tuple(policy)
        self.p = float(p)

    @property
    def active(self) -> bool:
        return bool(self.policy) and self.p > 0

    def __call__(self, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        images = [t for t in inputs if _is_image(t)]
        if not self.active or not images:
            return inputs
        params = self._draw(images[0].shape[0], images[0].device)
        return tuple(self._apply(t, params) if _is_image(t) else t for t in inputs)

    def _draw(self, n: int, device: torch.device) -> dict[str, torch.Tensor]:
        """Random parameters for a batch of ``n``; identity where not chosen."""
        p, out = self.p, {}
        if "colour" in self.policy:
            def draw() -> torch.Tensor:
                return torch.rand(n, 1, 1, 1, device=device)

            out["brightness"] = (draw() - 0.5) * _chosen(n, p, device)
            out["saturation"] = 1 + (draw() * 2 - 1) * _chosen(n, p, device)
            out["contrast"] = 1 + (draw() - 0.5) * _chosen(n, p, device)
        if "translation" in self.policy:  # fractions of the side, in [-1/8, 1/8]
            shift = (torch.rand(n, 2, device=device) - 0.5) / 4
            out["shift"] = shift * _chosen(n, p, device).view(n, 1)
        if "cutout" in self.policy:  # centre of the hole in [0, 1), and whether it is cut
            out["centre"] = torch.rand(n, 2, device=device)
            out["cut"] = _chosen(n, p, device)
        return out

    def _apply(self, x: torch.Tensor, params: dict[str, torch.Tensor]) -> torch.Tensor:
        y = x * 2.0 - 1.0  # the paper's units: gray is 0
        if "brightness" in params:
            y = y + params["brightness"].to(y.dtype)
            mean = y.mean(dim=1, keepdim=True)
            y = (y - mean) * params["saturation"].to(y.dtype) + mean
            mean = y.mean(dim=(1, 2, 3), keepdim=True)
            y = (y - mean) * params["contrast"].to(y.dtype) + mean
        if "shift" in params:
            y = _translate(y, params["shift"])
        if "cut" in params:
            y = y * _cutout_mask(y, params["centre"], params["cut"])
        return (y + 1.0) * 0.5


def _is_image(t: Any) -> bool:
    return isinstance(t, torch.Tensor) and t.ndim == 4 and t.is_floating_point()


def _translate(y: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Shift each image of (N, C, H, W) by whole pixels (``shift`` (N, 2): fractions
    of H and W), filling with zeros; a gather, so gradients reach every kept pixel."""
    n, _, h, w = y.shape
    dy = torch.round(shift[:, 0] * h).long().view(n, 1, 1)
    dx = torch.round(shift[:, 1] * w).long().view(n, 1, 1)
    rows = torch.arange(h, device=y.device).view(1, h, 1) - dy  # source row of each pixel
    cols = torch.arange(w, device=y.device).view(1, 1, w) - dx
    inside = ((rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)).unsqueeze(1)
    index = (rows.clamp(0, h - 1) * w + cols.clamp(0, w - 1)).view(n, 1, h * w)
    moved = y.flatten(2).gather(2, index.expand(-1, y.shape[1], -1)).view_as(y)
    return moved * inside.to(y.dtype)


def _cutout_mask(y: torch.Tensor, centre: torch.Tensor, cut: torch.Tensor) -> torch.Tensor:
    """(N, 1, H, W) mask: 0 inside a square of half the side around ``centre`` (N, 2)
    in [0, 1) for the images with ``cut`` 1, 1 elsewhere."""
    n, _, h, w = y.shape
    rows = torch.arange(h, device=y.device).view(1, h, 1) + 0.5  # pixel centres
    cols = torch.arange(w, device=y.device).view(1, 1, w) + 0.5
    cy, cx = (centre[:, 0] * h).view(n, 1, 1), (centre[:, 1] * w).view(n, 1, 1)
    hole = ((rows - cy).abs() < h / 4) & ((cols - cx).abs() < w / 4)
    hole = hole.unsqueeze(1).float() * cut.view(n, 1, 1, 1)
    return (1.0 - hole).to(y.dtype)


class AdaptiveProbability:
    """ADA's controller: every ``interval`` steps, r_t = mean sign(D(real)) over them;
    p moves by batch * interval / (kimg * 1000) towards more augmentation when r_t >
    ``target`` (D too sure of the reals: overfitting) and towards less below it,
    clamped to [0, 1]."""

    def __init__(self, target: float, kimg: float, batch_size: int, interval: int = 4) -> None:
        self.target, self.interval = target, interval
        self.rate = batch_size * interval / (kimg * 1000.0)
        self._signs: list[torch.Tensor] = []
        self.last_rt = 0.0  # logged before the first update

    def observe(self, real_logits: torch.Tensor) -> None:
        """Record the D logits of one step's real images (any shape)."""
        self._signs.append(torch.sign(real_logits.detach().float()).mean())

    def ready(self) -> bool:
        return len(self._signs) >= self.interval

    def update(self, p: float, rt: float) -> float:
        """The new p for the mean sign ``rt`` of the last interval (all ranks)."""
        self._signs.clear()
        self.last_rt = rt
        step = self.rate if rt > self.target else -self.rate
        return min(1.0, max(0.0, p + step))

    def pending_rt(self) -> torch.Tensor:
        """Mean sign over the steps recorded since the last update (a 0-d tensor)."""
        return torch.stack(self._signs).mean()
