"""The class-level contract (no torch): name, summary, Config, api_version, ..."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from gantools.task import API_VERSION, Companion, ImageTask, Task
from gantools.testing.rules import _fail, _require

NAME_RE = re.compile(r"^[a-z][a-z0-9_-]*$")


def check_attributes(task: Any) -> None:
    """The class-level contract: what the registry and the CLI read without running
    anything. Raises AssertionError naming the rule that failed."""
    from gantools.registry import RESERVED

    _require(isinstance(task, Task), "task-instance",
             f"expected an instance of gantools.task.Task, got {type(task).__name__} "
             "(the entry point must name an instance, e.g. `task = MyTask()`, or the class)")
    cls = type(task).__name__
    _require(isinstance(task.name, str) and NAME_RE.match(task.name), "name",
             f"{cls}.name must be a lowercase CLI name ([a-z][a-z0-9_-]*), got {task.name!r}")
    _require(task.name not in RESERVED, "name",
             f"{cls}.name {task.name!r} is a gantools command; choose another name")
    _require(isinstance(task.summary, str) and task.summary.strip()
             and "\n" not in task.summary, "summary",
             f"{cls}.summary must be one non-empty line, got {task.summary!r}")
    _require(isinstance(task.api_version, int) and task.api_version == API_VERSION,
             "api_version",
             f"{cls}.api_version is {task.api_version!r} but this gantools provides plugin "
             f"API {API_VERSION}; set `api_version = gantools.task.API_VERSION` after "
             "updating the plugin to the current contract")
    _check_dataclass(task.Config, f"{cls}.Config", "config")
    _check_config_names(task)
    _require(task.default_model is None or isinstance(task.default_model, str),
             "default_model", f"{cls}.default_model must be a str or None")
    _require(isinstance(task.pretrained_dirs, tuple | list)
             and all(isinstance(p, Path) for p in task.pretrained_dirs), "pretrained_dirs",
             f"{cls}.pretrained_dirs must be a tuple of pathlib.Path folders")
    if isinstance(task, ImageTask):
        _check_dataclass(task.InferOptions, f"{cls}.InferOptions", "infer-options")
        _require(isinstance(task.output_suffix, str) and task.output_suffix, "output_suffix",
                 f"{cls}.output_suffix must be a non-empty str (e.g. '_out')")
        _require(isinstance(task.keeps_gray, bool), "keeps_gray",
                 f"{cls}.keeps_gray must be a bool")
        _require(isinstance(task.tileable, bool), "tileable", f"{cls}.tileable must be a bool")
        _require(task.companion is None or isinstance(task.companion, Companion), "companion",
                 f"{cls}.companion must be None or a gantools.task.Companion")
    if hasattr(task, "EvalOptions"):  # a RestorationTask: the options of gantools eval NAME
        _check_dataclass(task.EvalOptions, f"{cls}.EvalOptions", "eval-options")


def _check_dataclass(cls: Any, label: str, rule: str) -> None:
    _require(dataclasses.is_dataclass(cls) and isinstance(cls, type), rule,
             f"{label} must be a dataclass (decorate it with @dataclass)")
    missing = [f.name for f in dataclasses.fields(cls)
               if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    _require(not missing, rule,
             f"{label} field(s) without a default: {', '.join(missing)} (every field needs "
             "one: it becomes a CLI option)")
    bare = [f.name for f in dataclasses.fields(cls) if not str(f.metadata.get("help", "")).strip()]
    _require(not bare, rule,
             f"{label} field(s) without a help text: {', '.join(bare)} (declare each with "
             "gantools.engine.config.opt(default, 'help text'): it is the option's --help)")
    try:
        cls()
    except Exception as exc:  # noqa: BLE001 - reported as a contract failure
        raise _fail(rule, f"{label}() with every default fails: {exc!r}") from exc
    from gantools.cli_options import dataclass_options

    try:
        dataclass_options(cls)
    except Exception as exc:  # noqa: BLE001
        raise _fail(rule, f"{label} cannot become CLI options: {exc!r}") from exc


def _check_config_names(task: Task) -> None:
    from gantools.engine.config import TrainConfig

    core = {f.name for f in dataclasses.fields(TrainConfig)}
    clash = sorted(core & {f.name for f in dataclasses.fields(task.Config)})
    _require(not clash, "config",
             f"{type(task).__name__}.Config field(s) {clash} are core training options "
             "(gantools.engine.config.TrainConfig); rename them")
