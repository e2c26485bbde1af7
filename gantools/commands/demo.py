"""``gantools demo [-o DIR]``: every installed task on the bundled sample photos, as
an HTML gallery with timings. Light at import (click only): torch loads when it runs."""

from __future__ import annotations

from pathlib import Path

import click

from gantools.cli_options import ReportedError, friendly_errors, precision_option


@click.command("demo")
@click.option("-o", "--out-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("gantools-demo"), show_default=True,
              help="Folder of the gallery: index.html, demo.json and images/ (created "
                   "when needed; files of an earlier demo are replaced).")
@click.option("--tasks", default=None, metavar="A,B",
              help="Only these tasks (comma-separated).  [default: every installed task]")
@click.option("--device", default="auto", show_default=True,
              help="auto (cuda, then mps, then cpu), cpu, cuda, cuda:N, mps.")
@precision_option("Compute type of image tasks: auto = bf16 on GPUs and on CPUs with "
                  "native bf16, else fp32.")
@friendly_errors
def demo_command(out_dir: Path, tasks: str | None, device: str, precision: str) -> None:
    """Run every installed task on bundled sample photos; write an HTML gallery.

    \b
    Each task shows before/after side by side with its shipped model (and the
    task's classical baseline where it has one), and the model's load time and
    time per image. Works offline, on a CPU, in seconds.

    A task that fails, or ships no model, gets a one-line note in the gallery and
    on stderr; the others still run. Exit code 1 if a task with an installed
    default model failed, else 0. The path of index.html is printed last."""
    from gantools.demo.run import FAILED, run_demo
    from gantools.imageio import ImageWriteError
    from gantools.inference.naming import check_writable_folder
    from gantools.registry import default_registry

    registry = default_registry()
    names = None
    if tasks is not None:
        names = list(dict.fromkeys(n.strip() for n in tasks.split(",") if n.strip()))
        known = set(registry.tasks) | {rec.name for rec in registry.records}
        unknown = [n for n in names if n not in known]
        if unknown or not names:
            raise ReportedError(f"--tasks: no task named {', '.join(unknown) or '(empty)'} "
                                f"(installed: {', '.join(sorted(known)) or 'none'})",
                                exit_code=2)
    from gantools.engine.device import pick_device

    pick_device(device)  # a bad --device is refused before the folder is made
    check_writable_folder(out_dir)  # before any model runs
    try:
        results, index = run_demo(registry, names, out_dir, device, precision,
                                  lambda line: click.echo(line, err=True))
    except ImageWriteError as exc:
        raise ReportedError(str(exc)) from exc
    click.echo(str(index))
    failed = [r.name for r in results if r.status == FAILED and r.shipped]
    if failed:
        raise ReportedError(f"demo failed for {', '.join(failed)} (see the notes above)")
