"""``gantools generate --interpolate K``: rows walking between two noise vectors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

import gantools
from gantools.cli import app
from gantools.plugins.generate.noise import slerp
from gantools.plugins.generate.task import task as generate


def test_slerp_ends_at_both_vectors_and_keeps_the_norm():
    rng = np.random.default_rng(0)
    z0, z1 = rng.standard_normal((3, 100)), rng.standard_normal((3, 100))
    path = slerp(z0, z1, 8).reshape(3, 8, 100)
    assert path.dtype == np.float32
    assert np.allclose(path[:, 0], z0, atol=1e-5) and np.allclose(path[:, -1], z1, atol=1e-5)
    norms = np.linalg.norm(path, axis=-1)  # about sqrt(100) all the way (a line would sag)
    assert norms.min() > 0.85 * np.linalg.norm(np.stack([z0, z1]), axis=-1).min()
    same = slerp(z0, z0 * 1.0, 4).reshape(3, 4, 100)  # equal ends: stays put
    assert np.allclose(same, np.broadcast_to(z0[:, None], same.shape), atol=1e-4)


def test_rows_keep_one_class_and_start_from_their_noise():
    model = gantools.load("generate", model="mnist", device="cpu")
    images = generate.interpolate(model.generator, model.config, 2, 5, seed=4, label="3")
    assert images.shape == (10, 1, 28, 28)
    z0 = np.random.default_rng(4).standard_normal((2, model.config.z_dim), dtype=np.float32)
    with torch.inference_mode():
        first = model.generator(torch.from_numpy(z0), torch.tensor([3, 3])).float().clamp(0, 1)
    assert torch.allclose(images[[0, 5]], first, atol=1e-5)


@pytest.mark.parametrize(("args", "size"), [([], (8 * 30 + 2, 30 + 2)),
                                             (["-n", "3"], (8 * 30 + 2, 3 * 30 + 2))])
def test_cli_writes_rows_of_k(tmp_path, args, size):
    out = tmp_path / "row.png"
    result = CliRunner().invoke(app, ["generate", "--model", "mnist", "--interpolate", "8",
                                      "-o", str(out), "--device", "cpu", *args])
    assert result.exit_code == 0, result.output
    assert Image.open(out).size == size


def test_interpolate_and_per_class_are_refused_together(tmp_path):
    result = CliRunner().invoke(app, ["generate", "--model", "mnist", "--interpolate", "8",
                                      "--per-class", "2", "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "not both" in result.output
