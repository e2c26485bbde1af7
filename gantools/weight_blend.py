"""Network interpolation: one model between two trained from the same start.

``(1 - w) * a + w * b`` on every floating-point tensor, as ESRGAN (Wang et al. 2018)
blends a PSNR-oriented generator with its GAN fine-tune to choose between a smooth
and a sharp result without training again. The two must share task, architecture
and every tensor's name and shape; the blend gets a card naming both parents.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gantools import __version__
from gantools.weights import WeightsError, is_foreign_weights, load_weights, save_weights

if TYPE_CHECKING:  # pragma: no cover
    import torch

MEASURED_FIELDS = ("metrics", "sha256", "file", "chosen", "checkpoint_selection", "stages",
                   "training", "created", "name", "gantools_version", "storage_dtype")
"""Card fields that describe one parent's training and measurements, not the blend."""


def blend_tensors(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor], weight: float,
                  names: tuple[str, str] = ("a", "b")) -> dict[str, torch.Tensor]:
    """``(1 - weight) * a + weight * b`` per floating-point tensor, in float32;
    other tensors must be equal in both and are kept. ``weight`` in [0, 1]; the
    two state dicts must have the same names and shapes (WeightsError naming the
    first difference, with ``names`` for the two sides)."""
    if not 0.0 <= weight <= 1.0:
        raise WeightsError(f"blend weight {weight}: must lie in [0, 1]")
    only_a, only_b = sorted(a.keys() - b.keys()), sorted(b.keys() - a.keys())
    if only_a or only_b:
        first, side = (only_a[0], names[0]) if only_a else (only_b[0], names[1])
        raise WeightsError(f"{side}: tensor {first} is not in the other model "
                           "(different architectures)")
    blended = {}
    for key, ta in a.items():
        tb = b[key]
        if ta.shape != tb.shape:
            raise WeightsError(f"tensor {key}: shape {tuple(ta.shape)} in {names[0]}, "
                               f"{tuple(tb.shape)} in {names[1]} (different architectures)")
        if ta.is_floating_point():
            blended[key] = ta.float() * (1.0 - weight) + tb.float() * weight
        elif not bool((ta == tb).all()):
            raise WeightsError(f"tensor {key}: integer values differ between "
                               f"{names[0]} and {names[1]}")
        else:
            blended[key] = ta
    return blended


def check_same_model(a: Path, card_a: dict[str, Any], b: Path, card_b: dict[str, Any]) -> None:
    """WeightsError unless both cards have the same task, architecture and scale."""
    for field in ("task", "architecture", "scale"):
        if card_a.get(field) != card_b.get(field):
            raise WeightsError(f"{b}: {field} {card_b.get(field)!r}, but {a} has "
                               f"{card_a.get(field)!r}; only models of one architecture blend")


def blend_card(a: Path, card_a: dict[str, Any], b: Path, card_b: dict[str, Any],
               weight: float, out: Path, dtype: str) -> dict[str, Any]:
    """The blend's card: how to run it (from ``a``'s card) and both parents' names,
    checksums and training records; no metrics (measure the blend itself)."""
    def parent(path: Path, card: dict[str, Any]) -> dict[str, Any]:
        return {"file": path.name, "sha256": card.get("sha256"),
                "training": card.get("training"), "chosen": card.get("chosen")}

    runnable = {k: v for k, v in card_a.items() if k not in MEASURED_FIELDS}
    return {"name": out.stem, **runnable, "storage_dtype": dtype,
            "blend": {"formula": "(1 - weight) * a + weight * b, every float tensor",
                      "weight": weight, "a": parent(a, card_a), "b": parent(b, card_b)},
            "metrics": {}, "gantools_version": __version__,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}


def blend_files(a: Path, b: Path, weight: float, out: Path, dtype: str | None = None) -> Path:
    """Write the blend of gantools weights files ``a`` and ``b`` to ``out``
    (.safetensors + card), stored as ``dtype`` (default: ``a``'s storage type)."""
    import torch

    for path in (a, b):
        if is_foreign_weights(path):
            raise WeightsError(f"{path}: only gantools weights (.safetensors with a card) "
                               "blend; import it first with 'gantools convert'")
    tensors_a, card_a = load_weights(a)
    tensors_b, card_b = load_weights(b)
    check_same_model(a, card_a, b, card_b)
    dtype = dtype or card_a.get("storage_dtype") or "float32"
    store = getattr(torch, dtype)
    blended = blend_tensors(tensors_a, tensors_b, weight, (str(a), str(b)))
    stored = {k: v.to(store) if v.is_floating_point() else v for k, v in blended.items()}
    return save_weights(out, stored, blend_card(a, card_a, b, card_b, weight, out, dtype))
