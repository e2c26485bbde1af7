"""The numpy fast path of ``gantools generate``: the torch generators' images from the
same inputs, and no torch import for a shipped grid."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

import gantools
from gantools.plugins.generate.noise import sample_inputs
from gantools.plugins.generate.numpy_forward import conv_transpose, numpy_generator
from gantools.plugins.generate.task import GenerateConfig
from gantools.plugins.generate.task import task as generate


@pytest.mark.parametrize(("stride", "padding", "k", "size"), [(1, 0, 4, 1), (2, 1, 4, 5),
                                                              (1, 0, 7, 1), (2, 1, 4, 1)])
def test_conv_transpose_is_torchs(stride, padding, k, size):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 6, size, size), dtype=np.float32)
    w = rng.standard_normal((6, 5, k, k), dtype=np.float32)
    want = torch.nn.functional.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w),
                                                stride=stride, padding=padding).numpy()
    got = conv_transpose(x.transpose(0, 2, 3, 1), w.transpose(0, 2, 3, 1), stride, padding)
    assert np.allclose(got.transpose(0, 3, 1, 2), want, atol=1e-4)


def _randomised(cfg: GenerateConfig) -> torch.nn.Module:
    """A generator with random weights and batch-norm statistics, in eval mode."""
    torch.manual_seed(0)
    net = generate.build_generator(cfg)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.3)
                m.running_var.uniform_(0.5, 2.0)
                m.bias.normal_(0, 0.2)
    return net.eval()


@pytest.mark.parametrize(("arch", "size", "channels", "classes"),
                         [("dcgan", 64, 3, 0), ("dcgan", 32, 3, 4), ("dcgan", 28, 1, 10),
                          ("mlp", 28, 1, 0), ("mlp", 28, 1, 3)])
def test_numpy_forward_matches_the_torch_generator(arch, size, channels, classes):
    cfg = GenerateConfig(arch=arch, size=size, channels=channels, width=16,
                         num_classes=classes)
    net = _randomised(cfg)
    arrays = {k: v.numpy() for k, v in net.state_dict().items()}
    z, labels = sample_inputs(cfg, 5, seed=3)
    got = numpy_generator(cfg, arrays)(z, labels)
    want = generate.render(net, z, labels).numpy()
    assert got.shape == want.shape == (5, channels, size, size)
    assert float(np.abs(got - want).max()) < 1e-4


def test_resnet_is_left_to_torch():
    assert numpy_generator(GenerateConfig(arch="resnet", size=32, channels=3), {}) is None


def test_shipped_grid_without_torch_is_the_api_grid(tmp_path):
    out = tmp_path / "grid.png"
    code = ("import sys; from click.testing import CliRunner; from gantools.cli import app; "
            f"r = CliRunner().invoke(app, ['generate', '--model', 'faces', '-n', '9', '-o', "
            f"r'{out}']); assert r.exit_code == 0, r.output; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
    images = gantools.load("generate", model="faces", device="cpu")(9, seed=0)
    from gantools.engine.runlog import make_grid
    from gantools.tensors import to_hwc_uint8

    want = to_hwc_uint8(make_grid(images, ncol=3)).astype(int)
    got = np.asarray(Image.open(out)).astype(int)
    assert got.shape == want.shape and np.abs(got - want).max() <= 1
