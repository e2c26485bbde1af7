"""Training recipes: named presets of options (``gantools train NAME --recipe``)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from click.testing import CliRunner

from gantools.cli import app
from gantools.plugins.colorize.task import task as colorize
from gantools.recipes import recipe_values, recipes_help
from gantools.task import Task


def dry_run(*args: str) -> dict:
    result = CliRunner().invoke(app, ["train", "colorize", "--data", "d", "--out", "o",
                                      "--dry-run", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_new_run_starts_from_the_default_recipe():
    resolved = dry_run()
    defaults = colorize.recipes[colorize.default_recipe][0]
    assert resolved["task_config"]["head"] == "classes" == defaults["head"]
    assert resolved["train"]["lr_schedule"] == defaults["lr_schedule"]
    assert resolved["train"]["batch_size"] == defaults["batch_size"]


def test_named_recipe_and_options_given_win():
    resolved = dry_run("--recipe", "pix2pix", "--lr-g", "0.001")
    assert resolved["task_config"]["adv_weight"] == 1.0
    assert resolved["task_config"]["head"] == "regression"
    assert resolved["train"]["lr_g"] == 0.001  # given on the command line
    assert resolved["train"]["lr_d"] == 2e-4  # from the recipe


def test_recipe_is_refused_with_resume(tmp_path):
    result = CliRunner().invoke(app, ["train", "colorize", "--out", str(tmp_path),
                                      "--resume", "--recipe", "pix2pix"])
    assert result.exit_code == 2
    assert "--recipe applies to new runs" in result.output


def test_unknown_recipe_is_one_line_naming_the_known_ones():
    result = CliRunner().invoke(app, ["train", "colorize", "--data", "d", "--out", "o",
                                      "--recipe", "nope", "--dry-run"])
    assert result.exit_code == 2 and "classes" in result.output and "pix2pix" in result.output
    with pytest.raises(ValueError, match="no such recipe"):
        recipe_values(colorize, "nope")


def test_help_lists_every_recipe_and_marks_the_default():
    text = recipes_help(colorize)
    for name in colorize.recipes:
        assert name in text
    assert f"{colorize.default_recipe} (default)" in text and "--adv-weight 1.0" in text


@dataclass
class _Config:
    width: int = 8


class _Task(Task):
    name = "recipe-probe"
    Config = _Config
    recipes = {"good": ({"width": 16, "steps": 5}, "fine"),
               "bad": ({"wdith": 16}, "a typo")}


def test_recipe_values_check_the_option_names():
    probe = _Task()
    assert recipe_values(probe, "good") == {"width": 16, "steps": 5}
    assert recipe_values(probe, None) == {}  # no default recipe
    with pytest.raises(ValueError, match="unknown option.*wdith"):
        recipe_values(probe, "bad")
