"""Foreign weights never run code: code-running pickles and TorchScript archives are
refused with one line (and the code does not run); files of another purpose than the
command, or of no known architecture, are refused naming why. ``gantools models``."""

from __future__ import annotations

import json
import os
import pickle

import pytest
import torch
from click.testing import CliRunner
from foreign_layouts import compact_state
from PIL import Image

import gantools
from gantools.cli import app
from gantools.weights import WeightsError


class Payload:
    """Unpickling this calls os.system (creates the marker file)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _evil_files(folder):
    marker = folder / "PWNED"
    raw = folder / "raw.pth"
    raw.write_bytes(pickle.dumps({"params": Payload(marker)}, protocol=4))
    saved = folder / "saved.pth"
    torch.save({"body.0.weight": torch.zeros(1), "x": Payload(marker)}, saved)
    return marker, [raw, saved]


def test_code_running_pickle_is_refused_and_not_run(tmp_path):
    marker, evil = _evil_files(tmp_path)
    for path in evil:
        with pytest.raises(WeightsError) as err:
            gantools.load("superres", weights=path, device="cpu")
        line = str(err.value)
        assert "\n" not in line and str(path) in line and "posix.system" in line
    assert not marker.exists()


def test_cli_refusal_is_one_line(tmp_path):
    marker, evil = _evil_files(tmp_path)
    src = tmp_path / "a.png"
    Image.new("RGB", (8, 8)).save(src)
    result = CliRunner().invoke(app, ["superres", str(src), "--weights", str(evil[0]),
                                      "--device", "cpu"])
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "refused" in lines[0] and "Traceback" not in result.output
    assert not marker.exists()


def test_torchscript_is_refused(tmp_path):
    path = tmp_path / "scripted.pt"
    torch.jit.script(torch.nn.Conv2d(3, 3, 3)).save(str(path))
    with pytest.raises(WeightsError, match="TorchScript"):
        gantools.load("superres", weights=path, device="cpu")


def test_other_purpose_is_refused_naming_both(tmp_path):
    path = tmp_path / "4x-compact.pth"
    torch.save(compact_state(), path)
    with pytest.raises(WeightsError) as err:
        gantools.load("inpaint", weights=path, device="cpu")
    text = str(err.value)
    assert "super-resolution" in text and "'gantools inpaint'" in text and "inpainting" in text
    x1 = tmp_path / "1x-compact.pth"
    torch.save(compact_state(scale=1), x1)
    with pytest.raises(WeightsError, match="restoration.*'gantools superres'"):
        gantools.load("superres", weights=x1, device="cpu")


def test_unknown_architecture_is_refused(tmp_path):
    path = tmp_path / "mystery.pth"
    torch.save({"encoder.weight": torch.zeros(4, 4)}, path)
    with pytest.raises(WeightsError, match="not an architecture spandrel knows"):
        gantools.load("superres", weights=path, device="cpu")


def test_models_command(tmp_path):
    good = tmp_path / "4x-compact.pth"
    torch.save({"params": compact_state(num_conv=3)}, good)
    marker, evil = _evil_files(tmp_path)
    result = CliRunner().invoke(app, ["models", str(good)])
    assert result.exit_code == 0, result.output
    assert "RealESRGAN Compact (SR), x4" in result.output
    assert "gantools superres INPUT... --weights 4x-compact.pth" in result.output
    result = CliRunner().invoke(app, ["models", "--json", str(good)])
    info = json.loads(result.output)
    assert info["scale"] == 4 and info["tile_overlap"] == 10 and info["task"] == "superres"
    result = CliRunner().invoke(app, ["models", str(evil[0]), str(good)])
    assert result.exit_code == 1 and "refused" in result.output and "x4" in result.output
    assert not marker.exists()


def test_models_command_reads_gantools_cards():
    from gantools.weights import find_weights

    ref = find_weights("superres", task="superres")
    result = CliRunner().invoke(app, ["models", str(ref.path)])
    assert result.exit_code == 0 and "gantools weights, task superres" in result.output
