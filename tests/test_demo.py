"""``gantools demo``: the gallery, its timings, notes for missing or failing tasks,
the bundled sample photos, and every built-in task's demo hook on tiny models."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from gantools.cli import app
from gantools.registry import get_task
from gantools.task import DemoPanel, DemoRow, ImageTask

REPO = Path(__file__).resolve().parents[1]


def run_demo(out: Path, *extra: str):
    return CliRunner().invoke(app, ["demo", "-o", str(out), *extra], catch_exceptions=False)


def gallery_images(out: Path) -> list[str]:
    html = (out / "index.html").read_text(encoding="utf-8")
    return re.findall(r'<img src="([^"]+)"', html)


PANELS = {"superres": ["bicubic", "model", "original"],
          "inpaint": ["input (holes white)", "OpenCV Telea", "model", "original"],
          "colorize": ["gray input", "model", "original"]}
"""The panels of each image task's demo row, as the README's first command shows them."""


def test_demo_writes_gallery_with_timings(tmp_path):
    """Every built-in task (as the README's first command runs them), on the CPU."""
    out = tmp_path / "gallery"
    result = run_demo(out, "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == str(out / "index.html")
    report = json.loads((out / "demo.json").read_text())
    tasks = {t["name"]: t for t in report["tasks"]}
    assert set(tasks) >= {"generate", "superres", "inpaint", "colorize"}
    for name in ("generate", "superres", "inpaint", "colorize"):
        assert re.search(rf"\[\d/\d\] {name}: ok", result.stderr), name
    sources = gallery_images(out)
    assert sources and all(not Path(s).is_absolute() for s in sources)
    assert all((out / s).is_file() for s in sources)
    for name in tasks:
        assert any(name in s for s in sources), name
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "bicubic" in html and "original" in html and re.search(r"\d+ ms", html)
    for task in tasks.values():
        assert task["status"] == "ok" and task["load_s"] >= 0
        assert any(label.startswith("model") for label in task["mean_seconds"])
    assert "bicubic" in tasks["superres"]["mean_seconds"]
    assert "OpenCV Telea" in tasks["inpaint"]["mean_seconds"]
    for name, labels in PANELS.items():
        rows = tasks[name]["rows"]
        assert len(rows) == len(report["meta"]["photos"]), name
        for row in rows:  # every panel of a row has the original's size
            assert [p["label"] for p in row["panels"]] == labels, name
            assert len({(p["width"], p["height"]) for p in row["panels"]}) == 1, name
    for name, baseline in (("superres", "bicubic"), ("inpaint", "OpenCV Telea"),
                           ("colorize", "gray input")):  # the model panel is its own
        panels = {p["label"]: p for p in tasks[name]["rows"][0]["panels"]}
        model, base = (np.asarray(Image.open(out / panels[k]["file"])).astype(int)
                       for k in ("model", baseline))
        assert np.abs(model - base).mean() > 0.5, name


def test_missing_model_is_a_note_and_others_still_run(tmp_path, monkeypatch):
    monkeypatch.setattr(get_task("superres"), "default_model", "not-shipped")
    out = tmp_path / "g"
    result = run_demo(out, "--tasks", "superres,generate")
    assert result.exit_code == 0, result.output  # nothing shipped is not a failure
    assert "superres: no shipped model" in result.stderr
    assert "gantools train superres" in result.stderr
    html = (out / "index.html").read_text(encoding="utf-8")
    assert 'class="note"' in html and "no shipped model" in html
    sources = gallery_images(out)
    assert sources and all("generate" in s for s in sources)


def test_failing_task_is_a_note_exit_1(tmp_path, monkeypatch):
    def boom(model, photos):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(get_task("generate"), "demo", boom)
    out = tmp_path / "g"
    result = run_demo(out, "--tasks", "generate,superres")
    assert result.exit_code == 1  # generate has a shipped model, so its failure counts
    assert "generate: failed: RuntimeError: boom" in result.stderr
    assert "second line" not in result.stderr
    assert "demo failed for generate" in result.stderr
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "failed: RuntimeError: boom" in html
    assert any("superres" in s for s in gallery_images(out))  # the others still ran


def test_unknown_task_is_a_usage_error(tmp_path):
    result = run_demo(tmp_path / "g", "--tasks", "generate,nope")
    assert result.exit_code == 2 and "nope" in result.output
    assert not (tmp_path / "g").exists()


def test_samples_are_bundled_and_readable():
    folder = resources.files("gantools").joinpath("samples")
    photos = sorted(e.name for e in folder.iterdir() if e.name.endswith(".jpg"))
    assert len(photos) >= 3
    sources = folder.joinpath("SOURCES.md").read_text(encoding="utf-8")
    for name in photos:
        data = folder.joinpath(name).read_bytes()
        assert len(data) < 80 * 1024, name
        with Image.open(io.BytesIO(data)) as image:
            assert image.mode == "RGB" and 384 <= max(image.size) <= 512
            assert image.width % 16 == 0 and image.height % 16 == 0
        assert name in sources
    pyproject = (REPO / "pyproject.toml").read_text()
    assert '"samples/*.jpg"' in pyproject and '"samples/*.md"' in pyproject


TINY = {"generate": {"width": 8, "size": 28, "channels": 1, "num_classes": 3},
        "superres": {"width": 8, "blocks": 1, "scale": 2},
        "inpaint": {"width": 8, "blocks": 1},
        "colorize": {"width": 8, "levels": 3}}
"""Tiny configurations: every demo hook runs, with random weights, in a blink."""


def tiny_model(name: str):
    import torch

    from gantools.api import LoadedModel

    task = get_task(name)
    cfg = task.config_from_dict(TINY[name])
    generator = task.build_generator(cfg).eval()
    return LoadedModel(task, generator, cfg, {}, torch.device("cpu"), Path("tiny"))


def small_photos() -> list[np.ndarray]:
    from gantools.demo import sample_photos

    return [np.asarray(Image.fromarray(p).resize((64, 48))) for _, p in sample_photos()[:2]]


@pytest.mark.parametrize("name,labels", [
    ("superres", ["bicubic", "model", "original"]),
    ("inpaint", ["input (holes white)", "OpenCV Telea", "model", "original"]),
    ("colorize", ["gray input", "model", "original"]),
])
def test_image_task_demo_hooks(name, labels):
    photos = small_photos()
    rows = get_task(name).demo(tiny_model(name), photos)
    assert len(rows) == len(photos)
    for row, photo in zip(rows, photos, strict=True):
        assert [p.label for p in row.panels] == labels and row.caption
        for panel in row.panels:
            assert panel.image.dtype == np.uint8 and panel.image.shape == photo.shape
        assert row.panels[labels.index("model")].seconds is not None
    if name == "inpaint":  # known pixels kept, holes white in the input panel
        shown, _, filled, truth = (p.image for p in rows[0].panels)
        known = (shown != 255).any(axis=2)
        assert (filled[known] == truth[known]).all()


def test_generate_demo_is_one_row_per_class():
    rows = get_task("generate").demo(tiny_model("generate"), [])
    assert len(rows) == 1 and len(rows[0].panels) == 1
    grid = rows[0].panels[0].image
    assert grid.dtype == np.uint8 and grid.shape[2] == 3
    assert grid.shape[0] == 3 * 30 + 2  # three classes, 28 px + 2 px padding each


@dataclass
class _NoOptions:
    pass


class _Invert(ImageTask):
    name = "invert"
    InferOptions = _NoOptions

    def infer(self, model, image, options):
        return 1 - image


def test_default_image_task_demo_is_input_and_output():
    import torch

    from gantools.api import LoadedModel

    model = LoadedModel(_Invert(), torch.nn.Identity(), None, {}, torch.device("cpu"),
                        Path("x"))
    photo = small_photos()[0]
    rows = _Invert().demo(model, [photo])
    assert isinstance(rows[0], DemoRow) and all(isinstance(p, DemoPanel)
                                                for p in rows[0].panels)
    assert [p.label for p in rows[0].panels] == ["input", "model"]
    assert (rows[0].panels[1].image == 255 - photo).all()
