"""Images without the grid of the upscaling period (what the superres discriminator
sees): a projection that removes exactly the grid and passes no gradient along it."""

from __future__ import annotations

import pytest
import torch

from gantools.plugins.superres.grid import image_without_grid
from gantools.plugins.superres.task import D_GRID_WINDOW, task


def _grid(seed: int, size: int) -> torch.Tensor:
    """(1, 3, size, size): a zero-mean 4-pixel pattern repeated."""
    cell = torch.randn(1, 3, 4, 4, generator=torch.Generator().manual_seed(seed))
    return (cell - cell.mean(dim=(2, 3), keepdim=True)).repeat(1, 1, size // 4, size // 4)


def test_removes_a_grid_and_is_a_projection():
    image = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    clean = image_without_grid(image, 4)
    assert torch.allclose(image_without_grid(image + _grid(1, 32), 4), clean, atol=1e-6)
    assert torch.allclose(image_without_grid(clean, 4), clean, atol=1e-6)
    assert torch.allclose(clean.mean(), image.mean(), atol=1e-6)


def test_remainder_is_kept_and_bad_windows_refused():
    image = torch.rand(1, 3, 40, 36)
    out = image_without_grid(image, 4)
    assert torch.equal(out[:, :, 32:], image[:, :, 32:])
    assert torch.equal(out[:, :, :, 32:], image[:, :, :, 32:])
    assert not torch.equal(out[:, :, :32, :32], image[:, :, :32, :32])
    with pytest.raises(ValueError, match="multiple of the grid period"):
        image_without_grid(image, 3, 16)


def test_discriminator_gradient_has_no_grid_component():
    """Whatever D is, the gradient the generator gets through discriminator_input
    is orthogonal to every 4-pixel grid of each window of D_GRID_WINDOW pixels."""
    from gantools.plugins.superres.models import UNetDiscriminator

    torch.manual_seed(0)
    d = UNetDiscriminator(8)
    lr = torch.rand(1, 3, 8, 8)
    fake = torch.rand(1, 3, 32, 32, requires_grad=True)
    d(*task.discriminator_input(lr, fake)).sum().backward()
    grad = fake.grad
    assert grad.abs().sum() > 0
    assert torch.allclose(image_without_grid(grad, 4, D_GRID_WINDOW), grad, atol=1e-6)
