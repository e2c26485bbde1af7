"""The docs match the code: the CLI reference is the commands' own --help."""

from __future__ import annotations

import importlib.util

from conftest import REPO


def test_cli_reference_is_current():
    spec = importlib.util.spec_from_file_location("cli_reference", REPO / "tools" /
                                                  "cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (REPO / "docs" / "cli.md").read_text() == module.render(), \
        "docs/cli.md is stale: run python tools/cli_reference.py"


def test_readme_commands_exist():
    readme = (REPO / "README.md").read_text()
    assert "pip install -e \".[dev]\"" in readme and "pytest -q" in readme
    assert "gantools generate" in readme
