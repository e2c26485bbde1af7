"""Issue 22, import floors: the engine never imports the front door (api.py), and no
command module imports the CLI that lists it (no import circles)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gantools"


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth (lazy imports inside functions too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("path", sorted((PACKAGE / "engine").glob("*.py")), ids=lambda p: p.name)
def test_the_engine_does_not_import_the_front_door(path: Path):
    assert not {"gantools.api", "gantools.cli"} & imported_modules(path)


@pytest.mark.parametrize("path", sorted((PACKAGE / "commands").glob("*.py")),
                         ids=lambda p: p.name)
def test_commands_do_not_import_the_cli(path: Path):
    assert "gantools.cli" not in imported_modules(path)


def test_task_weights_are_read_by_weights_py_and_still_importable_from_api():
    from gantools import api, weights

    assert api.read_task_weights is weights.read_task_weights
