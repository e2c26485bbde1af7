"""Network interpolation: one model between two trained from the same start.

``(1 - w) * a + w * b`` on every floating-point tensor, as ESRGAN (Wang et al. 2018)
blends a PSNR-oriented generator with its GAN fine-tune to choose between a smooth
and a sharp result without training again. The two must share task, architecture
and every tensor's name and shape; the blend gets a card naming both parents.

With a depth ramp, B's share grows with the layer's depth instead: ``w_k = w * k /
(n - 1)`` for the k-th of the network's n layers (k = 0 the first), so the blend keeps
A's early layers and takes most of B into its last ones.
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


RAMP_FORMULA = ("(1 - w_k) * a + w_k * b, w_k = weight * k / (n - 1) for the k-th of the "
                "network's n layers in the order it declares them (k = 0 the first)")


def ramp_shares(names: list[str], weight: float) -> dict[str, float]:
    """B's share per tensor name for a depth ramp: the tensors of one layer (the
    names before their last dot: ``body.3`` of ``body.3.weight``) share one value,
    ``weight * k / (n - 1)`` for the k-th of the n layers in ``names``' order (the
    network's), from 0 at the first layer to ``weight`` at the last."""
    layers = list(dict.fromkeys(name.rpartition(".")[0] for name in names))
    last = max(len(layers) - 1, 1)
    depth = {layer: k for k, layer in enumerate(layers)}
    return {name: weight * depth[name.rpartition(".")[0]] / last for name in names}


def blend_tensors(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor], weight: float,
                  names: tuple[str, str] = ("a", "b"),
                  shares: dict[str, float] | None = None) -> dict[str, torch.Tensor]:
    """``(1 - weight) * a + weight * b`` per floating-point tensor, in float32;
    other tensors must be equal in both and are kept. ``weight`` in [0, 1]; the
    two state dicts must have the same names and shapes (WeightsError naming the
    first difference, with ``names`` for the two sides). ``shares``: B's share per
    tensor name (from :func:`ramp_shares`), in place of one ``weight`` for all."""
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
            if shares is not None and key not in shares:
                raise WeightsError(f"tensor {key}: not a layer of the architecture")
            share = weight if shares is None else shares[key]
            blended[key] = ta.float() * (1.0 - share) + tb.float() * share
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
               weight: float, out: Path, dtype: str, ramp: bool = False) -> dict[str, Any]:
    """The blend's card: how to run it (from ``a``'s card) and both parents' names,
    checksums and training records; no metrics (measure the blend itself)."""
    def parent(path: Path, card: dict[str, Any]) -> dict[str, Any]:
        return {"file": path.name, "sha256": card.get("sha256"),
                "training": card.get("training"), "chosen": card.get("chosen")}

    runnable = {k: v for k, v in card_a.items() if k not in MEASURED_FIELDS}
    return {"name": out.stem, **runnable, "storage_dtype": dtype,
            "blend": {"formula": RAMP_FORMULA if ramp else
                      "(1 - weight) * a + weight * b, every float tensor",
                      "weight": weight, **({"ramp": True} if ramp else {}),
                      "a": parent(a, card_a), "b": parent(b, card_b)},
            "metrics": {}, "gantools_version": __version__,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}


def network_order(card: dict[str, Any]) -> list[str]:
    """The tensor names of the generator a card describes, in the order the network
    declares its layers (front to back for a plain stack such as superres's; for
    branching networks, such as a U-Net, declaration order, not data-flow depth);
    safetensors files keep the names sorted alphabetically instead."""
    from gantools.registry import get_task

    task = get_task(card["task"])
    generator = task.build_generator(task.config_from_dict(card.get("config", {})))
    return list(generator.state_dict().keys())


def blend_files(a: Path, b: Path, weight: float, out: Path, dtype: str | None = None,
                ramp: bool = False) -> Path:
    """Write the blend of gantools weights files ``a`` and ``b`` to ``out``
    (.safetensors + card), stored as ``dtype`` (default: ``a``'s storage type);
    ``ramp``: B's share grows with depth up to ``weight`` (:func:`ramp_shares`)."""
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
    shares = ramp_shares(network_order(card_a), weight) if ramp else None
    blended = blend_tensors(tensors_a, tensors_b, weight, (str(a), str(b)), shares)
    stored = {k: v.to(store) if v.is_floating_point() else v for k, v in blended.items()}
    return save_weights(out, stored,
                        blend_card(a, card_a, b, card_b, weight, out, dtype, ramp))
