"""ONNX export: dynamic batch/height/width, the card in the metadata, and outputs
equal to gantools's (onnxruntime on the CPU, within 1e-3) for the built-in image
tasks; float16 with --half; non-image tasks and existing files refused."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import gantools
from gantools.cli import app

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


def _run(path, x: torch.Tensor) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x.numpy()})[0]


def _check_parity(path, model, channels: int, multiple: int = 1, clip: bool = False) -> None:
    """Two batch sizes and two sizes (multiples of ``multiple``, not of the traced
    64) give PyTorch's generator output within 1e-3 (both clipped to [0, 1] with
    ``clip``: a community model's generator clamps, its bare network does not)."""
    gen = torch.Generator().manual_seed(0)
    for n, h, w in ((1, 5 * multiple * 3, 7 * multiple * 2), (3, 3 * multiple * 5,
                                                                 3 * multiple * 3)):
        h, w = max(h, 40) // multiple * multiple, max(w, 40) // multiple * multiple
        x = torch.rand(n, channels, h, w, generator=gen)
        with torch.no_grad():
            ref = model.generator(x).float().numpy()
        out = _run(path, x)
        if clip:
            out = out.clip(0, 1)
        assert out.shape == ref.shape
        assert np.abs(out - ref).max() < 1e-3


def _metadata(path) -> dict:
    from gantools.onnx_export import read_metadata

    return read_metadata(path)


@pytest.mark.parametrize("name", ["superres", "superres-real"])
def test_superres_cli_export_matches(tmp_path, name):
    out = tmp_path / "superres.onnx"
    result = CliRunner().invoke(app, ["export", "--model", name, "-o", str(out)])
    assert result.exit_code == 0, result.output
    model = gantools.load("superres", model=name, device="cpu", precision="fp32")
    _check_parity(out, model, 3)
    meta = _metadata(out)
    assert meta["task"] == "superres" and meta["scale"] == "4"
    assert json.loads(meta["value_range"]) == [0.0, 1.0] and meta["colour_space"] == "RGB"
    assert meta["onnx_dtype"] == "float32" and meta["onnx_size_multiple"] == "1"
    assert json.loads(meta["gantools_card"])["sha256"] == model.card["sha256"]
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    assert [isinstance(d, str) for d in session.get_inputs()[0].shape] == [True, False,
                                                                            True, True]
    again = CliRunner().invoke(app, ["export", "--model", name, "-o", str(out)])
    assert again.exit_code != 0 and "--overwrite" in again.output


@pytest.mark.parametrize("name", ["colorize"])
def test_colorize_export_matches(tmp_path, name):
    from gantools.onnx_export import export_onnx

    model = gantools.load("colorize", model=name, device="cpu", precision="fp32")
    out = export_onnx(model, tmp_path / f"{name}.onnx")
    meta = _metadata(out)
    assert meta["task"] == "colorize" and "L*" in meta["input"]
    _check_parity(out, model, 1, int(meta["onnx_size_multiple"]))


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("GANTOOLS_SLOW_EXPORT"),
                    reason="inpaint's graph needs torch's dynamo exporter: minutes of CPU; "
                           "set GANTOOLS_SLOW_EXPORT=1")
def test_inpaint_export_matches(tmp_path):
    from gantools.onnx_export import export_onnx

    model = gantools.load("inpaint", device="cpu", precision="fp32")
    out = export_onnx(model, tmp_path / "inpaint.onnx")
    _check_parity(out, model, 4, int(_metadata(out)["onnx_size_multiple"]))


def test_community_model_and_half(tmp_path):
    from foreign_layouts import compact_state

    from gantools.onnx_export import export_onnx

    src = tmp_path / "4x-compact.pth"
    torch.save({"params_ema": compact_state()}, src)
    result = CliRunner().invoke(app, ["export", "--weights", str(src), "-o",
                                      str(tmp_path / "c.onnx")])
    assert result.exit_code == 0, result.output
    model = gantools.load("superres", weights=src, device="cpu", precision="fp32")
    _check_parity(tmp_path / "c.onnx", model, 3, clip=True)
    assert _metadata(tmp_path / "c.onnx")["architecture"] == "RealESRGAN Compact"
    half = export_onnx(model, tmp_path / "c16.onnx", half=True)
    assert _metadata(half)["onnx_dtype"] == "float16"
    x = torch.rand(1, 3, 24, 20)
    out = _run(half, x.half())
    assert out.dtype == np.float16
    ref = model.generator(x).numpy()
    assert np.abs(out.astype(np.float32).clip(0, 1) - ref).max() < 2e-2


def test_refusals(tmp_path):
    result = CliRunner().invoke(app, ["export", "--model", "mnist", "-o",
                                      str(tmp_path / "m.onnx")])
    assert result.exit_code != 0 and "not an image task" in result.output
    result = CliRunner().invoke(app, ["export", "--model", "superres", "-o",
                                      str(tmp_path / "m.safetensors")])
    assert result.exit_code == 2 and ".onnx" in result.output
    result = CliRunner().invoke(app, ["export", "-o", str(tmp_path / "m.onnx")])
    assert result.exit_code != 0 and "RUN_DIR" in result.output


def test_run_folder_to_onnx(tiny_folder, tmp_path):
    """From a training run, the suffix chooses the format."""
    run = tmp_path / "run"
    gantools.train("superres", progress=False, data=str(tiny_folder), out=str(run), steps=2,
                   batch_size=2, workers=0, log_every=1, sample_every=0, checkpoint_every=2,
                   width=8, blocks=1, patch=32)
    out = tmp_path / "sr.onnx"
    result = CliRunner().invoke(app, ["export", str(run), "-o", str(out), "--set",
                                      "note=tiny"])
    assert result.exit_code == 0, result.output
    meta = _metadata(out)
    assert meta["task"] == "superres" and meta["note"] == "tiny"
    assert json.loads(meta["training"])["steps"] == 2
    from gantools.commands.export import export_run

    weights = export_run(run, tmp_path / "sr.safetensors")
    _check_parity(out, gantools.load("superres", weights=weights, device="cpu",
                                     precision="fp32"), 3)
