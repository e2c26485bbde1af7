"""The generate task's networks: shapes and value ranges at every size."""

from __future__ import annotations

import pytest
import torch

from gantools.plugins.generate.task import GenerateConfig, task


@pytest.mark.parametrize("arch", ["dcgan", "mlp"])
@pytest.mark.parametrize("size", [28, 32, 64])
@pytest.mark.parametrize("classes", [0, 5])
def test_shapes_and_ranges(arch, size, classes):
    cfg = GenerateConfig(arch=arch, size=size, width=8, channels=3, num_classes=classes)
    G, D = task.build(cfg)
    z = torch.randn(4, cfg.z_dim)
    label = torch.arange(4) % classes if classes else None
    images = G(z, label)
    assert images.shape == (4, 3, size, size)
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert D(images, label).shape == (4,)


def test_conditional_nets_need_a_label():
    G, D = task.build(GenerateConfig(size=28, width=8, channels=1, num_classes=10))
    with pytest.raises(ValueError, match="class-conditional"):
        G(torch.randn(2, 100))
    with pytest.raises(ValueError, match="class-conditional"):
        D(torch.rand(2, 1, 28, 28))


def test_tutorial_mlp_sizes():
    G, D = task.build(GenerateConfig(arch="mlp", size=28, channels=1))
    linears = [m for m in G.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(100, 256), (256, 784)]
    linears = [m for m in D.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(784, 256), (256, 1)]


def test_unsupported_dcgan_size_is_a_clear_error():
    with pytest.raises(ValueError, match="28, 32, 64"):
        task.build(GenerateConfig(size=48, channels=3))
