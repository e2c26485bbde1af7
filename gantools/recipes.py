"""Named presets of training options (``Task.recipes``, ``gantools train NAME --recipe``).

A recipe is a dict of option values over the core's TrainConfig and the task's
Config; a new run starts from the fields' defaults, then the recipe (the named one,
else the task's ``default_recipe``), then the options the user passed.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from gantools.engine.config import TrainConfig
from gantools.task import Task


def recipe_values(task: Task, name: str | None) -> dict[str, Any]:
    """The option values of recipe ``name`` (the task's default recipe when None; {}
    when it has none). ValueError (one line) for an unknown recipe, or a recipe
    setting an option that neither the core nor the task has."""
    chosen = name if name is not None else task.default_recipe
    if not chosen:
        return {}
    if chosen not in task.recipes:
        known = ", ".join(sorted(task.recipes)) or "none"
        raise ValueError(f"--recipe {chosen}: {task.name} has no such recipe (recipes: {known})")
    values, _ = task.recipes[chosen]
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    fields |= {f.name for f in dataclasses.fields(task.Config)}
    unknown = sorted(set(values) - fields)
    if unknown:
        raise ValueError(f"recipe {chosen} of {task.name} sets unknown option(s) "
                         f"{', '.join(unknown)}")
    return dict(values)


def recipes_help(task: Task) -> str:
    """The --recipe help text: each recipe, its description and what it sets."""
    parts = []
    for name, (values, description) in task.recipes.items():
        default = " (default)" if name == task.default_recipe else ""
        settings = " ".join(f"--{k.replace('_', '-')} {_shown(v)}" for k, v in values.items())
        parts.append(f"{name}{default}: {description} [{settings}]")
    return "Start from a preset of options (options given here win). " + "; ".join(parts)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)
