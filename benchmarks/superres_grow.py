"""Grow a trained compact superres model wider and deeper without changing what it
computes (``gantools/plugins/superres/grow.py``), to continue training a larger model
from it with ``gantools train superres --init-from OUT --arch compact --width W
--blocks B``. Prints the largest output change on random inputs (rounding only).

    python benchmarks/superres_grow.py --weights gantools/pretrained/superres-real.safetensors \
        --width 64 --blocks 14 --out ../runs/grown-64x14.safetensors
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch

from gantools.plugins.superres.grow import compact_shape, grow_compact
from gantools.plugins.superres.models import CompactSR
from gantools.weights import load_weights, save_weights

REPO = Path(__file__).resolve().parents[1]


def largest_change(old: dict, new: dict, width: int, blocks: int, scale: int) -> float:
    """Max |old(x) - new(x)| over a batch of random LR images in [0, 1] (fp32)."""
    before, after = CompactSR(scale, *compact_shape(old)), CompactSR(scale, width, blocks)
    before.load_state_dict(old)
    after.load_state_dict(new)
    x = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        return float((before.eval()(x) - after.eval()(x)).abs().max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", type=Path,
                        default=REPO / "gantools/pretrained/superres-real.safetensors")
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--blocks", type=int, default=14, help="hidden convolutions")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--smoke", action="store_true", help="tiny growth, temporary output")
    args = parser.parse_args()
    if args.out is None and not args.smoke:
        parser.error("--out is required")
    tensors, card = load_weights(args.weights)
    if args.smoke:  # one channel and one layer more than the model has
        width, blocks = compact_shape(tensors)
        args.width, args.blocks = width + 1, blocks + 1
        args.out = Path(tempfile.mkdtemp()) / "grown.safetensors"
    if card.get("config", {}).get("arch") != "compact":
        raise SystemExit(f"{args.weights}: not a compact superres model")
    old = {k: v.float() for k, v in tensors.items()}
    new = grow_compact(old, args.width, args.blocks, args.seed)
    config = {**card["config"], "width": args.width, "blocks": args.blocks}
    grown_card = {**card, "config": config, "name": args.out.stem,
                  "grown_from": {"file": str(args.weights), "shape": list(compact_shape(old)),
                                 "seed": args.seed}}
    for key in ("sha256", "metrics", "chosen", "checkpoint_selection"):
        grown_card.pop(key, None)
    save_weights(args.out, new, grown_card)
    change = largest_change(old, new, args.width, args.blocks, card["config"]["scale"])
    print(f"{args.weights.name} {compact_shape(old)} -> {args.out} ({args.width}, "
          f"{args.blocks}); largest output change on random inputs {change:.2e}")


if __name__ == "__main__":
    main()
