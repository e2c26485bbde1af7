"""Adversarial objectives shared by every task, on raw discriminator logits.

Every function takes logits of any shape (a PatchGAN map or one score per image)
and returns a scalar. ``bce`` is the original GAN objective in its non-saturating
form for G (as trained in practice), written with softplus so it is stable.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

LOSSES = ("bce", "hinge", "wgan-gp")


def d_loss(kind: str, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Discriminator loss for logits on real and on generated images."""
    if kind == "bce":
        return F.softplus(-real).mean() + F.softplus(fake).mean()
    if kind == "hinge":
        return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()
    if kind == "wgan-gp":
        return fake.mean() - real.mean()
    raise ValueError(f"unknown adversarial loss {kind!r}; choose from {LOSSES}")


def g_loss(kind: str, fake: torch.Tensor) -> torch.Tensor:
    """Generator loss for discriminator logits on generated images."""
    if kind == "bce":
        return F.softplus(-fake).mean()
    if kind in ("hinge", "wgan-gp"):
        return -fake.mean()
    raise ValueError(f"unknown adversarial loss {kind!r}; choose from {LOSSES}")


def feature_matching(fake: list[torch.Tensor], real: list[torch.Tensor]) -> torch.Tensor:
    """Mean over layers of the mean |fake - real| between the discriminator's
    activations on generated and on real images (two lists of tensors of matching
    shapes); ``real`` is treated as a constant. A perceptual loss that needs no
    pretrained network: the discriminator learns the features as it trains."""
    if len(fake) != len(real) or not fake:
        raise ValueError(f"feature matching needs matching non-empty feature lists, got "
                         f"{len(fake)} and {len(real)}")
    terms = [F.l1_loss(f.float(), r.detach().float()) for f, r in zip(fake, real, strict=True)]
    return torch.stack(terms).mean()


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor
) -> torch.Tensor:
    """WGAN-GP term E[(||grad critic(x_hat)|| - 1)^2] on random interpolates of
    real and fake images (N, C, H, W)."""
    alpha = torch.rand(real.shape[0], 1, 1, 1, device=real.device, dtype=real.dtype)
    mixed = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    scores = critic(mixed)
    (grad,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1.0) ** 2).mean()


def r1_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor
) -> torch.Tensor:
    """R1 term E[||grad D(x)||^2] on real images (multiply by gamma / 2)."""
    real = real.detach().requires_grad_(True)
    scores = critic(real)
    (grad,) = torch.autograd.grad(scores.sum(), real, create_graph=True)
    return grad.flatten(1).pow(2).sum(dim=1).mean()
