"""Regenerate docs/cli.md from the commands' own --help texts.

    python tools/cli_reference.py            # rewrite docs/cli.md
    python tools/cli_reference.py --check    # exit 1 if docs/cli.md is stale
"""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

from gantools.cli import app
from gantools.registry import default_registry

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def command_paths() -> list[list[str]]:
    """Every command of the built-in tasks (third-party plugins installed here are left
    out), in a stable order: root, core, per-task inference, train, eval."""
    tasks = sorted(r.name for r in default_registry().records
                   if r.task is not None and r.package == "gantools")
    paths = [[], ["plugins"], ["export"]]
    paths += [[t] for t in tasks]
    paths += [["train"]] + [["train", t] for t in tasks]
    paths += [["eval"]] + [["eval", t] for t in tasks
                           if default_registry().tasks[t].make_eval_command() is not None]
    return paths


def render() -> str:
    runner = CliRunner()
    parts = ["# CLI reference\n",
             "Generated from the commands' own `--help` by `python tools/cli_reference.py`;",
             "a test fails when this page and the code disagree.\n"]
    for path in command_paths():
        text = runner.invoke(app, [*path, "--help"], prog_name="gantools",
                             terminal_width=100).output
        parts.append(f"## gantools {' '.join(path)}".rstrip() + "\n")
        parts.append("```\n" + text.rstrip() + "\n```\n")
    return "\n".join(parts)


def main() -> None:
    text = render()
    if "--check" in sys.argv:
        if not DOC.exists() or DOC.read_text() != text:
            print(f"{DOC} is stale: run python tools/cli_reference.py", file=sys.stderr)
            sys.exit(1)
        return
    DOC.write_text(text)
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
