"""``gantools report RUN_DIR [-o report.html]``: one self-contained HTML page per
run, with the curves, the sample grids as a timeline, and health warnings."""

from __future__ import annotations

from pathlib import Path

import click

from gantools.cli_options import ReportedError, friendly_errors


@click.command("report")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Destination HTML file [default: RUN_DIR/report.html, "
                                 "refreshed on every call]; an existing one is an error "
                                 "unless --overwrite is given.")
@click.option("--overwrite", is_flag=True, help="Replace an existing -o FILE.")
@friendly_errors
def report_command(run_dir: Path, output: Path | None, overwrite: bool) -> None:
    """Write an HTML report of a training run and say whether training looks healthy.

    One self-contained page (open it in any browser, send it by mail): D and G
    losses, D(x) and D(G(z)), the task losses and images/s over time, the sample
    grids as a timeline, the run's configuration and resume history, and warnings
    where the curves show trouble (D wins outright, G loss diverging, non-finite
    values, sample diversity dropping). The verdict and warnings are also printed.

    \b
      gantools report runs/mnist
      gantools report runs/mnist -o mnist-report.html
    """
    from gantools.inference.naming import check_writable_folder
    from gantools.report.build import NotARun, run_summary, write_report

    if output is not None and output.exists() and not overwrite:
        raise ReportedError(f"{output}: exists; use --overwrite to replace it")
    if output is not None:
        check_writable_folder(output.parent)
    try:
        path, findings = write_report(run_dir, output)
    except NotARun as exc:
        raise ReportedError(str(exc)) from exc
    click.echo(run_summary(run_dir), err=True)
    warnings = [f for f in findings if f.level == "warning"]
    for finding in warnings or findings:
        click.echo(finding.line(), err=True)
    click.echo(f"wrote {path}", err=True)
