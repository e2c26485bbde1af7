"""Turn config dataclasses into click options, and back; plus one-line error
reporting for every command. Light: no torch import."""

from __future__ import annotations

import dataclasses
import functools
import os
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import click


def _click_type(hint: Any) -> Any:
    if typing.get_origin(hint) is Literal:
        return click.Choice([str(a) for a in typing.get_args(hint)])
    return {int: int, float: float, str: str}.get(hint, str)


def dataclass_options(cls: type, exclude: frozenset[str] = frozenset()) -> list[click.Option]:
    """One ``--field-name`` option per dataclass field, typed from its annotation
    (Literal -> choice, bool -> --x/--no-x), help from the field's ``help`` metadata.
    Defaults are shown but not applied by click (value None = not given), so that
    callers can tell given options from defaults."""
    hints = typing.get_type_hints(cls)
    options = []
    for field in dataclasses.fields(cls):
        if field.name in exclude:
            continue
        flag = "--" + field.name.replace("_", "-")
        hint = hints[field.name]
        help_text = field.metadata.get("help", "")
        default = field.default
        shown = f"{help_text}  [default: {default}]" if default not in ("", None) else help_text
        if hint is bool:
            options.append(click.Option([f"{flag}/--no-{flag[2:]}", field.name], default=None,
                                        help=shown))
        else:
            options.append(click.Option([flag, field.name], type=_click_type(hint),
                                        default=None, help=shown))
    return options


def given(values: dict[str, Any]) -> dict[str, Any]:
    """The options the user actually passed (click gives None for the others)."""
    return {k: v for k, v in values.items() if v is not None}


class ReportedError(click.ClickException):
    """A one-line error for the user (exit code 1 or 2)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def friendly_errors(func: Callable) -> Callable:
    """Report expected failures as one line on stderr, never a traceback.
    ``GANTOOLS_DEBUG=1`` re-raises them for debugging."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except click.ClickException:
            raise
        except (ValueError, KeyError, OSError, RuntimeError) as exc:
            if os.environ.get("GANTOOLS_DEBUG"):
                raise
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
            raise ReportedError(str(message).splitlines()[0] if message else
                                type(exc).__name__) from exc

    return wrapper


def model_options(func):
    """--model / --weights / --device, for task commands that load one model."""
    func = click.option("--device", default="auto", show_default=True,
                        help="auto (cuda, then mps, then cpu), cpu, cuda, mps.")(func)
    func = click.option("--weights", type=click.Path(dir_okay=False, path_type=Path),
                        help="Your own exported .safetensors (with its .json card).")(func)
    func = click.option("--model", default=None,
                        help="Shipped model name (see 'gantools plugins'); "
                             "default: the task's.")(func)
    return func


PRECISION_CHOICES = ("auto", "fp32", "bf16", "fp16")
"""``--precision`` values (the engine's ``PRECISIONS``, kept here so that building
commands does not import torch)."""


def precision_option(help_text: str = "Compute type of the model: auto = bf16 on GPUs and "
                                      "on CPUs with native bf16, else fp32."):
    """The ``--precision`` option of commands that run a model."""
    return click.option("--precision", type=click.Choice(PRECISION_CHOICES), default="auto",
                        show_default=True, help=help_text)
