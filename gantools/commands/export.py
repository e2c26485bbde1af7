"""``gantools export RUN_DIR -o NAME.safetensors``: the EMA generator of a run,
with its JSON card."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from gantools.cli_options import ReportedError, friendly_errors


def export_run(run_dir: Path, out: Path, extra_card: dict[str, Any] | None = None,
               dtype: str = "float32", task_options: dict[str, Any] | None = None) -> Path:
    """Write the newest checkpoint's EMA generator of ``run_dir`` to ``out``, its
    floating-point tensors stored as ``dtype`` (float32, float16 or bfloat16; they
    are loaded back into float32 models). ``task_options`` replace fields of the run's
    task config in the exported model (settings that leave the weights' shapes alone,
    e.g. a decoding temperature chosen after training)."""

    from gantools.engine import checkpoint as ckpt
    from gantools.registry import get_task
    from gantools.weights import save_weights

    config_path = run_dir / "config.json"
    if not config_path.is_file():
        raise ReportedError(f"{run_dir}: not a run folder (no config.json)")
    config = json.loads(config_path.read_text())
    task = get_task(config["task"])
    state, ckpt_path = ckpt.load_latest(run_dir / "checkpoints")
    task_config = {**state["task_config"], **(task_options or {})}
    cfg = task.config_from_dict(task_config)
    generator = task.build_generator(cfg)
    generator.load_state_dict(state["ema"])
    task.prepare_export(generator, cfg)
    train = state["train_config"]
    card = generator_card(task, cfg, generator, out, task_config, dtype,
                          config.get("gantools_version"), training={
            "command": " ".join(config.get("command", [])),
            "resumed_with": [" ".join(r["command"]) for r in config.get("resumed_with", [])],
            "data": train["data"],
            "steps": state["step"],
            "batch_size": train["batch_size"],
            "loss": train["loss"],
            "seed": train["seed"],
            "wall_time_s": round(state.get("wall_time", 0.0), 1),
            "device": config.get("device"),
            "checkpoint": ckpt_path.name,
        })
    card.update(extra_card or {})
    return save_weights(out, stored_tensors(generator, dtype), card)


def generator_card(task: Any, cfg: Any, generator: Any, out: Path, config: dict[str, Any],
                   dtype: str, version: str | None, **provenance: Any) -> dict[str, Any]:
    """The JSON card of a generator written to ``out``: task, architecture, ``config``
    (the task config as a JSON dict), value range, storage ``dtype``, the task's
    card extras, then ``provenance`` (e.g. ``training=...``), empty metrics, the
    gantools ``version`` and the creation time."""
    return {
        "task": task.name,
        "name": out.stem,
        "architecture": type(generator).__name__,
        "config": config,
        "value_range": [0.0, 1.0],
        "storage_dtype": dtype,
        **task.card_extras(cfg),
        **provenance,
        "metrics": {},
        "gantools_version": version,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def stored_tensors(generator: Any, dtype: str) -> dict[str, Any]:
    """The generator's state dict with floating-point tensors cast to ``dtype``
    (float32, float16 or bfloat16)."""
    import torch

    store = getattr(torch, dtype)
    return {k: v.to(store) if v.is_floating_point() else v
            for k, v in generator.state_dict().items()}


def parse_card_fields(items: tuple[str, ...], option: str = "--set") -> dict[str, Any]:
    """``KEY=VALUE`` pairs given with ``option``; VALUE is JSON when it parses as
    JSON, else a string."""
    fields: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ReportedError(f"{option} {item!r}: expected KEY=VALUE")
        try:
            fields[key] = json.loads(value)
        except json.JSONDecodeError:
            fields[key] = value
    return fields


def check_weights_output(output: Path, overwrite: bool) -> None:
    """Before any work: refuse an existing NAME.safetensors or NAME.json (unless
    ``overwrite``) and a folder that cannot be written (ReportedError, one line)."""
    from gantools.inference.naming import check_writable_folder, existing_rule

    try:
        existing_rule([output, output.with_suffix(".json")], overwrite, False)
        check_writable_folder(output.parent)
    except ValueError as exc:
        raise ReportedError(str(exc)) from exc


@click.command("export")
@click.argument("run_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Destination: NAME.safetensors (the card is written as NAME.json) or "
                   "NAME.onnx; the suffix chooses the format.")
@click.option("--set", "card_fields", multiple=True, metavar="KEY=VALUE",
              help="Add a field to the card (VALUE parsed as JSON when it is JSON), "
                   "e.g. --set eval_features=features-mnist. Repeatable.")
@click.option("--dtype", type=click.Choice(["float32", "float16", "bfloat16"]),
              default="float32", show_default=True,
              help="Storage type of the tensors; float16 halves the file.")
@click.option("--overwrite", is_flag=True, help="Replace an existing NAME.safetensors "
                                                 "and NAME.json.")
@click.option("--model", "model_name", default=None,
              help="ONNX: a shipped (or $GANTOOLS_WEIGHTS) model by name, instead of RUN_DIR.")
@click.option("--weights", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="ONNX: a weights file (gantools .safetensors with its card, or a "
                   "community model), instead of RUN_DIR.")
@click.option("--task", "task_name", default=None,
              help="ONNX: the task of --model/--weights when the file does not say it.")
@click.option("--half", is_flag=True, help="ONNX: a float16 graph (inputs, weights, outputs).")
@friendly_errors
def export_command(run_dir: Path | None, output: Path, card_fields: tuple[str, ...],
                   dtype: str, overwrite: bool, model_name: str | None, weights: Path | None,
                   task_name: str | None, half: bool) -> None:
    """Export the EMA generator of a training run as safetensors + JSON card, or a
    model as ONNX (-o NAME.onnx: from RUN_DIR, --model NAME or --weights FILE).

    Use it with ``--weights NAME.safetensors``, or put both files in a folder
    listed in $GANTOOLS_WEIGHTS to use it by name with ``--model NAME``. Existing
    files are an error unless --overwrite is given.

    ONNX: the generator with dynamic batch, height and width, float32 (--half:
    float16), the card's fields in the ONNX metadata; checked against PyTorch with
    onnxruntime before it is written. Needs pip install 'gantools[onnx]'."""
    if output.suffix == ".onnx":
        from gantools.onnx_export import export_onnx_from

        path = export_onnx_from(output, run_dir, model_name, weights, task_name, half,
                                overwrite, parse_card_fields(card_fields))
        click.echo(f"wrote {path}", err=True)
        return
    if output.suffix != ".safetensors":
        raise ReportedError(f"{output}: the output must end in .safetensors or .onnx")
    if run_dir is None or model_name or weights or half:
        raise ReportedError("a .safetensors export takes RUN_DIR (a training run folder); "
                            "--model, --weights and --half are for .onnx outputs",
                            exit_code=2)
    check_weights_output(output, overwrite)
    path = export_run(run_dir, output, parse_card_fields(card_fields), dtype)
    click.echo(f"wrote {path} and {path.with_suffix('.json').name}", err=True)
