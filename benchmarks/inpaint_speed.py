"""Inpainting inference time for one 768x512 image on this machine: the network alone
(fp32 and bf16, channels-last) and the whole in-memory path the CLI takes
(``infer_image``: mask handling, composite, tiling decision), beside OpenCV's Telea
and Navier-Stokes on the same hole.

    python benchmarks/inpaint_speed.py [--model inpaint | --weights W] [--threads 1]
        [--width 768 --height 512] [--repeats 5]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from speed_common import conv_macs, median_time, rate

from gantools.api import load
from gantools.inference.single import infer_image
from gantools.plugins.inpaint.evaluate import opencv_inpaint
from gantools.plugins.inpaint.masks import seeded_mask
from gantools.plugins.inpaint.task import InpaintOptions, task


def main() -> None:
    parser = argparse.ArgumentParser(description="inpaint inference speed")
    parser.add_argument("--model", default=None)
    parser.add_argument("--weights", default=None)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--width", type=int, default=768)
    parser.add_argument("--height", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--smoke", action="store_true",
                        help="seconds: a 64x48 image, one repeat")
    args = parser.parse_args()
    if args.smoke:
        args.width, args.height, args.repeats = 64, 48, 1
    torch.set_num_threads(args.threads)
    loaded = load(task, model=args.model, weights=args.weights, device="cpu")
    h, w = args.height, args.width
    image = torch.rand(1, 3, h, w)
    mask = seeded_mask(h, w, (0.2, 0.3), 0)
    x = torch.cat([image * (1 - mask), mask], 1).contiguous(memory_format=torch.channels_last)
    flops = 2 * conv_macs(loaded.generator, x)
    print(f"model {loaded.source.stem}: {w}x{h}, {flops / 1e9:.1f} GFLOP per pass, "
          f"{args.threads} thread(s)")
    net = loaded.generator.to(memory_format=torch.channels_last)
    for precision in ("fp32", "bf16"):
        seconds = rate(net, x, precision, args.repeats)
        print(f"  network, {precision}, channels-last  {seconds:6.3f} s  "
              f"{flops / seconds / 1e9:6.1f} GFLOP/s effective")
    both = torch.cat([image, mask], 1)
    seconds = median_time(lambda: infer_image(task, loaded, InpaintOptions(), both),
                             args.repeats)
    print(f"  whole path ({loaded.dtype}, as the CLI)  {seconds:6.3f} s")
    pixels = (image[0].permute(1, 2, 0).numpy() * 255).astype(np.uint8)
    hole = mask[0, 0].numpy() > 0.5
    for method in ("telea", "ns"):
        seconds = median_time(lambda m=method: opencv_inpaint(pixels, hole, m), args.repeats)
        print(f"  OpenCV {method:<5}                     {seconds:6.3f} s")


if __name__ == "__main__":
    main()
