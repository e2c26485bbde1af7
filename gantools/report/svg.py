"""Line plots as inline SVG, drawn without any plotting library."""

from __future__ import annotations

import math
from html import escape

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
          "#17becf")
MAX_POINTS = 1500


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering [low, high]."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    if high <= low:
        return [low]
    raw = (high - low) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks, value = [], first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    return ticks


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 10000 or abs(value) < 0.001:
        return f"{value:.2g}"
    return f"{value:.4g}"


def _thin(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if len(points) <= MAX_POINTS:
        return points
    stride = math.ceil(len(points) / MAX_POINTS)
    return points[::stride] + ([points[-1]] if (len(points) - 1) % stride else [])


def line_plot(title: str, series: list[tuple[str, list[tuple[float, float]]]],
              *, y_range: tuple[float, float] | None = None,
              x_range: tuple[float, float] | None = None,
              markers: list[tuple[float, str]] = (),
              spans: list[tuple[float, float, str]] = (),
              hlines: list[float] = (), width: int = 720, height: int = 250,
              x_label: str = "step") -> str:
    """An SVG line plot: one line per (label, [(x, y), ...]) series (non-finite y
    values break the line), dashed vertical ``markers`` (x, label), shaded ``spans``
    (x0, x1, label), dotted horizontal ``hlines``."""
    left, right, top, bottom = 62, 16, 28, 40
    pw, ph = width - left - right, height - top - bottom
    finite = [(x, y) for _, pts in series for x, y in pts if math.isfinite(y)]
    xs = [x for x, _ in finite] or [0.0, 1.0]
    ys = [y for _, y in finite] or [0.0, 1.0]
    x0, x1 = x_range or (min(xs), max(xs))
    y0, y1 = y_range or (min(ys), max(ys))
    if x1 <= x0:
        x0, x1 = x0 - 1, x1 + 1
    if y1 <= y0:
        pad = abs(y0) * 0.1 or 1.0
        y0, y1 = y0 - pad, y1 + pad
    elif not y_range:
        margin = (y1 - y0) * 0.05
        y0, y1 = y0 - margin, y1 + margin

    def sx(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * pw

    def sy(y: float) -> float:
        return top + (1 - (min(max(y, y0), y1) - y0) / (y1 - y0)) * ph

    out = [f'<svg width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
           'font-family="sans-serif" font-size="11">',
           f'<text x="{left}" y="17" font-size="13" font-weight="bold">{escape(title)}</text>']
    for a, b, label in spans:
        xa, xb = sx(max(a, x0)), sx(min(b, x1))
        out.append(f'<rect x="{xa:.1f}" y="{top}" width="{max(xb - xa, 2):.1f}" '
                   f'height="{ph}" fill="#d62728" fill-opacity="0.12">'
                   f'<title>{escape(label)}</title></rect>')
    for tick in nice_ticks(y0, y1):
        y = sy(tick)
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" '
                   'stroke="#e5e5e5"/>')
        out.append(f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end">{_fmt(tick)}</text>')
    for tick in nice_ticks(x0, x1, 6):
        x = sx(tick)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + ph}" '
                   'stroke="#f0f0f0"/>')
        out.append(f'<text x="{x:.1f}" y="{top + ph + 15}" text-anchor="middle">'
                   f'{_fmt(tick)}</text>')
    out.append(f'<text x="{left + pw / 2:.1f}" y="{height - 4}" text-anchor="middle" '
               f'fill="#555">{escape(x_label)}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" '
               'stroke="#999"/>')
    for value in hlines:
        if y0 <= value <= y1:
            out.append(f'<line x1="{left}" x2="{left + pw}" y1="{sy(value):.1f}" '
                       f'y2="{sy(value):.1f}" stroke="#777" stroke-dasharray="2,3"/>')
    for x, label in markers:
        if x0 <= x <= x1:
            out.append(f'<line x1="{sx(x):.1f}" x2="{sx(x):.1f}" y1="{top}" '
                       f'y2="{top + ph}" stroke="#444" stroke-dasharray="5,4">'
                       f'<title>{escape(label)}</title></line>')
            out.append(f'<text x="{sx(x) + 3:.1f}" y="{top + 11}" fill="#444">'
                       f'{escape(label)}</text>')
    for i, (label, points) in enumerate(series):
        color = COLORS[i % len(COLORS)]
        segments: list[list[str]] = [[]]
        for x, y in _thin(points):
            if math.isfinite(y):
                segments[-1].append(f"{sx(x):.1f},{sy(y):.1f}")
            elif segments[-1]:
                segments.append([])
        for segment in segments:
            if len(segment) == 1:
                cx, cy = segment[0].split(",")
                out.append(f'<circle cx="{cx}" cy="{cy}" r="2" fill="{color}"/>')
            elif segment:
                out.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" '
                           f'points="{" ".join(segment)}"/>')
        lx = left + pw - 8 - 150 * (len(series) - 1 - i)
        out.append(f'<line x1="{lx - 120}" x2="{lx - 104}" y1="13" y2="13" '
                   f'stroke="{color}" stroke-width="2"/>')
        out.append(f'<text x="{lx - 100}" y="17">{escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out)
