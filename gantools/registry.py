"""Discovery of tasks through the ``gantools.plugins`` entry-point group.

Built-in tasks are declared in our own pyproject exactly like third-party ones.
Loading is isolated: a plugin that fails to import, is built for another contract
version, or clashes with another name is recorded with its reason and skipped;
it never breaks other commands. ``GANTOOLS_DISABLE_PLUGINS=a,b`` switches plugins
off by name. Importing this module does not import torch.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points
from types import BuiltinFunctionType, FunctionType, ModuleType

from gantools.task import API_VERSION, Task

GROUP = "gantools.plugins"
RESERVED = frozenset({"train", "eval", "export", "plugins", "demo", "report", "convert", "models",
                      "blend", "ui"})
"""Command names of the core; a plugin cannot take them."""


@dataclass
class PluginRecord:
    """One entry point and what became of it."""

    name: str
    target: str
    package: str
    version: str
    task: Task | None = None
    error: str | None = None
    disabled: bool = False
    warning: str | None = None
    """A loaded plugin that works but is unhealthy (its module imports torch)."""


@dataclass
class Registry:
    """Loaded tasks by name, plus every record (including failures)."""

    tasks: dict[str, Task] = field(default_factory=dict)
    records: list[PluginRecord] = field(default_factory=list)

    def get(self, name: str) -> Task:
        """The task called ``name``; a clear ``KeyError`` message otherwise."""
        if name in self.tasks:
            return self.tasks[name]
        reason = self.unavailable_reason(name)
        if reason is not None:
            raise KeyError(reason)
        known = ", ".join(sorted(self.tasks)) or "none"
        raise KeyError(f"no task named '{name}' (installed: {known})")

    def unavailable_reason(self, name: str) -> str | None:
        """Why an installed task called ``name`` cannot be used (failed to load, or
        disabled), or None when it is usable or not installed at all."""
        if name in self.tasks:
            return None
        for rec in self.records:
            if rec.name == name and rec.error:
                return f"task '{name}' is installed but failed to load: {rec.error}"
            if rec.name == name and rec.disabled:
                return f"task '{name}' is disabled by GANTOOLS_DISABLE_PLUGINS"
        return None


def _disabled_names() -> set[str]:
    raw = os.environ.get("GANTOOLS_DISABLE_PLUGINS", "")
    return {part.strip() for part in raw.split(",") if part.strip()}


def _describe_dist(ep: EntryPoint) -> tuple[str, str]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "?", "?"
    return dist.metadata["Name"] or "?", dist.version or "?"


def api_mismatch_message(wanted: object, package: str = "?") -> str:
    """One line for a plugin written for another contract version: the version it
    wants, the one this gantools provides, and what to install."""
    from gantools import __version__

    plugin = package if package and package != "?" else "the plugin"
    head = (f"built for plugin API {wanted}, but gantools {__version__} provides "
            f"API {API_VERSION}")
    if isinstance(wanted, int) and wanted > API_VERSION:
        return (f"{head}: upgrade gantools (pip install -U gantools), or install a "
                f"release of {plugin} made for API {API_VERSION}")
    return (f"{head}: upgrade {plugin} to a release made for API {API_VERSION}, or "
            f"install a gantools that provides API {wanted}")


def _load_one(ep: EntryPoint) -> tuple[Task | None, str | None]:
    try:
        obj = ep.load()
    except Exception as exc:  # noqa: BLE001 - any import failure is reported, not raised
        return None, f"import failed: {type(exc).__name__}: {exc}"
    try:
        task = obj() if isinstance(obj, type) else obj
        if not isinstance(task, Task):
            return None, f"{ep.value} is not a gantools.task.Task (got {type(task).__name__})"
        if task.api_version != API_VERSION:
            return None, api_mismatch_message(task.api_version, _describe_dist(ep)[0])
        if task.name != ep.name:
            return None, (f"entry point is named '{ep.name}' but the task calls itself "
                          f"'{task.name}'")
    except Exception as exc:  # noqa: BLE001 - a failing constructor is reported, not raised
        return None, f"creating the task failed: {type(exc).__name__}: {exc}"
    return task, None


def discover(eps: list[EntryPoint] | None = None) -> Registry:
    """Load every plugin of the group (or the given entry points) into a Registry."""
    if eps is None:
        eps = list(entry_points(group=GROUP))
    disabled = _disabled_names()
    registry = Registry()
    seen: dict[str, PluginRecord] = {}
    for ep in sorted(eps, key=lambda e: e.name):
        package, version = _describe_dist(ep)
        rec = PluginRecord(name=ep.name, target=ep.value, package=package, version=version)
        registry.records.append(rec)
        if ep.name in RESERVED:
            rec.error = f"'{ep.name}' is a gantools command name; the plugin must be renamed"
            continue
        if ep.name in disabled:
            rec.disabled = True
            continue
        if ep.name in seen and seen[ep.name].target != ep.value:
            rec.error = (
                f"name clash: '{ep.name}' is also provided by {seen[ep.name].package}; "
                "this one is ignored"
            )
            continue
        if ep.name in seen:  # the same plugin seen twice (duplicate install metadata)
            registry.records.pop()
            continue
        seen[ep.name] = rec
        before = set(sys.modules)
        rec.task, rec.error = _load_one(ep)
        if rec.task is not None:
            rec.warning = heavy_import_warning(ep.value, before)
            registry.tasks[ep.name] = rec.task
    return registry


def _uses_torch(value: object) -> bool:
    """A torch module, or a class or function defined in torch."""
    if isinstance(value, ModuleType):
        name = value.__name__
    elif isinstance(value, type | FunctionType | BuiltinFunctionType):
        name = getattr(value, "__module__", None) or ""
    else:
        return False
    return name == "torch" or name.startswith("torch.")


def heavy_import_warning(target: str, before: set[str]) -> str | None:
    """Why loading the entry point ``target`` ("pkg.module:task") was heavy, or None:
    it imported torch, or one of the modules it imported (the ``sys.modules`` names not
    in ``before``) holds torch objects at its top (torch was imported earlier)."""
    module = target.partition(":")[0]
    new = [name for name in list(sys.modules) if name not in before]
    heavy = "torch" in new
    for name in new if not heavy else ():
        if name == "torch" or name.startswith("torch."):
            continue
        namespace = getattr(sys.modules.get(name), "__dict__", {})
        if any(_uses_torch(v) for v in list(namespace.values())):
            heavy = True
            break
    if not heavy:
        return None
    return (f"importing {module} imports torch, which slows every gantools command "
            "(even --help): import torch inside the task's methods")


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The registry of installed plugins, discovered once per process."""
    return discover()


def get_task(name: str) -> Task:
    """The installed task called ``name`` (raises KeyError with a clear message)."""
    return default_registry().get(name)
