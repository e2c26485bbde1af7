"""Training-step throughput: the gantools engine vs the plain loop of the PyTorch
DCGAN example, on the same DCGAN 64x64 nets, batch 64, BCE, Adam(2e-4, 0.5/0.999).

Both loops see the same in-memory batches (data loading is measured elsewhere),
alternate in the same process, and are timed after warm-up. The engine's step is
``Trainer.train_step`` itself: EMA update included.

    python benchmarks/dcgan_step_throughput.py [--steps 20] [--rounds 3] [--threads 2]
    python benchmarks/dcgan_step_throughput.py --smoke     # seconds: does it still run?
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import statistics
import time

import torch
import torch.nn.functional as F

from gantools.engine.config import TrainConfig
from gantools.engine.trainer import Trainer
from gantools.plugins.generate.models import DCGANDiscriminator, DCGANGenerator
from gantools.plugins.generate.task import GenerateConfig, task
from gantools.task import Batch


def plain_loop_step(netG, netD, optG, optD, real, nz):
    """One iteration of the PyTorch DCGAN example (examples/dcgan/main.py), with
    BCE on logits (the same maths as Sigmoid + BCELoss)."""
    b = real.size(0)
    netD.zero_grad()
    out = netD(real)
    err_real = F.binary_cross_entropy_with_logits(out, torch.ones(b))
    err_real.backward()
    noise = torch.randn(b, nz)
    fake = netG(noise)
    out = netD(fake.detach())
    err_fake = F.binary_cross_entropy_with_logits(out, torch.zeros(b))
    err_fake.backward()
    optD.step()
    netG.zero_grad()
    out = netD(fake)
    err_g = F.binary_cross_entropy_with_logits(out, torch.ones(b))
    err_g.backward()
    optG.step()


def make_engine(G, D, precision: str, channels_last: bool) -> Trainer:
    """An engine around the given nets, through the trainer's public set-up
    (``Trainer.build``): no data, no run folder; ``train_step`` is what is timed."""
    cfg = TrainConfig(data="-", out="/tmp/unused", precision=precision,
                      channels_last=channels_last, device="cpu")
    tcfg = GenerateConfig(size=64, channels=3, width=64)
    trainer = Trainer(task, tcfg, cfg, progress=False)
    trainer.build(G, D)
    return trainer


def time_steps(step, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    return n / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--smoke", action="store_true",
                        help="a few seconds: width-8 nets, batch 2, 1 step, 1 round (checks "
                             "that it runs)")
    args = parser.parse_args()
    if args.smoke:
        args.steps, args.rounds, args.batch = 1, 1, 2
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    width = 8 if args.smoke else 64
    G0, D0 = DCGANGenerator(64, 3, 100, width), DCGANDiscriminator(64, 3, width)
    real = torch.rand(args.batch, 3, 64, 64)

    G, D = copy.deepcopy(G0), copy.deepcopy(D0)
    optG = torch.optim.Adam(G.parameters(), 2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))
    variants = {"plain PyTorch DCGAN loop (fp32)":
                lambda: plain_loop_step(G, D, optG, optD, real, 100)}
    for precision, cl in (("fp32", False), ("fp32", True), ("bf16", True)):
        trainer = make_engine(copy.deepcopy(G0), copy.deepcopy(D0), precision, cl)
        fmt = torch.channels_last if cl else torch.contiguous_format
        batch = Batch(image=real.contiguous(memory_format=fmt))
        layout = "channels_last" if cl else "default layout"
        variants[f"gantools engine ({precision}, {layout})"] = (
            lambda t=trainer, b=batch: t.train_step(b))
    for step in variants.values():  # warm-up (oneDNN primitive caches)
        time_steps(step, 1 if args.smoke else 3)
    rates: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, step in variants.items():
            rates[name].append(time_steps(step, args.steps))
    base = statistics.median(rates["plain PyTorch DCGAN loop (fp32)"])
    rows = []
    for name, values in rates.items():
        med = statistics.median(values)
        rows.append({"loop": name, "steps_per_s": round(med, 3),
                     "images_per_s": round(med * args.batch, 1),
                     "speedup": round(med / base, 2)})
        print(f"{name:<42} {med:7.3f} steps/s  {med * args.batch:8.1f} img/s  "
              f"x{med / base:.2f}")
    print(json.dumps({"threads": args.threads, "batch": args.batch, "cpu": platform.processor(),
                      "torch": torch.__version__, "rows": rows}))


if __name__ == "__main__":
    main()
