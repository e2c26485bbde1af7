"""Turn config dataclasses into click options, and back; plus one-line error
reporting for every command. Light: no torch import."""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import click


def _click_type(hint: Any, metadata: Any = None) -> Any:
    """The click type of a field: Literal or ``choices`` metadata -> a choice; an int
    or float with ``min`` / ``max`` metadata -> a range (checked before any work);
    else int, float or str."""
    if typing.get_origin(hint) is Literal:
        return click.Choice([str(a) for a in typing.get_args(hint)])
    metadata = metadata or {}
    if metadata.get("choices") is not None:
        return click.Choice(list(metadata["choices"]))
    low, high = metadata.get("min"), metadata.get("max")
    if hint in (int, float) and (low is not None or high is not None):
        ranged = click.IntRange if hint is int else click.FloatRange
        return ranged(min=low, max=high)
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
            options.append(click.Option([flag, field.name],
                                        type=_click_type(hint, field.metadata),
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


USER_ERRORS = (ValueError, KeyError, OSError, RuntimeError)
"""Exception types that are reported as one line (the user's input, files, devices)."""

LAZY_USER_ERRORS = {"gantools.imageio.errors": ("ImageReadError", "ImageWriteError")}
"""Further user-error types, by module: matched only once their module is loaded (an
exception of a type whose module was never imported cannot occur), so that this
module stays light."""


def user_error_line(exc: BaseException) -> str | None:
    """The one line to show for an expected failure, or None for a bug (which keeps
    its traceback). The line is the exception's first line, or its type's name."""
    known = isinstance(exc, USER_ERRORS) or any(
        isinstance(exc, getattr(sys.modules[module], name))
        for module, names in LAZY_USER_ERRORS.items() if module in sys.modules
        for name in names)
    if not known:
        return None
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        return _os_error_line(exc)
    message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
    return str(message).splitlines()[0] if str(message).strip() else type(exc).__name__


CLICK_OWN = (click.ClickException, click.exceptions.Exit, click.exceptions.Abort)
"""click's own exceptions (Exit and Abort are RuntimeErrors): passed on untouched."""


def _os_error_line(exc: OSError) -> str:
    """``PATH: reason`` for an OS error; an atomic write's temporary file
    (``.<name>.*.tmp``) is named by its folder, the file the user knows nothing of."""
    path = Path(os.fsdecode(exc.filename))
    reason = exc.strerror.lower()
    if path.name.startswith(".") and path.suffix == ".tmp":
        return f"cannot write into {path.parent}: {reason}"
    return f"{path}: {reason}"


def as_reported(exc: BaseException) -> ReportedError | None:
    """``exc`` as a one-line :class:`ReportedError`, or None when it is a bug or is
    already a click error. ``GANTOOLS_DEBUG=1``: None (the traceback is kept)."""
    if isinstance(exc, CLICK_OWN) or os.environ.get("GANTOOLS_DEBUG"):
        return None
    line = user_error_line(exc)
    return None if line is None else ReportedError(line)


def friendly_errors(func: Callable) -> Callable:
    """Report expected failures as one line on stderr, never a traceback.
    ``GANTOOLS_DEBUG=1`` re-raises them for debugging."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            reported = as_reported(exc)
            if reported is None:
                raise
            raise reported from exc

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
