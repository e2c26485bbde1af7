"""``gantools plugins``: every task, where it comes from, its models, or its error.
Reads entry points and JSON cards only: no torch."""

from __future__ import annotations

import click

from gantools.registry import default_registry
from gantools.weights import list_weights


@click.command("plugins")
def plugins_command() -> None:
    """List installed tasks (built-in and third-party) and their shipped models.

    A plugin that fails to load is listed with the reason, one that loads but slows
    every command (it imports torch at start-up) as UNHEALTHY; switch plugins off
    with GANTOOLS_DISABLE_PLUGINS=name1,name2."""
    registry = default_registry()
    if not registry.records:
        click.echo("no tasks installed (the 'gantools.plugins' entry-point group is empty)")
    for rec in registry.records:
        source = f"{rec.package} {rec.version}"
        if rec.disabled:
            click.echo(f"{rec.name:<12} disabled by GANTOOLS_DISABLE_PLUGINS  ({source})")
            continue
        if rec.error or rec.task is None:
            click.echo(f"{rec.name:<12} BROKEN: {rec.error}  ({source}, {rec.target})")
            continue
        task = rec.task
        models = [r.name for r in list_weights(task.name, task.pretrained_dirs)]
        default = f" (default {task.default_model})" if task.default_model in models else ""
        click.echo(f"{rec.name:<12} {task.summary}")
        click.echo(f"{'':<12} from {source}; models: {', '.join(models) or 'none'}{default}")
        if rec.warning:
            click.echo(f"{'':<12} UNHEALTHY: {rec.warning}")
