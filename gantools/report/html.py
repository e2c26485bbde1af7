"""Rendering the report page: one self-contained HTML file (inline SVG plots, sample
grids as base64 JPEG, no script, no external reference)."""

from __future__ import annotations

import datetime as dt
import json
import math
from html import escape
from typing import Any

from gantools.report.health import Finding
from gantools.report.svg import line_plot

STYLE = """
body { font-family: sans-serif; margin: 24px auto; max-width: 1000px; color: #222; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px;
border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.verdict { padding: 10px 14px; border-radius: 6px; font-weight: bold; margin: 12px 0; }
.ok { background: #e6f4ea; color: #1e6b34; } .bad { background: #fdecea; color: #a12622; }
.info { background: #eef1f5; color: #33475b; }
ul.findings li { margin-bottom: 6px; } .advice { color: #555; }
table { border-collapse: collapse; font-size: 13px; } td, th { border: 1px solid #ddd;
padding: 3px 8px; text-align: left; } th { background: #f6f6f6; }
code, pre { font-size: 12px; background: #f6f6f6; } pre { padding: 8px; overflow-x: auto; }
figure { margin: 0 0 18px 0; } figcaption { font-size: 13px; color: #444; margin: 4px 0; }
figure img { max-width: 100%; image-rendering: pixelated; border: 1px solid #ddd; }
.muted { color: #777; font-size: 13px; }
"""


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            return "non-finite"
        return f"{value:.4g}"
    return escape(str(value))


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


def _findings_html(findings: list[Finding]) -> str:
    warnings = [f for f in findings if f.level == "warning"]
    infos = [f for f in findings if f.level != "warning"]
    if warnings:
        head = (f'<div class="verdict bad">{len(warnings)} warning'
                f'{"s" if len(warnings) > 1 else ""}: training needs a look</div>')
    elif any(f.check == "healthy" for f in infos):
        head = '<div class="verdict ok">Healthy: no warning from the checks below</div>'
    elif any(f.check == "empty" for f in infos):
        head = '<div class="verdict info">Nothing to check yet</div>'
    elif any(f.check == "too-few-points" for f in infos):
        head = '<div class="verdict info">Too few points to judge yet</div>'
    else:
        head = '<div class="verdict info">No adversarial checks (supervised run)</div>'
    items = []
    for f in warnings + infos:
        where = f" <b>({escape(f.steps)})</b>" if f.steps else ""
        advice = f'<br><span class="advice">Try: {escape(f.advice)}</span>' if f.advice else ""
        items.append(f"<li>{escape(f.message)}{where}{advice}</li>")
    return head + '<ul class="findings">' + "".join(items) + "</ul>"


def _table(rows: list[tuple[str, str]]) -> str:
    return "<table>" + "".join(f"<tr><th>{escape(k)}</th><td>{v}</td></tr>"
                               for k, v in rows) + "</table>"


def render(run: dict[str, Any]) -> str:
    """The page for ``run`` (built by :func:`gantools.report.build.collect`)."""
    metrics = run["metrics"]
    config = run["config"]
    train = config.get("train", {})
    findings: list[Finding] = run["findings"]
    resumes = [(r.get("from_step"), " ".join(r.get("command", [])))
               for r in config.get("resumed_with", []) if isinstance(r, dict)]
    markers = [(float(s), "resume") for s, _ in resumes if isinstance(s, int | float)]
    steps = metrics.steps
    x_range = (float(min(steps)), float(max(steps))) if steps else None

    def spans(*checks: str) -> list[tuple[float, float, str]]:
        return [(float(f.first_step), float(f.last_step if f.last_step is not None
                                            else f.first_step), f.message)
                for f in findings if f.check in checks and f.first_step is not None]

    def plot(title: str, keys: list[tuple[str, str]], **kwargs: Any) -> str:
        series = [(label, [(float(s), v) for s, v in metrics.series(key)])
                  for key, label in keys if metrics.has(key)]
        if not series:
            return ""
        return line_plot(title, series, markers=markers, x_range=x_range, **kwargs)

    probabilities = train.get("loss", "bce") == "bce"
    real_label = "D(x)" if probabilities else "sigmoid(D(x))"
    fake_label = "D(G(z))" if probabilities else "sigmoid(D(G(z)))"
    plots = []
    if metrics.adversarial:
        g_key = "g_adv" if metrics.has("g_adv") else "g_loss"
        plots.append(plot("D and G losses", [("d_loss", "d_loss"),
                                             (g_key, f"{g_key} (G adversarial)")],
                          spans=spans("d-wins", "g-diverges", "non-finite")))
        plots.append(plot(f"{real_label} and {fake_label}",
                          [("d_real", f"{real_label} real"), ("d_fake", f"{fake_label} fake")],
                          y_range=(0.0, 1.0), hlines=[0.5], spans=spans("d-wins")))
        if not probabilities:
            plots.append('<p class="muted">With --loss '
                         f'{escape(str(train.get("loss")))} D is a critic: these are the '
                         "sigmoid of its mean scores, not probabilities.</p>")
    if metrics.has("aug_p"):
        target = train.get("ada_target") or 0.0
        plots.append(plot("D augmentation: probability p" + (
            f" and ADA's r_t = mean sign(D(real)), target {target:g}" if target else ""),
            [("aug_p", "p (--diffaugment)"), ("ada_rt", "r_t")], y_range=(-1.0, 1.0),
            hlines=[target] if target else []))
    g_total_differs = metrics.has("g_loss") and (
        not metrics.has("g_adv") or metrics.series("g_loss") != metrics.series("g_adv"))
    if g_total_differs:
        plots.append(plot("G total loss (adversarial term + task losses)"
                          if metrics.adversarial else "G loss (task losses)",
                          [("g_loss", "g_loss")], spans=spans("non-finite")))
    for key in metrics.task_losses:
        same = metrics.series(key) == metrics.series("g_loss")
        title = f"task loss: {key}" + (" (= g_loss)" if same else "")
        if same and g_total_differs and len(metrics.task_losses) == 1:
            continue
        plots.append(plot(title, [(key, key)], spans=spans("non-finite")))
    plots.append(plot("training speed", [("images_per_s", "images/s")]))
    if run["diversity"]:
        plots.append(line_plot("sample diversity (mean pairwise pixel distance of a grid)",
                               [("diversity", [(float(s), v) for s, v in run["diversity"]])],
                               markers=markers, x_range=x_range, spans=spans("diversity")))

    last = metrics.rows[-1] if metrics.rows else {}
    ips = [v for _, v in metrics.finite("images_per_s")]
    summary = [
        ("task", escape(str(config.get("task", "?")))),
        ("steps", f"{last.get('step', 0):.0f} of {escape(str(train.get('steps', '?')))} "
                  f"planned" + (" (unfinished: stopped, or still running)" if run["stopped_early"]
                      else "")),
        ("adversarial", "yes, loss " + escape(str(train.get("loss", "?")))
         if metrics.adversarial else "no (supervised: adversarial weight 0)"),
        ("batch size", escape(str(train.get("batch_size", "?")))),
        ("images/s", f"{_fmt(sorted(ips)[len(ips) // 2])} median, {_fmt(ips[-1])} last"
         if ips else "not logged"),
        ("training time", _duration(run["wall_time"]) + (" (estimated from images/s)"
                                                         if run["wall_time"] else "")),
        ("device, precision", escape(f"{config.get('device', '?')}, "
                                     f"{config.get('precision', '?')}")),
        ("versions", escape(f"gantools {config.get('gantools_version', '?')}, "
                            f"torch {config.get('torch_version', '?')}")),
        ("sample grids", str(len(run["grids"]))),
        ("checkpoints", escape(", ".join(run["checkpoints"]) or "none")),
    ]
    last_values = [(key, _fmt(value)) for key, value in last.items() if key != "step"]

    timeline = []
    for grid in run["grids"]:
        if grid.get("uri") is None:
            continue
        caption = f"step {grid['step']}"
        if grid.get("diversity") is not None:
            caption += f" · diversity {grid['diversity']:.3f}"
        timeline.append(f'<figure><figcaption>{escape(caption)}</figcaption>'
                        f'<img src="{grid["uri"]}" alt="{escape(caption)}"></figure>')
    shown = sum(1 for g in run["grids"] if g.get("uri") is not None)
    grid_note = (f'<p class="muted">Showing {shown} of {len(run["grids"])} grids, evenly '
                 "spaced.</p>" if shown < len(run["grids"]) else "")
    if run["diversity_note"]:
        grid_note += f'<p class="muted">{escape(run["diversity_note"])}</p>'

    history = [("command", f"<code>{escape(' '.join(config.get('command', [])))}</code>")]
    for step, command in resumes:
        history.append((f"resumed at step {step}", f"<code>{escape(command)}</code>"))
    notes = "".join(f"<li>{escape(n)}</li>" for n in metrics.notes)

    name = escape(run["name"])
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>gantools report: {name}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Training report: {name}</h1>",
        f'<p class="muted">{escape(str(run["path"]))} · task '
        f'{escape(str(config.get("task", "?")))} · made {created} by gantools report</p>',
        "<h2>Health</h2>", _findings_html(findings),
        "<h2>Summary</h2>", _table(summary),
        "<h2>Last logged values</h2>",
        _table(last_values) if last_values else "<p>no metrics logged yet</p>",
        "<h2>Curves</h2>",
        '<p class="muted">Dashed vertical lines: resumes. Shaded: the steps a warning '
        "covers.</p>" if markers or any(f.level == "warning" for f in findings) else "",
        *[p for p in plots if p],
        "<h2>Samples</h2>",
        grid_note, *(timeline or ["<p>no sample grids</p>"]),
        "<h2>Run configuration</h2>", _table(history),
        "<details><summary>task options</summary><pre>"
        + escape(json.dumps(config.get("task_config", {}), indent=2)) + "</pre></details>",
        "<details><summary>training options</summary><pre>"
        + escape(json.dumps(train, indent=2)) + "</pre></details>",
        f"<h2>Notes on metrics.jsonl</h2><ul>{notes}</ul>" if notes else "",
        "</body></html>",
    ]) + "\n"
