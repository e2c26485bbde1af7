"""Issue 22, errors: every command's failures are one line (never a traceback), bad
numbers and devices are refused before any work, typos get a hint."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click
import pytest
import torch
from click.testing import CliRunner

from gantools.cli import CORE_COMMANDS, app
from gantools.cli_options import as_reported, dataclass_options, friendly_errors
from gantools.engine.config import check_ranges, opt


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def one_line_error(result) -> str:
    """The error line of a failed run; fails when a traceback or exception escaped."""
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.output
    return lines[0]


# ----- generate -o: missing folder, bad extension, no extension, unwritable --------
def test_generate_creates_a_missing_output_folder(tmp_path: Path):
    target = tmp_path / "gen" / "new" / "deep" / "g.png"
    result = invoke("generate", "-n", "4", "--model", "mnist", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.is_file()


def test_generate_refuses_an_unknown_extension_in_one_line(tmp_path: Path):
    result = invoke("generate", "-n", "4", "--model", "mnist", "-o", str(tmp_path / "g.xyz"))
    assert result.exit_code == 2
    assert "'.xyz' is not an image format" in one_line_error(result)
    assert not (tmp_path / "g.xyz").exists()


def test_generate_without_extension_writes_a_folder_of_images(tmp_path: Path):
    result = invoke("generate", "-n", "3", "--model", "mnist", "-o", str(tmp_path / "grid"))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "grid").iterdir()) == [
        "0000.png", "0001.png", "0002.png"]


def test_generate_into_an_unwritable_place_is_one_line(tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = invoke("generate", "-n", "2", "--model", "mnist", "-o",
                    str(blocker / "sub" / "g.png"))
    assert result.exit_code == 1
    assert "cannot write into" in one_line_error(result)


def test_image_write_errors_become_one_line():
    from gantools.imageio import ImageWriteError

    @click.command()
    @friendly_errors
    def cmd() -> None:
        raise ImageWriteError("out/g.png: permission denied")

    result = CliRunner().invoke(cmd, [])
    assert result.exit_code == 1
    assert one_line_error(result) == "Error: out/g.png: permission denied"


def test_os_errors_name_the_file_and_hide_temporary_names():
    err = FileNotFoundError(2, "No such file or directory", "/x/.report.html.abc123.tmp")
    assert str(as_reported(err).message) == "cannot write into /x: no such file or directory"
    err = PermissionError(13, "Permission denied", "/x/scores.json")
    assert as_reported(err).message == "/x/scores.json: permission denied"


def test_click_exit_is_not_turned_into_an_error():
    assert as_reported(click.exceptions.Exit(0)) is None
    assert as_reported(ZeroDivisionError("a bug keeps its traceback")) is None


def test_root_group_reports_errors_of_undecorated_commands(monkeypatch):
    @click.command("boom")
    def boom() -> None:
        raise ValueError("boom.png: broken in a plugin command")

    monkeypatch.setitem(CORE_COMMANDS, "boom", boom)
    result = invoke("boom")
    assert result.exit_code == 1
    assert one_line_error(result) == "Error: boom.png: broken in a plugin command"


def test_ctrl_c_in_any_command_exits_130(monkeypatch):
    @click.command("stop")
    def stop() -> None:
        raise KeyboardInterrupt

    monkeypatch.setitem(CORE_COMMANDS, "stop", stop)
    assert invoke("stop").exit_code == 130


# ----- devices and precision -----------------------------------------------------
@pytest.mark.parametrize("command", [
    ["generate", "-n", "2", "--device", "gpu"],
    ["superres", "x.png", "--device", "gpu"],
    ["demo", "--device", "gpu", "--tasks", "generate"],
])
def test_unknown_device_names_the_devices_here(command, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if command[0] == "superres":
        from PIL import Image

        Image.new("RGB", (8, 8)).save(tmp_path / "x.png")
    result = invoke(*command)
    line = one_line_error(result)
    assert "--device gpu" in line and "devices here: auto, cpu" in line
    assert "xla" not in line  # not PyTorch's list of every device type
    assert not (tmp_path / "gantools-demo").exists()  # refused before any folder is made


def test_absent_cuda_names_the_devices_here():
    from gantools.engine.device import pick_device

    if torch.cuda.is_available():
        with pytest.raises(ValueError, match="devices here"):
            pick_device(f"cuda:{torch.cuda.device_count()}")
    else:
        with pytest.raises(ValueError, match="CUDA is not available.*devices here"):
            pick_device("cuda")


def test_fp16_on_a_cpu_warns():
    from gantools.engine.device import resolve_precision

    with pytest.warns(UserWarning, match="fp16 on a CPU"):
        assert resolve_precision("fp16", torch.device("cpu")) == torch.float16


# ----- numeric options -------------------------------------------------------------
@pytest.mark.parametrize("option", [["--batch-size", "0"], ["--steps", "0"], ["--steps", "-5"],
                                    ["--log-every", "0"], ["--checkpoint-every", "0"],
                                    ["--keep-checkpoints", "0"], ["--n-samples", "0"],
                                    ["--ema-decay", "2"], ["--lr-g", "-1"]])
def test_train_refuses_bad_numbers_before_any_work(option, tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    out = tmp_path / "run"
    result = invoke("train", "superres", "--data", str(data), "--out", str(out), *option)
    assert result.exit_code == 2, result.output
    assert "is not in the range" in result.output
    assert not out.exists()


def test_dry_run_applies_the_tasks_own_checks(tmp_path: Path):
    result = invoke("train", "superres", "--data", str(tmp_path), "--out",
                    str(tmp_path / "r"), "--scale", "4", "--patch", "130", "--dry-run")
    assert result.exit_code == 1
    assert "--patch 130 must be a multiple of --scale 4" in one_line_error(result)


def test_superres_scale_5_is_refused(tmp_path: Path):
    result = invoke("train", "superres", "--data", str(tmp_path), "--out",
                    str(tmp_path / "r"), "--scale", "5", "--dry-run")
    assert result.exit_code != 0
    assert '"task_config"' not in result.output


def test_python_train_checks_the_ranges_too(tmp_path: Path):
    import gantools

    with pytest.raises(ValueError, match="--steps 0: must be at least 1"):
        gantools.train("superres", data=str(tmp_path), out=str(tmp_path / "r"), steps=0)
    assert not (tmp_path / "r").exists()


def test_range_and_choice_metadata_reach_click_and_python():
    @dataclasses.dataclass
    class Cfg:
        scale: int = opt(4, "x", choices=(2, 3, 4))
        rate: float = opt(0.5, "y", min=0.0, max=1.0)

    options = {o.name: o for o in dataclass_options(Cfg)}
    assert isinstance(options["scale"].type, click.Choice)
    assert isinstance(options["rate"].type, click.FloatRange)
    check_ranges(Cfg())
    with pytest.raises(ValueError, match="--scale 5: must be one of 2, 3, 4"):
        check_ranges(Cfg(scale=5))
    with pytest.raises(ValueError, match="--rate 1.5: must be at most 1.0"):
        check_ranges(Cfg(rate=1.5))


# ----- names -----------------------------------------------------------------------
def test_a_typo_gets_did_you_mean():
    result = invoke("superess", "x.png")
    assert result.exit_code == 2
    assert "Did you mean 'superres'?" in result.output


@pytest.mark.parametrize("command", [["eval", "colourize", "--help"],
                                     ["train", "colourise", "--help"],
                                     ["colourize", "--help"]])
def test_british_spelling_finds_the_command(command):
    result = invoke(*command)
    assert result.exit_code == 0, result.output
    assert "colori" in result.output.lower()


def test_unknown_eval_task_gets_a_hint():
    result = invoke("eval", "inpant")
    assert result.exit_code == 2
    assert "Did you mean 'inpaint'?" in result.output
