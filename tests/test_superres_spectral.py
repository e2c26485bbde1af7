"""The spectral (local Fourier amplitude) texture loss of superres."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

from gantools.plugins.superres.spectral_loss import spectral_amplitude_loss


def _texture(seed: int = 0) -> torch.Tensor:
    """(1, 3, 64, 64) in [0, 1]: smooth shading plus fine random texture."""
    gen = torch.Generator().manual_seed(seed)
    ramp = torch.linspace(0.2, 0.8, 64)
    return (ramp[None, None, :, None] * 0.5 + ramp[None, None, None, :] * 0.3
            + 0.15 * torch.rand(1, 3, 64, 64, generator=gen)).clamp(0, 1)


def test_zero_for_the_truth_and_larger_for_a_blurred_copy():
    truth = _texture()
    blurred = F.avg_pool2d(F.pad(truth, (1, 1, 1, 1), mode="replicate"), 3, 1)
    assert spectral_amplitude_loss(truth, truth).item() == 0.0
    assert spectral_amplitude_loss(blurred, truth).item() > 0.1


def test_texture_of_the_right_energy_beats_a_smooth_guess():
    """Another draw of the same texture (different phase, same amplitudes) scores far
    better than its mean, though its pixel error is larger: the loss asks for detail."""
    truth, other = _texture(0), _texture(1)
    smooth = F.avg_pool2d(truth, 8).repeat_interleave(8, 2).repeat_interleave(8, 3)
    assert (other - truth).abs().mean() > (smooth - truth).abs().mean()
    assert spectral_amplitude_loss(other, truth) < 0.7 * spectral_amplitude_loss(smooth, truth)


def test_gradients_are_finite_and_small_images_are_refused():
    fake = _texture(2).requires_grad_(True)
    spectral_amplitude_loss(fake, _texture()).backward()
    assert torch.isfinite(fake.grad).all() and fake.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="spectral window"):
        spectral_amplitude_loss(torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8))


def test_two_step_training_logs_the_spectral_term(tiny_folder, tmp_path):
    import gantools

    run = tmp_path / "run"
    gantools.train("superres", data=str(tiny_folder), out=str(run), steps=2, batch_size=2,
                   patch=32, arch="compact", width=8, blocks=2, degradation="real",
                   spectral_weight=0.1, progress=False)
    last = json.loads((run / "metrics.jsonl").read_text().strip().splitlines()[-1])
    assert last["spectral"] > 0 and last["g_loss"] == pytest.approx(last["l1"] + last["spectral"])


def test_a_grid_of_the_upscaling_period_earns_nothing():
    """A checkerboard of the period (what a sub-pixel upsampler makes for free) does
    not change the loss once the grid is left out, though it adds spectral energy."""
    truth, fake = _texture(0), _texture(3)
    grid = 0.03 * torch.randn(1, 3, 4, 4, generator=torch.Generator().manual_seed(1))
    grid = grid - grid.mean(dim=(2, 3), keepdim=True)  # a pattern, not a brightness shift
    gridded = fake + grid.repeat(1, 1, 16, 16)
    assert spectral_amplitude_loss(gridded, truth) != spectral_amplitude_loss(fake, truth)
    assert spectral_amplitude_loss(gridded, truth, period=4).item() == pytest.approx(
        spectral_amplitude_loss(fake, truth, period=4).item(), abs=1e-6)
    with pytest.raises(ValueError, match="multiple of the grid period"):
        spectral_amplitude_loss(fake, truth, period=3)
