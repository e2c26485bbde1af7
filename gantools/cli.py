"""The ``gantools`` command line. One inference command per task, plus ``train``,
``eval``, ``export`` and ``plugins``. Task commands come from the registry; torch
is imported only by commands that run models, so ``--help`` stays instant."""

from __future__ import annotations

import warnings

import click

from gantools import __version__
from gantools.cli_options import as_reported
from gantools.cli_threads import with_threads
from gantools.commands.blend import blend_command
from gantools.commands.convert import convert_command
from gantools.commands.demo import demo_command
from gantools.commands.export import export_command
from gantools.commands.lookup import ForgivingGroup
from gantools.commands.models import models_command
from gantools.commands.plugins import plugins_command
from gantools.commands.report import report_command
from gantools.commands.stand_ins import broken_command, unavailable_command
from gantools.commands.train import INTERRUPTED_EXIT, train_group
from gantools.commands.ui import ui_command
from gantools.registry import default_registry


class EvalGroup(ForgivingGroup):
    """``gantools eval TASK``: one subcommand per task that can be evaluated."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(default_registry().tasks)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        task = default_registry().tasks.get(name)
        return with_threads(task.make_eval_command()) if task else unavailable_command(name)


eval_group = EvalGroup("eval", help="Score a model against its classical baselines.")

CORE_COMMANDS: dict[str, click.Command] = {
    "train": train_group,
    "eval": eval_group,
    "export": export_command,
    "convert": convert_command,
    "blend": blend_command,
    "plugins": plugins_command,
    "report": report_command,
    "demo": demo_command,
    "models": models_command,
    "ui": ui_command,
}


class RootGroup(ForgivingGroup):
    """Core commands first, then one command per installed task. Every command's
    expected failures end as one line (plugin commands included), Ctrl-C as exit 130."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("\ninterrupted", err=True)
            raise click.exceptions.Exit(INTERRUPTED_EXIT) from None
        except Exception as exc:
            reported = as_reported(exc)
            if reported is None:
                raise
            raise reported from exc

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(CORE_COMMANDS) + sorted(default_registry().tasks)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in CORE_COMMANDS:
            return CORE_COMMANDS[name]
        task = default_registry().tasks.get(name)
        if task is None:
            return unavailable_command(name)
        try:
            return with_threads(task.make_command())
        except NotImplementedError:
            return None
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not break the CLI
            return broken_command(name, exc)


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
