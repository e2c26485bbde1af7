"""The Python front door on the shipped models, and weight verification."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

import gantools
from gantools.weights import WeightsError, list_weights, load_weights


def test_list_tasks_and_shipped_models():
    assert "generate" in gantools.list_tasks()
    names = {ref.name for ref in list_weights("generate")}
    assert {"mnist", "fashion"} <= names
    assert {ref.name for ref in list_weights("features")} >= {"features-mnist",
                                                              "features-fashion"}


FID_AT_MOST = {"mnist": 3.0, "fashion": 12.0}
"""What the card may claim (10000 test images, the shipped feature net); the tutorial
MLP GAN trained as long scores 16.2 on MNIST."""


@pytest.mark.parametrize("name", ["mnist", "fashion"])
def test_shipped_generator_samples(name):
    from gantools.features import load_feature_net

    model = gantools.load("generate", model=name, device="cpu")
    metrics = model.card["metrics"]
    assert model.card["training"]["steps"] > 0
    assert metrics["real_train_split_fid"] < metrics["fid"] <= FID_AT_MOST[name]
    images = model(16, seed=1, label=3)
    assert images.shape == (16, 1, 28, 28) and images.dtype == torch.float32
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert torch.equal(images, model(16, seed=1, label=3))  # seeded
    assert (images - model(16, seed=2, label=3)).abs().mean() > 0.05  # seeds differ
    with torch.inference_mode():
        labels = load_feature_net(model.card["eval_features"])(images).argmax(1)
    assert (labels == 3).float().mean() >= 0.75  # label=3 draws a 3 (a dress in fashion)


def test_corrupted_weights_are_refused(tmp_path):
    ref = next(r for r in list_weights("generate") if r.name == "mnist")
    copy = tmp_path / "mnist.safetensors"
    shutil.copy(ref.path, copy)
    shutil.copy(ref.path.with_suffix(".json"), copy.with_suffix(".json"))
    data = bytearray(copy.read_bytes())
    data[-100] ^= 0xFF
    copy.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="sha256 mismatch"):
        load_weights(copy)
    with pytest.raises(WeightsError, match="sha256 mismatch"):
        gantools.load("generate", weights=str(copy))


def test_weights_must_fit_the_task_and_architecture(tmp_path):
    ref = next(r for r in list_weights("generate") if r.name == "mnist")
    copy = tmp_path / "m.safetensors"
    shutil.copy(ref.path, copy)
    card = json.loads(ref.path.with_suffix(".json").read_text())
    card["config"]["width"] = 32
    copy.with_suffix(".json").write_text(json.dumps(card))
    with pytest.raises(WeightsError, match="do not fit the architecture"):
        gantools.load("generate", weights=str(copy))
    card["task"] = "superres"
    copy.with_suffix(".json").write_text(json.dumps(card))
    with pytest.raises(WeightsError, match="weights are for task 'superres'"):
        gantools.load("generate", weights=str(copy))


def test_shipped_superres_python_call_keeps_the_kind():
    import numpy as np
    from PIL import Image

    sr = gantools.load("superres", model="superres", device="cpu")
    assert sr.config.scale == 4 and sr.card["name"] == "superres"
    pixels = np.zeros((12, 20, 4), np.uint8)
    pixels[:, :10] = (200, 30, 40, 255)  # opaque red left half
    pixels[:, 10:] = (30, 40, 200, 64)  # translucent blue right half
    out = sr(Image.fromarray(pixels, "RGBA"))
    assert isinstance(out, Image.Image) and out.mode == "RGBA" and out.size == (80, 48)
    big = np.asarray(out).astype(int)
    assert np.abs(big[24, 10] - (200, 30, 40, 255)).max() <= 12  # colours and alpha
    assert np.abs(big[24, 70] - (30, 40, 200, 64)).max() <= 12  # stay in place
    gray = np.full((10, 14), 1000, np.uint16)
    out = sr(gray)
    assert out.dtype == np.uint16 and out.shape == (40, 56)
    assert abs(int(out[20, 28]) - 1000) <= 80  # a flat image stays flat
