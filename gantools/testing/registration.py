"""Registration checks: the entry point, the torch-free task module, temporary registration."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from gantools.task import Task
from gantools.testing.rules import _fail, _require


def _check_entry_point(task: Task) -> None:
    from gantools.registry import GROUP, default_registry

    registry = default_registry()
    for rec in registry.records:
        if rec.name == task.name and rec.error:
            raise _fail("entry-point", f"the '{task.name}' plugin fails to load: {rec.error}")
    installed = registry.tasks.get(task.name)
    _require(installed is not None, "entry-point",
             f"no installed plugin is named '{task.name}': declare "
             f'[project.entry-points."{GROUP}"] {task.name} = "your_pkg.task:task" and '
             "install the package (pip install -e .), or pass installed=False")
    _require(type(installed) is type(task), "entry-point",
             f"the '{task.name}' entry point gives {type(installed).__name__}, not "
             f"{type(task).__name__}")


def _check_lazy_import(task: Task) -> None:
    """The module defining the task imports without torch, in a fresh interpreter
    (the registry imports every plugin to list it; ``gantools --help`` stays instant)."""
    import os
    import subprocess
    import sys

    module = type(task).__module__
    code = (f"import sys; import {module}; "
            "sys.exit(3 if 'torch' in sys.modules else 0)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=300)
    _require(done.returncode != 3, "lazy-import",
             f"importing {module} imports torch: import torch (and modules that use it) "
             "inside the task's methods, so that listing plugins stays instant")
    last = (done.stderr.strip().splitlines() or ["?"])[-1]
    _require(done.returncode == 0, "lazy-import",
             f"{module} does not import in a fresh interpreter: {last}")


@contextlib.contextmanager
def _registered(task: Task) -> Iterator[None]:
    """Make ``task`` visible to the registry-based commands for the duration."""
    from gantools.registry import default_registry

    tasks = default_registry().tasks
    previous = tasks.get(task.name)
    tasks[task.name] = task
    try:
        yield
    finally:
        if previous is None:
            tasks.pop(task.name, None)
        else:
            tasks[task.name] = previous
