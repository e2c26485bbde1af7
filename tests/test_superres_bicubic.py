"""The convolutional bicubic base of the super-resolution networks is torch's bicubic."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from gantools.plugins.superres.bicubic import BicubicUpsample
from gantools.plugins.superres.models import CompactSR, SRResNet


@pytest.mark.parametrize("scale", [2, 3, 4])
@pytest.mark.parametrize("size", [(1, 1), (2, 7), (17, 12)])
def test_matches_torch_bicubic(scale, size):
    x = torch.rand(2, 3, *size, generator=torch.Generator().manual_seed(scale))
    want = F.interpolate(x, scale_factor=scale, mode="bicubic", align_corners=False)
    got = BicubicUpsample(scale)(x)
    assert got.shape == want.shape and got.dtype == torch.float32
    assert float((got - want).abs().max()) < 1e-4


def test_stays_float32_under_autocast_and_holds_no_weights():
    x = torch.rand(1, 3, 9, 9)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        got = BicubicUpsample(4)(x)
    want = F.interpolate(x, scale_factor=4, mode="bicubic", align_corners=False)
    assert got.dtype == torch.float32 and float((got - want).abs().max()) < 1e-4
    for net in (SRResNet(4), CompactSR(4)):  # shipped weight files stay loadable
        assert not any("upsample" in k for k in net.state_dict())


@pytest.mark.parametrize("scale", [2, 4])
def test_residual_added_at_low_resolution_equals_the_high_resolution_sum(scale):
    gen = torch.Generator().manual_seed(scale)
    x = torch.rand(2, 3, 11, 8, generator=gen)
    residual = torch.randn(2, 3 * scale * scale, 11, 8, generator=gen).to(torch.bfloat16)
    up = BicubicUpsample(scale)
    want = up(x) + F.pixel_shuffle(residual.float(), scale)
    got = up.add_residual(x, residual)
    assert got.dtype == torch.float32 and torch.equal(got, want)
