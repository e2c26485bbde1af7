"""The shipped ``faces`` generator: its card, and samples that are faces of many
kinds (the shipped ``features-faces`` classifier reads several age bands, both
genders and several skin groups in them), not one face repeated."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import gantools
from gantools.cli import app
from gantools.features import load_feature_net
from gantools.imageio import read_image


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> np.ndarray:
    """64 faces from ``gantools generate --model faces``, (64, 64, 64, 3) uint8."""
    out = tmp_path_factory.mktemp("faces") / "out"
    result = CliRunner().invoke(app, ["generate", "--model", "faces", "-n", "64", "--seed",
                                      "5", "--device", "cpu", "--out-dir", str(out)])
    assert result.exit_code == 0, result.output
    return np.stack([read_image(f).pixels for f in sorted(out.glob("*.png"))])


def test_card_names_data_licence_and_scores():
    card = gantools.load("generate", model="faces", device="cpu").card
    assert card["image_size"] == 64 and card["eval_features"] == "features-faces"
    assert "non-commercial" in card["licence"] and "utkface64" in card["training"]["data"]
    metrics = card["metrics"]
    assert metrics["precision"] >= 0.5 and metrics["recall"] >= 0.5
    assert metrics["fid"] > metrics["real_train_split_fid"]  # real vs real is the floor


def test_samples_are_many_different_faces(samples):
    assert samples.shape == (64, 64, 64, 3)
    flat = samples.reshape(64, -1).astype(np.float64)
    distance = np.abs(flat[:, None] - flat[None]).mean(-1)[np.triu_indices(64, 1)]
    assert np.median(distance) > 20  # not one face repeated
    net = load_feature_net("features-faces")
    with torch.inference_mode():
        heads = net(torch.from_numpy(samples).permute(0, 3, 1, 2).float() / 255)
    ages = heads["age"].argmax(1).numpy()
    genders = heads["gender"].argmax(1).numpy()
    assert len(set(ages.tolist())) >= 4  # several age bands
    assert 0.15 <= genders.mean() <= 0.85  # both genders
    assert len(set(heads["race"].argmax(1).tolist())) >= 2
