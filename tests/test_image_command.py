"""The shared image command and Python call, through a fake x2 task (no weights)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from click.testing import CliRunner
from PIL import Image, ImageCms

import gantools.api
from gantools.api import LoadedModel
from gantools.imageio import read_image, write_image
from gantools.inference.command import make_image_command
from gantools.inference.naming import expand_inputs, output_path
from gantools.inference.pycall import call_on_image
from gantools.task import ImageTask


@dataclass
class FakeOptions:
    gain: float = field(default=1.0, metadata={"help": "Multiply the output."})


class FakeTask(ImageTask):
    """Nearest x2 upsampling times ``gain`` (a 3x3 box blur first when ``blur``)."""

    name = "fakeup"
    summary = "Fake x2 upscaler for tests."
    InferOptions = FakeOptions
    output_suffix = "_x2"
    blur = False

    def __init__(self) -> None:
        self.channels_seen: list[int] = []

    def scale(self, cfg: object) -> int:
        return 2

    def tile_overlap(self, cfg: object) -> int:
        return 4

    def infer(self, model: object, image: torch.Tensor, options: FakeOptions) -> torch.Tensor:
        self.channels_seen.append(image.shape[1])
        if self.blur:
            image = F.avg_pool2d(F.pad(image, (1, 1, 1, 1), mode="replicate"), 3, stride=1)
        return (F.interpolate(image, scale_factor=2, mode="nearest") * options.gain).clamp(0, 1)


class BlurTask(FakeTask):
    blur = True


def fake_model(task: FakeTask) -> LoadedModel:
    return LoadedModel(task, torch.nn.Identity(), None, {}, torch.device("cpu"), Path("fake"))


@pytest.fixture
def task(monkeypatch) -> FakeTask:
    t = FakeTask()
    monkeypatch.setattr(gantools.api, "load", lambda task, **kw: fake_model(task))
    return t


def run(task: FakeTask, *args: object):
    return CliRunner().invoke(make_image_command(task), [str(a) for a in args])


def up2(a: np.ndarray) -> np.ndarray:
    return a.repeat(2, axis=0).repeat(2, axis=1)


def rgb(h: int = 12, w: int = 10, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


# ----- naming -------------------------------------------------------------------
def test_output_path_rules(tmp_path: Path) -> None:
    src = tmp_path / "in" / "sub" / "a.JPG"
    assert output_path(src, None, None, "_x2", "same") == src.with_name("a_x2.JPG")
    assert output_path(src, None, tmp_path / "o", "_x2", "png") == tmp_path / "o" / "a.png"
    assert output_path(src, tmp_path / "in", tmp_path / "o", "_x2", "webp") == (
        tmp_path / "o" / "sub" / "a.webp")
    for ext in (".gif", ".ico", ".tga", ".ppm"):
        assert output_path(Path("b" + ext), None, None, "_x2", "same") == Path("b_x2.png")
    assert output_path(Path("c.tiff"), None, None, "", "tif") == Path("c.tif")


def test_expand_inputs_keeps_missing(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    write_image(tmp_path / "d" / "a.png", rgb())
    jobs = expand_inputs([tmp_path / "d", tmp_path / "missing.png"], recursive=False)
    assert jobs == [(tmp_path / "d" / "a.png", tmp_path / "d"), (tmp_path / "missing.png", None)]


# ----- command ------------------------------------------------------------------
def test_help_explains_naming(task: FakeTask) -> None:
    result = run(task, "--help")
    assert result.exit_code == 0
    assert "photo_x2.jpg" in result.output and "--recursive" in result.output
    assert "--gain" in result.output and "--tile-overlap" in result.output


def test_beside_input_and_gain(task: FakeTask, tmp_path: Path) -> None:
    px = rgb()
    write_image(tmp_path / "a.png", px)
    result = run(task, tmp_path / "a.png", "--gain", "0.5")
    assert result.exit_code == 0, result.output
    assert "1 written, 0 skipped, 0 failed" in result.output
    out = read_image(tmp_path / "a_x2.png").pixels
    expected = np.rint(up2(px).astype(np.float32) / 255 * 0.5 * 255).astype(np.uint8)
    assert np.abs(out.astype(int) - expected).max() <= 1
    assert task.channels_seen == [3]


def test_out_dir_recursive_and_format(task: FakeTask, tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    write_image(src / "a.jpg", rgb(seed=1))
    write_image(src / "sub" / "b.png", rgb(seed=2))
    result = run(task, src, "-o", tmp_path / "out", "--recursive", "--format", "png")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "a.png").exists()
    assert read_image(tmp_path / "out" / "sub" / "b.png").pixels.shape == (24, 20, 3)
    result = run(task, src, "-o", tmp_path / "flat")
    assert result.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "flat").iterdir()) == ["a.jpg"]


def test_rerun_beside_inputs_skips_earlier_outputs(task: FakeTask, tmp_path: Path) -> None:
    write_image(tmp_path / "a.png", rgb())
    assert run(task, tmp_path).exit_code == 0
    result = run(task, tmp_path, "--skip-existing")
    assert result.exit_code == 0
    assert "0 written, 2 skipped" in result.output
    assert not (tmp_path / "a_x2_x2.png").exists()


def test_gray_stays_gray(task: FakeTask, tmp_path: Path) -> None:
    px = rgb()[:, :, :1]
    write_image(tmp_path / "g.png", px)
    assert run(task, tmp_path / "g.png").exit_code == 0
    out = read_image(tmp_path / "g_x2.png")
    assert out.is_gray and np.array_equal(out.pixels, up2(px))
    assert task.channels_seen == [3]


def test_rgba_alpha_resized_not_inferred(task: FakeTask, tmp_path: Path) -> None:
    px = rgb()
    alpha = np.full(px.shape[:2], 128, np.uint8)
    write_image(tmp_path / "t.png", px, alpha)
    assert run(task, tmp_path / "t.png").exit_code == 0
    out = read_image(tmp_path / "t_x2.png")
    assert out.alpha is not None and out.alpha.shape == (24, 20)
    assert np.all(out.alpha == 128) and np.array_equal(out.pixels, up2(px))
    assert task.channels_seen == [3]


def test_16bit_exact_and_icc_kept(task: FakeTask, tmp_path: Path) -> None:
    px = np.random.default_rng(3).integers(0, 65536, (9, 11, 3), dtype=np.uint16)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    write_image(tmp_path / "d.png", px, icc_profile=icc)
    assert run(task, tmp_path / "d.png").exit_code == 0
    out = read_image(tmp_path / "d_x2.png")
    assert out.bit_depth == 16 and np.array_equal(out.pixels, up2(px))
    assert out.icc_profile == icc


def test_broken_file_reported_batch_goes_on(task: FakeTask, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bad.png").write_bytes(b"this is not an image")
    write_image(folder / "good.png", rgb())
    report = tmp_path / "report.json"
    result = run(task, folder, "-o", tmp_path / "out", "--report", report)
    assert result.exit_code == 1
    assert (tmp_path / "out" / "good.png").exists()
    lines = [ln for ln in result.stderr.splitlines() if "bad.png" in ln]
    assert len(lines) == 1 and lines[0].startswith(f"gantools: {folder / 'bad.png'}: ")
    assert "Traceback" not in result.output
    assert "1 written, 0 skipped, 1 failed" in result.stderr
    data = json.loads(report.read_text())
    status = {Path(f["path"]).name: f["status"] for f in data["files"]}
    assert status == {"bad.png": "failed", "good.png": "ok"}
    assert data["summary"]["failed"] == 1 and data["summary"]["written"] == 1


def test_existing_output(task: FakeTask, tmp_path: Path) -> None:
    write_image(tmp_path / "a.png", rgb())
    (tmp_path / "o").mkdir()
    write_image(tmp_path / "o" / "a.png", rgb(seed=9))
    result = run(task, tmp_path / "a.png", "-o", tmp_path / "o")
    assert result.exit_code == 1
    assert "output exists (use --skip-existing or --overwrite)" in result.output
    result = run(task, tmp_path / "a.png", "-o", tmp_path / "o", "--skip-existing")
    assert result.exit_code == 0 and "1 skipped" in result.output
    assert read_image(tmp_path / "o" / "a.png").pixels.shape == (12, 10, 3)
    result = run(task, tmp_path / "a.png", "-o", tmp_path / "o", "--overwrite")
    assert result.exit_code == 0
    assert read_image(tmp_path / "o" / "a.png").pixels.shape == (24, 20, 3)


def test_no_inputs_exit_2(task: FakeTask, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run(task, tmp_path / "empty")
    assert result.exit_code == 2 and "no input images found" in result.output
    assert run(task).exit_code == 2


def test_big_image_tiled_equals_untiled(tmp_path: Path, monkeypatch) -> None:
    task = BlurTask()
    monkeypatch.setattr(gantools.api, "load", lambda t, **kw: fake_model(task))
    write_image(tmp_path / "big.png", rgb(150, 203, seed=4))
    assert run(task, tmp_path / "big.png", "-o", tmp_path / "t0", "--tile", "0").exit_code == 0
    assert len(task.channels_seen) == 1
    result = run(task, tmp_path / "big.png", "-o", tmp_path / "t64", "--tile", "64")
    assert result.exit_code == 0, result.output
    assert len(task.channels_seen) > 2
    a = read_image(tmp_path / "t0" / "big.png").pixels.astype(int)
    b = read_image(tmp_path / "t64" / "big.png").pixels.astype(int)
    assert np.abs(a - b).max() <= 1
    result = run(task, tmp_path / "big.png", "-o", tmp_path / "t8", "--tile", "8")
    assert result.exit_code == 2 and "twice the tile overlap" in result.output


def test_import_does_not_load_torch() -> None:
    code = "import sys, gantools.inference.command; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


# ----- Python call --------------------------------------------------------------
@pytest.mark.parametrize("mode", ["RGB", "L", "RGBA", "LA", "P", "I;16"])
def test_call_pil(task: FakeTask, mode: str) -> None:
    im = Image.fromarray(rgb()).convert(mode) if mode != "I;16" else Image.fromarray(
        np.full((12, 10), 1000, np.uint16))
    out = fake_model(task)(im)
    assert isinstance(out, Image.Image) and out.size == (20, 24)
    assert out.mode == {"P": "RGB"}.get(mode, mode)
    if mode == "I;16":
        assert np.all(np.asarray(out) == 1000)
    assert set(task.channels_seen) == {3}


@pytest.mark.parametrize("shape, dtype", [((12, 10), np.uint8), ((12, 10, 3), np.uint16),
                                          ((12, 10, 3), np.float32), ((12, 10, 4), np.uint8)])
def test_call_numpy(task: FakeTask, shape: tuple[int, ...], dtype: type) -> None:
    rng = np.random.default_rng(5)
    a = rng.random(shape).astype(dtype) if dtype == np.float32 else rng.integers(
        0, np.iinfo(dtype).max, shape, dtype=dtype)
    out = call_on_image(task, fake_model(task), a, FakeOptions())
    assert out.dtype == a.dtype and out.shape == (24, 20, *shape[2:])
    if dtype != np.float32:  # colour exact; alpha (4th channel) is resized bicubic
        assert np.array_equal(out[..., :3], up2(a)[..., :3])


@pytest.mark.parametrize("shape", [(1, 3, 12, 10), (3, 12, 10)])
def test_call_tensor(task: FakeTask, shape: tuple[int, ...]) -> None:
    x = torch.rand(shape)
    out = fake_model(task)(x, gain=0.5)
    assert isinstance(out, torch.Tensor) and out.shape == (*shape[:-2], 24, 20)
    assert out.dtype == x.dtype and not out.is_inference()
    expected = F.interpolate(x.reshape(1, 3, 12, 10), scale_factor=2) * 0.5
    assert torch.allclose(out.reshape(expected.shape), expected, atol=1e-6)


def test_interrupt_stops_batch_and_reports(task: FakeTask, tmp_path: Path, monkeypatch) -> None:
    for name in ("a.png", "b.png"):
        write_image(tmp_path / name, rgb())

    def stop(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(task, "infer", stop)
    report = tmp_path / "r.json"
    result = run(task, tmp_path / "a.png", tmp_path / "b.png", "-o", tmp_path / "o",
                 "--report", report)
    assert result.exit_code == 130 and "interrupted: 0 written" in result.output
    assert json.loads(report.read_text())["summary"]["interrupted"] is True
    assert list((tmp_path / "o").iterdir()) == []


def test_memory_guard_refuses_with_the_numbers(task: FakeTask, tmp_path: Path,
                                               monkeypatch) -> None:
    monkeypatch.setenv("GANTOOLS_MAX_MEMORY", "2M")
    Image.fromarray(rgb(400, 300)).save(tmp_path / "big.png")
    Image.fromarray(rgb(8, 8)).save(tmp_path / "small.png")
    result = run(task, tmp_path / "big.png", tmp_path / "small.png", "-o", tmp_path / "out")
    assert result.exit_code == 1
    line = next(ln for ln in result.output.splitlines() if "big.png" in ln)
    assert "a 300x400 image (output 600x800) needs about" in line and "MB is available" in line
    assert (tmp_path / "out" / "small.png").exists()


def test_memory_sizes_and_tile_budget(monkeypatch) -> None:
    from gantools.memory import available_memory, image_job_bytes, parse_bytes
    from gantools.tiling import DEFAULT_BUDGET, tile_budget

    assert parse_bytes("3G") == 3 << 30 and parse_bytes("512M") == 512 << 20
    assert parse_bytes("1048576") == 1 << 20
    monkeypatch.setenv("GANTOOLS_MAX_MEMORY", "1G")
    assert available_memory() <= 1 << 30
    assert tile_budget("cpu") == DEFAULT_BUDGET // 4
    # x4 of 6000x4000 to PNG (streamed): about 1.15 GB of output pixels dominates
    need = image_job_bytes(4000, 6000, 4, 3, 3, 8, False, 512, True)
    assert 1.15e9 < need < 2.5e9
