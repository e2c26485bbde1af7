"""Function-preserving growth of a trained :class:`CompactSR` (Net2Net, Chen et al. 2016).

A wider or deeper network starts out computing exactly what the trained one computes,
so training it continues from the trained model's quality instead of from bicubic:

- **wider**: every new channel of a hidden layer copies an existing one (its incoming
  filter, bias and PReLU slope); the next layer's weights on the original channel and
  its copies are random positive shares of the original weight that sum to it, so the
  sum is unchanged and the copies, receiving different gradients, drift apart;
- **deeper**: new hidden layers are identity convolutions (the centre tap is the
  identity matrix, zero bias) followed by a PReLU with slope 1, i.e. the identity,
  inserted evenly between the existing ones.

State dicts use :class:`CompactSR`'s keys: ``body.{2k}`` convolutions, ``body.{2k+1}``
PReLU slopes (k = 0 the input layer, 1..convs the hidden ones), then ``tail``.
"""

from __future__ import annotations

import torch

Tensors = dict[str, torch.Tensor]


def compact_shape(state: Tensors) -> tuple[int, int]:
    """(width, hidden convolutions) of a CompactSR state dict."""
    layers = sum(1 for k in state if k.startswith("body.") and k.endswith(".bias"))
    return int(state["body.0.weight"].shape[0]), layers - 1


def _layers(state: Tensors) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """[(conv weight, conv bias, prelu slope)] per body layer, all float32."""
    _, convs = compact_shape(state)
    return [(state[f"body.{2 * k}.weight"].float(), state[f"body.{2 * k}.bias"].float(),
             state[f"body.{2 * k + 1}.weight"].float()) for k in range(convs + 1)]


def _shares(copies_of: torch.Tensor, out_channels: int, gen: torch.Generator) -> torch.Tensor:
    """(out_channels, new_in) positive factors; over the copies of one original input
    channel they sum to 1 for every output channel."""
    raw = 0.5 + torch.rand(out_channels, copies_of.numel(), generator=gen)
    totals = torch.zeros(out_channels, int(copies_of.max()) + 1).index_add_(1, copies_of, raw)
    return raw / totals[:, copies_of]


def _widen_inputs(weight: torch.Tensor, copies_of: torch.Tensor,
                  gen: torch.Generator) -> torch.Tensor:
    """A conv weight (out, in, kh, kw) on the widened inputs (out, new_in, kh, kw)."""
    shares = _shares(copies_of, weight.shape[0], gen)
    return weight[:, copies_of] * shares[:, :, None, None]


def grow_compact(state: Tensors, width: int, convs: int, seed: int = 0) -> Tensors:
    """``state`` of a CompactSR grown to ``width`` channels and ``convs`` hidden layers
    (each at least the current one); float32 tensors, same function up to rounding."""
    old_width, old_convs = compact_shape(state)
    if width < old_width or convs < old_convs:
        raise ValueError(f"can only grow: {old_width} x {old_convs} -> {width} x {convs}")
    gen = torch.Generator().manual_seed(seed)
    extra = torch.randint(0, old_width, (width - old_width,), generator=gen)
    copies_of = torch.cat([torch.arange(old_width), extra])
    grown = []
    for k, (weight, bias, slope) in enumerate(_layers(state)):
        if k > 0:
            weight = _widen_inputs(weight, copies_of, gen)
        grown.append((weight[copies_of], bias[copies_of], slope[copies_of]))
    identity = torch.zeros(width, width, 3, 3)
    identity[:, :, 1, 1] = torch.eye(width)
    new_layer = (identity, torch.zeros(width), torch.ones(width))
    for n in range(convs - old_convs):  # spread evenly among the hidden layers
        at = 1 + round((n + 1) * len(grown) / (convs - old_convs + 1))
        grown.insert(min(at, len(grown)), tuple(t.clone() for t in new_layer))
    out: Tensors = {}
    for k, (weight, bias, slope) in enumerate(grown):
        out[f"body.{2 * k}.weight"] = weight
        out[f"body.{2 * k}.bias"] = bias
        out[f"body.{2 * k + 1}.weight"] = slope
    out["tail.weight"] = _widen_inputs(state["tail.weight"].float(), copies_of, gen)
    out["tail.bias"] = state["tail.bias"].float()
    return out
