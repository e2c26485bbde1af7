"""gantools blend: network interpolation of two models of one architecture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from gantools.cli import app
from gantools.weight_blend import blend_tensors, network_order, ramp_shares
from gantools.weights import WeightsError, find_weights, load_weights, read_card, save_weights


@pytest.fixture
def parents(tmp_path: Path) -> tuple[Path, Path]:
    """The shipped superres-real and a copy with every float tensor offset by 0.5."""
    a = find_weights("superres-real", task="superres").path
    tensors, card = load_weights(a)
    shifted = {k: (v.float() + 0.5).half() if v.is_floating_point() else v
               for k, v in tensors.items()}
    b = save_weights(tmp_path / "shifted.safetensors", shifted,
                     {**card, "training": {"note": "offset copy"}})
    return a, b


def test_blend_is_the_weighted_mean_of_every_tensor(parents, tmp_path):
    a, b = parents
    out = tmp_path / "mid.safetensors"
    result = CliRunner().invoke(app, ["blend", "superres-real", str(b), "-w", "0.25",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    ta, tb, tm = load_weights(a)[0], load_weights(b)[0], load_weights(out)[0]
    assert tm.keys() == ta.keys()
    for key in ta:
        expected = (0.75 * ta[key].float() + 0.25 * tb[key].float()).half()
        assert torch.equal(tm[key], expected), key
    card = read_card(out)
    assert card["blend"]["weight"] == 0.25
    assert card["blend"]["a"]["file"] == a.name and card["blend"]["b"]["file"] == b.name
    assert card["blend"]["b"]["training"] == {"note": "offset copy"}
    assert card["metrics"] == {} and "stages" not in card
    assert card["config"] == read_card(a)["config"] and card["storage_dtype"] == "float16"


def test_a_blend_runs_as_a_model(parents, tmp_path):
    import gantools

    a, b = parents
    out = tmp_path / "end.safetensors"
    assert CliRunner().invoke(app, ["blend", str(a), str(b), "-w", "0", "-o", str(out),
                                    "--dtype", "float32"]).exit_code == 0
    image = torch.rand(1, 3, 24, 20)
    same = gantools.load("superres", weights=out, precision="fp32")(image)
    shipped = gantools.load("superres", model="superres-real", precision="fp32")(image)
    assert torch.equal(same, shipped)


def test_different_architectures_are_refused_in_one_line(parents, tmp_path):
    a, _ = parents
    out = tmp_path / "bad.safetensors"
    result = CliRunner().invoke(app, ["blend", str(a), "superres", "-w", "0.5",
                                      "-o", str(out)])
    assert result.exit_code == 1
    assert "architecture" in result.output and "Traceback" not in result.output
    assert not out.exists() and not out.with_suffix(".json").exists()


def test_an_existing_output_and_a_weight_outside_0_1_are_refused(parents, tmp_path):
    a, b = parents
    result = CliRunner().invoke(app, ["blend", str(a), str(b), "-w", "1.5",
                                      "-o", str(tmp_path / "x.safetensors")])
    assert result.exit_code == 2 and "1.5" in result.output
    result = CliRunner().invoke(app, ["blend", str(a), str(b), "-w", "0.5", "-o", str(b)])
    assert result.exit_code == 1 and "exists" in result.output
    assert json.loads(b.with_suffix(".json").read_text())["training"] == {"note": "offset copy"}


def test_blend_tensors_names_the_first_difference():
    a = {"w": torch.zeros(2, 3), "n": torch.tensor([1, 2])}
    with pytest.raises(WeightsError, match="shape"):
        blend_tensors(a, {"w": torch.zeros(3, 2), "n": torch.tensor([1, 2])}, 0.5)
    with pytest.raises(WeightsError, match="not in the other model"):
        blend_tensors(a, {"w": torch.zeros(2, 3)}, 0.5, ("first", "second"))
    with pytest.raises(WeightsError, match="integer values differ"):
        blend_tensors(a, {"w": torch.zeros(2, 3), "n": torch.tensor([1, 3])}, 0.5)
    kept = blend_tensors(a, {"w": torch.ones(2, 3), "n": torch.tensor([1, 2])}, 0.5)
    assert torch.equal(kept["w"], torch.full((2, 3), 0.5)) and torch.equal(kept["n"], a["n"])


def test_ramp_shares_grow_with_depth_one_value_per_layer():
    names = ["head.weight", "head.bias", "body.0.weight", "tail.weight", "tail.bias"]
    shares = ramp_shares(names, 0.4)
    assert shares == {"head.weight": 0.0, "head.bias": 0.0, "body.0.weight": 0.2,
                      "tail.weight": 0.4, "tail.bias": 0.4}
    assert ramp_shares(["only.weight"], 0.3) == {"only.weight": 0.0}


def test_ramp_blend_keeps_a_first_layer_and_b_share_at_the_last(parents, tmp_path):
    a, b = parents
    out = tmp_path / "ramp.safetensors"
    result = CliRunner().invoke(app, ["blend", str(a), str(b), "-w", "0.4", "--ramp",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "0% to 40%" in result.output
    ta, tb, tm = load_weights(a)[0], load_weights(b)[0], load_weights(out)[0]
    order = network_order(read_card(a))  # body.0 ... body.29, tail: 31 layers
    assert order[0].startswith("body.0.") and order[-1].startswith("tail.")
    for key, share in (("body.0.weight", 0.0), ("body.15.weight", 0.2),
                       ("tail.weight", 0.4), ("tail.bias", 0.4)):
        expected = ((1 - share) * ta[key].float() + share * tb[key].float()).half()
        assert torch.equal(tm[key], expected), key
    blend = read_card(out)["blend"]
    assert blend["ramp"] is True and blend["weight"] == 0.4 and "k / (n - 1)" in blend["formula"]
    uniform = tmp_path / "uniform.safetensors"
    CliRunner().invoke(app, ["blend", str(a), str(b), "-w", "0.4", "-o", str(uniform)])
    assert "ramp" not in read_card(uniform)["blend"]
