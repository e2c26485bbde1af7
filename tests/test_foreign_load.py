"""Community models (spandrel) through gantools: random weights in the published key
layouts give exactly what a direct spandrel forward gives, tiled and untiled, in the
Python API and in the batch command."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from foreign_layouts import compact_state, direct, rrdb_state, swinir_state
from PIL import Image
from safetensors.torch import save_file

import gantools
from gantools.cli import app
from gantools.inference.single import infer_image

LAYOUTS = {"compact": compact_state, "rrdb": rrdb_state, "swinir": swinir_state}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict:
    """Each layout as a BasicSR-style .pth ({"params_ema": ...}) and as a bare
    .safetensors without a card."""
    folder = tmp_path_factory.mktemp("foreign")
    out = {}
    for name, make in LAYOUTS.items():
        sd = make()
        torch.save({"params_ema": sd}, folder / f"{name}.pth")
        save_file(sd, str(folder / f"{name}.safetensors"))
        out[name] = folder / f"{name}.pth"
        out[f"{name}-st"] = folder / f"{name}.safetensors"
    return out


def _image(h: int, w: int, seed: int = 0) -> torch.Tensor:
    return torch.rand(1, 3, h, w, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("name", ["compact", "rrdb", "swinir", "compact-st"])
def test_untiled_equals_spandrel(files, name):
    path = files[name]
    model = gantools.load("superres", weights=path, device="cpu", precision="fp32")
    x = _image(37, 45)
    ref = direct(path, x)
    out = model(x)
    assert out.shape == ref.shape == (1, 3, 37 * model.config.scale, 45 * model.config.scale)
    assert ref.std() > 0.05  # not a saturated, constant picture
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=0)


@pytest.mark.parametrize("name", ["compact", "rrdb"])
def test_tiled_equals_spandrel(files, name):
    """Conv-only architectures: the chosen overlap covers the receptive field, so
    blended tiles give the untiled result."""
    path = files[name]
    model = gantools.load("superres", weights=path, device="cpu", precision="fp32")
    overlap = model.task.tile_overlap(model.config)
    tile = 2 * overlap + 40
    x = _image(2 * tile + 5, tile + 13, seed=1)  # several tiles each way
    out, _ = infer_image(model.task, model, model.task.InferOptions(), x, tile=tile)
    torch.testing.assert_close(out, direct(path, x), atol=1e-5, rtol=0)


def test_tiled_swinir_close(files):
    """A transformer's windows see the whole tile, so tiles only approximate it; the
    default overlap keeps them close."""
    path = files["swinir"]
    model = gantools.load("superres", weights=path, device="cpu", precision="fp32")
    x = _image(100, 90, seed=2)
    out, _ = infer_image(model.task, model, model.task.InferOptions(), x, tile=72)
    assert (out - direct(path, x)).abs().mean() < 0.01


def test_model_describes_itself(files):
    compact = gantools.load("superres", weights=files["compact"], device="cpu")
    assert compact.config.architecture_id == "Compact" and compact.config.scale == 4
    assert compact.task.tile_overlap(compact.config) == 2 * (2 + 2)  # num_conv + 2, twice
    assert compact.card["task"] == "superres" and compact.card["foreign"]["loader"] == "spandrel"
    rrdb = gantools.load("superres", weights=files["rrdb"], device="cpu")
    assert rrdb.task.tile_overlap(rrdb.config) == 2 * (4 + 15)
    swin = gantools.load("superres", weights=files["swinir"], device="cpu")
    assert swin.config.scale == 2 and swin.config.minimum == 16
    assert swin.task.suffix_for(swin.config) == "_x2"


def test_batch_command_keeps_alpha_16bit_and_reports(files, tmp_path):
    rgba = np.random.default_rng(0).integers(0, 65535, (20, 24, 4), dtype=np.uint16)
    src = tmp_path / "in.png"
    import cv2

    cv2.imwrite(str(src), rgba)
    report = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["superres", str(src), "-o", str(tmp_path / "out"),
                                      "--weights", str(files["compact"]), "--device", "cpu",
                                      "--precision", "fp32",
                                      "--tile", "20",
                                      "--report", str(report)])
    assert result.exit_code == 0, result.output
    out = cv2.imread(str(tmp_path / "out" / "in.png"), cv2.IMREAD_UNCHANGED)
    assert out.shape == (80, 96, 4) and out.dtype == np.uint16
    summary = json.loads(report.read_text())["summary"]
    assert summary["written"] == 1 and summary["failed"] == 0
    # the alpha channel is resized, never fed to the network; the colour is the model's
    ref = direct(files["compact"], torch.from_numpy(
        rgba[..., 2::-1].astype(np.float32) / 65535).permute(2, 0, 1)[None])
    got = torch.from_numpy(out[..., 2::-1].astype(np.float32) / 65535).permute(2, 0, 1)[None]
    assert (got - ref).abs().max() < 2 / 255


def test_pil_image_through_python_api(files):
    model = gantools.load("superres", weights=files["rrdb"], device="cpu", precision="fp32")
    photo = Image.fromarray(np.random.default_rng(1).integers(0, 255, (12, 10, 3),
                                                               dtype=np.uint8))
    out = model(photo)
    assert isinstance(out, Image.Image) and out.size == (40, 48)


def test_scale_option_must_match(files, tmp_path):
    src = tmp_path / "a.png"
    Image.new("RGB", (8, 8)).save(src)
    result = CliRunner().invoke(app, ["superres", str(src), "--weights", str(files["compact"]),
                                      "--scale", "2", "--device", "cpu"])
    assert result.exit_code != 0
    assert "--scale 2" in result.output and "x4" in result.output


@pytest.mark.slow
def test_lama_inpaints_like_spandrel(tmp_path):
    """LaMa (random weights in big-lama's ``generator.model`` layout, 51 M parameters)
    through ``gantools.load("inpaint", weights=...)``: holes filled as spandrel fills
    them, known pixels passed through."""
    from spandrel.architectures.LaMa import LaMa

    torch.manual_seed(0)
    sd = {k.replace("model.model", "generator.model", 1): v
          for k, v in LaMa(in_nc=4, out_nc=3).state_dict().items()}
    path = tmp_path / "big-lama.ckpt"
    torch.save({"state_dict": sd}, path)
    del sd
    model = gantools.load("inpaint", weights=path, device="cpu", precision="fp32")
    assert model.config.purpose == "Inpainting" and model.config.multiple_of == 8
    x = _image(36, 44, seed=3)
    mask = torch.zeros(1, 1, 36, 44)
    mask[..., 8:20, 10:30] = 1
    out = model(x, mask=mask)
    import spandrel

    ref = spandrel.ModelLoader().load_from_file(str(path)).eval()(x, mask)
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=0)
    assert torch.equal(out[..., mask[0, 0] < 0.5], x[..., mask[0, 0] < 0.5])
