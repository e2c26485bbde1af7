"""Device-side augmentation of training batches (kornia), drawn from torch's global
generator so that resumed runs replay it exactly."""

from __future__ import annotations

import torch


def random_hflip(images: torch.Tensor, p: float = 0.5) -> torch.Tensor:
    """Mirror each image (N, C, H, W) left-right with probability ``p``."""
    import kornia.augmentation as K

    return K.RandomHorizontalFlip(p=p)(images)

