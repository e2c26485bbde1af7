"""Super-resolution inference speed on this machine: output megapixels per second
for the model alone (no I/O), effective GFLOP/s from the counted convolution
multiply-adds, in fp32 (default layout and channels-last) and bf16 autocast, plus the
PSNR-Y change bf16 causes on Set5.

    python benchmarks/superres_speed.py [--model superres | --weights W] [--threads 2]
        [--size 256] [--set5 ../shared/data/sr/Set5]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from pathlib import Path

import torch

from gantools.api import load
from gantools.plugins.superres.evaluate import evaluate_folder
from gantools.plugins.superres.task import task


def conv_macs(model: torch.nn.Module, x: torch.Tensor) -> int:
    """Multiply-adds of every Conv2d in one forward pass on ``x``."""
    total = 0

    def hook(module, inputs, output):
        nonlocal total
        k = module.kernel_size[0] * module.kernel_size[1]
        total += output.numel() * (module.in_channels // module.groups) * k

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, torch.nn.Conv2d)]
    with torch.inference_mode():
        model(x)
    for h in handles:
        h.remove()
    return total


def rate(model, x, precision: str, repeats: int) -> float:
    """Median seconds per forward pass."""
    ctx = (torch.autocast("cpu", dtype=torch.bfloat16) if precision == "bf16"
           else contextlib.nullcontext())
    times = []
    with torch.inference_mode(), ctx:
        model(x)  # warm-up
        for _ in range(repeats):
            t0 = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description="superres inference speed")
    parser.add_argument("--model", default=None)
    parser.add_argument("--weights", default=None)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--size", type=int, default=256, help="LR input side")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--set5", default="../shared/data/sr/Set5")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    loaded = load(task, model=args.model, weights=args.weights, device="cpu")
    net, scale = loaded.generator, loaded.config.scale
    x = torch.rand(1, 3, args.size, args.size)
    out_mp = (args.size * scale) ** 2 / 1e6
    flops = 2 * conv_macs(net, x)
    print(f"model {loaded.source.stem}: x{scale}, {args.size}px LR -> {out_mp:.2f} MP out, "
          f"{flops / 1e9:.1f} GFLOP per pass, {args.threads} thread(s)")
    for name, layout, precision in (("fp32, default layout", False, "fp32"),
                                    ("fp32, channels-last", True, "fp32"),
                                    ("bf16, channels-last", True, "bf16")):
        fmt = torch.channels_last if layout else torch.contiguous_format
        model = net.to(memory_format=fmt)
        seconds = rate(model, x.contiguous(memory_format=fmt), precision, args.repeats)
        print(f"  {name:<22} {out_mp / seconds:6.2f} MP/s  {flops / seconds / 1e9:6.1f} "
              "GFLOP/s effective")
    if Path(args.set5).is_dir():
        means = {}
        for precision, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
            loaded.dtype = dtype
            scores = evaluate_folder(task, loaded, Path(args.set5), scale)
            means[precision] = sum(r.model_psnr for r in scores) / len(scores)
        print(f"  Set5 PSNR-Y fp32 {means['fp32']:.4f} dB, bf16 {means['bf16']:.4f} dB")


if __name__ == "__main__":
    main()
