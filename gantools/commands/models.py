"""``gantools models FILE...``: what a weights file is, without running it.

gantools weights (``.safetensors`` + card) are described from the card and the
tensor header; community files are read as tensors (never code) and recognised by
spandrel: architecture, purpose, scale, channels, parameters, size needs, the task
that runs them. Torch loads only when a community file is given.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from gantools.weights import WeightsError, is_foreign_weights, read_card


def _millions(n: int) -> str:
    return f"{n / 1e6:.2f} M" if n >= 10_000 else str(n)


def describe_gantools(path: Path) -> dict[str, Any]:
    """Card fields of gantools weights, with the parameter count from the header."""
    from safetensors import safe_open

    card = read_card(path)
    try:
        with safe_open(str(path), framework="numpy") as fh:
            params = 0
            for key in fh.keys():
                count = 1
                for side in fh.get_slice(key).get_shape():
                    count *= side
                params += count
    except Exception as exc:  # noqa: BLE001 - any parse error is the file's fault
        raise WeightsError(f"{path}: not a valid safetensors file ({exc})") from exc
    return {"file": path.name, "kind": "gantools", "task": card.get("task"),
            "architecture": card.get("architecture"), "scale": card.get("scale", 1),
            "parameters": params, "colour_space": card.get("colour_space"),
            "value_range": card.get("value_range"), "input": card.get("input"),
            "output": card.get("output")}


def describe_foreign(path: Path) -> dict[str, Any]:
    """What spandrel recognises in a community file, and the task that runs it."""
    from gantools.foreign.detect import PURPOSE_TASKS, detect

    _, info = detect(path)
    return {"kind": "community (spandrel)", **info.as_dict(),
            "task": PURPOSE_TASKS.get(info.purpose)}


def describe(path: Path) -> dict[str, Any]:
    """One file's description (WeightsError, one line, when it cannot be read)."""
    if not path.is_file():
        raise WeightsError(f"{path}: no such file")
    if is_foreign_weights(path):
        return describe_foreign(path)
    if path.suffix != ".safetensors":
        raise WeightsError(f"{path}: unknown weights format (expected .safetensors, .pth, "
                           ".pt or .ckpt)")
    return describe_gantools(path)


def format_description(d: dict[str, Any]) -> list[str]:
    """Lines for the terminal."""
    task = d.get("task")
    if d["kind"] == "gantools":
        lines = [f"{d['file']}: gantools weights, task {task}, {d['architecture']}, "
                 f"x{d['scale']}, {_millions(d['parameters'])} parameters"]
        if d.get("input"):
            lines.append(f"  input: {d['input']}; output: {d['output']}")
    else:
        needs = [f">= {d['minimum']} px"] if d["minimum"] else []
        needs += [f"a multiple of {d['multiple_of']} px"] if d["multiple_of"] > 1 else []
        needs += ["square"] if d["square"] else []
        size = f"inputs padded to {', '.join(needs)}" if needs else "any input size"
        halves = [n for n, ok in (("fp16", d["supports_fp16"]), ("bf16", d["supports_bf16"]))
                  if ok]
        lines = [f"{d['file']}: {d['architecture']} ({d['purpose']}), x{d['scale']}, "
                 f"{d['input_channels']} -> {d['output_channels']} channels, "
                 f"{_millions(d['parameters'])} parameters",
                 f"  {size}; tiling {d['tiling']}, overlap {d['tile_overlap']} px; "
                 f"half precision: {', '.join(halves) or 'no'}"
                 + (f"; tags {', '.join(d['tags'])}" if d["tags"] else "")]
    lines.append(f"  run with: gantools {task} INPUT... --weights {d['file']}" if task
                 else "  no gantools task runs this purpose")
    return lines


@click.command("models")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file.")
def models_command(files: tuple[Path, ...], as_json: bool) -> None:
    """Say what weights files are, without running them: gantools weights (from the
    card) or community models (.pth/.pt/.ckpt/.safetensors recognised by spandrel:
    architecture, purpose, scale, channels, parameters, size needs, the command that
    runs them). Files are read as tensors only; a pickle that would run code is
    refused. Exit code 1 if any file could not be described."""
    failed = 0
    for path in files:
        try:
            d = describe(path)
        except (WeightsError, OSError) as exc:
            failed += 1
            click.echo(str(exc).splitlines()[0], err=True)
            continue
        click.echo(json.dumps(d) if as_json else "\n".join(format_description(d)))
    if failed:
        raise SystemExit(1)
