"""spandrel networks behind the generator interface of gantools's own tasks.

:class:`ImageNet`: (N, 3, H, W) in [0, 1] -> (N, 3, sH, sW) in [0, 1], as superres's
generator. :class:`MaskedNet`: (N, 4, H, W) = image and mask (1 = hole) ->
(N, 3, H, W), as inpaint's generator. Both call spandrel's descriptor, which pads
each input (reflect, then replicate) to the architecture's size requirements and
crops the output back, so any tile size works.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

LUMA = (0.299, 0.587, 0.114)
"""ITU-R BT.601 weights: RGB -> gray for single-channel models."""


def _to_channels(x: torch.Tensor, channels: int) -> torch.Tensor:
    """(N, 3, H, W) -> (N, channels, H, W): 3 unchanged, 1 as BT.601 luma."""
    if channels == 3:
        return x
    weights = torch.tensor(LUMA, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    return (x * weights).sum(1, keepdim=True)


def _to_rgb(y: torch.Tensor) -> torch.Tensor:
    """(N, 1 or 3, H, W) -> (N, 3, H, W)."""
    return y if y.shape[1] == 3 else y.expand(-1, 3, -1, -1)


class ImageNet(nn.Module):
    """A spandrel image model (SR, restoration) as an RGB generator; 1-channel models
    get the luma and give gray RGB."""

    def __init__(self, descriptor: Any) -> None:
        super().__init__()
        self.net = descriptor.model
        self._descriptor = descriptor
        self.in_channels = int(descriptor.input_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _to_rgb(self._descriptor(_to_channels(x, self.in_channels)))

    def onnx_module(self) -> nn.Module:
        """What ONNX export traces: the bare network (its own channels; padding to the
        size requirements is left to the caller, as the metadata says)."""
        return self.net


class MaskedNet(nn.Module):
    """A spandrel inpainting model (LaMa) as inpaint's generator: (N, 4, H, W) with
    the mask (1 = hole) last -> (N, 3, H, W); one image at a time, as spandrel asks."""

    def __init__(self, descriptor: Any) -> None:
        super().__init__()
        self.net = descriptor.model
        self._descriptor = descriptor

    def onnx_module(self) -> nn.Module:
        """Not exported: the network takes two inputs and LaMa's FFTs do not export."""
        raise ValueError("community inpainting models are not exported to ONNX")

    def forward(self, condition: torch.Tensor) -> torch.Tensor:
        mask = (condition[:, 3:4] > 0.5).to(condition.dtype)
        return torch.cat([self._descriptor(condition[i:i + 1, :3], mask[i:i + 1])
                          for i in range(condition.shape[0])])
