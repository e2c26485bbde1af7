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
