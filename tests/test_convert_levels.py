"""Float results become 8- or 16-bit pixels exactly as ``from_float`` makes them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gantools.imageio import from_float
from gantools.inference.convert import float_to_levels


@pytest.mark.parametrize("bit_depth", [8, 16])
@pytest.mark.parametrize("channels_last", [False, True])
def test_torch_conversion_equals_from_float(bit_depth, channels_last):
    x = torch.rand(1, 3, 37, 29, generator=torch.Generator().manual_seed(bit_depth)) * 1.2 - 0.1
    x[0, 0, :3, :3] = torch.tensor([float("nan"), float("inf"), -float("inf")])
    x.view(-1)[100:110] = torch.arange(10) / 255 + 0.5 / 255  # exact halves: to even
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    hwc = x[0].permute(1, 2, 0)
    want = from_float(hwc.numpy(), bit_depth)
    got = float_to_levels(hwc, bit_depth)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert np.array_equal(got, want)
