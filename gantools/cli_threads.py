"""``--threads`` on the commands that run models (every task's inference and eval
command, built-in or plugin): the same option as ``gantools train``. Light: torch is
imported only when a thread count is given."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any

import click

THREADS_HELP = ("CPU threads for torch (0 = torch's default, one per core). Use 1 per "
                "process when several jobs share the cores.")


@contextlib.contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Run the block with ``torch.set_num_threads(threads)`` (restored after); 0 or
    less leaves torch's setting alone and does not import torch."""
    if threads <= 0:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def with_threads(command: click.Command | None) -> click.Command | None:
    """``command`` with a ``--threads N`` option (default 0) that sets torch's CPU
    threads while it runs. Unchanged when it has a ``threads`` parameter already (its
    own, or added before), is None, or has no callback (a group)."""
    if command is None or command.callback is None:
        return command
    if any(p.name == "threads" for p in command.params):
        return command
    callback = command.callback

    @functools.wraps(callback)
    def run(*args: Any, threads: int = 0, **kwargs: Any) -> Any:
        with torch_threads(threads):
            return callback(*args, **kwargs)

    command.params.append(click.Option(["--threads"], type=click.IntRange(min=0), default=0,
                                       show_default=True, help=THREADS_HELP))
    command.callback = run
    return command
