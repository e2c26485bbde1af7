"""``gantools ui``: each tab's handler on a small image, through the same function
the page calls (no server, no browser); the page's safety rules; the Task hook."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("gradio", reason="the ui extra (gradio) is not installed")

from ui_server import photo_array, small_photo  # noqa: E402

from gantools.registry import get_task  # noqa: E402
from gantools.ui.context import UIContext  # noqa: E402


@pytest.fixture
def ui(tmp_path: Path) -> UIContext:
    ctx = UIContext(tmp_path / "server", "cpu", "fp32")
    ctx.results.mkdir(parents=True)
    return ctx


def pixels(path: str | Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB")).astype(int)


def page_message(ui: UIContext, fn, *args) -> str:
    """The line the page shows when ``fn(*args)`` fails (it must fail)."""
    import gradio as gr

    with pytest.raises(gr.Error) as info:
        ui.run(fn, *args)
    message = info.value.message
    assert "\n" not in message and "Traceback" not in message
    return message


# ----- superres ---------------------------------------------------------------
def test_superres_tab_upscales_with_the_chosen_scale(ui: UIContext, tmp_path: Path) -> None:
    from gantools.plugins.superres.ui import bicubic_before, models_of_scale
    from gantools.ui.image_tab import run_image_tab

    task = get_task("superres")
    assert "superres" in models_of_scale(ui, task, 4)
    assert models_of_scale(ui, task, 2) == ["superres-real-x2", "superres-x2"]
    assert models_of_scale(ui, task, 4)[0] == "superres-real"
    upload = small_photo(tmp_path / "photo.png", 48, 32)
    for model, scale in (("superres", 4), ("superres-x2", 2)):
        (before, after), download, status = ui.run(
            run_image_tab, ui, task, str(upload), model, {"scale": scale}, None,
            bicubic_before)
        assert download == after and Path(after).parent.parent == ui.results
        assert Image.open(after).size == Image.open(before).size == (48 * scale, 32 * scale)
        assert f"48x32 -> {48 * scale}x{32 * scale}" in status
        assert np.abs(pixels(after) - pixels(before)).mean() > 0.5  # not just bicubic


def test_superres_scale_that_does_not_fit_the_model_is_one_line(ui: UIContext,
                                                                tmp_path: Path) -> None:
    from gantools.ui.image_tab import run_image_tab

    upload = small_photo(tmp_path / "photo.png", 24, 16)
    message = page_message(ui, run_image_tab, ui, get_task("superres"), str(upload),
                           "superres", {"scale": 2})
    assert "upscales x4" in message


def test_superres_texture_blends_without_changing_the_cached_model(ui: UIContext,
                                                                   tmp_path: Path) -> None:
    from gantools.ui.image_tab import run_image_tab

    task = get_task("superres")
    upload = small_photo(tmp_path / "photo.png", 24, 16)
    outputs = {}
    for name, model, texture in (("plain", "superres-real", 0.0),
                                 ("texture", "superres-real", 1.0),
                                 ("gan", "superres-real-gan", 0.0),
                                 ("again", "superres-real", 0.0)):
        (_, after), _, _ = ui.run(run_image_tab, ui, task, str(upload), model,
                                  {"scale": 4, "texture": texture}, None, None)
        outputs[name] = pixels(after)
    assert np.array_equal(outputs["texture"], outputs["gan"])
    assert np.array_equal(outputs["again"], outputs["plain"])
    assert not np.array_equal(outputs["texture"], outputs["plain"])
    message = page_message(ui, run_image_tab, ui, task, str(upload), "superres",
                           {"scale": 4, "texture": 0.5})
    assert "--texture blends a GAN model into a shipped one" in message


# ----- colorize ---------------------------------------------------------------
def test_colorize_tab_gives_colour_and_obeys_saturation(ui: UIContext, tmp_path: Path) -> None:
    from gantools.plugins.colorize.ui import gray_before
    from gantools.ui.image_tab import run_image_tab

    task = get_task("colorize")
    upload = small_photo(tmp_path / "gray.png", 64, 48, gray=True)
    outs = {}
    for saturation in (0.0, 1.5):
        (before, after), _, status = ui.run(run_image_tab, ui, task, str(upload), "colorize",
                                            {"size": 64, "saturation": saturation}, None,
                                            gray_before)
        outs[saturation] = pixels(after)
        assert Image.open(after).mode == "RGB" and Image.open(after).size == (64, 48)
        assert Image.open(before).mode == "L"
    spread = {s: (o.max(axis=2) - o.min(axis=2)).mean() for s, o in outs.items()}
    assert spread[0.0] < 1.0 < spread[1.5]  # saturation 0 = gray, 1.5 = colour


# ----- inpaint ----------------------------------------------------------------
def editor_value(photo: np.ndarray, hole: np.ndarray) -> dict:
    """What the image editor sends: RGBA background and one painted RGBA layer."""
    h, w = hole.shape
    background = np.concatenate([photo, np.full((h, w, 1), 255, np.uint8)], 2)
    layer = np.zeros((h, w, 4), np.uint8)
    layer[hole] = (255, 0, 255, 153)
    return {"background": background, "layers": [layer], "composite": background}


def test_inpaint_tab_fills_the_painted_hole_only(ui: UIContext) -> None:
    from gantools.plugins.inpaint.ui import run_inpaint

    photo = photo_array(96, 64)
    hole = np.zeros((64, 96), bool)
    hole[20:40, 30:60] = True
    telea, filled, download, status = ui.run(run_inpaint, ui, get_task("inpaint"),
                                             editor_value(photo, hole), "inpaint", 2)
    out, cv = pixels(filled), pixels(telea)
    assert download == filled and out.shape == cv.shape == photo.shape
    grown = np.zeros_like(hole)
    grown[18:42, 28:62] = True
    assert np.array_equal(out[~grown], photo[~grown])  # known pixels exactly kept
    assert np.abs(out[hole] - photo[hole]).mean() > 1  # the hole was painted over
    assert "of the 96x64 photo filled" in status and "OpenCV Telea" in status


def test_inpaint_tab_without_a_hole_or_photo_says_so(ui: UIContext) -> None:
    from gantools.plugins.inpaint.ui import run_inpaint

    task = get_task("inpaint")
    photo = photo_array(32, 24)
    empty = editor_value(photo, np.zeros((24, 32), bool))
    assert "paint the hole" in page_message(ui, run_inpaint, ui, task, empty, "inpaint", 0)
    assert "upload a photo" in page_message(ui, run_inpaint, ui, task, None, "inpaint", 0)


# ----- generate ---------------------------------------------------------------
def test_generate_tab_grid_is_seeded_and_takes_a_class(ui: UIContext) -> None:
    from gantools.plugins.generate.ui import class_choices, run_generate

    task = get_task("generate")
    choices = class_choices(ui, task, "mnist")
    assert choices[0] == "any" and len(choices) == 11
    shown, grid, status = ui.run(run_generate, ui, task, "mnist", "3", 7, 9)
    again = ui.run(run_generate, ui, task, "mnist", "3", 7, 9)[1]
    other = ui.run(run_generate, ui, task, "mnist", "any", 8, 9)[1]
    assert np.array_equal(pixels(grid), pixels(again))
    assert not np.array_equal(pixels(grid), pixels(other))
    assert Image.open(grid).size == (3 * 30 + 2, 3 * 30 + 2)  # 3x3 grid, 2-pixel gaps
    assert Image.open(shown).size[0] >= 512
    assert "9 images from mnist (class 3, seed 7)" in status
    assert "count must be" in page_message(ui, run_generate, ui, task, "mnist", "any", 1, 0)
    assert "seed must be" in page_message(ui, run_generate, ui, task, "mnist", "any", -1, 4)


# ----- safety -------------------------------------------------------------------
def test_pixel_and_memory_guards_apply(ui: UIContext, monkeypatch: pytest.MonkeyPatch) -> None:
    from gantools.ui.image_tab import run_image_tab

    task = get_task("superres")
    (ui.root / "gradio").mkdir()  # where the server's uploads are
    upload = str(small_photo(ui.root / "gradio" / "photo.png", 48, 32))
    monkeypatch.setenv("GANTOOLS_MAX_PIXELS", "1000")
    message = page_message(ui, run_image_tab, ui, task, upload, "superres", {"scale": 4})
    assert message.startswith("photo.png: 48x32 = 1536 pixels exceeds the limit of 1000")
    with pytest.raises(ValueError, match="above the limit of 1000"):
        ui.check_pixels(48, 32)
    monkeypatch.delenv("GANTOOLS_MAX_PIXELS")
    monkeypatch.setenv("GANTOOLS_MAX_MEMORY", "1K")
    assert "of memory" in page_message(ui, run_image_tab, ui, task, upload, "superres",
                                       {"scale": 4})


def test_only_installed_models_and_safe_result_names(ui: UIContext) -> None:
    task = get_task("superres")
    with pytest.raises(ValueError, match="no superres model named"):
        ui.model(task, "../../weights/evil")
    path = ui.result_path("../../evil name\n.png")
    assert path.parent.parent == ui.results and path.name == "evil_name_.png"


def test_errors_are_one_line_without_server_paths(ui: UIContext) -> None:
    from gantools.ui.image_run import run_image

    def fails(text: str) -> None:
        raise ValueError(text)

    def crashes() -> None:
        raise ZeroDivisionError("division by zero")

    where = ui.root / "gradio" / "abc" / "photo.png"
    assert page_message(ui, fails, f"{where}: not an image\nmore") == "photo.png: not an image"
    assert page_message(ui, crashes) == "ZeroDivisionError: division by zero"
    task = get_task("superres")
    assert page_message(ui, run_image, ui, task, None, task.InferOptions(),
                        None) == "upload an image first"


# ----- the Task hook ------------------------------------------------------------
@dataclass
class ToyOptions:
    gain: float = dataclasses.field(default=1.0, metadata={"help": "Brightness factor."})
    steps: int = dataclasses.field(default=2, metadata={"help": "Steps.", "min": 1})
    flip: bool = False
    mode: Literal["a", "b"] = "a"
    path: str = ""


def test_option_controls_come_from_the_dataclass() -> None:
    import gradio as gr

    from gantools.ui.widgets import make_options, option_controls

    with gr.Blocks():
        controls = option_controls(ToyOptions)
    assert list(controls) == ["gain", "steps", "flip", "mode"]  # text fields left out
    assert isinstance(controls["mode"], gr.Dropdown) and controls["steps"].minimum == 1
    options = make_options(ToyOptions, ["gain", "steps"], (2.5, 3.0))
    assert options.steps == 3 and isinstance(options.steps, int) and options.path == ""
    with pytest.raises(ValueError, match="whole number"):
        make_options(ToyOptions, ["steps"], (2.5,))


def test_every_task_gets_its_tab_from_its_hook(ui: UIContext, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A third-party image task gets the default tab (and it runs); a task without a
    page gets no tab; a broken tab shows its error and the page still builds."""
    import torch

    from gantools.registry import Registry, default_registry
    from gantools.task import ImageTask, Task
    from gantools.ui.app import build_app
    from gantools.ui.image_tab import run_image_tab
    from gantools.weights import save_weights

    @dataclass
    class ToyConfig:
        channels: int = 3

    class Brighten(ImageTask):
        name, summary, Config, InferOptions = "brighten", "Brighter photos", ToyConfig, ToyOptions
        default_model = "brighten"

        def build_generator(self, cfg):
            return torch.nn.Conv2d(cfg.channels, cfg.channels, 1, bias=False)

        def infer(self, model, image, options):
            return (model.generator(image) * options.gain).clamp(0, 1)

    class Silent(Task):
        name, summary = "silent", "no page"

    class Broken(Task):
        name, summary = "broken", "bad page"

        def ui_tab(self, ui):
            raise RuntimeError("no widgets today\nsecond line")

    weights = tmp_path / "weights"
    weights.mkdir()
    identity = {"weight": torch.eye(3).reshape(3, 3, 1, 1)}
    save_weights(weights / "brighten.safetensors", identity,
                 {"task": "brighten", "config": {"channels": 3}})
    monkeypatch.setenv("GANTOOLS_WEIGHTS", str(weights))
    tasks = {"brighten": Brighten(), "silent": Silent(), "broken": Broken()}
    tasks.update(default_registry().tasks)
    page = build_app(ui, Registry(tasks=tasks))
    config = page.get_config_file()
    tabs = {c["props"]["label"]: c["props"].get("visible", True)
            for c in config["components"] if c["type"] == "tabitem"}
    assert tabs == {"brighten": True, "broken": True, "colorize": True, "generate": True,
                    "inpaint": True, "silent": False, "superres": True}
    texts = [str(c["props"].get("value")) for c in config["components"]
             if c["type"] == "markdown"]
    assert any("could not be built: no widgets today" in t and "second" not in t
               for t in texts)
    upload = small_photo(tmp_path / "photo.png", 20, 10)
    (_, after), _, status = ui.run(run_image_tab, ui, tasks["brighten"], str(upload),
                                   "brighten", {"gain": 2.0, "steps": 1, "flip": False,
                                                "mode": "a"})
    expected = np.clip(pixels(upload) * 2, 0, 255)
    assert np.abs(pixels(after) - expected).max() <= 1 and "20x10 -> 20x10" in status
