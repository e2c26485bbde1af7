"""Collect a run folder's data, run the health checks, write the page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gantools.atomic import atomic_write_bytes
from gantools.report import grids as grid_tools
from gantools.report.curves import Metrics, estimated_wall_time, read_metrics
from gantools.report.health import Finding, assess

#: Sample grids embedded in the page at most (evenly spaced, first and last kept).
MAX_GRIDS_SHOWN = 24


class NotARun(ValueError):
    """The folder is missing or is not a training run."""


def _evenly(count: int, keep: int) -> set[int]:
    if count <= keep:
        return set(range(count))
    return {round(i * (count - 1) / (keep - 1)) for i in range(keep)}


def collect(run_dir: Path, max_width: int = 768) -> dict[str, Any]:
    """Everything the page shows; raises :class:`NotARun` for a bad folder (none, or
    no config.json). A run without metrics.jsonl yet still gets its page: config,
    checkpoints and sample grids."""
    run_dir = Path(run_dir)
    if not run_dir.exists():
        raise NotARun(f"{run_dir}: no such folder")
    if not run_dir.is_dir():
        raise NotARun(f"{run_dir}: not a folder")
    if not (run_dir / "config.json").is_file():
        raise NotARun(f"{run_dir}: not a run folder (no config.json)")
    try:
        config = json.loads((run_dir / "config.json").read_text())
    except ValueError as exc:
        raise NotARun(f"{run_dir / 'config.json'}: not valid JSON ({exc})") from exc
    if not isinstance(config, dict):
        raise NotARun(f"{run_dir / 'config.json'}: not a run configuration")
    train = config.get("train", {}) if isinstance(config.get("train"), dict) else {}
    if (run_dir / "metrics.jsonl").is_file():
        metrics = read_metrics(run_dir / "metrics.jsonl")
    else:  # stopped (or still running) before its first log line: report the rest
        metrics = Metrics(notes=["no metrics.jsonl yet: the run stopped, or is still "
                                 "running, before its first logged step"])

    n_samples = train.get("n_samples")
    n_samples = n_samples if isinstance(n_samples, int) and n_samples > 0 else None
    found = grid_tools.list_grids(run_dir)
    shown = _evenly(len(found), MAX_GRIDS_SHOWN)
    grids, diversity, kinds = [], [], set()
    for i, grid in enumerate(found):
        entry: dict[str, Any] = {"step": grid.step, "uri": None, "diversity": None}
        try:
            layout, value = grid_tools.grid_diversity(grid.path, n_samples)
            if i in shown:
                entry["uri"] = grid_tools.preview_data_uri(grid.path, max_width)
        except (OSError, ValueError) as exc:
            metrics.notes.append(f"{grid.path.name}: unreadable ({exc}), skipped")
            continue
        kinds.add(layout.kind if layout else "unknown")
        if value is not None and metrics.adversarial:
            entry["diversity"] = value
            diversity.append((grid.step, value))
        grids.append(entry)
    diversity_note = ""
    if kinds - {"plain"}:
        diversity_note = ("Sample diversity is measured only on grids whose tiles are all "
                          "generated samples; these grids are comparisons (rows of inputs, "
                          "outputs, targets) or their layout could not be read, so no "
                          "diversity check.")

    findings: list[Finding] = assess(metrics, train.get("loss"), diversity)
    last_step = metrics.steps[-1] if metrics.rows else 0
    planned = train.get("steps")
    checkpoints = sorted(p.name for p in (run_dir / "checkpoints").glob("*.ckpt"))
    return {
        "name": run_dir.resolve().name,
        "path": run_dir,
        "config": config,
        "metrics": metrics,
        "findings": findings,
        "grids": grids,
        "diversity": diversity,
        "diversity_note": diversity_note if metrics.adversarial else "",
        "wall_time": estimated_wall_time(metrics, train.get("batch_size")),
        "stopped_early": isinstance(planned, int) and 0 < last_step < planned,
        "checkpoints": checkpoints,
    }


def run_summary(run_dir: Path) -> str:
    """One line on what a run folder holds: its task, the last checkpointed and logged
    steps against the planned ones, and how many checkpoints and sample grids."""
    run_dir = Path(run_dir)
    try:
        config = json.loads((run_dir / "config.json").read_text())
    except (OSError, ValueError):
        config = {}
    config = config if isinstance(config, dict) else {}
    train = config.get("train") if isinstance(config.get("train"), dict) else {}
    checkpoints = sorted((run_dir / "checkpoints").glob("*.ckpt"))
    grids = grid_tools.list_grids(run_dir)
    metrics = (read_metrics(run_dir / "metrics.jsonl")
               if (run_dir / "metrics.jsonl").is_file() else Metrics())
    logged = f"last logged step {metrics.steps[-1]}" if metrics.rows else "no step logged"
    return (f"{run_dir}: {config.get('task', 'unknown')} run, {logged} of "
            f"{train.get('steps', '?')} planned; {len(checkpoints)} checkpoint(s), "
            f"{len(grids)} sample grid(s)")


def write_report(run_dir: Path, output: Path | None = None) -> tuple[Path, list[Finding]]:
    """Write the report of ``run_dir`` (default ``RUN_DIR/report.html``) atomically."""
    from gantools.report.html import render

    run = collect(run_dir)
    output = Path(output) if output is not None else Path(run_dir) / "report.html"
    atomic_write_bytes(output, render(run).encode("utf-8"))
    return output, run["findings"]
