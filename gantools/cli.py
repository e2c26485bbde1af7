"""The ``gantools`` command line. One inference command per task, plus ``train``,
``eval``, ``export`` and ``plugins``. Task commands come from the registry; torch
is imported only by commands that run models, so ``--help`` stays instant."""

from __future__ import annotations

import warnings

import click

from gantools import __version__
from gantools.commands.convert import convert_command
from gantools.commands.demo import demo_command
from gantools.commands.export import export_command
from gantools.commands.plugins import plugins_command
from gantools.commands.report import report_command
from gantools.commands.train import train_group
from gantools.registry import default_registry


class EvalGroup(click.Group):
    """``gantools eval TASK``: one subcommand per task that can be evaluated."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(default_registry().tasks)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        task = default_registry().tasks.get(name)
        return task.make_eval_command() if task else unavailable_command(name)


eval_group = EvalGroup("eval", help="Score a model against its classical baselines.")

CORE_COMMANDS: dict[str, click.Command] = {
    "train": train_group,
    "eval": eval_group,
    "export": export_command,
    "convert": convert_command,
    "plugins": plugins_command,
    "report": report_command,
    "demo": demo_command,
}


class RootGroup(click.Group):
    """Core commands first, then one command per installed task."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(CORE_COMMANDS) + sorted(default_registry().tasks)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in CORE_COMMANDS:
            return CORE_COMMANDS[name]
        task = default_registry().tasks.get(name)
        if task is None:
            return unavailable_command(name)
        try:
            return task.make_command()
        except NotImplementedError:
            return None
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not break the CLI
            return broken_command(name, exc)


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


@click.group(cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gantools")
def app() -> None:
    """gantools: GANs put to work on images.

    \b
      gantools demo -o demo/                  # every task on bundled photos
      gantools superres photo.jpg             # -> photo_x4.jpg
      gantools inpaint scan.png --mask scratches.png
      gantools colorize old_photos/ -o color/
      gantools generate -n 64 --model mnist -o grid.png
      gantools train inpaint --data my_photos/ --out runs/inp --steps 20000
      gantools eval superres --data Set14/    # vs bicubic, side by side
      gantools report runs/inp                # is training healthy?
      gantools plugins
    """


def one_line_warning(message, category, filename, lineno, line=None) -> str:  # noqa: ARG001
    """Warnings on the command line as one line each ("UserWarning: note: FILE: ..."),
    without the source line Python's default format adds."""
    return f"{category.__name__}: {message}\n"


def main() -> None:
    """Console-script entry point."""
    warnings.formatwarning = one_line_warning
    app(prog_name="gantools")


if __name__ == "__main__":
    main()
