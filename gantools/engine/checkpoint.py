"""Atomic, checksummed, resumable checkpoints.

A checkpoint file is ``MAGIC + sha256(payload) + payload``, where payload is a
``torch.save`` of plain containers and tensors, loaded back with
``weights_only=True`` (no arbitrary unpickling). Files are written to a temporary
name and renamed, so a killed write leaves the previous checkpoint intact; a
corrupted or truncated file is detected by its checksum and the previous one used.
"""

from __future__ import annotations

import hashlib
import io
import random
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gantools.weights import atomic_write_bytes

MAGIC = b"GANTCKP1"
_NAME = re.compile(r"^step_(\d{8})\.ckpt$")


class CheckpointError(RuntimeError):
    """No usable checkpoint, or a checkpoint that does not match the run."""


def capture_rng() -> dict[str, Any]:
    """Every random state the loop depends on: torch (CPU and CUDA), NumPy, Python."""
    np_state = np.random.get_state()
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": {
            "keys": torch.from_numpy(np_state[1].astype(np.int64)),
            "pos": int(np_state[2]),
            "has_gauss": int(np_state[3]),
            "cached": float(np_state[4]),
        },
        "python": _python_state_to_plain(random.getstate()),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict[str, Any]) -> None:
    """Put back what :func:`capture_rng` recorded."""
    torch.set_rng_state(state["torch"])
    npst = state["numpy"]
    np.random.set_state(
        ("MT19937", npst["keys"].numpy().astype(np.uint32), npst["pos"],
         npst["has_gauss"], npst["cached"])
    )
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _python_state_to_plain(st: tuple) -> list:
    version, internal, gauss = st
    return [version, list(internal), gauss]


def encode(state: dict[str, Any]) -> bytes:
    """Serialise a checkpoint dict with its checksum header."""
    buf = io.BytesIO()
    torch.save(state, buf)
    payload = buf.getvalue()
    return MAGIC + hashlib.sha256(payload).digest() + payload


def decode(blob: bytes, source: str = "checkpoint") -> dict[str, Any]:
    """Verify and deserialise bytes written by :func:`encode`."""
    head = len(MAGIC) + 32
    if len(blob) < head or not blob.startswith(MAGIC):
        raise CheckpointError(f"{source}: not a gantools checkpoint (bad header)")
    digest, payload = blob[len(MAGIC):head], blob[head:]
    if hashlib.sha256(payload).digest() != digest:
        raise CheckpointError(f"{source}: checksum mismatch (truncated or corrupted)")
    return torch.load(io.BytesIO(payload), map_location="cpu", weights_only=True)


def checkpoint_path(folder: Path, step: int) -> Path:
    return Path(folder) / f"step_{step:08d}.ckpt"


def list_checkpoints(folder: Path) -> list[tuple[int, Path]]:
    """(step, path) of every checkpoint in ``folder``, oldest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def save_checkpoint(folder: Path, step: int, state: dict[str, Any], keep: int = 2) -> Path:
    """Write ``state`` as the checkpoint of ``step`` and prune all but the newest
    ``keep`` checkpoints (older ones go only after the new one is on disk)."""
    path = checkpoint_path(folder, step)
    atomic_write_bytes(path, encode(state))
    for _, old in list_checkpoints(folder)[:-keep]:
        old.unlink(missing_ok=True)
    return path


def load_latest(folder: Path) -> tuple[dict[str, Any], Path]:
    """The newest checkpoint in ``folder`` that verifies; a broken newer one is
    reported with a warning and skipped."""
    candidates = list_checkpoints(folder)
    if not candidates:
        raise CheckpointError(f"{folder}: no checkpoint yet (the run stopped, or is still "
                              "running, before its first --checkpoint-every step)")
    for _, path in reversed(candidates):
        try:
            return decode(path.read_bytes(), str(path)), path
        except (CheckpointError, OSError, RuntimeError) as exc:
            warnings.warn(f"{exc}; trying the previous checkpoint", stacklevel=2)
    raise CheckpointError(f"{folder}: every checkpoint is corrupted")
