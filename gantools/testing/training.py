"""Checks of a short training run, its export and the load of the exported weights."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from gantools.task import Task
from gantools.testing.rules import _fail, _require


def _check_training(task: Task, config: dict[str, Any], train_options: dict[str, Any],
                    data: Path, out: Path, device: str) -> Path:
    import gantools

    options = {"steps": 2, "batch_size": 2, "sample_every": 0, "n_samples": 4,
               "workers": 0, "log_every": 1, "device": device, **train_options}
    try:
        result = gantools.train(task, data=str(data), out=str(out), progress=False,
                                command=["gantools.testing"], **config, **options)
    except Exception as exc:
        raise _fail("train", f"gantools.train failed: {type(exc).__name__}: {exc}") from exc
    _require(result.step == options["steps"] and not result.interrupted, "train",
             f"the run stopped at step {result.step} of {options['steps']}")
    _require((out / "config.json").is_file(), "train", f"{out} has no config.json")
    for key, value in result.last_metrics.items():
        _require(math.isfinite(value), "train",
                 f"metric '{key}' is not finite after training: {value}")
    return out


def _check_export(task: Task, run: Path, out: Path) -> Path:
    import json

    from gantools.commands.export import export_run
    from gantools.weights import read_card

    try:
        path = export_run(run, out)
    except Exception as exc:
        raise _fail("export", f"export_run failed: {type(exc).__name__}: {exc}") from exc
    card = read_card(path)
    _require(card.get("task") == task.name, "export",
             f"the card names task {card.get('task')!r}, not {task.name!r}")
    extras = task.card_extras(task.config_from_dict(card.get("config", {})))
    _require(isinstance(extras, dict), "card_extras", "card_extras must return a dict")
    json.dumps(extras)  # must be JSON: raises TypeError otherwise
    return path


def _check_load(task: Task, weights: Path, device: str) -> Any:
    import gantools

    try:
        model = gantools.load(task, weights=weights, device=device, precision="fp32")
    except Exception as exc:
        raise _fail("load", f"gantools.load failed on the exported weights: "
                            f"{type(exc).__name__}: {exc}") from exc
    _require(not model.generator.training, "load", "the loaded generator is not in eval mode")
    return model
