"""The hostile-input battery: every image command (superres, inpaint, colorize) runs
once over one folder holding every awkward case, generated here. Bad files get one
line on stderr naming the file and the reason (no traceback); every good file is
written correctly; the exit code is 1; ``--report`` records each outcome."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import gantools
from gantools.inference.naming import LOSSY_SUFFIXES

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Case:
    """One battery file: ``name`` relative to the folder; ``good`` files must be
    written; bad ones must fail with ``reason`` (a fragment of the message)."""

    name: str
    good: bool
    reason: str = ""
    mode: str = "RGB"  # expected output kind for good files: RGB, L, RGBA, LA, I;16
    size: tuple[int, int] = (0, 0)  # (width, height) of the input as displayed


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


def _bomb_png(w: int, h: int) -> bytes:
    """A valid PNG header claiming w x h pixels, with almost no data."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _png_chunk(b"IEND", b""))


def _photo(h: int, w: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([xx * 255 / max(w, 1), yy * 255 / max(h, 1), (xx + yy) % 256], -1)
    return np.clip(base + rng.normal(0, 10, base.shape), 0, 255).astype(np.uint8)


def make_battery(folder: Path) -> list[Case]:
    """Write every case into ``folder`` (sub-folder ``loop`` holds a symlink loop)."""
    folder.mkdir(parents=True)
    cases: list[Case] = []

    def save(name: str, img: Image.Image, mode: str, **kw: object) -> None:
        img.save(folder / name, **kw)
        cases.append(Case(name, True, mode=mode, size=img.size))

    png = io.BytesIO()
    Image.fromarray(_photo(40, 48)).save(png, "PNG")
    jpg = io.BytesIO()
    Image.fromarray(_photo(40, 48)).save(jpg, "JPEG")
    bad = {
        "empty.png": (b"", "empty file"),
        "truncated.png": (png.getvalue()[: len(png.getvalue()) // 2], "truncated"),
        "truncated.jpg": (jpg.getvalue()[: len(jpg.getvalue()) // 2], "truncated"),
        "text.png": (b"this is not an image\n" * 20, "not an image"),
        "bomb.png": (_bomb_png(100000, 100000), "pixels"),
    }
    for name, (data, reason) in bad.items():
        (folder / name).write_bytes(data)
        cases.append(Case(name, False, reason))
    (folder / "dir.png").mkdir()  # a directory with an image suffix: not an input
    save("one.png", Image.fromarray(_photo(1, 1)), "RGB")
    save("two_by_seven.png", Image.fromarray(_photo(7, 2)), "RGB")
    save("gray16.png", Image.fromarray(_photo(20, 24)[..., 0].astype(np.uint16) * 257),
         "I;16")
    rgba = np.dstack([_photo(20, 24), np.linspace(0, 255, 24 * 20).reshape(20, 24)])
    save("rgba.png", Image.fromarray(rgba.astype(np.uint8), "RGBA"), "RGBA")
    la = np.dstack([_photo(20, 24)[..., 0], np.full((20, 24), 128)]).astype(np.uint8)
    save("gray_alpha.png", Image.fromarray(la, "LA"), "LA")
    pal = Image.fromarray(_photo(20, 24)).convert("P", palette=Image.Palette.ADAPTIVE)
    pal.info["transparency"] = 0
    save("palette.png", pal, "RGBA", transparency=0)
    save("cmyk.jpg", Image.fromarray(_photo(20, 24)).convert("CMYK"), "RGB")
    rotated = Image.fromarray(_photo(20, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise when displayed
    rotated.save(folder / "rotated.jpg", exif=exif.tobytes())
    cases.append(Case("rotated.jpg", True, mode="RGB", size=(20, 30)))
    frames = [Image.fromarray(_photo(16, 20, s)).convert("P") for s in range(3)]
    frames[0].save(folder / "animated.gif", save_all=True, append_images=frames[1:])
    cases.append(Case("animated.gif", True, mode="RGB", size=(20, 16)))
    pages = [Image.fromarray(_photo(16, 20, s)) for s in range(2)]
    pages[0].save(folder / "pages.tif", save_all=True, append_images=pages[1:])
    cases.append(Case("pages.tif", True, mode="RGB", size=(20, 16)))
    save("with space.png", Image.fromarray(_photo(12, 14)), "RGB")
    odd = os.fsdecode(b"caf\xe9.png")  # not valid UTF-8
    Image.fromarray(_photo(12, 14)).save(os.fsencode(folder / odd), "PNG")
    cases.append(Case(odd, True, mode="RGB", size=(14, 12)))
    (folder / "loop").mkdir()
    os.symlink("..", folder / "loop" / "up")  # a symlink loop inside the folder
    if os.geteuid() != 0:  # root reads everything: the case cannot be made as root
        locked = folder / "locked.png"
        Image.fromarray(_photo(8, 8)).save(locked)
        locked.chmod(0)
        cases.append(Case("locked.png", False, "permission"))
    return cases


OUTPUT_KIND = {"superres": {}, "inpaint": {}, "colorize": {"L": "RGB", "LA": "RGBA",
                                                           "I;16": "RGB"}}
"""Expected output mode when it differs from the input's (colorize makes colour)."""


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory) -> dict[str, Path]:
    """superres: the shipped model; inpaint and colorize: tiny models trained 2 steps
    here (the battery checks the pipeline, not the quality)."""
    from gantools.commands.export import export_run

    root = tmp_path_factory.mktemp("weights")
    data = root / "data"
    data.mkdir()
    for i in range(3):
        Image.fromarray(_photo(48, 48, i)).save(data / f"p{i}.png")
    weights = {"superres": REPO / "gantools" / "pretrained" / "superres.safetensors"}
    small = {"inpaint": {"patch": 32, "width": 8, "blocks": 1},
             "colorize": {"patch": 32}}
    for name, cfg in small.items():
        gantools.train(name, data=str(data), out=str(root / name), steps=2, batch_size=2,
                       sample_every=0, workers=0, progress=False, command=["test"], **cfg)
        weights[name] = export_run(root / name, root / f"{name}.safetensors")
    return weights


def _run(args: list[str | os.PathLike[str]]) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "gantools", *map(os.fsencode, args)],
                          capture_output=True, env=env, timeout=300, cwd=REPO)


@pytest.mark.parametrize("task", ["superres", "inpaint", "colorize"])
def test_every_image_command_survives_the_battery(task, tiny_weights, tmp_path):
    folder = tmp_path / "battery"
    cases = make_battery(folder)
    if task == "inpaint":  # a mask beside every good image
        for case in cases:
            if case.good:
                w, h = case.size
                mask = np.zeros((h, w), np.uint8)
                mask[: max(1, h // 2), : max(1, w // 2)] = 255
                stem = os.fsencode(Path(case.name).stem)
                Image.fromarray(mask).save(os.fsencode(folder) + b"/" + stem + b"_mask.png")
    if task == "inpaint":
        # a 1x1 image can only get an all-white mask, which inpaint refuses; JPEG inputs
        # give PNG outputs (kept pixels stay exact), so truncated.jpg and truncated.png
        # claim the same output and the second is refused for that
        cases = [Case(c.name, False, "white everywhere") if c.name == "one.png" else
                 Case(c.name, False, "same output path") if c.name == "truncated.png" else c
                 for c in cases]
    out, report = tmp_path / "out", tmp_path / "report.json"
    missing = folder / "missing.png"
    result = _run([task, folder, missing, "--recursive", "-o", out, "--weights",
                   tiny_weights[task], "--device", "cpu", "--no-progress", "--report", report])
    stderr = result.stderr.decode("utf-8", "backslashreplace")
    assert result.returncode == 1, stderr
    assert "Traceback" not in stderr
    bad = [c for c in cases if not c.good] + [Case("missing.png", False, "no such file")]
    lines = [ln for ln in stderr.splitlines()
             if ln.startswith("gantools: ") and not ln.startswith("gantools: warning: ")]
    warned = [ln for ln in stderr.splitlines() if ln.startswith("gantools: warning: ")]
    assert not [ln for ln in warned for c in cases if not c.good and f"{c.name}: " in ln]
    for case in bad:
        mine = [ln for ln in lines if f"{case.name}: " in ln]
        assert len(mine) == 1, (case.name, stderr)
        assert case.reason in mine[0].lower(), (case.name, mine[0])
    assert len(lines) == len(bad), stderr
    scale = 4 if task == "superres" else 1
    for case in (c for c in cases if c.good):
        suffix = Path(case.name).suffix
        lossy_to_png = task == "inpaint" and suffix.lower() in LOSSY_SUFFIXES
        suffix = ".png" if suffix == ".gif" or lossy_to_png else suffix
        path = os.fsencode(out) + b"/" + os.fsencode(Path(case.name).stem + suffix)
        with Image.open(path) as img:
            w, h = case.size
            assert img.size == (w * scale, h * scale), case.name
            expected = OUTPUT_KIND[task].get(case.mode, case.mode)
            assert img.mode == expected, (case.name, img.mode)
    outcomes = json.loads(report.read_text())
    by_name = {Path(f["path"]).name: f["status"] for f in outcomes["files"]}
    for case in cases:
        assert by_name[case.name] == ("ok" if case.good else "failed"), case.name
    assert outcomes["summary"]["failed"] == len(bad)


def _superres_cli(*args: object):
    from click.testing import CliRunner

    from gantools.cli import app

    return CliRunner().invoke(app, ["superres", *map(str, args), "--model", "superres",
                                    "--device", "cpu", "--no-progress"],
                              catch_exceptions=False)


def test_disk_full_fails_each_file_cleanly_and_keeps_old_outputs(tmp_path, disk_full):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    for i in range(2):
        Image.fromarray(_photo(10, 12, i)).save(src / f"p{i}.png")
    (out / "p0.png").write_bytes(b"previous result")
    disk_full()
    result = _superres_cli(src, "-o", out, "--overwrite")
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = [ln for ln in result.output.splitlines() if ln.startswith("gantools: ")]
    assert len(lines) == 2 and all("no space left on device" in ln for ln in lines)
    assert (out / "p0.png").read_bytes() == b"previous result"  # untouched
    assert sorted(p.name for p in out.iterdir()) == ["p0.png"]  # nothing half-written


def test_unwritable_output_folder_is_one_clear_line(tmp_path, monkeypatch):
    from gantools import atomic

    Image.fromarray(_photo(10, 12)).save(tmp_path / "p.png")
    out = tmp_path / "out"
    out.mkdir()

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(out))

    monkeypatch.setattr(atomic.tempfile, "mkstemp", denied)
    result = _superres_cli(tmp_path / "p.png", "-o", out)
    assert result.exit_code == 1 and "Traceback" not in result.output
    line = next(ln for ln in result.output.splitlines() if ln.startswith("gantools: "))
    assert "p.png: cannot write" in line and "permission denied" in line.lower()
    assert list(out.iterdir()) == []


def test_existing_outputs_refused_skipped_or_replaced(tmp_path):
    Image.fromarray(_photo(10, 12)).save(tmp_path / "p.png")
    out = tmp_path / "out"
    out.mkdir()
    (out / "p.png").write_bytes(b"keep me")
    refused = _superres_cli(tmp_path / "p.png", "-o", out)
    assert refused.exit_code == 1 and "output exists (use --skip-existing or --overwrite)" \
        in refused.output
    skipped = _superres_cli(tmp_path / "p.png", "-o", out, "--skip-existing")
    assert skipped.exit_code == 0 and (out / "p.png").read_bytes() == b"keep me"
    replaced = _superres_cli(tmp_path / "p.png", "-o", out, "--overwrite")
    assert replaced.exit_code == 0
    with Image.open(out / "p.png") as img:
        assert img.size == (48, 40)
