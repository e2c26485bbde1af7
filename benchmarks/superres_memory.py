"""Peak memory and wall time of ``gantools superres`` on a large photo (CPU, 1 thread).

Generates (or takes) a 6000x4000 photo-like JPEG, runs
``gantools superres IN --model superres -o DIR --device cpu --no-progress --format F``
in a subprocess with OMP_NUM_THREADS=1 for each requested format, and prints the
wall time, the child's peak RSS (from ``os.wait4``, so only that process counts) and
the output's size. Run from the repository root:

    python benchmarks/superres_memory.py                 # PNG and JPEG, in /tmp
    python benchmarks/superres_memory.py --formats png --input photo.jpg

Big files go to a fresh folder under ``--workdir`` (default /tmp), deleted at the end
unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def make_photo(path: Path, width: int, height: int, seed: int = 0) -> None:
    """Write a photo-like JPEG of ``width`` x ``height``: skimage's astronaut, coffee,
    chelsea and rocket resized into a 2x2 mosaic, plus mild noise (quality 92)."""
    from PIL import Image
    from skimage import data

    rng = np.random.default_rng(seed)
    canvas = np.empty((height, width, 3), np.uint8)
    h2, w2 = height // 2, width // 2
    sources = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]
    boxes = [(0, 0, h2, w2), (0, w2, h2, width), (h2, 0, height, w2), (h2, w2, height, width)]
    for src, (y0, x0, y1, x1) in zip(sources, boxes, strict=True):
        tile = Image.fromarray(src).resize((x1 - x0, y1 - y0), Image.Resampling.BICUBIC)
        canvas[y0:y1, x0:x1] = np.asarray(tile)
    for y in range(0, height, 500):  # noise strip by strip: small temporaries
        strip = canvas[y:y + 500].astype(np.int16)
        strip += rng.normal(0, 4, strip.shape).astype(np.int16)
        canvas[y:y + 500] = np.clip(strip, 0, 255).astype(np.uint8)
    Image.fromarray(canvas).save(path, quality=92)


def run_superres(src: Path, out_dir: Path, fmt: str, extra: list[str]) -> dict[str, float]:
    """Run the CLI once; returns wall seconds, peak RSS bytes and output bytes."""
    cmd = [sys.executable, "-m", "gantools", "superres", str(src), "--model", "superres",
           "-o", str(out_dir), "--device", "cpu", "--no-progress", "--overwrite",
           "--format", fmt, *extra]
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    print("$ OMP_NUM_THREADS=1 python " + " ".join(cmd[1:]), flush=True)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"gantools superres failed with exit code {proc.returncode}")
    out = out_dir / f"{src.stem}.{fmt}"
    return {"wall_s": wall, "peak_rss": usage.ru_maxrss * 1024.0, "out_bytes": out.stat().st_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, help="photo to upscale (default: generated)")
    parser.add_argument("--size", default="6000x4000", help="generated photo, WxH")
    parser.add_argument("--formats", default="png,jpg", help="comma-separated outputs")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp"))
    parser.add_argument("--keep", action="store_true", help="keep the big files")
    parser.add_argument("extra", nargs="*", help="more gantools options, after --")
    parser.add_argument("--smoke", action="store_true",
                        help="seconds: a generated 64x48 photo, PNG output only")
    args = parser.parse_args()
    if args.smoke:
        args.input, args.size, args.formats, args.keep = None, "64x48", "png", False
    work = Path(tempfile.mkdtemp(prefix="gantools-memory-", dir=args.workdir))
    try:
        src = args.input
        if src is None:
            width, height = (int(v) for v in args.size.lower().split("x"))
            src = work / f"photo_{width}x{height}.jpg"
            make_photo(src, width, height)
        from PIL import Image

        with Image.open(src) as im:
            print(f"input {src}: {im.width}x{im.height}", flush=True)
        for fmt in args.formats.split(","):
            r = run_superres(src, work / "out", fmt, args.extra)
            print(f"{fmt}: wall {r['wall_s']:.1f} s, peak RSS {r['peak_rss'] / 1e9:.2f} GB, "
                  f"output {r['out_bytes'] / 1e6:.1f} MB", flush=True)
            if not args.keep:
                (work / "out" / f"{src.stem}.{fmt}").unlink()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
