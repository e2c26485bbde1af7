"""Reading a run's ``metrics.jsonl`` robustly.

A run killed mid-write leaves a truncated last line (skipped, with a note); a resumed
run may log a step twice (the later line wins); non-finite values are written as
``null`` by the run log (read back as NaN, like JSON's ``NaN``/``Infinity``)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

#: Keys the engine logs for every adversarial run; everything else is a task loss.
ADVERSARIAL_KEYS = ("d_loss", "g_adv", "d_real", "d_fake")
#: What --diffaugment / --ada-target log: the op probability and ADA's r_t.
AUGMENT_KEYS = ("aug_p", "ada_rt")
CORE_KEYS = ("step", "g_loss", "images_per_s", *ADVERSARIAL_KEYS, *AUGMENT_KEYS)


@dataclass
class Metrics:
    """The logged values, sorted by step, one row per step (the last one logged)."""

    rows: list[dict[str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def steps(self) -> list[int]:
        return [int(r["step"]) for r in self.rows]

    @property
    def keys(self) -> list[str]:
        """Every logged key except ``step``, in first-seen order."""
        seen: dict[str, None] = {}
        for row in self.rows:
            for key in row:
                if key != "step":
                    seen.setdefault(key, None)
        return list(seen)

    def series(self, key: str) -> list[tuple[int, float]]:
        """(step, value) for the rows that hold ``key``; NaN where it was non-finite."""
        return [(int(r["step"]), r[key]) for r in self.rows if key in r]

    def finite(self, key: str) -> list[tuple[int, float]]:
        return [(s, v) for s, v in self.series(key) if math.isfinite(v)]

    def has(self, key: str) -> bool:
        return any(key in r for r in self.rows)

    @property
    def task_losses(self) -> list[str]:
        return [k for k in self.keys if k not in CORE_KEYS]

    @property
    def adversarial(self) -> bool:
        return any(self.has(k) for k in ADVERSARIAL_KEYS)


def _number(value: object) -> float | None:
    if value is None:
        return math.nan
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    return None


def parse_metrics(text: str) -> Metrics:
    """Parse the text of a metrics.jsonl file (see the module docstring)."""
    lines = text.split("\n")
    numbered = [(i + 1, line) for i, line in enumerate(lines) if line.strip()]
    last_number = numbered[-1][0] if numbered else 0
    by_step: dict[int, dict[str, float]] = {}
    notes: list[str] = []
    for number, line in numbered:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            if number == last_number and not text.endswith("\n"):
                notes.append(f"line {number}: truncated last line skipped (run still "
                             "writing, or killed mid-write)")
            else:
                notes.append(f"line {number}: not valid JSON, skipped")
            continue
        if not isinstance(record, dict) or not isinstance(record.get("step"), int | float):
            notes.append(f"line {number}: no step, skipped")
            continue
        step = int(record["step"])
        row: dict[str, float] = {"step": float(step)}
        for key, value in record.items():
            if key == "step":
                continue
            number_value = _number(value)
            if number_value is not None:
                row[key] = number_value
        if step in by_step:
            notes.append(f"line {number}: step {step} logged again (resumed run); "
                         "the later value is kept")
        by_step[step] = row
    rows = [by_step[s] for s in sorted(by_step)]
    return Metrics(rows, _summarise_repeats(notes))


def _summarise_repeats(notes: list[str]) -> list[str]:
    """One note for all repeated steps instead of one per line."""
    repeats = [n for n in notes if "logged again" in n]
    others = [n for n in notes if "logged again" not in n]
    if len(repeats) > 1:
        others.append(f"{len(repeats)} steps logged twice (resumed run); the later "
                      "values are kept")
    else:
        others.extend(repeats)
    return others


def read_metrics(path: Path) -> Metrics:
    return parse_metrics(Path(path).read_text(encoding="utf-8", errors="replace"))


def estimated_wall_time(metrics: Metrics, batch_size: int | None) -> float | None:
    """Seconds of training (data + steps, not grids or checkpoints), estimated from
    images/s of every logged window; None when it cannot be estimated."""
    if not batch_size:
        return None
    total, previous = 0.0, 0
    for step, ips in metrics.series("images_per_s"):
        if math.isfinite(ips) and ips > 0 and step > previous:
            total += (step - previous) * batch_size / ips
        previous = step
    return total or None
