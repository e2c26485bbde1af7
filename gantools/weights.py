"""Weights on disk: ``NAME.safetensors`` tensors beside a ``NAME.json`` card.

The card says what the tensors are: task, architecture config, value range, colour
space, how they were trained (command, data, steps, wall time) and the metrics
measured, plus the sha256 of the tensor file, verified before every load.
Weights are never pickled and never downloaded.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gantools.atomic import atomic_write_bytes as _atomic_write_bytes

if TYPE_CHECKING:  # pragma: no cover
    import torch

PACKAGE_PRETRAINED = Path(__file__).resolve().parent / "pretrained"


class WeightsError(ValueError):
    """A weights file or card is missing, corrupted or for another task."""


@dataclass
class WeightsRef:
    """A weights file and its parsed card."""

    path: Path
    card: dict[str, Any]

    @property
    def name(self) -> str:
        return self.path.stem


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a
    rename, so a reader never sees a half-written file; the folder is created first.

    See :func:`gantools.atomic.atomic_write_bytes` for the guarantee."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write_bytes(path, data)


def card_path(weights_path: Path) -> Path:
    """The JSON card that belongs to a ``.safetensors`` file."""
    return Path(weights_path).with_suffix(".json")


FOREIGN_SUFFIXES = (".pth", ".pt", ".ckpt")
"""Community state dicts read by :mod:`gantools.foreign` (tensors only, never code)."""


def is_foreign_weights(path: Path) -> bool:
    """True for a community model file: ``.pth`` / ``.pt`` / ``.ckpt``, or a
    ``.safetensors`` without a gantools card beside it."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in FOREIGN_SUFFIXES:
        return True
    return suffix == ".safetensors" and path.is_file() and not card_path(path).is_file()


def save_weights(path: Path, tensors: dict[str, torch.Tensor], card: dict[str, Any]) -> Path:
    """Write ``tensors`` as safetensors and ``card`` (plus the file's sha256) as JSON.

    Both files are written atomically; the card last, so a card always describes a
    complete tensor file. Returns the tensor file's path."""
    from safetensors.torch import save

    path = Path(path)
    if path.suffix != ".safetensors":
        raise WeightsError(f"{path}: weights must be saved as .safetensors")
    contiguous = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    blob = save(contiguous, metadata={"format": "pt", "task": str(card.get("task", ""))})
    atomic_write_bytes(path, blob)
    full_card = dict(card)
    full_card["sha256"] = hashlib.sha256(blob).hexdigest()
    full_card["file"] = path.name
    atomic_write_bytes(card_path(path), (json.dumps(full_card, indent=2) + "\n").encode())
    return path


def read_card(weights_path: Path) -> dict[str, Any]:
    """Parse the card beside a weights file (clear error if absent or invalid)."""
    cpath = card_path(weights_path)
    if not cpath.is_file():
        raise WeightsError(f"{weights_path}: no card {cpath.name} beside it")
    try:
        return json.loads(cpath.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise WeightsError(f"{cpath}: unreadable card ({exc})") from exc


def update_card(weights_path: Path, fields: dict[str, Any]) -> dict[str, Any]:
    """Merge ``fields`` into the card of ``weights_path`` (e.g. measured metrics).
    The card's sha256 covers the tensor file only, so it stays valid."""
    card = read_card(weights_path)
    card.update(fields)
    atomic_write_bytes(card_path(weights_path), (json.dumps(card, indent=2) + "\n").encode())
    return card


def _verified_bytes(path: Path, verify: bool) -> tuple[bytes, dict]:
    """The bytes of a .safetensors file and its card, the sha256 checked; pickled
    files (.pt/.pth/.ckpt) are refused: they can run arbitrary code."""
    path = Path(path)
    if path.suffix in {".pt", ".pth", ".ckpt", ".pkl", ".bin"}:
        raise WeightsError(
            f"{path}: pickled weights are never loaded; export a run with "
            "'gantools export' to get a .safetensors file"
        )
    if not path.is_file():
        raise WeightsError(f"{path}: no such weights file")
    card = read_card(path)
    blob = path.read_bytes()
    if verify and card.get("sha256"):
        actual = hashlib.sha256(blob).hexdigest()
        if actual != card["sha256"]:
            raise WeightsError(
                f"{path}: sha256 mismatch (card {card['sha256'][:12]}..., file "
                f"{actual[:12]}...): the file is corrupted or was replaced"
            )
    return blob, card


def load_weights(path: Path, verify: bool = True) -> tuple[dict[str, torch.Tensor], dict]:
    """Load tensors and card from ``path`` (a .safetensors file), checking the sha256."""
    from safetensors.torch import load

    blob, card = _verified_bytes(path, verify)
    try:
        tensors = load(blob)
    except Exception as exc:  # noqa: BLE001 - safetensors raises several types
        raise WeightsError(f"{path}: not a valid safetensors file ({exc})") from exc
    return tensors, card


def load_weights_numpy(path: Path, verify: bool = True) -> tuple[dict[str, Any], dict]:
    """As :func:`load_weights`, as float32 numpy arrays, without importing torch (for
    fast start-up of small models)."""
    import numpy as np
    from safetensors.numpy import load

    blob, card = _verified_bytes(path, verify)
    try:
        arrays = load(blob)
    except Exception as exc:  # noqa: BLE001 - safetensors raises several types
        raise WeightsError(f"{path}: not a valid safetensors file ({exc})") from exc
    return {k: v.astype(np.float32) if v.dtype.kind == "f" else v
            for k, v in arrays.items()}, card


def read_task_weights(task: Any, path: Path) -> tuple[dict[str, torch.Tensor], dict]:
    """Verified tensors and card of ``path``, refused when they belong to a task other
    than ``task`` (anything with a ``name``: a Task)."""
    tensors, card = load_weights(Path(path))
    check_task(task, path, card)
    return tensors, card


def check_task(task: Any, path: Path, card: dict) -> None:
    """WeightsError when ``card`` (of ``path``) is for a task other than ``task``."""
    if card.get("task") != task.name:
        raise WeightsError(f"{path}: weights are for task '{card.get('task')}', "
                           f"not '{task.name}'")


def resolve_weights(task: Any, model: str | None, weights: str | Path | None) -> Path:
    """The weights file of ``task`` (a Task) for ``--model NAME`` or ``--weights PATH``
    (its default model when neither is given)."""
    if weights is not None:
        return Path(weights)
    name = model or task.default_model
    if name is None:
        raise WeightsError(f"task {task.name} ships no default model: pass --weights PATH")
    return find_weights(name, task=task.name, extra=task.pretrained_dirs).path


def search_dirs(extra: tuple[Path, ...] = ()) -> list[Path]:
    """Folders searched for named weights: ``$GANTOOLS_WEIGHTS`` (os.pathsep
    separated), the given task folders, then the package's own ``pretrained/``."""
    dirs = [Path(p) for p in os.environ.get("GANTOOLS_WEIGHTS", "").split(os.pathsep) if p]
    dirs += list(extra)
    dirs.append(PACKAGE_PRETRAINED)
    return dirs


def list_weights(task: str | None = None, extra: tuple[Path, ...] = ()) -> list[WeightsRef]:
    """Every weights file with a readable card, optionally only those of ``task``."""
    found: dict[str, WeightsRef] = {}
    for folder in search_dirs(extra):
        if not folder.is_dir():
            continue
        for wpath in sorted(folder.glob("*.safetensors")):
            try:
                card = read_card(wpath)
            except WeightsError:
                continue
            if task is not None and card.get("task") != task:
                continue
            found.setdefault(wpath.stem, WeightsRef(wpath, card))
    return list(found.values())


def find_weights(name: str, task: str | None = None, extra: tuple[Path, ...] = ()) -> WeightsRef:
    """The weights called ``name`` (for ``task`` if given), or a clear error."""
    candidates = list_weights(task, extra)
    for ref in candidates:
        if ref.name == name:
            return ref
    known = ", ".join(r.name for r in candidates) or "none"
    what = f"{task} model" if task else "weights"
    raise WeightsError(f"no {what} named '{name}' (available: {known})")


def weights_file(path_or_name: str | Path, task: str | None = None) -> Path:
    """A .safetensors path (or any existing file) as given, else the file of the
    model of that name (of ``task`` if given) found by :func:`find_weights`."""
    path = Path(path_or_name)
    if path.suffix == ".safetensors" or path.is_file():
        return path
    return find_weights(str(path_or_name), task=task).path
