"""Super-resolution inference speed on this machine: output megapixels per second
for the model alone (no I/O), effective GFLOP/s from the counted convolution
multiply-adds, in fp32 (default layout and channels-last) and bf16 autocast, plus the
PSNR-Y change bf16 causes on Set5. With ``--folder DIR``, also the whole command on
that folder (``gantools superres DIR -o TMP``, the batch's seconds from its ``--report``:
reading, upscaling and writing every file, without start-up and model loading)
against the model alone on the same images in a fresh pass (bf16, channels-last, each
image's first pass included, as the command has it), and their ratio.

    python benchmarks/superres_speed.py [--model superres | --weights W] [--threads 2]
        [--size 256] [--set5 ../shared/data/sr/Set5] [--folder photos/]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from smoke_data import smoke_folder
from speed_common import conv_macs, median_time, rate

from gantools.api import load
from gantools.imageio.listing import list_images
from gantools.imageio.read import read_image
from gantools.inference.convert import image_to_tensor
from gantools.plugins.superres.evaluate import evaluate_folder
from gantools.plugins.superres.task import task
from gantools.weights import WeightsError


def main() -> None:
    parser = argparse.ArgumentParser(description="superres inference speed")
    parser.add_argument("--model", default=None, help="a shipped model name")
    parser.add_argument("--weights", default=None, help="a .safetensors file with its card")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--size", type=int, default=256, help="LR input side")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--set5", default="../shared/data/sr/Set5")
    parser.add_argument("--folder", type=Path, default=None,
                        help="also time the whole command on this folder of images")
    parser.add_argument("--smoke", action="store_true",
                        help="seconds: a 32 px input, one repeat, no Set5 scores")
    args = parser.parse_args()
    if args.smoke:
        args.size, args.repeats, args.set5 = 32, 1, ""
        if args.folder is None:
            args.folder = smoke_folder(2, 48)
    torch.set_num_threads(args.threads)
    try:
        loaded = load(task, model=args.model, weights=args.weights, device="cpu")
    except WeightsError as err:
        raise SystemExit(f"error: {err}") from None
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
    if hasattr(net, "upsample"):  # the bicubic base alone, as the model computes it
        xc = x.contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            conv_s = median_time(lambda: net.upsample(xc), args.repeats)
            interp_s = median_time(lambda: F.interpolate(xc, scale_factor=scale, mode="bicubic",
                                                         align_corners=False), args.repeats)
        print(f"  bicubic base: {conv_s * 1e3:.1f} ms as a convolution, "
              f"{interp_s * 1e3:.1f} ms with F.interpolate")
    if args.set5 and Path(args.set5).is_dir():
        means = {}
        for precision, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
            loaded.dtype = dtype
            scores = evaluate_folder(task, loaded, Path(args.set5), scale)
            means[precision] = sum(r.model_psnr for r in scores) / len(scores)
        print(f"  Set5 PSNR-Y fp32 {means['fp32']:.4f} dB, bf16 {means['bf16']:.4f} dB")
    if args.folder is not None:
        whole_command_rate(args, net.to(memory_format=torch.channels_last), scale)


def whole_command_rate(args: argparse.Namespace, net: torch.nn.Module, scale: int) -> None:
    """Print the model's MP/s on each image of ``args.folder`` (one pass each), the
    whole command's (its batch seconds, and wall clock with start-up), and the ratio
    of the first two."""
    files = list_images([args.folder])
    model_s, out_mp = 0.0, 0.0
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
        for path in files:
            x = image_to_tensor(read_image(path)).contiguous(memory_format=torch.channels_last)
            t0 = time.perf_counter()
            net(x).clamp_(0.0, 1.0)
            model_s += time.perf_counter() - t0
            out_mp += x.shape[2] * x.shape[3] * scale * scale / 1e6
    model_flag = ["--weights", args.weights] if args.weights else \
        (["--model", args.model] if args.model else [])
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "gantools", "superres", str(args.folder),
                        "-o", str(Path(tmp) / "out"), "--threads", str(args.threads),
                        "--no-progress", "--report", str(report), *model_flag],
                       check=True, capture_output=True)
        wall = time.perf_counter() - t0
        command_s = json.loads(report.read_text())["summary"]["seconds"]
    print(f"folder {args.folder}: {len(files)} images -> {out_mp:.1f} MP out")
    print(f"  model alone, one pass per image  {out_mp / model_s:6.2f} MP/s")
    print(f"  whole command (batch seconds)    {out_mp / command_s:6.2f} MP/s  "
          f"({out_mp / wall:.2f} MP/s wall with start-up)")
    print(f"  ratio command / model            {model_s / command_s:6.2f}")


if __name__ == "__main__":
    main()
