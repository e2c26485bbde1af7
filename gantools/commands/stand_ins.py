"""Stand-in commands for tasks that are installed but cannot run: disabled, failed
to load, or whose command failed to build. Each says why when called. Light."""

from __future__ import annotations

import click

from gantools.registry import default_registry


def unavailable_command(name: str) -> click.Command | None:
    """For a task that is installed but failed to load or is disabled: a stand-in
    command that says so (instead of click's "No such command"); None otherwise."""
    reason = default_registry().unavailable_reason(name)
    if reason is None:
        return None

    def run(**_: object) -> None:
        raise click.ClickException(reason)

    return click.Command(name, callback=run, help=f"(unavailable: {reason})",
                         short_help="(unavailable)", add_help_option=False,
                         context_settings={"ignore_unknown_options": True,
                                           "allow_extra_args": True})


def broken_command(name: str, exc: Exception) -> click.Command:
    """A stand-in for a task whose command could not be built: it says why."""
    reason = f"{type(exc).__name__}: {exc}".splitlines()[0]

    def run() -> None:
        raise click.ClickException(f"task '{name}' is installed but its command failed "
                                   f"to load: {reason}")

    return click.Command(name, callback=run, help=f"(broken: {reason})",
                         short_help=f"(broken: {reason})")
