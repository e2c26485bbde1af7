"""The demo gallery as one self-contained HTML page (inline CSS, no scripts); images
are referenced by relative paths so the folder can be zipped and shared."""

from __future__ import annotations

import math
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from gantools.demo.run import PanelFile, TaskResult

CREDITS = ("Sample photos from scikit-image's data: astronaut (NASA, public domain), "
           "chelsea (Stefan van der Walt, CC0), coffee (Rachel Michetti, CC0), rocket "
           "(SpaceX, public domain).")

SMALL_SIDE = 320
"""Panels smaller than this are shown enlarged, with crisp (pixelated) scaling."""

CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1900px;
       padding: 0 1em; color: #222; background: #fafafa; }
h1 { margin-bottom: 0.2em; }
.meta, .credits { color: #666; font-size: 0.9em; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.8em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
section { margin: 2.5em 0; }
.note { background: #fff4e0; border-left: 4px solid #e0a030; padding: 0.5em 1em; }
.failed .note { background: #fde8e8; border-left-color: #d04040; }
.row { margin: 1.2em 0; }
.caption { font-weight: 600; margin-bottom: 0.3em; }
.panels { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-start; }
figure { margin: 0; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid #ccc; }
figure img.pixelated { image-rendering: pixelated; }
figcaption { font-size: 0.85em; color: #444; margin-top: 0.2em; }
"""


def _seconds(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _panel(panel: PanelFile) -> str:
    width, css = panel.width, ""
    if max(panel.width, panel.height) < SMALL_SIDE:
        width = panel.width * math.ceil(SMALL_SIDE / max(panel.width, panel.height))
        css = ' class="pixelated"'
    label = escape(panel.label)
    timing = f" &middot; {_seconds(panel.seconds)}" if panel.seconds is not None else ""
    return (f'<figure><a href="{escape(panel.file)}"><img src="{escape(panel.file)}" '
            f'width="{width}" alt="{label}" loading="lazy"{css}></a>'
            f"<figcaption>{label}{timing}</figcaption></figure>")


def _summary_table(results: list[TaskResult]) -> str:
    lines = ["<table><tr><th>task</th><th>model</th><th>status</th><th>model load</th>"
             "<th>mean time per picture</th></tr>"]
    for r in results:
        means = r.mean_seconds()
        times = ", ".join(f"{escape(label)} {_seconds(s)}" for label, s in means.items())
        lines.append(f'<tr><td><a href="#{escape(r.name)}">{escape(r.name)}</a></td>'
                     f"<td>{escape(r.model or '')}</td><td>{escape(r.status)}</td>"
                     f'<td class="num">{_seconds(r.load_s)}</td><td>{times}</td></tr>')
    lines.append("</table>")
    return "\n".join(lines)


def _section(result: TaskResult) -> str:
    cls = result.status.replace(" ", "-")
    parts = [f'<section id="{escape(result.name)}" class="{escape(cls)}">',
             f"<h2>{escape(result.name)}</h2>"]
    if result.summary:
        parts.append(f"<p>{escape(result.summary)}</p>")
    if result.note:
        parts.append(f'<p class="note">{escape(result.note)}</p>')
    if result.status == "ok":
        means = ", ".join(f"{escape(label)} {_seconds(s)}"
                          for label, s in result.mean_seconds().items())
        parts.append(f'<p class="meta">model <code>{escape(result.model or "")}</code>, '
                     f"loaded in {_seconds(result.load_s)}; mean time per picture: {means}; "
                     "whole demo "
                     f"{_seconds(result.demo_s)}</p>")
    for row in result.rows:
        parts.append('<div class="row">')
        parts.append(f'<div class="caption">{escape(row.caption)}</div>')
        parts.append('<div class="panels">' + "".join(_panel(p) for p in row.panels)
                     + "</div></div>")
    parts.append("</section>")
    return "\n".join(parts)


def render(results: list[TaskResult], meta: dict[str, Any]) -> str:
    """The whole page: header, summary table, one section per task, credits."""
    header = (f"gantools {escape(meta['gantools_version'])} &middot; torch "
              f"{escape(meta['torch_version'])} &middot; device {escape(meta['device'])} "
              f"({escape(meta['precision'])}, {meta['threads']} thread(s)) &middot; "
              f"{escape(meta['created'])} &middot; total {_seconds(meta['total_s'])}")
    body = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>gantools demo</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>gantools demo</h1>",
        f'<p class="meta">{header}</p>',
        "<p>Every installed task on the bundled sample photos with its shipped model: "
        "the task's input, the classical baseline where there is one, the model, and the "
        "original. Click a picture for full size. Times are wall-clock on this machine; "
        "the first image of a task includes one-off warm-up.</p>",
        _summary_table(results),
        *(_section(r) for r in results),
        f'<p class="credits">{escape(CREDITS)}</p>',
        "</body></html>",
    ]
    return "\n".join(body) + "\n"
