"""The whole contract: check_task, its ContractReport, and the pytest form TaskContract."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gantools.task import ImageTask, Task
from gantools.testing.attributes import check_attributes
from gantools.testing.commands import _check_cli, _check_commands_build, _check_eval
from gantools.testing.fixtures import make_image_folder
from gantools.testing.inference import _check_python_call, _check_tiling
from gantools.testing.networks import _check_build, _check_config, _check_pair
from gantools.testing.registration import (
    _check_entry_point,
    _check_lazy_import,
    _registered,
)
from gantools.testing.training import _check_export, _check_load, _check_training

DEFAULT_EVAL_ARGS = ("--data", "{data}", "--weights", "{weights}", "--device", "{device}")
"""Arguments given to ``gantools eval NAME`` ({data}, {weights}, {device} filled in)."""


@dataclass
class ContractReport:
    """What :func:`check_task` made, for further checks of your own."""

    task: str
    data: Path | None = None
    run: Path | None = None
    weights: Path | None = None
    outputs: dict[str, Path] = field(default_factory=dict)
    checked: list[str] = field(default_factory=list)


def check_task(task: Task, tmp_path: str | Path, config: dict[str, Any] | None = None, *,
               train_options: dict[str, Any] | None = None,
               eval_args: Sequence[str] | None = DEFAULT_EVAL_ARGS,
               device: str = "cpu", image_size: int | None = None, installed: bool = True,
               check_tiling: bool = True) -> ContractReport:
    """Run the plugin contract on ``task``; raise AssertionError on the first failure.

    ``config``: overrides of the task's Config that keep the model tiny (the contract
    trains and runs it several times on the CPU). ``train_options``: overrides of the
    core's training options (``steps=2, batch_size=2`` by default). ``eval_args``:
    arguments of ``gantools eval NAME`` ({data}, {weights}, {device} are filled in);
    None skips running it (its ``--help`` is still checked). ``image_size``: side of
    the generated training and test images (default: the task's crop size + 8).
    ``installed``: the task must be installed through its entry point (pip install
    -e . first); False registers it for the duration of the check instead.
    ``check_tiling``: compare tiled with untiled inference (tileable image tasks).
    """
    tmp = Path(tmp_path)
    check_attributes(task)
    report = ContractReport(task.name, checked=["attributes"])
    if installed:
        _check_entry_point(task)
        report.checked.append("entry-point")
        _check_lazy_import(task)
        report.checked.append("lazy-import")
    with _registered(task) if not installed else contextlib.nullcontext():
        cfg = _check_config(task, config or {})
        spec = _check_build(task, cfg)
        report.checked.append("build")
        size = image_size or spec.size + 8
        report.data = make_image_folder(tmp / "data", size,
                                        labels=spec.labels == "required")
        _check_pair(task, cfg, spec)
        report.checked.append("make_pair")
        report.run = _check_training(task, config or {}, train_options or {}, report.data,
                                     tmp / "run", device)
        report.checked.append("train")
        report.weights = _check_export(task, report.run, tmp / f"{task.name}.safetensors")
        report.checked.append("export")
        model = _check_load(task, report.weights, device)
        report.checked.append("load")
        _check_commands_build(task)
        if isinstance(task, ImageTask):
            _check_python_call(task, model, size)
            report.checked.append("python-call")
            if check_tiling and task.tileable:
                _check_tiling(task, report.weights, device)
                report.checked.append("tiling")
            report.outputs.update(_check_cli(task, report.weights, tmp / "cli", size, device))
            report.checked.append("cli")
        if eval_args is not None and task.make_eval_command() is not None:
            _check_eval(task, eval_args, report, device)
            report.checked.append("eval")
    return report


class TaskContract:
    """Subclass as ``class TestMyTask(TaskContract)`` with ``task`` set (and
    ``config``, ``train_options``, ``eval_args``, ``device``, ``image_size``,
    ``installed``, ``check_tiling`` as for :func:`check_task`); pytest then runs the
    attribute check and the end-to-end contract."""

    task: Task | None = None
    config: dict[str, Any] | None = None
    train_options: dict[str, Any] | None = None
    eval_args: Sequence[str] | None = DEFAULT_EVAL_ARGS
    installed: bool = True
    device: str = "cpu"
    image_size: int | None = None
    check_tiling: bool = True

    def test_attributes(self) -> None:
        check_attributes(self.task)

    def test_end_to_end(self, tmp_path: Path) -> None:
        check_task(self.task, tmp_path, self.config, train_options=self.train_options,
                   eval_args=self.eval_args, device=self.device, image_size=self.image_size,
                   installed=self.installed, check_tiling=self.check_tiling)
