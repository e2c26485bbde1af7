"""How long ``gantools generate`` takes, start to finish, and what its two model paths
cost: the whole command (a fresh process, as a user runs it) against the same grid
from the Python API (which imports torch), then the numpy and torch forward passes
alone at a few batch sizes (the reason for ``sampler.NUMPY_LIMIT``).

    python benchmarks/generate_speed.py --model faces -n 64 --repeats 5
    python benchmarks/generate_speed.py --smoke
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from speed_common import median_time

SCRIPT = Path(sys.executable).with_name("gantools")
GANTOOLS = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "gantools"]
"""The installed console script, as a user runs it."""


def wall(command: list[str], repeats: int) -> float:
    """Median wall seconds of a command run ``repeats`` times (each must succeed)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def forward_times(model: str, counts: list[int], repeats: int) -> list[tuple[int, float, float]]:
    """[(images, numpy s, torch s)]: median seconds of one forward pass of each path."""
    import gantools
    from gantools.plugins.generate.noise import sample_inputs
    from gantools.plugins.generate.numpy_forward import numpy_generator
    from gantools.plugins.generate.task import task
    from gantools.weights import find_weights, load_weights_numpy

    loaded = gantools.load("generate", model=model, device="cpu")
    arrays, _ = load_weights_numpy(find_weights(model, task="generate").path)
    forward = numpy_generator(loaded.config, arrays)
    rows = []
    for n in counts:
        z, labels = sample_inputs(loaded.config, n, 0)
        numpy_s = median_time(lambda z=z, labels=labels: forward(z, labels), repeats)
        torch_s = median_time(
            lambda z=z, labels=labels: task.render(loaded.generator, z, labels), repeats)
        rows.append((n, numpy_s, torch_s))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="faces")
    parser.add_argument("-n", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="4 images, one repeat")
    args = parser.parse_args()
    counts = [64, 256, 1024, 4096]
    if args.smoke:
        args.n, args.repeats, counts = 4, 1, [4]
    with tempfile.TemporaryDirectory() as tmp:
        grid = Path(tmp) / "grid.png"
        command = wall([*GANTOOLS, "generate", "--model", args.model, "-n", str(args.n),
                        "-o", str(grid), "--overwrite"], args.repeats)
        api = wall([sys.executable, "-c",
                    "import gantools; from gantools.engine.runlog import make_grid; "
                    "from gantools.imageio import write_image; "
                    "from gantools.tensors import to_hwc_uint8; "
                    f"images = gantools.load('generate', model='{args.model}')({args.n}); "
                    f"write_image(r'{grid}', to_hwc_uint8(make_grid(images)))"], args.repeats)
    print(f"{args.model}, {args.n} images to one grid PNG, median of {args.repeats} runs:")
    print(f"  gantools generate (numpy path): {command:.2f} s")
    print(f"  Python API with torch:          {api:.2f} s")
    print("forward pass alone (s): images | numpy | torch")
    for n, numpy_s, torch_s in forward_times(args.model, counts, args.repeats):
        print(f"  {n:6d} | {numpy_s:.3f} | {torch_s:.3f}")


if __name__ == "__main__":
    main()
