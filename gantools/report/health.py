"""Health checks on a run's curves and sample grids.

Each check returns :class:`Finding` objects: a warning with the step range it
covers, a one-line explanation and what to try. The thresholds are module constants
(documented in docs/training.md, "Is training healthy? gantools report")."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from gantools.report.curves import Metrics

#: D wins outright: mean D(G(z)) below this and mean D(x) above 1 - this ...
D_WINS_PROB = 0.05
#: ... or d_loss below this (bce and hinge only; a WGAN critic loss has no floor) ...
D_WINS_LOSS = 0.05
#: ... for at least this many consecutive logged points and this share of the run.
SUSTAINED_POINTS = 5
SUSTAINED_FRACTION = 0.10
#: G diverging: fewest logged points to judge a trend.
TREND_MIN_POINTS = 12
#: G diverging: the fitted rise over the last third, relative to its starting level.
G_RISE_RATIO = 0.5
#: Sample diversity: warn when it falls below this fraction of its peak.
DIVERSITY_DROP = 0.5


@dataclass
class Finding:
    check: str           # "d-wins", "g-diverges", "non-finite", "diversity", ...
    first_step: int | None
    last_step: int | None
    message: str         # one line: what the curves show
    advice: str = ""     # what to try
    level: str = "warning"  # "warning" or "info"

    @property
    def steps(self) -> str:
        if self.first_step is None:
            return ""
        if self.last_step is None or self.last_step == self.first_step:
            return f"step {self.first_step}"
        return f"steps {self.first_step}-{self.last_step}"

    def line(self) -> str:
        where = f" ({self.steps})" if self.steps else ""
        return f"{self.level}: {self.message}{where}" + (f". Try: {self.advice}"
                                                          if self.advice else "")


def _longest_run(flags: list[bool]) -> tuple[int, int]:
    """(start, length) of the longest run of True."""
    best, start, current = (0, 0), 0, 0
    for i, flag in enumerate(flags):
        if flag:
            if current == 0:
                start = i
            current += 1
            if current > best[1]:
                best = (start, current)
        else:
            current = 0
    return best


def _sustained(length: int, total: int) -> bool:
    return length >= max(SUSTAINED_POINTS, math.ceil(SUSTAINED_FRACTION * total))


def check_non_finite(metrics: Metrics) -> list[Finding]:
    findings = []
    for key in metrics.keys:
        bad = [s for s, v in metrics.series(key) if not math.isfinite(v)]
        if bad:
            findings.append(Finding(
                "non-finite", bad[0], bad[-1],
                f"{key} is NaN or infinite at {len(bad)} logged step(s)",
                "a lower learning rate, --precision fp32, or --r1 / --loss hinge to "
                "keep D bounded; resume from the last checkpoint before the NaNs"))
    return findings


def check_d_wins(metrics: Metrics, loss: str | None) -> list[Finding]:
    """D separates real from fake perfectly for a sustained window: G gets no
    useful gradient (bce) and usually stops improving or collapses."""
    rows = metrics.rows
    if not rows:
        return []
    use_loss = loss in (None, "bce", "hinge")

    def wins(row: dict[str, float]) -> bool:
        real, fake = row.get("d_real", math.nan), row.get("d_fake", math.nan)
        if (math.isfinite(real) and math.isfinite(fake)
                and fake < D_WINS_PROB and real > 1 - D_WINS_PROB):
            return True
        d_loss = row.get("d_loss", math.nan)
        return use_loss and math.isfinite(d_loss) and d_loss < D_WINS_LOSS

    flags = [("d_real" in r or "d_loss" in r) and wins(r) for r in rows]
    start, length = _longest_run(flags)
    total = sum(1 for r in rows if "d_real" in r or "d_loss" in r)
    if not _sustained(length, total):
        return []
    first, last = int(rows[start]["step"]), int(rows[start + length - 1]["step"])
    return [Finding(
        "d-wins", first, last,
        f"the discriminator wins outright: D(G(z)) < {D_WINS_PROB}, D(x) > "
        f"{1 - D_WINS_PROB:g} or d_loss < {D_WINS_LOSS} for {length} logged points in a "
        "row, so G gets almost no useful gradient",
        "a lower --lr-d than --lr-g, --r1 10, --loss hinge, data augmentation, or a "
        "smaller discriminator")]


def theil_sen(points: list[tuple[float, float]]) -> float:
    """Median of pairwise slopes (robust to outliers)."""
    slopes = [(y2 - y1) / (x2 - x1) for i, (x1, y1) in enumerate(points)
              for x2, y2 in points[i + 1:] if x2 != x1]
    return statistics.median(slopes) if slopes else 0.0


def _rolling_median(values: list[float], window: int = 5) -> list[float]:
    half = window // 2
    return [statistics.median(values[max(0, i - half):i + half + 1])
            for i in range(len(values))]


def check_g_diverges(metrics: Metrics) -> list[Finding]:
    """G's adversarial loss keeps growing over the last third of the run, faster than
    over the first third and by a large fraction of its level."""
    key = "g_adv" if metrics.has("g_adv") else "g_loss"
    points = metrics.finite(key)
    if len(points) < TREND_MIN_POINTS:
        return []
    smooth = list(zip([s for s, _ in points], _rolling_median([v for _, v in points]),
                      strict=True))
    third = len(smooth) // 3
    first, last = smooth[:third], smooth[-third:]
    slope_first, slope_last = theil_sen(first), theil_sen(last)
    span = last[-1][0] - last[0][0]
    rise = slope_last * span
    level = statistics.median(v for _, v in last[:max(1, third // 3)])
    if not (slope_last > 0 and slope_last > slope_first
            and rise >= G_RISE_RATIO * max(abs(level), 0.1)):
        return []
    return [Finding(
        "g-diverges", last[0][0], last[-1][0],
        f"the generator loss ({key}) keeps growing: +{rise:.3g} over the last third "
        f"of the run (from about {level:.3g}), a sustained upward trend",
        "stop at an earlier checkpoint; lower --lr-d or raise --lr-g, add --r1, or "
        "use --loss hinge")]


def check_diversity(diversity: list[tuple[int, float]]) -> list[Finding]:
    """Mean pairwise distance between the samples of each grid falls below
    ``DIVERSITY_DROP`` of its peak: the samples look alike (mode collapse)."""
    if len(diversity) < 2:
        return []
    peak_index = max(range(len(diversity)), key=lambda i: diversity[i][1])
    peak_step, peak = diversity[peak_index]
    if peak <= 0:
        return []
    low = [(s, v) for s, v in diversity[peak_index + 1:] if v < DIVERSITY_DROP * peak]
    if not low:
        return []
    worst = min(v for _, v in low)
    return [Finding(
        "diversity", low[0][0], low[-1][0],
        f"sample diversity dropped to {worst / peak:.0%} of its peak (step {peak_step}): "
        "the samples look alike, a sign of mode collapse",
        "resume from a checkpoint before the drop with a lower learning rate, "
        "--r1 10, --loss hinge, or a larger batch")]


def assess(metrics: Metrics, loss: str | None,
           diversity: list[tuple[int, float]] | None = None) -> list[Finding]:
    """Every finding for a run; an "info" verdict when there is no warning."""
    findings = check_non_finite(metrics)
    if not metrics.rows:
        return [Finding("empty", None, None, "no metrics logged yet", level="info")]
    if not metrics.adversarial:
        findings.append(Finding(
            "supervised", None, None,
            "supervised run (adversarial weight 0): loss curves only, no adversarial "
            "checks", level="info"))
        return findings
    findings += check_d_wins(metrics, loss)
    findings += check_g_diverges(metrics)
    findings += check_diversity(diversity or [])
    if not any(f.level == "warning" for f in findings):
        if len(metrics.rows) < TREND_MIN_POINTS:
            findings.append(Finding(
                "too-few-points", None, None,
                f"too few points to judge: {len(metrics.rows)} logged step(s), the checks "
                f"need at least {TREND_MIN_POINTS} (train longer, or lower --log-every)",
                level="info"))
            return findings
        findings.append(Finding(
            "healthy", None, None,
            "healthy: no collapse, divergence or non-finite values found", level="info"))
    return findings
