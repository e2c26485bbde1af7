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


@pytest.mark.parametrize("name", ["mnist", "fashion"])
def test_shipped_generator_samples(name):
    model = gantools.load("generate", model=name, device="cpu")
    assert model.card["training"]["steps"] > 0 and model.card["metrics"]["fid"] > 0
    images = model(8, seed=1, label=3)
    assert images.shape == (8, 1, 28, 28) and images.dtype == torch.float32
    assert 0.0 <= images.min() and images.max() <= 1.0 and images.std() > 0.1
    assert torch.equal(images, model(8, seed=1, label=3))  # seeded


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

    sr = gantools.load("superres", device="cpu")
    assert sr.config.scale == 4 and sr.card["metrics"]["Set5_x4"]["psnr_y"] > 31.3
    rgba = Image.new("RGBA", (20, 12), (200, 30, 40, 128))
    out = sr(rgba)
    assert isinstance(out, Image.Image) and out.mode == "RGBA" and out.size == (80, 48)
    gray = np.full((10, 14), 1000, np.uint16)
    out = sr(gray)
    assert out.dtype == np.uint16 and out.shape == (40, 56)
    assert abs(int(out[20, 28]) - 1000) <= 80  # a flat image stays flat
