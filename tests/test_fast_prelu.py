"""FastPReLU is nn.PReLU, value for value, with or without gradients."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gantools.nets.fast_prelu import FastPReLU


def _pair(slopes: torch.Tensor) -> tuple[nn.PReLU, FastPReLU]:
    plain, fast = nn.PReLU(len(slopes)), FastPReLU(len(slopes))
    with torch.no_grad():
        plain.weight.copy_(slopes)
        fast.weight.copy_(slopes)
    return plain, fast


@pytest.mark.parametrize("slopes", [[0.25, -0.3, 1.0], [1.0, 1.5, 3.0], [0.5, 2.0, -1.0]])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_inference_matches_prelu(slopes, dtype):
    plain, fast = _pair(torch.tensor(slopes))
    x = torch.randn(2, 3, 7, 5, generator=torch.Generator().manual_seed(0)).to(dtype)
    x = x.contiguous(memory_format=torch.channels_last)
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype == torch.bfloat16)
    with torch.inference_mode(), autocast:  # bf16 as the networks run it: under autocast
        want, got = plain(x), fast(x)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert torch.equal(got, want)


def test_training_path_and_state_dict_are_prelus():
    plain, fast = _pair(torch.tensor([0.1, 0.2, 0.3]))
    x = torch.randn(4, 3, 6, 6, generator=torch.Generator().manual_seed(1))
    plain(x).square().sum().backward()
    fast(x).square().sum().backward()
    assert torch.allclose(plain.weight.grad, fast.weight.grad)
    assert fast.state_dict().keys() == plain.state_dict().keys()
