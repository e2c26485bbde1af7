"""Checks of the task's commands: they build, ``gantools NAME`` writes, ``eval NAME`` runs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gantools.task import ImageTask, Task
from gantools.testing.fixtures import _companion_input, _test_image
from gantools.testing.rules import _fail, _require

if TYPE_CHECKING:  # pragma: no cover
    from gantools.testing.contract import ContractReport


def _check_commands_build(task: Task) -> None:
    import click

    from gantools.commands.train import make_train_command

    try:
        command = task.make_command()
    except NotImplementedError:
        raise _fail("make_command", "the task has no inference command: implement "
                                    "make_command() (ImageTask gives one)") from None
    _require(isinstance(command, click.Command) and command.name == task.name,
             "make_command", f"make_command() must return a click.Command named {task.name!r}")
    train = make_train_command(task)
    _require(isinstance(train, click.Command), "train-command",
             "gantools train NAME could not be built")
    evaluation = task.make_eval_command()
    _require(evaluation is None or isinstance(evaluation, click.Command), "make_eval_command",
             "make_eval_command() must return a click.Command or None")
    if evaluation is not None:
        _require(evaluation.name == task.name, "make_eval_command",
                 f"the eval command must be named {task.name!r}, got {evaluation.name!r}")


def _check_cli(task: ImageTask, weights: Path, folder: Path, size: int,
               device: str) -> dict[str, Path]:
    from click.testing import CliRunner
    from PIL import Image

    from gantools.cli import app
    from gantools.weights import read_card

    folder.mkdir(parents=True, exist_ok=True)
    arr = _test_image(size)
    h, w = arr.shape[:2]
    src = folder / "input.png"
    Image.fromarray(arr).save(src)
    args = [task.name, str(src), "--weights", str(weights), "--device", device,
            "--no-progress"]
    extra = _companion_input(task, h, w)
    if task.companion is not None:
        mask = folder / f"companion{task.companion.suffix}.png"
        Image.fromarray(extra[task.companion.name]).save(mask)
        args += [f"--{task.companion.name}", str(mask)]
    result = CliRunner().invoke(app, args)
    _require(result.exit_code == 0, "cli",
             f"`gantools {' '.join(args)}` exited with {result.exit_code}: "
             f"{result.output.strip()[-500:]}{_exception(result)}")
    cfg = task.config_from_dict(read_card(weights).get("config", {}))
    out = folder / f"input{task.suffix_for(cfg)}.png"
    _require(out.is_file(), "output_suffix",
             f"the command did not write {out.name} (output_suffix {task.output_suffix!r}); "
             f"folder holds {sorted(p.name for p in folder.iterdir())}")
    s = task.scale(cfg)
    with Image.open(out) as img:
        _require(img.size == (w * s, h * s), "cli",
                 f"{out.name} is {img.size[0]}x{img.size[1]}, expected {w * s}x{h * s}")
    help_result = CliRunner().invoke(app, [task.name, "--help"])
    _require(help_result.exit_code == 0, "cli", f"`gantools {task.name} --help` fails")
    return {"cli": out}


def _exception(result: Any) -> str:
    exc = result.exception
    if exc is None or isinstance(exc, SystemExit):
        return ""
    return f" ({type(exc).__name__}: {exc})"


def _check_eval(task: Task, eval_args: Sequence[str], report: ContractReport,
                device: str) -> None:
    from click.testing import CliRunner

    from gantools.cli import app

    values = {"data": str(report.data), "weights": str(report.weights), "device": device}
    args = ["eval", task.name, *[a.format(**values) for a in eval_args]]
    help_result = CliRunner().invoke(app, ["eval", task.name, "--help"])
    _require(help_result.exit_code == 0, "eval", f"`gantools eval {task.name} --help` fails: "
             f"{help_result.output.strip()[-300:]}{_exception(help_result)}")
    result = CliRunner().invoke(app, args)
    _require(result.exit_code == 0 and result.output.strip(), "eval",
             f"`gantools {' '.join(args)}` exited with {result.exit_code}: "
             f"{result.output.strip()[-500:]}{_exception(result)}")
