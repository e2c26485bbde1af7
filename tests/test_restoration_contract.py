"""The contract catches what issue 24 found: a zero tile overlap on a network that
looks trained, config fields without help, a plugin that imports torch at its top
(`gantools plugins` shows it UNHEALTHY). Plus --threads on every task's inference and
eval command, and `train --help` naming its required options."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass
from importlib.metadata import EntryPoint

import pytest
import torch
from click.testing import CliRunner
from conftest import REPO

from gantools.cli import app
from gantools.engine.config import opt
from gantools.restoration import RestorationTask
from gantools.testing import check_attributes, check_task
from gantools.testing.inference import perturb_weights

EXAMPLE = REPO / "examples" / "plugin-denoise"
TINY = {"width": 8, "blocks": 1, "patch": 32, "d_width": 8, "d_layers": 2}


@pytest.fixture
def denoise(monkeypatch):
    """The example's task class, importable without installing it."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    from gantools_denoise.task import DenoiseTask

    yield DenoiseTask
    for name in [m for m in sys.modules if m.split(".")[0] == "gantools_denoise"]:
        monkeypatch.delitem(sys.modules, name)


def test_a_zero_overlap_fails_on_a_trained_looking_network(denoise, tmp_path):
    """The 2-step denoiser starts as the identity (zero last layer): without perturbed
    weights its tiles matched even with no overlap."""
    zero = type("ZeroOverlap", (denoise,), {"tile_overlap": lambda self, cfg: 0})()
    with pytest.raises(AssertionError, match=r"\[tile_overlap\].*overlap 0\) differs"):
        check_task(zero, tmp_path, config=TINY, installed=False, eval_args=None)


def test_perturbing_gives_an_identity_network_its_receptive_field(denoise):
    g = denoise().build_generator(denoise.Config(width=8, blocks=1))
    x = torch.rand(1, 3, 20, 20)
    assert torch.equal(g(x), x)
    before = {k: v.clone() for k, v in g.state_dict().items()}
    perturb_weights(g)
    after = g.state_dict()
    assert not torch.equal(g(x), x)
    assert all(torch.equal(before[k], after[k]) for k in before if after[k].dim() < 2)
    again = denoise().build_generator(denoise.Config(width=8, blocks=1))
    again.load_state_dict(before)
    perturb_weights(again)  # seeded: the same perturbation
    assert all(torch.equal(after[k], again.state_dict()[k]) for k in after)


@dataclass
class BareConfig:
    width: int = 32


@dataclass
class HelpedConfig:
    width: int = opt(32, "Channels.")


class Tiny(RestorationTask):
    name = "tinyrestore"
    summary = "a task"
    Config = HelpedConfig


@pytest.mark.parametrize(("attr", "rule"), [("Config", "config"),
                                             ("InferOptions", "infer-options"),
                                             ("EvalOptions", "eval-options")])
def test_fields_without_help_fail(attr, rule):
    check_attributes(Tiny())
    task = type("Bare", (Tiny,), {attr: BareConfig})()
    with pytest.raises(AssertionError,
                       match=rf"\[{rule}\]: Bare\.{attr} field\(s\) without a help text: width"):
        check_attributes(task)


HEAVY = """
import torch  # at the top: every gantools command would pay for it

from gantools.task import ImageTask


class HeavyTask(ImageTask):
    name = "heavy"
    summary = "imports torch at its top"


task = HeavyTask()
"""

LIGHT = """
from gantools.task import ImageTask


class LightTask(ImageTask):
    name = "light"
    summary = "imports torch lazily"


task = LightTask()
"""


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    (tmp_path / "heavy_plugin.py").write_text(HEAVY)
    (tmp_path / "light_plugin.py").write_text(LIGHT)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in ("heavy_plugin", "light_plugin"):
        sys.modules.pop(name, None)


def entry_points():
    group = "gantools.plugins"
    return [EntryPoint("heavy", "heavy_plugin:task", group),
            EntryPoint("light", "light_plugin:task", group)]


def test_the_registry_flags_a_plugin_that_imports_torch(plugin_dir, monkeypatch):
    """In this process torch is loaded already: the module's torch globals tell."""
    from gantools.commands import plugins
    from gantools.registry import discover

    registry = discover(entry_points())
    records = {r.name: r for r in registry.records}
    assert records["heavy"].task is not None and records["heavy"].error is None
    assert "importing heavy_plugin imports torch" in records["heavy"].warning
    assert records["light"].warning is None
    monkeypatch.setattr(plugins, "default_registry", lambda: registry)
    out = CliRunner().invoke(app, ["plugins"]).output  # through app: its -h stays
    lines = out.splitlines()
    flagged = [i for i, line in enumerate(lines) if "UNHEALTHY" in line]
    assert len(flagged) == 1 and lines[flagged[0] - 2].startswith("heavy ")


def test_the_registry_flags_it_in_a_fresh_process(plugin_dir):
    """Where torch is not loaded yet (``gantools plugins``), importing it tells."""
    code = textwrap.dedent(f"""
        import sys
        from importlib.metadata import EntryPoint
        sys.path.insert(0, {str(plugin_dir)!r})
        from gantools.registry import discover
        g = "gantools.plugins"
        eps = [EntryPoint("light", "light_plugin:task", g),
               EntryPoint("heavy", "heavy_plugin:task", g)]
        for r in discover(eps).records:
            print(r.name, r.warning is not None)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["heavy", "True", "light", "False"]


@pytest.mark.parametrize("args", [["superres", "--help"], ["generate", "--help"],
                                  ["eval", "superres", "--help"], ["eval", "inpaint", "--help"]])
def test_inference_and_eval_commands_take_threads(args):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0 and "--threads" in result.output
    assert "CPU threads for torch" in result.output


def test_threads_are_set_while_the_command_runs_and_restored():
    import click

    from gantools.cli_threads import with_threads

    seen = []
    command = with_threads(click.Command("x", callback=lambda: seen.append(
        torch.get_num_threads())))
    assert with_threads(command) is command
    assert [p.name for p in command.params].count("threads") == 1
    before = torch.get_num_threads()
    wanted = 1 if before != 1 else 2
    assert CliRunner().invoke(command, ["--threads", str(wanted)]).exit_code == 0
    assert CliRunner().invoke(command, []).exit_code == 0
    assert seen == [wanted, before] and torch.get_num_threads() == before
    assert CliRunner().invoke(command, ["--threads", "-1"]).exit_code == 2


def test_train_help_names_its_required_options():
    out = " ".join(CliRunner().invoke(app, ["train", "superres", "--help"],
                                      terminal_width=200).output.split())
    assert "metrics.jsonl. [required]" in out
    assert "[required, except with --resume]" in out
