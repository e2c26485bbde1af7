"""``--texture W``: superres-real with a share of superres-real-gan blended in at load."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from gantools.api import load
from gantools.cli import app
from gantools.plugins.superres.task import task
from gantools.plugins.superres.texture import with_texture
from gantools.weights import find_weights, load_weights


@pytest.fixture(scope="module")
def default_model():
    return load(task, model="superres-real", device="cpu", precision="fp32")


@pytest.fixture
def small_photo(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    path = tmp_path / "in.png"
    Image.fromarray(rng.integers(0, 256, (24, 20, 3), dtype=np.uint8)).save(path)
    return path


def test_texture_blends_every_tensor_and_leaves_the_loaded_model_alone(default_model):
    before = {k: v.clone() for k, v in default_model.generator.state_dict().items()}
    blended = with_texture(default_model, 0.4)
    gan = load_weights(find_weights("superres-real-gan", task="superres").path)[0]
    state = blended.generator.state_dict()
    for key, own in before.items():
        expected = 0.6 * own.float() + 0.4 * gan[key].float()
        assert torch.allclose(state[key].float(), expected, atol=1e-6), key
        assert torch.equal(default_model.generator.state_dict()[key], own), key
    assert blended.card["texture"] == {"share": 0.4,
                                       "partner": "superres-real-gan.safetensors"}
    assert with_texture(default_model, 0.0) is default_model


def test_texture_one_is_the_gan_model_on_the_command_line(small_photo, tmp_path):
    outputs = {}
    for name, args in {"t1": ["--texture", "1"], "gan": ["--model", "superres-real-gan"],
                       "t0": []}.items():
        out = tmp_path / f"{name}.png"
        result = CliRunner().invoke(app, ["superres", str(small_photo), "-o", str(out),
                                          "--device", "cpu", "--precision", "fp32", *args])
        assert result.exit_code == 0, result.output
        outputs[name] = np.asarray(Image.open(out))
    assert outputs["t1"].shape == (96, 80, 3)
    assert np.array_equal(outputs["t1"], outputs["gan"])
    assert not np.array_equal(outputs["t0"], outputs["gan"])


def test_texture_through_the_python_call_matches_the_blend(default_model):
    image = np.random.default_rng(1).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    via_call = default_model(image, texture=0.5)
    via_blend = with_texture(default_model, 0.5)(image)
    assert np.array_equal(via_call, via_blend)
    assert not np.array_equal(via_call, default_model(image))


@pytest.mark.parametrize("args", [["--model", "superres"], ["--scale", "2"]])
def test_texture_on_a_model_without_a_gan_partner_is_one_clear_line(args, small_photo,
                                                                    tmp_path):
    out = tmp_path / "out.png"
    result = CliRunner().invoke(app, ["superres", str(small_photo), "-o", str(out),
                                      "--texture", "0.5", *args])
    assert result.exit_code == 1
    assert "--texture blends a GAN model into a shipped one" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_eval_scores_the_texture_blend(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    rng = np.random.default_rng(2)
    Image.fromarray(rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)).save(photos / "a.png")
    means = {}
    for texture in ("0", "1"):
        report = tmp_path / f"t{texture}.json"
        result = CliRunner().invoke(app, ["eval", "superres", "--data", str(photos),
                                          "--device", "cpu", "--precision", "fp32",
                                          "--texture", texture, "--json", str(report)])
        assert result.exit_code == 0, result.output
        means[texture] = json.loads(report.read_text())[-1]["model_psnr"]
    gan = tmp_path / "gan.json"
    result = CliRunner().invoke(app, ["eval", "superres", "--data", str(photos), "--device",
                                      "cpu", "--precision", "fp32", "--model",
                                      "superres-real-gan", "--json", str(gan)])
    assert result.exit_code == 0, result.output
    assert means["1"] == json.loads(gan.read_text())[-1]["model_psnr"] != means["0"]
