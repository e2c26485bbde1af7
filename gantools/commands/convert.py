"""``gantools convert TASK FILE -o NAME.safetensors``: import a plain PyTorch state dict
(``.pt`` / ``.pth``, or a foreign ``.safetensors``) as gantools weights with a card.

Pickled files are opened with ``torch.load(weights_only=True)`` only: tensors and
plain containers load, anything that would run code on unpickling is refused.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import click

from gantools.cli_options import ReportedError, friendly_errors

NESTED_KEYS = ("params_ema", "params", "state_dict", "model", "generator", "ema", "net_g")
"""Keys under which checkpoints commonly keep the generator's state dict (BasicSR,
Lightning, plain training scripts), tried in this order."""


def read_state_dict(path: Path, key: str | None = None) -> tuple[dict[str, Any], str | None]:
    """The tensors of ``path`` and the nested key they came from (None: top level)."""
    import torch

    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        try:
            return load_file(str(path)), None
        except Exception as exc:  # noqa: BLE001 - any parse error is the file's fault
            raise ReportedError(f"{path}: not a readable safetensors file ({exc})") from exc
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - unsafe pickles land here too
        reason = " ".join(str(exc).split())[:300]
        raise ReportedError(f"{path}: cannot be loaded as plain weights "
                            f"(torch.load weights_only=True refused it: {reason})") from exc
    if not isinstance(data, dict):
        raise ReportedError(f"{path}: holds a {type(data).__name__}, not a state dict")
    if key is not None:
        if key not in data:
            raise ReportedError(f"{path}: no key {key!r} (keys: {', '.join(map(str, data))})")
        data, found = data[key], key
    elif all(isinstance(v, torch.Tensor) for v in data.values()):
        found = None
    else:
        found = next((k for k in NESTED_KEYS if isinstance(data.get(k), dict)), None)
        if found is None:
            raise ReportedError(f"{path}: not a flat state dict and none of the usual keys "
                                f"({', '.join(NESTED_KEYS)}); name one with --key")
        data = data[found]
    tensors = {k: v for k, v in data.items() if isinstance(v, torch.Tensor)}
    if not tensors:
        raise ReportedError(f"{path}: no tensors found")
    return tensors, found


def strip_prefix(tensors: dict[str, Any], prefix: str | None) -> dict[str, Any]:
    """Remove ``prefix`` (default: ``module.`` when every key has it, as written by
    DataParallel / DistributedDataParallel)."""
    if prefix is None:
        prefix = "module." if all(k.startswith("module.") for k in tensors) else ""
    return {k.removeprefix(prefix): v for k, v in tensors.items()}


def convert(task_name: str, source: Path, out: Path, options: dict[str, Any],
            key: str | None = None, prefix: str | None = None) -> Path:
    """Load ``source`` into the task's generator built from ``options`` (strict: every
    key and shape must match) and save it as ``out`` with a card."""
    from gantools import __version__
    from gantools.commands.export import generator_card, stored_tensors
    from gantools.registry import get_task
    from gantools.weights import save_weights, sha256_of

    try:
        task = get_task(task_name)
    except KeyError as exc:
        raise ReportedError(str(exc.args[0])) from exc
    try:
        cfg = task.config_from_dict(options)
    except (TypeError, ValueError) as exc:
        raise ReportedError(str(exc)) from exc
    tensors, found = read_state_dict(source, key)
    tensors = strip_prefix(tensors, prefix)
    generator = task.build_generator(cfg)
    expected = generator.state_dict()
    problems = [f"missing {k}" for k in expected if k not in tensors]
    problems += [f"unexpected {k}" for k in tensors if k not in expected]
    problems += [f"{k}: shape {tuple(tensors[k].shape)} in the file, "
                 f"{tuple(v.shape)} in the model" for k, v in expected.items()
                 if k in tensors and tensors[k].shape != v.shape]
    if problems:
        shown = "; ".join(problems[:4]) + (f"; and {len(problems) - 4} more"
                                           if len(problems) > 4 else "")
        raise ReportedError(f"{source} does not fit {task.name}'s generator with these "
                            f"options ({shown}); set the architecture with --option")
    generator.load_state_dict(tensors)
    config = json.loads(json.dumps(dataclasses.asdict(cfg), default=str))
    card = generator_card(task, cfg, generator, out, config, "float32", __version__,
                          converted_from={"file": source.name, "sha256": sha256_of(source),
                                          "key": found})
    return save_weights(out, stored_tensors(generator, "float32"), card)


def _parse_options(items: tuple[str, ...]) -> dict[str, Any]:
    from gantools.commands.export import parse_card_fields

    return {k.replace("-", "_"): v for k, v in parse_card_fields(items, "--option").items()}


@click.command("convert")
@click.argument("task_name", metavar="TASK")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Destination NAME.safetensors; the card is written as NAME.json.")
@click.option("--option", "options", multiple=True, metavar="KEY=VALUE",
              help="A field of the task's config (as for 'gantools train TASK'), e.g. "
                   "--option blocks=16 --option scale=2. Repeatable.")
@click.option("--key", default=None,
              help=f"Nested key holding the state dict (default: the top level, or the "
                   f"first of {', '.join(NESTED_KEYS)}).")
@click.option("--strip-prefix", "prefix", default=None,
              help="Remove this prefix from every key (default: 'module.' when all keys "
                   "have it).")
@click.option("--overwrite", is_flag=True, help="Replace an existing NAME.safetensors "
                                                 "and NAME.json.")
@friendly_errors
def convert_command(task_name: str, source: Path, out: Path, options: tuple[str, ...],
                    key: str | None, prefix: str | None, overwrite: bool) -> None:
    """Import a plain PyTorch state dict (.pt/.pth, or a foreign .safetensors) as
    gantools weights with a JSON card.

    Pickled files are read with torch.load(weights_only=True): tensors and plain
    containers only, never arbitrary objects. The tensors must fit the task's
    generator built with the given --option values exactly (names and shapes).
    Use the result with --weights NAME.safetensors. Existing files are an error
    unless --overwrite is given."""
    from gantools.commands.export import check_weights_output

    if out.suffix != ".safetensors":
        raise ReportedError(f"{out}: the output must end in .safetensors")
    check_weights_output(out, overwrite)
    written = convert(task_name, source, out, _parse_options(options), key, prefix)
    click.echo(f"wrote {written} and {written.with_suffix('.json').name}")
