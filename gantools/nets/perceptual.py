"""Perceptual loss on VGG19 features (conv5_4 before its ReLU, as in ESRGAN).

The VGG19 weights are never downloaded: they come from ``--vgg-weights PATH`` or
from torchvision's local cache (``$TORCH_HOME/hub/checkpoints/vgg19-dcbb9e9d.pth``),
and are read with ``torch.load(weights_only=True)`` (no arbitrary unpickling).
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

VGG19_FILE = "vgg19-dcbb9e9d.pth"
_MEAN = (0.485, 0.456, 0.406)
_STD = (0.229, 0.224, 0.225)


def find_vgg19_weights(path: str | None) -> Path:
    """The VGG19 state dict to use, or a ValueError that says how to provide one."""
    if path:
        candidate = Path(path)
        if not candidate.is_file():
            raise ValueError(f"--vgg-weights {path}: no such file")
        return candidate
    cached = Path(torch.hub.get_dir()) / "checkpoints" / VGG19_FILE
    if cached.is_file():
        return cached
    raise ValueError(
        "the perceptual loss needs VGG19 weights, which gantools never downloads: pass "
        f"--vgg-weights PATH (torchvision's {VGG19_FILE}) or put that file in {cached.parent}")


class VGGFeatures(nn.Module):
    """(N, 3, H, W) in [0, 1] -> VGG19 conv5_4 features (before ReLU); frozen."""

    def __init__(self, weights: Path) -> None:
        super().__init__()
        from torchvision.models import vgg19

        net = vgg19(weights=None)
        net.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
        self.features = net.features[:35].eval()
        for p in self.parameters():
            p.requires_grad_(False)
        self.register_buffer("mean", torch.tensor(_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(_STD).view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features((x - self.mean) / self.std)


class PerceptualLoss(nn.Module):
    """L1 distance between VGG19 features of two image batches."""

    def __init__(self, weights: Path) -> None:
        super().__init__()
        self.vgg = VGGFeatures(weights)

    def forward(self, fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        return F.l1_loss(self.vgg(fake), self.vgg(real.detach()))


_LOSSES: dict[tuple[str, str], PerceptualLoss] = {}


def perceptual_loss(vgg_weights: str, device: torch.device) -> PerceptualLoss:
    """The perceptual loss for ``vgg_weights`` ("" = torchvision's cache) on
    ``device``, built once per process (ValueError when no local weights exist)."""
    key = (vgg_weights, str(device))
    if key not in _LOSSES:
        _LOSSES[key] = PerceptualLoss(find_vgg19_weights(vgg_weights or None)).to(device)
    return _LOSSES[key]
