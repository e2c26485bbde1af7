"""``gantools convert``: plain state dicts in, gantools weights out; pickles that would
run code are refused without running it."""

from __future__ import annotations

import os

import pytest
import torch
from click.testing import CliRunner

import gantools
from gantools.cli import app
from gantools.plugins.superres.models import SRResNet


def convert(*args: object):
    return CliRunner().invoke(app, ["convert", *map(str, args)], catch_exceptions=False)


def small_model() -> SRResNet:
    torch.manual_seed(0)
    model = SRResNet(scale=2, width=8, blocks=1)
    for p in model.parameters():
        torch.nn.init.normal_(p, std=0.05)
    return model


OPTIONS = ("--option", "scale=2", "--option", "width=8", "--option", "blocks=1")


@pytest.mark.parametrize("layout", ["flat", "params_ema", "module_prefix", "safetensors"])
def test_converted_weights_give_the_same_output(tmp_path, layout):
    model = small_model()
    state = model.state_dict()
    src = tmp_path / "old.pth"
    if layout == "params_ema":
        torch.save({"params_ema": state, "iteration": 5}, src)
    elif layout == "module_prefix":
        torch.save({f"module.{k}": v for k, v in state.items()}, src)
    elif layout == "safetensors":
        from safetensors.torch import save_file

        src = tmp_path / "old.safetensors"
        save_file(state, str(src))
    else:
        torch.save(state, src)
    result = convert("superres", src, "-o", tmp_path / "mine.safetensors", *OPTIONS)
    assert result.exit_code == 0, result.output
    loaded = gantools.load("superres", weights=str(tmp_path / "mine.safetensors"),
                           device="cpu", precision="fp32")
    assert loaded.card["converted_from"]["file"] == src.name
    x = torch.rand(1, 3, 12, 10)
    with torch.no_grad():
        assert torch.allclose(loaded.generator(x), model(x), atol=1e-6)


class Exploit:
    def __reduce__(self):
        return (os.system, ("touch pwned_by_pickle",))


def test_a_pickle_that_would_run_code_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    torch.save({"weight": torch.zeros(2), "payload": Exploit()}, tmp_path / "evil.pth")
    result = convert("superres", tmp_path / "evil.pth", "-o", tmp_path / "x.safetensors")
    assert result.exit_code == 1
    assert "cannot be loaded as plain weights" in result.output
    assert not (tmp_path / "pwned_by_pickle").exists()
    assert not (tmp_path / "x.safetensors").exists()


def test_mismatched_architecture_names_the_keys(tmp_path):
    torch.save(small_model().state_dict(), tmp_path / "old.pth")
    result = convert("superres", tmp_path / "old.pth", "-o", tmp_path / "x.safetensors",
                     "--option", "scale=2", "--option", "width=16", "--option", "blocks=1")
    assert result.exit_code == 1
    assert "does not fit superres's generator" in result.output and "shape" in result.output
    result = convert("nosuchtask", tmp_path / "old.pth", "-o", tmp_path / "x.safetensors")
    assert result.exit_code == 1 and "no task named 'nosuchtask'" in result.output
