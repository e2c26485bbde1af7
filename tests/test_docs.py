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


def test_readme_install_and_links_are_real():
    """The README's test command is what CI runs, its extras exist, and every file it
    links to is there (its commands themselves run in test_readme_commands.py)."""
    import re
    import tomllib

    readme = (REPO / "README.md").read_text()
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    extras = pyproject["project"]["optional-dependencies"]
    for extra in re.findall(r'pip install -e "\.\[(\w+)\]"', readme):
        assert extra in extras, extra
    assert any(dep.startswith(("pytest", "ruff")) for dep in extras["dev"])
    test_command = re.search(r"\.venv/bin/(pytest[^\n`]*)", readme).group(1).strip()
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(rf"^{re.escape(test_command)}$", ci, re.M), test_command
    links = re.findall(r"\]\(([^)#]+)\)", readme)
    assert len(links) >= 5
    missing = [link for link in links if not (REPO / link).exists()]
    assert not missing, missing
