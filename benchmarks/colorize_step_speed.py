"""Training-step speed of colorize generator shapes: forward + backward + Adam step of
the U-Net alone (L1-style loss, no discriminator), batch 16 of 128 px crops, fp32,
channels-last, on ``--threads`` CPU threads. Prints images/s and parameters for the
default U-Net, the default with a coarse head, and the shipped model's shape.

    python benchmarks/colorize_step_speed.py [--threads 1] [--repeats 3]
"""

from __future__ import annotations

import argparse

import torch
from speed_common import median_time

from gantools.plugins.colorize.task import ColorizeConfig, task

SHAPES = {
    "default U-Net (width 32, 5 levels, full-res head)": {},
    "default, head at 1/4 (--output-level 2)": {"output_level": 2},
    "shipped colorize (16, 6 levels, max 192, 1/4, global context)": {
        "width": 16, "levels": 6, "max_width": 192, "output_level": 2,
        "global_context": True},
}


def step_seconds(cfg: ColorizeConfig, batch: int, patch: int, repeats: int) -> float:
    """Median seconds of one generator training step on random data."""
    torch.manual_seed(0)
    net = task.build_generator(cfg).to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(net.parameters())
    light = torch.rand(batch, 1, patch, patch).to(memory_format=torch.channels_last)
    target = torch.rand(batch, 2, patch, patch)

    def step() -> None:
        loss = (net(light) - target).abs().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return median_time(step, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description="colorize training-step speed")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--patch", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--smoke", action="store_true",
                        help="seconds: batch 2, 32 px crops, one repeat")
    args = parser.parse_args()
    if args.smoke:
        args.batch_size, args.patch, args.repeats = 2, 32, 1
    torch.set_num_threads(args.threads)
    for name, fields in SHAPES.items():
        cfg = ColorizeConfig(**fields)
        seconds = step_seconds(cfg, args.batch_size, args.patch, args.repeats)
        params = sum(p.numel() for p in task.build_generator(cfg).parameters())
        print(f"{name:64s} {args.batch_size / seconds:6.1f} images/s  "
              f"{params / 1e6:.2f} M parameters", flush=True)


if __name__ == "__main__":
    main()
