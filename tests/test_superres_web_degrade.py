"""The first-order web degradation model (--web-fraction): kernels, seeding, range,
strength, the mixed batch, and a 2-step training run that uses it."""

from __future__ import annotations

import pytest
import torch

from gantools.plugins.superres import degrade, web_degrade
from gantools.plugins.superres.task import SuperresConfig, task


def test_gaussian_kernels_sum_to_one_and_widen_with_sigma():
    kernels = web_degrade.gaussian_kernels(torch.tensor([0.5, 2.0]))
    assert kernels.shape[-1] == kernels.shape[-2] == 2 * 6 + 1
    assert torch.allclose(kernels.sum(dim=(1, 2)), torch.ones(2))
    assert torch.equal(kernels, kernels.flip(-1)) and torch.equal(kernels, kernels.transpose(1, 2))
    centre = kernels.shape[-1] // 2
    assert kernels[0, centre, centre] > 4 * kernels[1, centre, centre]


def test_web_degradation_is_seeded_and_keeps_shape_range_and_8_bits(sample_hr):
    hr = sample_hr.repeat(6, 1, 1, 1)
    outs = []
    for seed in (3, 3, 4):
        torch.manual_seed(seed)
        outs.append(web_degrade.web_degradation(hr, 4, 1.0))
    a, b, c = outs
    assert a.shape == (6, 3, 32, 32) and torch.equal(a, b) and not torch.equal(a, c)
    assert a.min() >= 0 and a.max() <= 1
    assert torch.equal(a, (a * 255).round() / 255)


def test_web_strength_zero_is_the_bicubic_downscale_and_more_strength_moves_away(sample_hr):
    hr = sample_hr.repeat(16, 1, 1, 1)
    clean = degrade.bicubic_downscale(hr, 4)
    error = {}
    for strength in (0.0, 0.5, 1.0):
        torch.manual_seed(0)
        error[strength] = float((web_degrade.web_degradation(hr, 4, strength) - clean)
                                .abs().mean())
    assert error[0.0] <= 0.5 / 255 + 1e-6  # rounding to 8 bits only
    assert error[0.0] < error[0.5] < error[1.0]


def test_mixed_batch_puts_the_web_model_first(sample_hr):
    hr = sample_hr[..., :64, :64].repeat(4, 1, 1, 1)
    torch.manual_seed(5)
    mixed = web_degrade.mixed_degradation(hr, 4, 0.5, web_fraction=0.5)
    torch.manual_seed(5)
    web = web_degrade.web_degradation(hr[:2], 4, 0.5)
    assert mixed.shape == (4, 3, 16, 16) and torch.equal(mixed[:2], web)
    torch.manual_seed(5)
    only_web = web_degrade.mixed_degradation(hr, 4, 0.5, web_fraction=1.0)
    torch.manual_seed(5)
    assert torch.equal(only_web, web_degrade.web_degradation(hr, 4, 0.5))


def test_web_fraction_needs_the_real_degradation():
    with pytest.raises(ValueError, match="--web-fraction 0.5 needs --degradation real"):
        task.data_spec(SuperresConfig(web_fraction=0.5))


def test_two_step_training_with_a_web_fraction(tiny_folder, tmp_path):
    import gantools

    run = tmp_path / "run"
    gantools.train("superres", data=str(tiny_folder), out=str(run), steps=2, batch_size=2,
                   patch=32, arch="compact", width=8, blocks=2, degradation="real",
                   degradation_strength=0.6, web_fraction=0.5, progress=False)
    lines = (run / "metrics.jsonl").read_text().strip().splitlines()
    assert lines and '"l1"' in lines[-1]
    assert (run / "checkpoints").exists()
