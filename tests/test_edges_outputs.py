"""Issue 22, outputs: one rule for -o (a file for one input, else a folder), one rule
for existing outputs (refuse, --overwrite, --skip-existing), folders checked before
inference, plain progress lines into files, inpaint's kept pixels stay exact."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from gantools.cli import app


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def photo(path: Path, size: tuple[int, int] = (24, 16)) -> Path:
    rng = np.random.default_rng(0)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)).save(path)
    return path


@pytest.fixture
def no_model(monkeypatch):
    """Any model load fails the test: the checks must come before it."""
    import gantools.api

    def refuse(*_, **__):
        raise AssertionError("the model was loaded before the output checks")

    monkeypatch.setattr(gantools.api, "load", refuse)


# ----- -o FILE for one input, a folder for several -------------------------------------
def test_one_input_with_o_file_writes_that_file(tmp_path: Path):
    src = photo(tmp_path / "photo.png")
    out = tmp_path / "result" / "big.png"
    result = invoke("superres", str(src), "-o", str(out), "--model", "superres-x2")
    assert result.exit_code == 0, result.output
    assert out.is_file()
    with Image.open(out) as im:
        assert im.size == (48, 32) and im.format == "PNG"


def test_one_input_with_o_jpg_writes_jpeg(tmp_path: Path):
    src = photo(tmp_path / "photo.png")
    out = tmp_path / "big.jpg"
    result = invoke("superres", str(src), "-o", str(out), "--model", "superres-x2")
    assert result.exit_code == 0, result.output
    with Image.open(out) as im:
        assert im.format == "JPEG"


@pytest.mark.parametrize("inputs", [["folder"], ["folder/a.png", "folder/b.png"]])
def test_a_file_name_for_several_inputs_is_refused_with_a_hint(inputs, tmp_path: Path,
                                                               no_model):
    photo(tmp_path / "folder" / "a.png")
    photo(tmp_path / "folder" / "b.png")
    out = tmp_path / "out.png"
    result = invoke("superres", *[str(tmp_path / i) for i in inputs], "-o", str(out))
    assert result.exit_code == 2
    assert "give a folder, e.g. -o" in result.output
    assert not out.exists()


def test_an_unknown_extension_is_refused(tmp_path: Path, no_model):
    src = photo(tmp_path / "photo.png")
    result = invoke("colorize", str(src), "-o", str(tmp_path / "out.xyz"))
    assert result.exit_code == 2 and "not an image format" in result.output


def test_format_contradicting_the_file_is_refused(tmp_path: Path, no_model):
    src = photo(tmp_path / "photo.png")
    result = invoke("superres", str(src), "-o", str(tmp_path / "o.jpg"), "--format", "png")
    assert result.exit_code == 2 and "extension sets the format" in result.output


def test_an_existing_folder_stays_a_folder(tmp_path: Path):
    from gantools.inference.naming import output_is_file, output_path

    folder = tmp_path / "looks.png"
    folder.mkdir()
    assert not output_is_file(folder)
    assert output_path(tmp_path / "a.jpg", None, folder, "_x4", "same") == folder / "a.jpg"
    assert output_path(tmp_path / "a.jpg", None, tmp_path / "b.png", "_x4", "same") == \
        tmp_path / "b.png"


# ----- writable before inference ----------------------------------------------------------
def test_an_unwritable_output_folder_fails_before_the_model_runs(tmp_path: Path, no_model):
    src = photo(tmp_path / "photo.png")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = invoke("superres", str(src), "-o", str(blocker / "out"))
    assert result.exit_code == 1
    assert "cannot write into" in result.output


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() == 0,
                    reason="root writes into read-only folders")
def test_a_read_only_folder_fails_before_the_model_runs(tmp_path: Path, no_model):
    src = photo(tmp_path / "photo.png")
    locked = tmp_path / "ro"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = invoke("superres", str(src), "-o", str(locked))
    finally:
        locked.chmod(0o700)
    assert result.exit_code == 1 and "permission denied" in result.output


def test_the_writability_check_leaves_nothing_behind(tmp_path: Path):
    from gantools.inference.naming import check_writable_folder

    check_writable_folder(tmp_path / "new" / "deep")
    assert list((tmp_path / "new" / "deep").iterdir()) == []


# ----- existing outputs: one rule ------------------------------------------------------------
def test_generate_refuses_to_replace_a_grid_unless_told(tmp_path: Path):
    grid = tmp_path / "grid.png"
    grid.write_bytes(b"mine")
    result = invoke("generate", "-n", "2", "--model", "mnist", "-o", str(grid))
    assert result.exit_code == 1 and "exists; use --overwrite" in result.output
    assert grid.read_bytes() == b"mine"
    result = invoke("generate", "-n", "2", "--model", "mnist", "-o", str(grid),
                    "--skip-existing")
    assert result.exit_code == 0 and grid.read_bytes() == b"mine"
    result = invoke("generate", "-n", "2", "--model", "mnist", "-o", str(grid), "--overwrite")
    assert result.exit_code == 0 and grid.read_bytes() != b"mine"


def test_generate_skip_existing_writes_only_missing_images(tmp_path: Path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    (folder / "0001.png").write_bytes(b"mine")
    result = invoke("generate", "-n", "3", "--model", "mnist", "--out-dir", str(folder))
    assert result.exit_code == 1 and "0001.png: exists" in result.output
    assert not (folder / "0000.png").exists()
    result = invoke("generate", "-n", "3", "--model", "mnist", "--out-dir", str(folder),
                    "--skip-existing")
    assert result.exit_code == 0, result.output
    assert (folder / "0001.png").read_bytes() == b"mine"
    assert (folder / "0000.png").is_file() and (folder / "0002.png").is_file()


def test_generate_refuses_both_flags(tmp_path: Path):
    result = invoke("generate", "-n", "2", "--model", "mnist", "-o", str(tmp_path / "g.png"),
                    "--overwrite", "--skip-existing")
    assert result.exit_code != 0 and "not both" in result.output


@pytest.mark.parametrize("command", ["export", "convert"])
def test_weights_outputs_are_not_replaced_silently(command, tmp_path: Path):
    out = tmp_path / "mine.safetensors"
    out.write_bytes(b"precious")
    source = tmp_path / "src.pt"
    source.write_bytes(b"")
    args = (["export", str(tmp_path), "-o", str(out)] if command == "export" else
            ["convert", "superres", str(source), "-o", str(out)])
    result = invoke(*args)
    assert result.exit_code == 1
    assert "exists; use --overwrite" in result.output
    assert out.read_bytes() == b"precious"
    result = invoke(*args, "--overwrite")
    assert "exists" not in result.output  # gets past the check (then fails on the input)


# ----- progress into a file or pipe -----------------------------------------------------------
def test_progress_lines_have_no_carriage_returns():
    from gantools.progress_bar import ProgressLines

    sink = io.StringIO()
    bar = ProgressLines(total=4, unit="img", interval=0.0, file=sink)
    for _ in range(4):
        bar.update(1)
    bar.set_postfix_str("photo.png")
    bar.close()
    text = sink.getvalue()
    assert "\r" not in text
    assert text.splitlines()[-1].startswith("img: 4/4 (100%)")
    assert "photo.png" in text.splitlines()[-1]


def test_a_batch_with_progress_into_a_pipe_prints_lines(tmp_path: Path):
    src = photo(tmp_path / "photo.png")
    result = invoke("superres", str(src), "-o", str(tmp_path / "o.png"), "--model",
                    "superres-x2", "--progress")  # the runner's stderr is no terminal
    assert result.exit_code == 0, result.output
    assert "\r" not in result.output
    assert "img: 1/1 (100%)" in result.output


def test_training_progress_into_a_pipe_prints_lines(monkeypatch):
    from gantools import progress_bar

    bar = progress_bar.progress_bar(10, "step", True, initial=3)
    assert isinstance(bar, progress_bar.ProgressLines) and bar.n == 3
    monkeypatch.setattr(progress_bar, "stderr_is_terminal", lambda: True)
    assert not isinstance(progress_bar.progress_bar(10, "step", True),
                          progress_bar.ProgressLines)


# ----- inpaint: exact kept pixels, all-white masks ---------------------------------------------
def test_inpaint_gives_png_for_jpeg_inputs_and_keeps_pixels_exactly(tmp_path: Path):
    from gantools.imageio import read_image

    src = tmp_path / "photo.jpg"
    rng = np.random.default_rng(3)
    Image.fromarray(rng.integers(0, 255, (32, 40, 3), dtype=np.uint8)).save(src, quality=80)
    mask = np.zeros((32, 40), np.uint8)
    mask[8:16, 10:20] = 255
    Image.fromarray(mask).save(tmp_path / "m.png")
    result = invoke("inpaint", str(src), "--mask", str(tmp_path / "m.png"))
    assert result.exit_code == 0, result.output
    out = tmp_path / "photo_inpainted.png"
    assert out.is_file() and not (tmp_path / "photo_inpainted.jpg").exists()
    kept = mask == 0
    assert np.array_equal(read_image(out).pixels[kept], read_image(src).pixels[kept])


def test_inpaint_help_says_jpeg_becomes_png():
    result = invoke("inpaint", "--help")
    assert "so do JPEG and WEBP inputs" in " ".join(result.output.split())


def test_inpaint_refuses_an_all_white_mask(tmp_path: Path):
    src = photo(tmp_path / "photo.png", (20, 12))
    Image.fromarray(np.full((12, 20), 255, np.uint8)).save(tmp_path / "white.png")
    result = invoke("inpaint", str(src), "--mask", str(tmp_path / "white.png"))
    assert result.exit_code == 1
    assert "mask is white everywhere" in result.output
    assert not (tmp_path / "photo_inpainted.png").exists()


def test_inpaint_refuses_an_all_white_mask_in_python():
    import gantools

    with pytest.raises(ValueError, match="white everywhere"):
        gantools.load("inpaint")(np.zeros((12, 20, 3), np.uint8),
                                 mask=np.full((12, 20), 255, np.uint8))


def test_tile_help_counts_the_overlap_and_names_the_models():
    from gantools.api import load  # noqa: F401 - the help reads the card only
    from gantools.registry import get_task

    task = get_task("superres")
    from gantools.weights import find_weights

    card = find_weights(task.default_model, task="superres").card
    overlap = task.tile_overlap(task.config_from_dict(card["config"]))
    text = " ".join(invoke("superres", "--help").output.split())
    assert "overlap included" in text
    assert f"The default model's overlap is {overlap} pixels" in text
