"""``gantools ui``: every installed task in a local web page. Light at import (click
only): gradio and torch load when it runs; without gradio it says what to install."""

from __future__ import annotations

import click

from gantools.cli_options import ReportedError, friendly_errors, precision_option


@click.command("ui")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; another than 127.0.0.1 lets anyone on the "
                   "network use the page (a warning says so).")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@click.option("--device", default="auto", show_default=True,
              help="auto (cuda, then mps, then cpu), cpu, cuda, cuda:N, mps.")
@precision_option()
@click.option("--max-upload", default="100M", show_default=True, metavar="SIZE",
              help="Largest upload (K, M, G suffixes); pixels are limited by "
                   "$GANTOOLS_MAX_PIXELS and memory by the memory guard, as on the "
                   "command line.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a browser.")
@friendly_errors
def ui_command(host: str, port: int, device: str, precision: str, max_upload: str,
               open_browser: bool) -> None:
    """Start a local web page with one tab per installed task.

    \b
    superres: model and scale, before/after slider, download
    inpaint:  paint the hole with a brush, model next to OpenCV Telea
    colorize: any photo in, colour out, saturation control
    generate: model, class, seed, count, the grid
    Third-party tasks get their tab from their plugin. Works offline; results stay
    in the server's temporary folder (deleted when it stops) until downloaded.
    Stop with Ctrl-C."""
    from gantools.ui.offline import INSTALL_HINT, GradioMissing, gradio

    try:
        gradio()
    except GradioMissing as exc:
        raise ReportedError(INSTALL_HINT) from exc
    from gantools.ui.server import host_warning, start

    warning = host_warning(host)
    if warning:
        click.echo(f"gantools: {warning}", err=True)
    server = start(host, port, device, precision, max_upload)
    click.echo(f"gantools ui: serving on {server.url} (Ctrl-C to stop)")
    if open_browser:
        import webbrowser

        webbrowser.open(server.url)
    server.wait()
