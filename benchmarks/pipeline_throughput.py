"""Batch inference pipeline: does the model wait for the disk?

Measures, on a folder of photo-like JPEGs (generated, or ``--folder``):

(a) model only: the same images already decoded in memory, run back to back through
    the batch's inference path (``stream_image`` into ``PixelRows``, as ``run_batch``);
(b) the whole batch with the read-ahead / write-behind pipeline (``run_batch``, the
    body of ``gantools superres``: checks, decode, infer, encode, atomic write);
(c) the whole batch without it (``GANTOOLS_PIPELINE=0``: one file after the other).

Prints images/s for each (median of ``--rounds`` rounds, modes interleaved) and the
ratio whole / model-only (target >= 0.9). CPU, ``--threads`` torch threads (default 1).
On a shared machine the separate runs see different loads, so it also prints, for (b)
and (c), the share of the batch's wall time that the model itself was running (time inside
``stream_image`` during that same run): the direct answer to "does the model wait".

    OMP_NUM_THREADS=1 python benchmarks/pipeline_throughput.py [--model superres-x2]
        [--count 24] [--size 512x384] [--folder DIR] [--rounds 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from gantools.api import load
from gantools.imageio import list_images, read_image
from gantools.inference import steps
from gantools.inference.batch import run_batch
from gantools.inference.convert import PixelRows, image_to_tensor
from gantools.inference.naming import expand_inputs
from gantools.inference.single import stream_image
from gantools.plugins.superres.task import task


def photo(height: int, width: int, seed: int) -> np.ndarray:
    """A photo-like RGB image: smooth gradients, a few soft shapes, sensor noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    img = np.stack([xx / width, yy / height, 0.5 + 0.5 * np.sin((xx + yy) / 40)], -1) * 180
    for _ in range(6):
        cy, cx, r = rng.uniform(0, height), rng.uniform(0, width), rng.uniform(20, 90)
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))[..., None]
        img += blob * rng.uniform(-120, 120, 3)
    img += rng.normal(0, 6, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def make_folder(folder: Path, count: int, width: int, height: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        Image.fromarray(photo(height, width, i)).save(folder / f"photo{i:03d}.jpg",
                                                      quality=90)


def model_only(loaded, options, images: list[torch.Tensor]) -> float:
    """Seconds to run every decoded image through the inference path."""
    start = time.perf_counter()
    for image in images:
        h, w = image.shape[-2:]
        scale = task.scale(loaded.config)
        rows = PixelRows(h * scale, w * scale, False, 8)
        stream_image(task, loaded, options, image, rows)
    return time.perf_counter() - start


def whole(loaded, options, folder: Path, out: Path, pipeline: bool) -> tuple[float, float]:
    """(seconds for run_batch over the folder, seconds of it inside the model)."""
    jobs = expand_inputs([folder], recursive=False)
    busy = [0.0]

    def timed(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return stream_image(*args, **kwargs)
        finally:
            busy[0] += time.perf_counter() - t0

    steps.stream_image = timed
    try:
        start = time.perf_counter()
        outcomes = run_batch(task, loaded, options, jobs, out, "same", None, None, False,
                             True, 95, False, pipeline=pipeline)
        seconds = time.perf_counter() - start
    finally:
        steps.stream_image = stream_image
    assert all(o.status == "ok" for o in outcomes), outcomes
    return seconds, busy[0]


def main() -> None:
    parser = argparse.ArgumentParser(description="batch pipeline throughput")
    parser.add_argument("--model", default="superres-x2")
    parser.add_argument("--count", type=int, default=24)
    parser.add_argument("--size", default="512x384", help="WxH of generated images")
    parser.add_argument("--folder", type=Path, default=None, help="use these images")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--smoke", action="store_true",
                        help="seconds: 2 images of 48x32, one round")
    args = parser.parse_args()
    if args.smoke:
        args.count, args.size, args.rounds = 2, "48x32", 1
    torch.set_num_threads(args.threads)
    loaded = load(task, model=args.model, device="cpu", precision=args.precision)
    options = task.InferOptions()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder
        if folder is None:
            width, height = map(int, args.size.lower().split("x"))
            folder = Path(tmp) / "in"
            make_folder(folder, args.count, width, height)
        files = list_images([folder])
        images = [image_to_tensor(read_image(p)) for p in files]
        pixels = sum(int(x.shape[-1] * x.shape[-2]) for x in images) / len(images)
        print(f"{len(files)} images ({pixels / 1e6:.2f} MP each) from {folder}; model "
              f"{loaded.source.stem} x{task.scale(loaded.config)}, {loaded.dtype}, CPU, "
              f"torch threads {torch.get_num_threads()}, OMP_NUM_THREADS="
              f"{os.environ.get('OMP_NUM_THREADS', 'unset')}, load average "
              f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        model_only(loaded, options, images[:2])  # warm-up (oneDNN kernels)
        times: dict[str, list[float]] = {"model": [], "pipeline": [], "plain": []}
        busy: dict[str, list[float]] = {"model": [1.0], "pipeline": [], "plain": []}
        out = Path(tmp) / "out"
        for _ in range(args.rounds):
            times["model"].append(model_only(loaded, options, images))
            for key in ("pipeline", "plain"):
                seconds, inside = whole(loaded, options, folder, out, key == "pipeline")
                times[key].append(seconds)
                busy[key].append(inside / seconds)
        n = len(files)
        rate = {k: n / statistics.median(v) for k, v in times.items()}
        labels = {"model": "(a) model only, decoded in memory",
                  "pipeline": "(b) whole batch, read-ahead/write-behind",
                  "plain": "(c) whole batch, GANTOOLS_PIPELINE=0"}
        print(f"| {'mode':<42} | images/s | vs model-only | model busy | rounds (s) |")
        print(f"| {'-' * 42} | ---: | ---: | ---: | --- |")
        for key, label in labels.items():
            rounds = ", ".join(f"{t:.2f}" for t in times[key])
            print(f"| {label:<42} | {rate[key]:.2f} | {rate[key] / rate['model']:.3f} | "
                  f"{statistics.median(busy[key]):.3f} | {rounds} |")
        print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
