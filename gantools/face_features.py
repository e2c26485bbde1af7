"""A small CNN whose penultimate activations serve as features for FID, KID and
precision/recall on 64x64 colour faces, trained on UTKFace (age band, gender, race).

UTKFace is for non-commercial research only, and so are weights trained on it.
Train and ship one with::

    python -m gantools.face_features train --data /path/to/utkface64 \\
        -o gantools/pretrained/features-faces.safetensors --epochs 12 --threads 1
"""

from __future__ import annotations

import argparse
import hashlib
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gantools.weights import save_weights

INPUT_SIZE = 64
INPUT_DOC = "N,3,64,64 float in [0,1] (RGB; gray is repeated, other sizes resized)"
LICENCE = "UTKFace: non-commercial research use only"
AGE_BANDS = ("0-2", "3-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70+")
GENDERS = ("male", "female")
RACES = ("white", "black", "asian", "indian", "other")
HEADS = ("age", "gender", "race")
HEAD_CLASSES = {"age": len(AGE_BANDS), "gender": len(GENDERS), "race": len(RACES)}
FLOAT16_ABOVE_BYTES = 3_000_000
"""Weights whose float32 file would exceed this are stored as float16."""


# ------------------------------------------------------------------------ labels


@dataclass(frozen=True)
class FaceLabels:
    """Labels of one UTKFace image: age band index (0-8), gender (0-1), race (0-4)."""

    age: int
    gender: int
    race: int


def age_band(age: int) -> int:
    """Index into AGE_BANDS of an age in years (0-2, 3-9, then decades, 70+)."""
    if age < 3:
        return 0
    if age < 10:
        return 1
    return min(age // 10 + 1, len(AGE_BANDS) - 1)


def parse_face_name(name: str) -> FaceLabels | None:
    """Labels from ``<age>_<gender>_<race>_<date>.jpg``, or None when malformed."""
    fields = Path(name).name.split(".")[0].split("_")
    if len(fields) != 4 or not all(f.isdigit() for f in fields):
        return None
    age, gender, race = int(fields[0]), int(fields[1]), int(fields[2])
    if age > 130 or gender >= len(GENDERS) or race >= len(RACES):
        return None
    return FaceLabels(age_band(age), gender, race)


def is_validation(name: str) -> bool:
    """True for the ~10% of file names in the validation split (sha256 of the name)."""
    digest = hashlib.sha256(Path(name).name.encode("utf-8")).hexdigest()
    return int(digest, 16) % 100 < 10


@dataclass
class FaceData:
    """Images (N, 3, 64, 64) uint8 in [0, 255], labels (N, 3) int64 (age band,
    gender, race) and the file names, of one split."""

    images: Tensor
    labels: Tensor
    names: list[str]


FaceItems = list[tuple[str, FaceLabels]]


def list_faces(folder: str | Path) -> tuple[FaceItems, FaceItems, int]:
    """(name, labels) of the training and validation files, sorted by name, plus the
    number of skipped (malformed) names."""
    train: FaceItems = []
    val: FaceItems = []
    skipped = 0
    for path in sorted(Path(folder).glob("*.jpg")):
        labels = parse_face_name(path.name)
        if labels is None:
            skipped += 1
            continue
        (val if is_validation(path.name) else train).append((path.name, labels))
    return train, val, skipped


def load_faces(folder: str | Path, items: FaceItems) -> FaceData:
    """Read the listed JPEGs as RGB, resized to 64x64 if they are not already."""
    from PIL import Image

    images = np.zeros((len(items), INPUT_SIZE, INPUT_SIZE, 3), np.uint8)
    for i, (name, _) in enumerate(items):
        with Image.open(Path(folder) / name) as im:
            im = im.convert("RGB")
            if im.size != (INPUT_SIZE, INPUT_SIZE):
                im = im.resize((INPUT_SIZE, INPUT_SIZE), Image.Resampling.BILINEAR)
            images[i] = np.asarray(im)
    labels = torch.tensor([[lab.age, lab.gender, lab.race] for _, lab in items], dtype=torch.int64)
    return FaceData(torch.from_numpy(images).permute(0, 3, 1, 2).contiguous(),
                    labels.view(-1, 3), [name for name, _ in items])


# ------------------------------------------------------------------------- model


def _conv_block(c_in: int, c_out: int, stride: int) -> list[nn.Module]:
    """3x3 conv (no bias) + BatchNorm + ReLU."""
    return [nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]


class FaceFeatureNet(nn.Module):
    """Four stages (width x1, x2, x4, x8), each a stride-2 and a stride-1 conv block,
    global average pool, fc(feature_dim), then age band / gender / race heads.

    Input (N, C, H, W) float in [0, 1]; C = 1 is repeated to RGB and any H, W is
    resized to 64x64 (bilinear, antialiased)."""

    def __init__(self, feature_dim: int = 256, width: int = 32) -> None:
        super().__init__()
        self.arch_args = {"feature_dim": feature_dim, "width": width}
        self.feature_dim = feature_dim
        layers: list[nn.Module] = []
        c_in = 3
        for mult in (1, 2, 4, 8):
            layers += _conv_block(c_in, width * mult, 2) + _conv_block(width * mult,
                                                                       width * mult, 1)
            c_in = width * mult
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.embed = nn.Sequential(
            nn.Linear(c_in, feature_dim, bias=False), nn.BatchNorm1d(feature_dim), nn.ReLU()
        )
        self.dropout = nn.Dropout(0.2)
        self.heads = nn.ModuleDict({h: nn.Linear(feature_dim, k) for h, k in HEAD_CLASSES.items()})

    def prepare(self, x: Tensor) -> Tensor:
        """Convert (N, 1 or 3, H, W) in [0, 1] to (N, 3, 64, 64) float32."""
        x = x.float()
        if x.dim() != 4:
            raise ValueError(f"expected (N, C, H, W) input, got shape {tuple(x.shape)}")
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        if x.shape[1] != 3:
            raise ValueError(f"expected 1 or 3 channels, got {x.shape[1]}")
        if x.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
            size = (INPUT_SIZE, INPUT_SIZE)
            x = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=True)
        return x

    def features(self, x: Tensor) -> Tensor:
        """Penultimate activations (N, feature_dim) float32 (non-negative, post-ReLU)."""
        return self.embed(self.body((self.prepare(x) - 0.5) / 0.5))

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        """Logits {"age": (N, 9), "gender": (N, 2), "race": (N, 5)} float32."""
        f = self.dropout(self.features(x))
        return {name: head(f) for name, head in self.heads.items()}


# ----------------------------------------------------------------------- training


def augment(x: Tensor, max_shift: int, generator: torch.Generator) -> Tensor:
    """Random horizontal flips and integer shifts in [-max_shift, max_shift] of
    (N, C, H, W) images (borders replicated)."""
    n, c, h, w = x.shape
    flip = torch.rand(n, generator=generator) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    if max_shift == 0:
        return x
    padded = F.pad(x, (max_shift,) * 4, mode="replicate")
    dy = torch.randint(0, 2 * max_shift + 1, (n,), generator=generator)
    dx = torch.randint(0, 2 * max_shift + 1, (n,), generator=generator)
    rows = (dy[:, None] + torch.arange(h))[:, None, :, None]
    cols = (dx[:, None] + torch.arange(w))[:, None, None, :]
    return padded[torch.arange(n)[:, None, None, None], torch.arange(c)[None, :, None, None],
                  rows, cols]


@torch.no_grad()
def evaluate_heads(net: FaceFeatureNet, images: Tensor, labels: Tensor,
                   batch_size: int = 500) -> dict[str, float]:
    """Accuracy in [0, 1] of each head on uint8 (N, 3, H, W) images and (N, 3) labels."""
    was_training = net.training
    net.eval()
    device = next(net.parameters()).device
    correct = dict.fromkeys(HEADS, 0)
    try:
        for start in range(0, len(images), batch_size):
            x = images[start : start + batch_size].to(device).float() / 255.0
            y = labels[start : start + batch_size].to(device)
            out = net(x)
            for i, head in enumerate(HEADS):
                correct[head] += int((out[head].argmax(1) == y[:, i]).sum())
    finally:
        net.train(was_training)
    return {h: correct[h] / max(1, len(images)) for h in HEADS}


def train_face_net(train: FaceData, val: FaceData, epochs: int, batch_size: int = 64,
                   lr: float = 1e-3, seed: int = 0, device: str = "cpu",
                   max_shift: int = 4) -> FaceFeatureNet:
    """Train on the summed cross entropy of the three heads: Adam, cosine decay to 0,
    flips and shifts. Prints one line per epoch to stderr; returns the net in eval mode."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    net = FaceFeatureNet().to(device)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    n = len(train.images)
    steps = (n + batch_size - 1) // batch_size
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, epochs * steps))
    start = time.perf_counter()
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(n, generator=gen)
        total = 0.0
        for step in range(steps):
            idx = order[step * batch_size : (step + 1) * batch_size]
            x = augment(train.images[idx].float() / 255.0, max_shift, gen).to(device)
            y = train.labels[idx].to(device)
            out = net(x)
            loss = F.cross_entropy(out["age"], y[:, 0])
            loss = loss + F.cross_entropy(out["gender"], y[:, 1])
            loss = loss + F.cross_entropy(out["race"], y[:, 2])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        acc = evaluate_heads(net, val.images, val.labels)
        accs = " ".join(f"{h} {acc[h]:.3f}" for h in HEADS)
        print(f"epoch {epoch + 1}/{epochs} loss {total / steps:.4f} val acc {accs} "
              f"({time.perf_counter() - start:.0f} s)", file=sys.stderr, flush=True)
    return net.eval()


# ------------------------------------------------------------------ save / load


def _stored_tensors(net: FaceFeatureNet) -> dict[str, Tensor]:
    """The state dict as it is written: float16 when float32 would exceed ~3 MB."""
    state = {k: v.detach().cpu() for k, v in net.state_dict().items()}
    nbytes = sum(v.numel() * 4 for v in state.values() if v.is_floating_point())
    if nbytes > FLOAT16_ABOVE_BYTES:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    return state


def round_to_stored(net: FaceFeatureNet) -> FaceFeatureNet:
    """``net`` with its weights rounded as saving would round them (so measured
    metrics match the shipped file); in eval mode."""
    net.load_state_dict(_stored_tensors(net))
    return net.eval()


def save_face_net(net: FaceFeatureNet, path: str | Path, card_extra: dict[str, Any]) -> Path:
    """Write ``net`` as safetensors (float16 if large) plus a JSON card (task "features")."""
    tensors = _stored_tensors(net)
    card = {
        "task": "features",
        "architecture": "FaceFeatureNet",
        "arch_args": dict(net.arch_args),
        "input": INPUT_DOC,
        "feature_dim": net.feature_dim,
        "heads": {"age": list(AGE_BANDS), "gender": list(GENDERS), "race": list(RACES)},
        "dtype": str(tensors["embed.0.weight"].dtype).removeprefix("torch."),
        **card_extra,
    }
    return save_weights(Path(path), tensors, card)


def face_net_from_weights(tensors: dict[str, Tensor], card: dict[str, Any]) -> FaceFeatureNet:
    """Rebuild a FaceFeatureNet from its card and (float16 or float32) tensors, as
    float32, in eval mode."""
    net = FaceFeatureNet(**card.get("arch_args", {}))
    net.load_state_dict({k: v.float() if v.is_floating_point() else v
                         for k, v in tensors.items()})
    return net.eval()


# --------------------------------------------------------------------------- CLI


def _train_command(args: argparse.Namespace, argv: list[str]) -> None:
    """Train on the training split, score on the validation split, save with a card."""
    if args.threads:
        torch.set_num_threads(args.threads)
    train_items, val_items, skipped = list_faces(args.data)
    if not train_items or not val_items:
        raise SystemExit(f"{args.data}: no UTKFace-named .jpg files found")
    train, val = load_faces(args.data, train_items), load_faces(args.data, val_items)
    print(f"{len(train_items)} train, {len(val_items)} validation, {skipped} names skipped",
          file=sys.stderr, flush=True)
    start, cpu_start = time.perf_counter(), time.process_time()
    net = train_face_net(train, val, args.epochs, args.batch_size, args.lr, args.seed,
                         args.device)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    net = round_to_stored(net.cpu())
    acc = {h: round(a, 4) for h, a in evaluate_heads(net, val.images, val.labels).items()}
    print(f"validation accuracy {acc}, training wall time {wall:.0f} s (cpu {cpu:.0f} s)",
          flush=True)
    card_extra = {
        "command": "python -m gantools.face_features " + shlex.join(argv),
        "data": Path(args.data).resolve().name,
        "licence": LICENCE,
        "split": "validation: int(sha256(file_name).hexdigest(), 16) % 100 < 10",
        "train_samples": len(train_items),
        "val_samples": len(val_items),
        "skipped_names": skipped,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "seed": args.seed,
        "wall_time_s": round(wall, 1),
        "cpu_time_s": round(cpu, 1),
        "metrics": {f"val_{h}_accuracy": acc[h] for h in HEADS} | {"split": "validation"},
    }
    out = save_face_net(net, args.output, card_extra)
    print(f"wrote {out}")


def main(argv: list[str] | None = None) -> None:
    """``python -m gantools.face_features train --data DIR --epochs E -o OUT.safetensors``."""
    from gantools.features import train_parser

    argv = sys.argv[1:] if argv is None else argv
    parser = train_parser("python -m gantools.face_features",
                          "train a face feature net on UTKFace-named JPEGs",
                          "folder of <age>_<gender>_<race>_*.jpg", 10, 64)
    _train_command(parser.parse_args(argv), argv)


if __name__ == "__main__":
    main()
