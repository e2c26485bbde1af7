"""Hole masks generated on the device: free-form brush strokes (as in DeepFill v2),
rectangles, and mixtures, each drawn to a hole ratio inside a given band.

Masks are (N, 1, H, W) float tensors, 1 = hole (to fill), 0 = known pixel. Stroke
and rectangle sizes are in absolute pixels, not relative to the image, so holes in
128-pixel training crops look like holes in full-size photos.

Shape parameters are drawn with torch; OpenCV rasterises them on the CPU (a few
microseconds per stroke) and the mask is then moved to the device. Randomness
comes from ``generator`` when given (evaluation: the same masks every
run, on any device, because they are drawn on the CPU), else from torch's global
generator (training: resumes exactly).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import torch

SHAPE_BATCH = 8
"""Shapes drawn per round; they are added one by one until the target is reached."""


@dataclass(frozen=True)
class StrokeStyle:
    """Brush strokes: polylines of ``vertices`` segments of ``length`` pixels, drawn
    with a round brush ``width`` pixels wide (ranges are inclusive)."""

    width: tuple[float, float] = (8.0, 24.0)
    length: tuple[float, float] = (10.0, 40.0)
    vertices: tuple[int, int] = (4, 10)


def _uniform(n: int, lo: float, hi: float, gen: torch.Generator | None) -> torch.Tensor:
    return torch.rand(n, generator=gen) * (hi - lo) + lo


def _draw_strokes(height: int, width: int, count: int, style: StrokeStyle,
                  gen: torch.Generator | None) -> list[np.ndarray]:
    """``count`` random strokes -> list of (H, W) bool arrays, one per stroke.

    Parameters come from ``gen`` (torch); OpenCV rasterises the polylines (round
    brush: thick segments plus a disc at every vertex), microseconds per stroke."""
    v = style.vertices[1]
    n_vert = torch.randint(style.vertices[0], style.vertices[1] + 1, (count,), generator=gen)
    start = torch.stack([torch.rand(count, generator=gen) * width,
                         torch.rand(count, generator=gen) * height], 1)
    angle0 = torch.rand(count, 1, generator=gen) * 2 * math.pi
    turns = (torch.rand(count, v, generator=gen) - 0.5) * (math.pi * 0.8)
    angles = angle0 + torch.cumsum(turns, 1)
    lengths = _uniform(count * v, *style.length, gen).view(count, v)
    steps = torch.stack([torch.cos(angles), torch.sin(angles)], 2) * lengths[..., None]
    points = torch.cat([start[:, None], start[:, None] + torch.cumsum(steps, 1)], 1)
    points = points.round().to(torch.int64).tolist()
    brush = _uniform(count, *style.width, gen).round().to(torch.int64).clamp_min(1).tolist()
    shapes = []
    for i in range(count):
        canvas = np.zeros((height, width), np.uint8)
        pts = points[i][: int(n_vert[i]) + 1]
        for (x0, y0), (x1, y1) in zip(pts[:-1], pts[1:], strict=True):
            cv2.line(canvas, (x0, y0), (x1, y1), 1, brush[i])
        for x, y in pts:
            cv2.circle(canvas, (x, y), brush[i] // 2, 1, -1)
        shapes.append(canvas.astype(bool))
    return shapes


def _draw_rectangles(height: int, width: int, count: int,
                     gen: torch.Generator | None) -> list[np.ndarray]:
    """``count`` random rectangles, sides 10-40% of the image's -> (H, W) bool arrays."""
    rh = (_uniform(count, 0.1, 0.4, gen) * height).round().clamp_min(1)
    rw = (_uniform(count, 0.1, 0.4, gen) * width).round().clamp_min(1)
    top = (torch.rand(count, generator=gen) * (height - rh + 1)).floor()
    left = (torch.rand(count, generator=gen) * (width - rw + 1)).floor()
    shapes = []
    for t, lf, h, w in zip(top.tolist(), left.tolist(), rh.tolist(), rw.tolist(), strict=True):
        canvas = np.zeros((height, width), bool)
        canvas[int(t):int(t + h), int(lf):int(lf + w)] = True
        shapes.append(canvas)
    return shapes


def mask_with_ratio(height: int, width: int, ratio: tuple[float, float], kind: str = "strokes",
                    style: StrokeStyle = StrokeStyle(),
                    generator: torch.Generator | None = None,
                    max_rounds: int = 200) -> torch.Tensor:
    """One mask (1, H, W) float32 {0, 1} on the CPU whose hole ratio lies in
    ``ratio`` = (lo, hi) (fractions of the image, lo < hi).

    ``kind``: "strokes", "rectangles" or "mixed" (strokes then rectangles, or the
    reverse, each shape chosen at random). Shapes are added one by one towards a
    target drawn uniformly in the band; a shape that would jump past ``hi`` is
    discarded. Raises ValueError if the band cannot be reached (tiny images)."""
    lo, hi = ratio
    if not 0 <= lo < hi <= 1:
        raise ValueError(f"hole ratio band must satisfy 0 <= lo < hi <= 1, got {ratio}")
    target = float(_uniform(1, lo, hi, generator))
    total = height * width
    mask = np.zeros((height, width), bool)
    for _ in range(max_rounds):
        for shape in _shapes(height, width, kind, style, generator):
            union = mask | shape
            area = np.count_nonzero(union) / total
            if area > hi:
                continue
            mask = union
            if area >= target:
                return torch.from_numpy(mask)[None].float()
    if np.count_nonzero(mask) / total >= lo:
        return torch.from_numpy(mask)[None].float()
    raise ValueError(f"could not draw a {lo:.0%}-{hi:.0%} hole in a {width}x{height} image")


def _shapes(height: int, width: int, kind: str, style: StrokeStyle,
            gen: torch.Generator | None) -> list[np.ndarray]:
    """One round of candidate shapes, (H, W) bool arrays, in drawing order."""
    if kind == "strokes":
        return _draw_strokes(height, width, SHAPE_BATCH, style, gen)
    if kind == "rectangles":
        return _draw_rectangles(height, width, 4, gen)
    if kind == "mixed":
        pick = (torch.rand(SHAPE_BATCH, generator=gen) < 0.2).tolist()
        strokes = _draw_strokes(height, width, SHAPE_BATCH, style, gen)
        rects = _draw_rectangles(height, width, SHAPE_BATCH, gen)
        return [r if p else s for p, r, s in zip(pick, rects, strokes, strict=True)]
    raise ValueError(f"unknown mask kind {kind!r} (strokes, rectangles, mixed)")


def random_masks(n: int, height: int, width: int, ratio: tuple[float, float],
                 kind: str = "mixed", device: torch.device | str = "cpu") -> torch.Tensor:
    """``n`` training masks (N, 1, H, W) float32 {0, 1} on ``device``, from torch's
    global generator (drawn on the CPU, so runs resume exactly on any device)."""
    masks = [mask_with_ratio(height, width, ratio, kind) for _ in range(n)]
    return torch.stack(masks).to(device)


def seeded_mask(height: int, width: int, ratio: tuple[float, float], seed: int,
                kind: str = "strokes") -> torch.Tensor:
    """The evaluation mask (1, 1, H, W) float32 for ``seed``: identical every run."""
    gen = torch.Generator().manual_seed(seed)
    return mask_with_ratio(height, width, ratio, kind, generator=gen)[None]
