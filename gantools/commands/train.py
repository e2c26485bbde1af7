"""``gantools train TASK``: one subcommand per task, options from the core's
TrainConfig and the task's Config dataclass."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import click

from gantools.cli_options import ReportedError, dataclass_options, friendly_errors, given
from gantools.commands.lookup import ForgivingGroup
from gantools.commands.stand_ins import unavailable_command
from gantools.engine.config import TrainConfig
from gantools.registry import default_registry
from gantools.task import Task

INTERRUPTED_EXIT = 130
"""Exit code of a training stopped by Ctrl-C (after its checkpoint is saved)."""


def _defaults(cls: type) -> dict[str, Any]:
    return {f.name: f.default for f in dataclasses.fields(cls)}


REQUIRED_NOTES = {"out": "[required]", "data": "[required, except with --resume]"}
"""Shown in --help: resolve_options (not click) enforces them, as --resume fills --data."""


def _mark_required(options: list[click.Option]) -> list[click.Option]:
    """The core options with their REQUIRED_NOTES appended to the help text."""
    for option in options:
        if option.name in REQUIRED_NOTES:
            option.help = f"{option.help}  {REQUIRED_NOTES[option.name]}"
    return options


def resolve_options(task: Task, passed: dict[str, Any], resume: bool,
                    recipe: str | None = None) -> dict[str, Any]:
    """Defaults, then the recipe (new runs: ``recipe`` or the task's default one) or,
    when resuming, the run's saved options, then what was passed."""
    from gantools.recipes import recipe_values

    values = {**_defaults(TrainConfig), **_defaults(task.Config)}
    if resume and recipe is not None:
        raise ReportedError("--recipe applies to new runs; --resume continues with the run's "
                            "own options", exit_code=2)
    if not resume:
        try:
            values.update(recipe_values(task, recipe))
        except ValueError as exc:
            raise ReportedError(str(exc), exit_code=2) from None
    if resume:
        out = passed.get("out")
        if not out:
            raise ReportedError("--resume needs --out RUN_DIR (the run to continue)")
        config_path = Path(out) / "config.json"
        if not config_path.is_file():
            raise ReportedError(f"{out}: nothing to resume (no config.json)")
        saved = json.loads(config_path.read_text())
        if saved.get("task") != task.name:
            raise ReportedError(f"{out} is a '{saved.get('task')}' run, not '{task.name}'")
        values.update(saved.get("train", {}))
        values.update(saved.get("task_config", {}))
    values.update(passed)
    for key in ("data", "out"):
        if not values.get(key):
            raise ReportedError(f"missing option --{key}")
    return values


def make_train_command(task: Task) -> click.Command:
    """The ``gantools train NAME`` command of one task."""

    @friendly_errors
    def run(resume: bool, dry_run: bool, progress: bool, recipe: str | None = None,
            **kwargs: Any) -> None:
        from gantools.api import split_options

        values = resolve_options(task, given(kwargs), resume, recipe)
        train_cfg, task_cfg = split_options(task, values)
        task.data_spec(task_cfg)  # the task's own checks of its options, before any work
        if dry_run:
            click.echo(json.dumps({"task": task.name, "train": dataclasses.asdict(train_cfg),
                                   "task_config": dataclasses.asdict(task_cfg)}, indent=2))
            return
        from gantools.engine.trainer import Trainer

        result = Trainer(task, task_cfg, train_cfg, resume=resume, command=sys.argv,
                         progress=progress).run()
        state = "interrupted (checkpoint saved)" if result.interrupted else "done"
        click.echo(f"{task.name}: {state} at step {result.step} in {result.wall_time:.0f}s; "
                   f"run folder {result.out}", err=True)
        if result.interrupted:  # so that `train && export` does not export a partial run
            sys.exit(INTERRUPTED_EXIT)

    params = [
        *_mark_required(dataclass_options(TrainConfig)),
        *dataclass_options(task.Config),
        click.Option(["--resume"], is_flag=True,
                     help="Continue the run in --out from its newest valid checkpoint; "
                          "options not given are taken from the run's config.json."),
        click.Option(["--dry-run"], is_flag=True,
                     help="Print the resolved options and exit without training."),
        click.Option(["--progress/--no-progress"], default=True, help="Show a progress bar."),
    ]
    if task.recipes:
        from gantools.recipes import recipes_help

        params.append(click.Option(["--recipe"], type=click.Choice(sorted(task.recipes)),
                                   default=None, help=recipes_help(task)))
    return click.Command(
        task.name, callback=run, params=params,
        help=f"Train {task.name}: {task.summary}. Checkpoints, sample grids and "
             "metrics.jsonl go to --out (one training per folder at a time); Ctrl-C "
             "saves a checkpoint and exits with code 130; --resume continues.",
        short_help=task.summary)


class TrainGroup(ForgivingGroup):
    """Lists one subcommand per installed task."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(default_registry().tasks)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        task = default_registry().tasks.get(name)
        if task is None:
            return unavailable_command(name)
        return make_train_command(task)


train_group = TrainGroup("train", help="Train a task on your own data (resumable).")
