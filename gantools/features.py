"""A small CNN whose penultimate activations serve as features for FID, KID and
precision/recall on 28x28 gray data (MNIST, Fashion-MNIST).

Train and ship one with::

    python -m gantools.features train --data /path/to/mnist -o features-mnist.safetensors
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gantools.weights import WeightsError, load_weights, save_weights, weights_file

if TYPE_CHECKING:  # pragma: no cover
    from gantools.face_features import FaceFeatureNet

INPUT_SIZE = 28
INPUT_DOC = "N,1,28,28 float in [0,1] (gray; RGB is converted, other sizes resized)"
# BT.601 luma weights for RGB -> gray.
_GRAY_WEIGHTS = (0.299, 0.587, 0.114)


def _conv_block(c_in: int, c_out: int) -> list[nn.Module]:
    """3x3 conv (same padding, no bias) + BatchNorm + ReLU."""
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]


class FeatureNet(nn.Module):
    """conv(w)-conv(w)-pool-conv(2w)-conv(2w)-pool-avgpool(3x3)-fc(feature_dim)-fc(classes).

    Input (N, C, H, W) float in [0, 1]; C = 3 is converted to gray (BT.601) when
    ``in_channels`` is 1, and any H, W is resized to 28x28 (bilinear, antialiased)."""

    def __init__(
        self, in_channels: int = 1, num_classes: int = 10, feature_dim: int = 128, width: int = 32
    ) -> None:
        super().__init__()
        self.arch_args = {
            "in_channels": in_channels,
            "num_classes": num_classes,
            "feature_dim": feature_dim,
            "width": width,
        }
        self.in_channels = in_channels
        self.feature_dim = feature_dim
        self.body = nn.Sequential(
            *_conv_block(in_channels, width),
            *_conv_block(width, width),
            nn.MaxPool2d(2),
            *_conv_block(width, 2 * width),
            *_conv_block(2 * width, 2 * width),
            nn.MaxPool2d(2),
            nn.AdaptiveAvgPool2d(3),
            nn.Flatten(),
        )
        self.embed = nn.Sequential(
            nn.Linear(2 * width * 9, feature_dim, bias=False),
            nn.BatchNorm1d(feature_dim),
            nn.ReLU(),
        )
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(feature_dim, num_classes))

    def prepare(self, x: Tensor) -> Tensor:
        """Convert (N, C, H, W) in [0, 1] to (N, in_channels, 28, 28) float32."""
        x = x.float()
        if x.dim() != 4:
            raise ValueError(f"expected (N, C, H, W) input, got shape {tuple(x.shape)}")
        if x.shape[1] == 3 and self.in_channels == 1:
            w = torch.tensor(_GRAY_WEIGHTS, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
            x = (x * w).sum(dim=1, keepdim=True)
        if x.shape[1] != self.in_channels:
            raise ValueError(f"expected {self.in_channels} channels, got {x.shape[1]}")
        if x.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
            size = (INPUT_SIZE, INPUT_SIZE)
            x = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=True)
        return x

    def features(self, x: Tensor) -> Tensor:
        """Penultimate activations (N, feature_dim) float32 (non-negative, post-ReLU)."""
        x = self.prepare(x)
        return self.embed(self.body((x - 0.5) / 0.5))

    def forward(self, x: Tensor) -> Tensor:
        """Class logits (N, num_classes) float32."""
        return self.classifier(self.features(x))


# ----------------------------------------------------------------------- training


def random_shift(x: Tensor, max_shift: int, generator: torch.Generator) -> Tensor:
    """Shift each image of (N, C, H, W) by a random integer in [-max_shift, max_shift]
    along both axes, filling with zeros."""
    n, _, h, w = x.shape
    padded = F.pad(x, (max_shift,) * 4)
    dy = torch.randint(0, 2 * max_shift + 1, (n,), generator=generator)
    dx = torch.randint(0, 2 * max_shift + 1, (n,), generator=generator)
    rows = (dy[:, None] + torch.arange(h))[:, None, :, None]  # (N, 1, H, 1)
    cols = (dx[:, None] + torch.arange(w))[:, None, None, :]  # (N, 1, 1, W)
    batch = torch.arange(n)[:, None, None, None]
    chans = torch.arange(x.shape[1])[None, :, None, None]
    return padded[batch, chans, rows, cols]


def _to_float_images(images: np.ndarray | Tensor) -> Tensor:
    """uint8 (N, H, W) / (N, C, H, W) in [0, 255] or float in [0, 1] -> float32
    (N, C, H, W) in [0, 1]."""
    t = torch.as_tensor(images)
    if t.dim() == 3:
        t = t.unsqueeze(1)
    if t.dtype == torch.uint8:
        return t.float() / 255.0
    return t.float()


def train_feature_net(
    images: np.ndarray,
    labels: np.ndarray,
    epochs: int,
    batch_size: int = 128,
    lr: float = 1e-3,
    seed: int = 0,
    device: str = "cpu",
    progress: bool = True,
) -> FeatureNet:
    """Train a FeatureNet classifier on (N, 28, 28) uint8 images and (N,) int labels.

    Adam with a cosine learning-rate decay to 0 and random +-2 px shifts. Returns
    the net in eval mode."""
    from tqdm import tqdm

    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    x_all = torch.as_tensor(np.ascontiguousarray(images))
    y_all = torch.as_tensor(np.asarray(labels, dtype=np.int64))
    if x_all.shape[0] != y_all.shape[0]:
        raise ValueError(f"{x_all.shape[0]} images but {y_all.shape[0]} labels")
    net = FeatureNet(num_classes=max(10, int(y_all.max()) + 1)).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    steps_per_epoch = (x_all.shape[0] + batch_size - 1) // batch_size
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * steps_per_epoch)
    net.train()
    for epoch in range(epochs):
        order = torch.randperm(x_all.shape[0], generator=gen)
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch + 1}/{epochs}", disable=not progress)
        for step in bar:
            idx = order[step * batch_size : (step + 1) * batch_size]
            x = random_shift(_to_float_images(x_all[idx]), 2, gen).to(device)
            loss = F.cross_entropy(net(x), y_all[idx].to(device))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            if step % 50 == 0:
                bar.set_postfix(loss=f"{loss.item():.4f}")
    return net.eval()


@torch.no_grad()
def _batched(
    net: FeatureNet | FaceFeatureNet,
    images: np.ndarray | Tensor,
    fn: str,
    batch_size: int,
    device: str,
) -> Iterator[Tensor]:
    """Apply ``net.<fn>`` to ``images`` in batches, in eval mode; yields CPU outputs."""
    was_training = net.training
    net.eval()
    try:
        for start in range(0, len(images), batch_size):
            x = _to_float_images(images[start : start + batch_size]).to(device)
            yield getattr(net, fn)(x).cpu()
    finally:
        net.train(was_training)


def evaluate_accuracy(
    net: FeatureNet, images: np.ndarray, labels: np.ndarray, batch_size: int = 500
) -> float:
    """Top-1 accuracy in [0, 1] on (N, 28, 28) uint8 images and (N,) labels."""
    device = next(net.parameters()).device.type
    preds = torch.cat(
        [o.argmax(dim=1) for o in _batched(net, images, "forward", batch_size, device)]
    )
    return float((preds.numpy() == np.asarray(labels)).mean())


def extract_features(
    net: FeatureNet | FaceFeatureNet,
    images: Tensor | np.ndarray,
    batch_size: int = 500,
    device: str = "cpu",
) -> np.ndarray:
    """Features (N, feature_dim) float64 of uint8 (N, H, W) / (N, C, H, W) arrays in
    [0, 255] or float (N, C, H, W) tensors in [0, 1] (e.g. (N, 3, 64, 64) for a
    FaceFeatureNet). Moves ``net`` to ``device``."""
    net = net.to(device)
    if len(images) == 0:
        return np.zeros((0, net.feature_dim), dtype=np.float64)
    outs = list(_batched(net, images, "features", batch_size, device))
    return torch.cat(outs).to(torch.float64).numpy()


# ------------------------------------------------------------------ save / load


def save_feature_net(net: FeatureNet, path: str | Path, card_extra: dict[str, Any]) -> Path:
    """Write ``net`` as safetensors plus a JSON card (task "features")."""
    card = {
        "task": "features",
        "architecture": "FeatureNet",
        "arch_args": dict(net.arch_args),
        "input": INPUT_DOC,
        "feature_dim": net.feature_dim,
        **card_extra,
    }
    return save_weights(Path(path), net.state_dict(), card)


def load_feature_net(
    path_or_name: str | Path, device: str = "cpu"
) -> FeatureNet | FaceFeatureNet:
    """Load a FeatureNet (or, when its card says so, a FaceFeatureNet) from a
    .safetensors file or a weights name, in eval mode."""
    path = weights_file(path_or_name, task="features")
    tensors, card = load_weights(path)
    if card.get("task") == "features" and card.get("architecture") == "FaceFeatureNet":
        from gantools.face_features import face_net_from_weights

        return face_net_from_weights(tensors, card).to(device).eval()
    if card.get("task") != "features" or card.get("architecture") != "FeatureNet":
        raise WeightsError(
            f"{path}: not a FeatureNet (task={card.get('task')!r}, "
            f"architecture={card.get('architecture')!r})"
        )
    net = FeatureNet(**card.get("arch_args", {}))
    net.load_state_dict(tensors)
    return net.to(device).eval()


# --------------------------------------------------------------------------- CLI


def _train_command(args: argparse.Namespace, argv: list[str]) -> None:
    """Train on the train split, score on the test split, save with a card."""
    from gantools.data.idx import load_idx_dataset

    if args.threads:
        torch.set_num_threads(args.threads)
    x_train, y_train = load_idx_dataset(args.data, "train")
    x_test, y_test = load_idx_dataset(args.data, "test")
    if y_train is None or y_test is None:
        raise SystemExit(f"{args.data}: label files are needed to train a feature net")
    start = time.perf_counter()
    net = train_feature_net(
        x_train, y_train, args.epochs, args.batch_size, args.lr, args.seed, args.device
    )
    wall = time.perf_counter() - start
    acc = evaluate_accuracy(net, x_test, y_test)
    print(f"test accuracy {acc:.4f}, training wall time {wall:.0f} s", flush=True)
    card_extra = {
        "command": "python -m gantools.features " + shlex.join(argv),
        "data": Path(args.data).resolve().name,
        "train_split": "train",
        "train_samples": int(x_train.shape[0]),
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "seed": args.seed,
        "wall_time_s": round(wall, 1),
        "test_accuracy": round(acc, 4),
        "metrics": {"test_accuracy": round(acc, 4), "test_split": "test"},
    }
    out = save_feature_net(net, args.output, card_extra)
    print(f"wrote {out}")


def train_parser(prog: str, summary: str, data_help: str, epochs: int,
                 batch_size: int) -> argparse.ArgumentParser:
    """The ``python -m PROG train ...`` parser shared by the feature-net trainers."""
    parser = argparse.ArgumentParser(prog=prog)
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help=summary)
    train.add_argument("--data", required=True, help=data_help)
    train.add_argument("--epochs", type=int, default=epochs)
    train.add_argument("--batch-size", type=int, default=batch_size)
    train.add_argument("--lr", type=float, default=1e-3)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--device", default="cpu")
    train.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    train.add_argument("-o", "--output", required=True, help="output .safetensors path")
    return parser


def main(argv: list[str] | None = None) -> None:
    """``python -m gantools.features train --data DIR --epochs E -o OUT.safetensors``."""
    argv = sys.argv[1:] if argv is None else argv
    parser = train_parser("python -m gantools.features",
                          "train a feature net on an MNIST-format folder",
                          "folder with train-/t10k- IDX files", 3, 128)
    _train_command(parser.parse_args(argv), argv)


if __name__ == "__main__":
    main()
