"""Memory of ``gantools superres``: the output is built band by band into its final
pixel array and written without a full in-memory copy, so peak RSS grows with about
the output's uint8 size, not with float copies of it; and the result still equals
the untiled one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gantools.imageio import LoadedImage, read_image
from gantools.inference.convert import PixelRows, image_to_tensor, tensor_to_pixels

TILE = 256
"""--tile for both runs: the baseline image is exactly one tile of the big run, so
both hold the same per-tile working set and their difference is what the output
size costs."""

SCALE = 4
BIG = (1400, 160)
"""Input height, width: 5600x640 output (10.75 MB as uint8 RGB). Tall and narrow, so
that the output outweighs the tiler's band (one tile high, full width) while the
run stays short; the code before streaming needed about 80 MB more here."""
MARGIN = 24 << 20
"""Allowance for allocator noise and the bounded temporaries (conversion slices, PNG
filter strips, one weighted tile)."""


def photo_like(height: int, width: int, seed: int) -> np.ndarray:
    """(height, width, 3) uint8: smooth random shapes (bicubic-upsampled noise) plus
    fine noise, so that the network and the PNG encoder see photo-like content."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (height // 8 + 1, width // 8 + 1, 3), dtype=np.uint8)
    smooth = np.asarray(Image.fromarray(coarse).resize((width, height), Image.BICUBIC))
    noise = rng.normal(0, 3, smooth.shape)
    return np.clip(smooth + noise, 0, 255).astype(np.uint8)


MEASURED_CLI = """
import sys
from pathlib import Path

import gantools
from gantools.cli import main

gantools.load(sys.argv[1], device="cpu")  # imports and weights: start-up, not measured
Path("/proc/self/clear_refs").write_text("5")  # reset the peak-RSS mark (Linux)
sys.argv = ["gantools", *sys.argv[2:]]
try:
    main()
finally:
    status = Path("/proc/self/status").read_text()
    peak_kb = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))
    Path(OUT).write_text(peak_kb)
"""


def peak_rss(args: list[str], model: str, env: dict[str, str], cwd: Path) -> int:
    """Run ``gantools ARGS`` in a child that first loads ``model`` (imports, weights),
    then resets the kernel's peak-RSS mark; the peak in bytes while the command ran.

    Start-up transients (imports, weight loading) are larger than this test's
    inference, so they are left out; glibc's mmap threshold is pinned (its default
    adapts to earlier frees, which made the measure swing by tens of MB between
    identical runs)."""
    out = cwd / "peak_kb.txt"
    script = MEASURED_CLI.replace("OUT", repr(str(out)))
    env = dict(env, MALLOC_MMAP_THRESHOLD_="131072")
    with open(cwd / "log.txt", "wb") as log:
        proc = subprocess.run([sys.executable, "-c", script, model, *args], env=env,
                              cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    assert proc.returncode == 0, (cwd / "log.txt").read_text()
    return int(out.read_text()) * 1024


def can_reset_peak_rss() -> bool:
    """Linux lets a process reset its own VmHWM through /proc/self/clear_refs."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return "VmHWM" in Path("/proc/self/status").read_text()
    except OSError:
        return False


@pytest.mark.skipif(not can_reset_peak_rss(), reason="needs Linux /proc/self/clear_refs")
def test_superres_peak_memory_and_result(tmp_path: Path) -> None:
    Image.fromarray(photo_like(TILE, BIG[1], 1)).save(tmp_path / "tiny.png")
    Image.fromarray(photo_like(*BIG, 2)).save(tmp_path / "big.png")
    env = dict(os.environ, OMP_NUM_THREADS="1", GANTOOLS_STREAM_WRITE_PIXELS="0")
    common = ["--model", "superres", "--device", "cpu", "--no-progress", "--tile", str(TILE),
              "-o", str(tmp_path / "out")]
    base = peak_rss(["superres", str(tmp_path / "tiny.png"), *common], "superres", env,
                    tmp_path)
    big = peak_rss(["superres", str(tmp_path / "big.png"), *common], "superres", env,
                   tmp_path)

    out_h, out_w = BIG[0] * SCALE, BIG[1] * SCALE
    out_bytes = out_h * out_w * 3
    band_bytes = 3 * TILE * SCALE * out_w * 4  # the tiler's float32 band
    assert big - base < 1.5 * out_bytes + band_bytes + MARGIN, (big, base)

    import gantools
    from gantools.inference.single import infer_image

    model = gantools.load("superres", model="superres", device="cpu")  # as the CLI
    img = read_image(tmp_path / "big.png")
    ref, _ = infer_image(model.task, model, model.task.InferOptions(), image_to_tensor(img),
                         tile=0)
    expected = tensor_to_pixels(ref, img).astype(int)
    got = read_image(tmp_path / "out" / "big.png").pixels.astype(int)
    assert got.shape == expected.shape == (out_h, out_w, 3)
    assert (np.abs(got - expected) <= 1).mean() >= 0.999


@pytest.mark.parametrize("gray, depth", [(False, 8), (True, 8), (False, 16)])
def test_pixel_rows_equal_tensor_to_pixels(gray: bool, depth: int) -> None:
    torch.manual_seed(0)
    full = torch.rand(1, 3, 37, 23) * 1.4 - 0.2  # some values outside [0, 1]
    like = LoadedImage(np.zeros((1, 1, 1 if gray else 3),
                                np.uint8 if depth == 8 else np.uint16), bit_depth=depth)
    sink = PixelRows(37, 23, gray, depth)
    for y, n in ((0, 5), (5, 20), (25, 12)):
        sink(y, full[:, :, y:y + n])
    assert np.array_equal(sink.pixels, tensor_to_pixels(full.clamp(0, 1), like))


def test_webp_too_large_fails_before_inference(tmp_path: Path, monkeypatch) -> None:
    from click.testing import CliRunner

    from gantools.cli import app
    from gantools.inference import steps

    def no_inference(*args, **kwargs):
        raise AssertionError("inference started")

    monkeypatch.setattr(steps, "stream_image", no_inference)
    Image.fromarray(np.zeros((8, 4100, 3), np.uint8)).save(tmp_path / "wide.png")
    result = CliRunner().invoke(app, ["superres", str(tmp_path / "wide.png"), "--model",
                                      "superres", "--device", "cpu", "--format", "webp",
                                      "--no-progress", "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "WEBP cannot store 16400x32 pixels (at most 16383 per side)" in result.output
