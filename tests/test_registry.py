"""Plugin discovery: built-ins, a fake third-party plugin, broken ones, disabling."""

from __future__ import annotations

import sys
import types
from importlib.metadata import EntryPoint

import pytest

from gantools import registry
from gantools.task import Task


class FakeTask(Task):
    name = "fake"
    summary = "a fake task"


class OldApiTask(Task):
    name = "oldapi"
    summary = "built for API 0"
    api_version = 0


@pytest.fixture
def plugin_modules(monkeypatch):
    good = types.ModuleType("fake_gantools_plugin")
    good.task = FakeTask()
    good.old = OldApiTask()
    good.not_a_task = object()
    monkeypatch.setitem(sys.modules, "fake_gantools_plugin", good)
    # a module that raises on import
    monkeypatch.setitem(sys.modules, "broken_gantools_plugin", None)


def ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=registry.GROUP)


def test_builtin_generate_is_registered():
    reg = registry.discover()
    assert "generate" in reg.tasks
    assert reg.tasks["generate"].summary


def test_fake_and_broken_plugins_are_isolated(plugin_modules):
    reg = registry.discover([
        ep("fake", "fake_gantools_plugin:task"),
        ep("broken", "broken_gantools_plugin:task"),
        ep("oldapi", "fake_gantools_plugin:old"),
        ep("weird", "fake_gantools_plugin:not_a_task"),
        ep("train", "fake_gantools_plugin:task"),
    ])
    assert list(reg.tasks) == ["fake"]
    errors = {r.name: r.error for r in reg.records}
    assert "import failed" in errors["broken"]
    assert "API 0" in errors["oldapi"]
    assert "not a gantools.task.Task" in errors["weird"]
    assert "command name" in errors["train"]
    with pytest.raises(KeyError, match="failed to load"):
        reg.get("broken")
    with pytest.raises(KeyError, match="no task named 'nope'"):
        reg.get("nope")


def test_name_clash_keeps_the_first(plugin_modules):
    reg = registry.discover([ep("fake", "fake_gantools_plugin:task"),
                             ep("fake", "fake_gantools_plugin:old")])
    assert reg.tasks["fake"].summary == "a fake task"
    assert any(r.error and "name clash" in r.error for r in reg.records)


def test_disable_by_environment(plugin_modules, monkeypatch):
    monkeypatch.setenv("GANTOOLS_DISABLE_PLUGINS", "fake, other")
    reg = registry.discover([ep("fake", "fake_gantools_plugin:task")])
    assert reg.tasks == {}
    assert reg.records[0].disabled
    with pytest.raises(KeyError, match="disabled"):
        reg.get("fake")


def test_a_task_whose_command_fails_does_not_break_the_cli(monkeypatch):
    from click.testing import CliRunner

    from gantools.cli import app
    from gantools.plugins.generate.task import GenerateTask

    def boom(self):
        raise ImportError("missing dependency foo")

    monkeypatch.setattr(GenerateTask, "make_command", boom)
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0 and "broken: ImportError" in result.output
    result = CliRunner().invoke(app, ["generate"])
    assert result.exit_code == 1 and "missing dependency foo" in result.output
    assert CliRunner().invoke(app, ["plugins"]).exit_code == 0


class FutureApiTask(Task):
    name = "future"
    summary = "built for API 99"
    api_version = 99


def test_api_mismatch_message_names_both_versions_and_the_fix():
    from gantools import __version__
    from gantools.task import API_VERSION

    old = registry.api_mismatch_message(0, "gantools-old")
    assert old.startswith("built for plugin API 0")
    assert f"gantools {__version__} provides API {API_VERSION}" in old
    assert f"upgrade gantools-old to a release made for API {API_VERSION}" in old
    new = registry.api_mismatch_message(99)
    assert "pip install -U gantools" in new and "the plugin" in new
    assert "\n" not in old + new


def test_wrong_api_plugin_is_one_line_in_gantools_plugins(plugin_modules, monkeypatch):
    """Listed with the versions and the fix, never a traceback; other commands work."""
    from click.testing import CliRunner

    from gantools.cli import app

    sys.modules["fake_gantools_plugin"].future = FutureApiTask()
    real = list(registry.entry_points(group=registry.GROUP))
    fakes = [ep("oldapi", "fake_gantools_plugin:old"), ep("future", "fake_gantools_plugin:future")]
    monkeypatch.setattr(registry, "entry_points", lambda group: real + fakes)
    registry.default_registry.cache_clear()
    try:
        result = CliRunner().invoke(app, ["plugins"])
        assert result.exit_code == 0 and result.exception is None
        lines = {line.split()[0]: line for line in result.output.splitlines()
                 if line and line[0] != " "}
        assert "BROKEN: built for plugin API 0" in lines["oldapi"]
        assert "upgrade the plugin" in lines["oldapi"]
        assert "BROKEN: built for plugin API 99" in lines["future"]
        assert "pip install -U gantools" in lines["future"]
        assert "Traceback" not in result.output
        assert "generate" in lines  # the others still load
        assert CliRunner().invoke(app, ["--help"]).exit_code == 0
        assert CliRunner().invoke(app, ["train", "--help"]).exit_code == 0
        refused = CliRunner().invoke(app, ["oldapi"])
        assert refused.exit_code != 0 and "Traceback" not in refused.output
    finally:
        registry.default_registry.cache_clear()


class ExplodingTask(Task):
    name = "exploding"
    summary = "its constructor raises"

    def __init__(self) -> None:
        raise RuntimeError("no licence file")


def test_a_constructor_that_raises_is_reported(monkeypatch):
    module = types.ModuleType("exploding_gantools_plugin")
    module.ExplodingTask = ExplodingTask
    monkeypatch.setitem(sys.modules, "exploding_gantools_plugin", module)
    reg = registry.discover([ep("exploding", "exploding_gantools_plugin:ExplodingTask")])
    assert reg.tasks == {}
    assert "creating the task failed: RuntimeError: no licence file" in reg.records[0].error


@pytest.mark.parametrize("args", [["superres", "x.png"], ["train", "superres", "--steps", "2"],
                                  ["eval", "superres"]])
def test_a_disabled_task_says_why_instead_of_no_such_command(monkeypatch, args):
    from click.testing import CliRunner

    from gantools.cli import app

    monkeypatch.setenv("GANTOOLS_DISABLE_PLUGINS", "superres")
    registry.default_registry.cache_clear()
    try:
        result = CliRunner().invoke(app, args)
    finally:
        monkeypatch.delenv("GANTOOLS_DISABLE_PLUGINS")
        registry.default_registry.cache_clear()
    assert result.exit_code == 1
    assert "task 'superres' is disabled by GANTOOLS_DISABLE_PLUGINS" in result.output
    assert "No such command" not in result.output


def test_every_core_command_name_is_reserved_from_plugins():
    from gantools.cli import CORE_COMMANDS
    from gantools.registry import RESERVED

    assert set(CORE_COMMANDS) <= RESERVED, sorted(set(CORE_COMMANDS) - RESERVED)
