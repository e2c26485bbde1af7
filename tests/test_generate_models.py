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


@pytest.mark.parametrize("size", [32, 64])
@pytest.mark.parametrize("classes", [0, 5])
def test_resnet_pair_shapes_ranges_and_spectral_norm(size, classes):
    cfg = GenerateConfig(arch="resnet", size=size, width=8, channels=3, num_classes=classes)
    G, D = task.build(cfg)
    label = torch.arange(4) % classes if classes else None
    images = G(torch.randn(4, cfg.z_dim), label)
    assert images.shape == (4, 3, size, size)
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert D(images, label).shape == (4,)
    convs = [m for m in D.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs and all(torch.nn.utils.parametrize.is_parametrized(m) for m in convs)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in D.modules())


def test_resnet_refuses_other_sizes():
    with pytest.raises(ValueError, match="32, 64"):
        task.build(GenerateConfig(arch="resnet", size=28, width=8, channels=1))


@pytest.mark.parametrize("size", [28, 64])
def test_dcgan_spectral_discriminator_has_no_batch_norm_and_is_lipschitz(size):
    cfg = GenerateConfig(size=size, width=8, channels=3, d_norm="spectral", num_classes=3)
    _, D = task.build(cfg)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in D.modules())
    layers = [m for m in D.modules() if isinstance(m, torch.nn.Conv2d | torch.nn.Linear)]
    assert all(torch.nn.utils.parametrize.is_parametrized(m) for m in layers)
    D.train()
    for _ in range(20):  # power iterations converge in training mode
        D(torch.rand(2, 3, size, size), torch.tensor([0, 1]))
    top = torch.linalg.matrix_norm(layers[0].weight.detach().flatten(1), ord=2)
    assert float(top) == pytest.approx(1.0, abs=0.05)

