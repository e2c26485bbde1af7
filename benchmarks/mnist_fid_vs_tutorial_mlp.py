"""FID of the shipped ``mnist`` generator against the classic tutorial MLP GAN trained
by its own plain loop for the same wall-clock time, both scored by
``gantools eval generate``'s code with the shipped ``features-mnist`` network on the
MNIST test split (10,000 real vs 10,000 generated images).

The tutorial loop: data in [-1, 1], G 100 -> 256 (ReLU) -> 784 (Tanh), D 784 -> 256
(LeakyReLU 0.2) -> 1 (Sigmoid), BCELoss, Adam(2e-4, betas 0.5/0.999), batch 64.

    python benchmarks/mnist_fid_vs_tutorial_mlp.py [--seconds S] [--data ../shared/data/mnist]

``--seconds`` defaults to the shipped model's training wall time from its card.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from gantools.api import load
from gantools.data.idx import load_idx_dataset
from gantools.features import extract_features, load_feature_net
from gantools.plugins.generate.evaluate import evaluate_generator, format_table, score
from gantools.plugins.generate.task import task


def tutorial_nets() -> tuple[nn.Module, nn.Module]:
    generator = nn.Sequential(nn.Linear(100, 256), nn.ReLU(), nn.Linear(256, 784), nn.Tanh())
    discriminator = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1),
                                  nn.Sigmoid())
    return generator, discriminator


def train_tutorial_mlp(images: np.ndarray, seconds: float, seed: int = 0) -> nn.Module:
    """The plain loop, run until ``seconds`` of wall time have passed."""
    torch.manual_seed(seed)
    data = torch.from_numpy(images).float().div(127.5).sub(1.0).view(-1, 784)
    G, D = tutorial_nets()
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCELoss()
    start, steps, epoch = time.perf_counter(), 0, 0
    while time.perf_counter() - start < seconds:
        for idx in torch.randperm(len(data)).split(64):
            real = data[idx]
            ones, zeros = torch.ones(len(idx), 1), torch.zeros(len(idx), 1)
            fake = G(torch.randn(len(idx), 100))
            d_loss = bce(D(real), ones) + bce(D(fake.detach()), zeros)
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
            g_loss = bce(D(fake), ones)
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
            steps += 1
            if time.perf_counter() - start >= seconds:
                break
        epoch += 1
    print(f"tutorial MLP GAN: {steps} steps ({epoch} epochs started) in {seconds:.0f}s")
    return G


def main() -> None:
    parser = argparse.ArgumentParser(description="shipped mnist model vs tutorial MLP GAN")
    parser.add_argument("--data", default="../shared/data/mnist")
    parser.add_argument("--model", default="mnist")
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--smoke", action="store_true",
                        help="seconds: 200 images, 1 s of MLP training (skipped without "
                             "--data)")
    args = parser.parse_args()
    if args.smoke:
        args.n, args.seconds = 200, 1.0
    if not Path(args.data).exists():
        print(f"skipped: {args.data} not found")
        return

    loaded = load(task, model=args.model, device="cpu")
    seconds = args.seconds or loaded.card["training"]["wall_time_s"]
    shipped = evaluate_generator(task, loaded, args.data, None, args.n, seed=0)

    images, _ = load_idx_dataset(args.data, split="train")
    mlp = train_tutorial_mlp(images, seconds)
    with torch.no_grad():
        fake = (mlp(torch.randn(args.n, 100, generator=torch.Generator().manual_seed(0)))
                .view(-1, 1, 28, 28) * 0.5 + 0.5).clamp(0, 1)
    net = load_feature_net(loaded.card["eval_features"])
    test, _ = load_idx_dataset(args.data, split="test")
    ref = extract_features(net, test[: args.n])
    mlp_row = score(f"tutorial MLP GAN ({seconds:.0f}s)", ref, extract_features(net, fake), 0)
    rows = [*shipped, mlp_row]
    print(format_table(rows, args.n))
    ratio = shipped[-1].fid / mlp_row.fid
    print(f"FID ratio shipped/MLP = {ratio:.4f} (target < 0.1)")
    if args.json:
        args.json.write_text(json.dumps({"seconds": seconds, "ratio": ratio,
                                         "rows": [r.__dict__ for r in rows]}, indent=2))


if __name__ == "__main__":
    main()
