"""Per-task speed on this machine: data pipeline vs training step, and generator
inference in fp32 / bf16 (channels-last, ``torch.inference_mode``), against the
measured peak of one 3x3 convolution.

For every built-in task (generate on MNIST, superres / inpaint / colorize on T91):

- data: images/s that ``batch_stream`` delivers (decode, crop, collate, transfer,
  float, layout) with the trainer's default worker count; the model is not run;
- pair: images/s of ``task.make_pair`` (device-side pairing / augmentation) alone;
- step: images/s of ``Trainer.train_step`` on batches already in memory (no data
  loading; ``make_pair`` included), the engine's default precision and layout;
- data/step: above 1, the pipeline keeps up with the model;
- inference: output MP/s of the generator (generate: images/s) in fp32 default
  layout, fp32 channels-last and bf16 autocast channels-last, effective GFLOP/s
  (2 x convolution multiply-adds / time) and its share of the measured peak;
- peak memory: growth of the peak RSS during one inference, in a child process;
- torch.compile (superres only, in a child process with a time limit).

    python benchmarks/task_speed.py [--tasks generate,superres,inpaint,colorize]
        [--threads 1,2] [--quick] [--json PATH] [--svg docs/img/task_speed.svg]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from speed_common import median_time
from torch import nn

TASKS = ("generate", "superres", "inpaint", "colorize")
MNIST = "../shared/data/mnist"
T91 = "../shared/data/sr/T91"
PHOTO = "../shared/data/sr/BSD200"
PEAK_ALL_CORES = 200.0  # GFLOP/s, 3x3 conv, all cores (the performance issue's figure)


# ----- counting and timing --------------------------------------------------------
def layer_macs(model: nn.Module, *inputs: torch.Tensor) -> int:
    """Multiply-adds of every Conv2d, ConvTranspose2d and Linear in one forward."""
    total = 0

    def conv(module, args, output):
        nonlocal total
        k = module.kernel_size[0] * module.kernel_size[1]
        total += output.numel() * (module.in_channels // module.groups) * k

    def deconv(module, args, output):
        nonlocal total
        k = module.kernel_size[0] * module.kernel_size[1]
        total += args[0].numel() * (module.out_channels // module.groups) * k

    def linear(module, args, output):
        nonlocal total
        total += output.numel() * module.in_features

    hooks = {nn.Conv2d: conv, nn.ConvTranspose2d: deconv, nn.Linear: linear}
    handles = [m.register_forward_hook(hooks[type(m)]) for m in model.modules()
               if type(m) in hooks]
    with torch.inference_mode():
        model(*inputs)
    for h in handles:
        h.remove()
    return total


def precision_context(precision: str):
    return (torch.autocast("cpu", dtype=torch.bfloat16) if precision == "bf16"
            else contextlib.nullcontext())


def conv_peak(precision: str, repeats: int) -> float:
    """GFLOP/s of one 3x3 conv 64->64 on 128x128 images (batch 4), channels-last."""
    conv = nn.Conv2d(64, 64, 3, padding=1).eval().to(memory_format=torch.channels_last)
    x = torch.rand(4, 64, 128, 128).contiguous(memory_format=torch.channels_last)
    flops = 2 * 4 * 128 * 128 * 64 * 64 * 9

    def run():
        with torch.inference_mode(), precision_context(precision):
            conv(x)
    return flops / median_time(run, repeats, warmup=3) / 1e9


# ----- tasks ----------------------------------------------------------------------
def get_task(name: str):
    from gantools.registry import get_task as lookup

    return lookup(name)


def task_config(name: str, dataset, batch_patch: int | None):
    """The task's default config adapted to the data (generate: MNIST's 28 px,
    1 channel, 10 classes); ``batch_patch`` overrides the crop (quick mode)."""
    import dataclasses

    task = get_task(name)
    cfg = task.default_config()
    if batch_patch and hasattr(cfg, "patch"):
        cfg = dataclasses.replace(cfg, patch=batch_patch)
    if dataset is not None:
        cfg = task.adapt_config(cfg, dataset)
    elif name == "generate":  # what adapt_config makes of MNIST, without reading it
        cfg = dataclasses.replace(cfg, size=cfg.size or 28, channels=cfg.channels or 1,
                                  num_classes=cfg.num_classes or 10)
    return cfg


def open_data(name: str, cfg):
    from gantools.data.datasets import open_dataset

    task = get_task(name)
    return open_dataset(MNIST if name == "generate" else T91, task.data_spec(cfg))


def generator_for(name: str, cfg):
    """Shipped weights when present (random init otherwise: speed does not depend on
    them), eval mode, channels-last, no gradients. Returns (net, source)."""
    from gantools.api import load
    from gantools.weights import WeightsError

    task = get_task(name)
    source = "random init"
    try:
        loaded = load(task, device="cpu", precision="fp32")
        net, cfg, source = loaded.generator, loaded.config, loaded.source.stem
    except (WeightsError, OSError, ValueError):
        net = task.build_generator(cfg).eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net, cfg, source


def photo(side: int, channels: int) -> torch.Tensor:
    """A real photo (BSD200's first), resized to side x side, (1, C, S, S) in [0, 1];
    noise when the folder is absent."""
    files = sorted(Path(PHOTO).glob("*.jpg"))
    if not files:
        return torch.rand(1, channels, side, side)
    from PIL import Image

    img = Image.open(files[0]).convert("RGB").resize((side, side), Image.Resampling.BICUBIC)
    x = torch.frombuffer(bytearray(img.tobytes()), dtype=torch.uint8)
    x = x.view(side, side, 3).permute(2, 0, 1)[None].float() / 255.0
    if channels == 1:
        x = (0.299 * x[:, :1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
    return x


def inference_inputs(name: str, cfg, side: int, gen_batch: int) -> tuple[tuple, float, str]:
    """Generator inputs for an output of side x side pixels (generate: a batch of
    noise), the output's megapixels, and a description."""
    if name == "generate":
        z = torch.randn(gen_batch, cfg.z_dim)
        label = torch.arange(gen_batch) % cfg.num_classes if cfg.num_classes else None
        mp = gen_batch * cfg.size * cfg.size / 1e6
        return (z, label), mp, f"{gen_batch} x {cfg.size}px"
    if name == "superres":
        lr = photo(side // cfg.scale, 3)
        return (lr,), side * side / 1e6, f"{side // cfg.scale}px -> {side}px"
    if name == "inpaint":
        from gantools.plugins.inpaint.masks import seeded_mask

        image = photo(side, 3)
        mask = seeded_mask(side, side, (0.2, 0.3), 0)
        return (torch.cat([image * (1 - mask), mask], 1),), side * side / 1e6, f"{side}px"
    if name == "colorize":
        return (photo(side, 1),), side * side / 1e6, f"{side}px (L*)"
    raise ValueError(name)


def to_layout(inputs: tuple, fmt) -> tuple:
    return tuple(x.contiguous(memory_format=fmt) if isinstance(x, torch.Tensor) and x.dim() == 4
                 else x for x in inputs)


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = float(((a.float().clamp(0, 1) - b.float().clamp(0, 1)) ** 2).mean())
    return float("inf") if mse == 0 else 10 * torch.log10(torch.tensor(1.0 / mse)).item()


def measure_inference(name: str, side: int, gen_batch: int, repeats: int) -> dict:
    net, cfg, source = generator_for(name, task_config(name, None, None))
    inputs, mp, shape = inference_inputs(name, cfg, side, gen_batch)
    flops = 2 * layer_macs(net, *inputs)
    result = {"model": source, "input": shape, "gflop_per_pass": flops / 1e9, "mp": mp}
    outputs = {}
    for label, fmt, precision in (("fp32", torch.contiguous_format, "fp32"),
                                  ("fp32_cl", torch.channels_last, "fp32"),
                                  ("bf16_cl", torch.channels_last, "bf16")):
        model = net.to(memory_format=fmt)
        x = to_layout(inputs, fmt)

        def run(model=model, x=x, precision=precision, label=label):
            with torch.inference_mode(), precision_context(precision):
                outputs[label] = model(*x)
        seconds = median_time(run, repeats)
        result[label] = {"seconds": seconds, "mp_per_s": mp / seconds,
                         "images_per_s": (gen_batch if name == "generate" else 1) / seconds,
                         "gflops": flops / seconds / 1e9}
    result["bf16_vs_fp32_psnr"] = psnr(outputs["bf16_cl"], outputs["fp32_cl"])
    net.to(memory_format=torch.channels_last)
    return result


# ----- training side --------------------------------------------------------------
def make_trainer(name: str, cfg, batch: int, folder: Path):
    from gantools.engine.config import TrainConfig
    from gantools.engine.trainer import Trainer

    train_cfg = TrainConfig(data="-", out=str(folder), batch_size=batch, device="cpu")
    trainer = Trainer(get_task(name), cfg, train_cfg, progress=False, command=["bench"])
    trainer.build()  # the trainer's public set-up: nets, optimizers, EMA; no data
    trainer.G.train()
    trainer.D.train()
    return trainer


def measure_training(name: str, batch: int, patch: int | None, data_batches: int,
                     steps: int, pair_repeats: int) -> dict:
    from gantools.data.loader import batch_stream

    task = get_task(name)
    cfg0 = task_config(name, None, patch)
    dataset = open_data(name, cfg0)
    cfg = task.adapt_config(cfg0, dataset)
    with tempfile.TemporaryDirectory(prefix="task_speed_") as tmp:
        trainer = make_trainer(name, cfg, batch, Path(tmp) / "run")
        workers = trainer._workers(dataset)
        stream = batch_stream(dataset, batch, 0, 0, trainer.device, workers,
                              trainer.cfg.channels_last)
        batches = [next(stream)]  # first batch: workers start, not counted
        t0 = time.perf_counter()
        for _ in range(data_batches):
            batches.append(next(stream))
        data_rate = data_batches * batch / (time.perf_counter() - t0)
        del stream  # stops the workers
        first = batches[0]
        seconds = median_time(lambda: task.make_pair(first, cfg), pair_repeats)
        pair_rate = batch / seconds
        trainer.train_step(batches[0])  # warm-up (oneDNN primitive caches)
        t0 = time.perf_counter()
        for i in range(steps):
            trainer.train_step(batches[(i + 1) % len(batches)])
        step_rate = steps * batch / (time.perf_counter() - t0)
        result = {"batch": batch, "size": dataset.size, "workers": workers,
                  "precision": str(trainer.dtype).replace("torch.", ""),
                  "data_images_per_s": data_rate, "pair_images_per_s": pair_rate,
                  "step_images_per_s": step_rate, "data_over_step": data_rate / step_rate}
        del trainer, batches
    return result


# ----- child processes: peak memory, torch.compile -------------------------------------
def child(spec: dict) -> dict:
    torch.set_num_threads(spec["threads"])
    if spec["kind"] == "memory":
        return memory_child(spec)
    return compile_child(spec)


def memory_child(spec: dict) -> dict:
    """Peak RSS growth of one inference pass (model and input already in memory)."""
    import gc

    name = spec["task"]
    net, cfg, _ = generator_for(name, task_config(name, None, None))
    inputs, _, _ = inference_inputs(name, cfg, spec["side"], spec["gen_batch"])
    inputs = to_layout(inputs, torch.channels_last)
    gc.collect()
    rss_before = proc_status("VmRSS")
    try:  # reset the peak (VmHWM) to the current RSS (Linux >= 4.0)
        Path("/proc/self/clear_refs").write_text("5")
        exact = True
    except OSError:  # the peak so far (loading, imports) hides smaller inference peaks
        exact = False
    peak_before = proc_status("VmHWM")
    with torch.inference_mode(), precision_context(spec["precision"]):
        out = net(*inputs)
    peak_after = proc_status("VmHWM")
    return {"peak_rss_mb": peak_after / 1024, "delta_mb": (peak_after - rss_before) / 1024,
            "exact": exact or peak_after > peak_before,
            "output_mb": out.numel() * out.element_size() / 2**20}


def proc_status(field: str) -> int:
    """A ``/proc/self/status`` memory figure, in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def compile_child(spec: dict) -> dict:
    """Superres generator: eager vs torch.compile, channels-last, fp32 and bf16."""
    name = spec["task"]
    task = get_task(name)
    net, cfg, _ = generator_for(name, task.default_config())
    inputs, mp, _ = inference_inputs(name, cfg, spec["side"], 1)
    inputs = to_layout(inputs, torch.channels_last)
    net = net.to(memory_format=torch.channels_last)
    result = {}
    for precision in ("fp32", "bf16"):
        torch._dynamo.reset()
        compiled = torch.compile(net)
        t0 = time.perf_counter()
        with torch.inference_mode(), precision_context(precision):
            compiled(*inputs)
        compile_s = time.perf_counter() - t0
        for label, model in (("eager", net), ("compiled", compiled)):
            def run(model=model, precision=precision):
                with torch.inference_mode(), precision_context(precision):
                    model(*inputs)
            seconds = median_time(run, spec["repeats"])
            result[f"{precision}_{label}_mp_per_s"] = mp / seconds
        result[f"{precision}_compile_s"] = compile_s
    return result


def run_child(spec: dict, timeout: float) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": str(spec["threads"])}
    try:
        proc = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)],
                              capture_output=True, text=True, timeout=timeout, env=env,
                              check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"no result within {timeout:.0f} s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode or not lines:
        tail = (proc.stderr.strip().splitlines() or ["exit " + str(proc.returncode)])[-1]
        return {"error": tail[:200]}
    return json.loads(lines[-1])


# ----- output ---------------------------------------------------------------------
def fmt(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def memory_cell(mem: dict) -> str:
    parts = []
    for p in ("bf16", "fp32"):
        m = mem.get(p)
        if not m:
            continue
        parts.append(f"{p} {m['error']}" if "error" in m else
                     f"{p} {'' if m['exact'] else '<= '}{m['delta_mb']:.0f}")
    return " / ".join(parts)


def markdown(report: dict) -> str:
    lines = []
    for run in report["runs"]:
        t = run["threads"]
        peak = run["conv_peak_gflops"]
        lines.append(f"\n**{t} thread(s).** Measured peak, one 3x3 conv 64->64 on 4 x 128x128, "
                     f"channels-last: fp32 {peak['fp32']:.1f} GFLOP/s, bf16 "
                     f"{peak['bf16']:.1f} GFLOP/s.\n")
        lines.append("| task | batch x px | workers | step precision | data img/s "
                     "| make_pair img/s | step img/s | data/step |")
        lines.append("| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |")
        for name, row in run["tasks"].items():
            tr = row["train"]
            lines.append(f"| {name} | {tr['batch']} x {tr['size']} | {tr['workers']} "
                         f"| {tr['precision']} | {fmt(tr['data_images_per_s'])} "
                         f"| {fmt(tr['pair_images_per_s'])} | {fmt(tr['step_images_per_s'])} "
                         f"| {fmt(tr['data_over_step'], 2)} |")
        lines.append("")
        lines.append("| task | weights | input | GFLOP/pass | fp32 | fp32 CL | bf16 CL "
                     "| fp32 CL GFLOP/s (% of 200, % of own fp32 peak) "
                     "| bf16 CL GFLOP/s (% of 200, % of own bf16 peak) "
                     "| bf16 vs fp32 PSNR | peak RSS +MB |")
        lines.append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, row in run["tasks"].items():
            inf = row["inference"]
            unit = " img/s" if name == "generate" else " MP/s"
            key = "images_per_s" if name == "generate" else "mp_per_s"
            speeds = [fmt(inf[k][key], 0 if name == "generate" else 2) + unit
                      for k in ("fp32", "fp32_cl", "bf16_cl")]
            eff = []
            for k, p in (("fp32_cl", "fp32"), ("bf16_cl", "bf16")):
                g = inf[k]["gflops"]
                eff.append(f"{g:.1f} ({100 * g / PEAK_ALL_CORES:.0f}%, "
                           f"{100 * g / peak[p]:.0f}%)")
            q = ("n/a (random init)" if inf["model"] == "random init"
                 else f"{inf['bf16_vs_fp32_psnr']:.1f} dB")
            lines.append(f"| {name} | {inf['model']} | {inf['input']} "
                         f"| {inf['gflop_per_pass']:.2f} | " + " | ".join(speeds + eff)
                         + f" | {q} | {memory_cell(row['memory'])} |")
        comp = run.get("compile")
        if comp:
            if "error" in comp:
                lines.append(f"\ntorch.compile (superres): not available here ({comp['error']})")
            else:
                lines.append(
                    "\ntorch.compile (superres, channels-last): "
                    f"fp32 eager {comp['fp32_eager_mp_per_s']:.2f} -> compiled "
                    f"{comp['fp32_compiled_mp_per_s']:.2f} MP/s (compile "
                    f"{comp['fp32_compile_s']:.0f} s); bf16 eager "
                    f"{comp['bf16_eager_mp_per_s']:.2f} -> compiled "
                    f"{comp['bf16_compiled_mp_per_s']:.2f} MP/s (compile "
                    f"{comp['bf16_compile_s']:.0f} s)")
    return "\n".join(lines)


def svg_plot(report: dict) -> str:
    """Horizontal bars of effective GFLOP/s (one scale for every task) per task,
    precision/layout and thread count, labelled with the throughput (MP/s;
    generate: images/s); dashed lines: 200 GFLOP/s and its 70%."""
    series = (("fp32", "fp32, default layout", "#9aa5b1"),
              ("fp32_cl", "fp32, channels-last", "#4c78a8"),
              ("bf16_cl", "bf16 autocast, channels-last", "#f58518"))
    groups = []
    for run in report["runs"]:
        for name, row in run["tasks"].items():
            inf = row["inference"]
            bars = []
            for k, _, _ in series:
                speed = (f"{inf[k]['images_per_s']:.0f} img/s" if name == "generate"
                         else f"{inf[k]['mp_per_s']:.2f} MP/s")
                bars.append((inf[k]["gflops"], speed))
            groups.append((f"{name}, {run['threads']} thread(s)", bars))
    side = report["side"]
    bar_h, gap, left, width, top = 15, 14, 150, 460, 58
    height = top + len(groups) * (3 * bar_h + gap) + 44
    total_w = left + width + 150
    vmax = max([g for _, bars in groups for g, _ in bars] + [PEAK_ALL_CORES]) * 1.05
    def x_of(v):
        return left + width * v / vmax
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{height}" '
           'font-family="sans-serif" font-size="11">',
           f'<rect width="{total_w}" height="{height}" fill="white"/>',
           '<text x="10" y="20" font-size="13" font-weight="bold">Generator inference on '
           'the CPU: effective GFLOP/s (bar) and throughput (label)</text>',
           f'<text x="10" y="38" fill="#555">torch.inference_mode; {side}x{side} outputs '
           f'(generate: batches of {report["gen_batch"]}); benchmarks/task_speed.py</text>']
    bottom = height - 40
    for v, label in ((PEAK_ALL_CORES, "200 GFLOP/s"), (0.7 * PEAK_ALL_CORES, "70%")):
        out.append(f'<line x1="{x_of(v):.1f}" y1="{top - 8}" x2="{x_of(v):.1f}" '
                   f'y2="{bottom}" stroke="#c00" stroke-dasharray="4,3"/>')
        out.append(f'<text x="{x_of(v):.1f}" y="{top - 11}" text-anchor="middle" '
                   f'fill="#c00">{label}</text>')
    y = top
    for label, bars in groups:
        out.append(f'<text x="{left - 8}" y="{y + 1.5 * bar_h + 4}" text-anchor="end">'
                   f'{label}</text>')
        for (_, _, colour), (g, speed) in zip(series, bars, strict=True):
            out.append(f'<rect x="{left}" y="{y}" width="{x_of(g) - left:.1f}" '
                       f'height="{bar_h - 3}" fill="{colour}"/>')
            out.append(f'<text x="{x_of(g) + 4:.1f}" y="{y + bar_h - 5}">{speed} '
                       f'({g:.0f})</text>')
            y += bar_h
        y += gap
    for v in range(0, int(vmax) + 1, 100):
        out.append(f'<text x="{x_of(v):.1f}" y="{bottom + 13}" text-anchor="middle" '
                   f'fill="#555">{v}</text>')
    out.append(f'<line x1="{left}" y1="{bottom}" x2="{left + width}" y2="{bottom}" '
               'stroke="#555"/>')
    out.append(f'<text x="{left + width + 8}" y="{bottom + 13}" fill="#555">GFLOP/s</text>')
    for i, (_, name, colour) in enumerate(series):
        x = left + i * 170
        out.append(f'<rect x="{x}" y="{height - 18}" width="10" height="10" '
                   f'fill="{colour}"/>')
        out.append(f'<text x="{x + 14}" y="{height - 9}">{name}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def machine() -> dict:
    cpu = platform.processor()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    from gantools.engine.device import cpu_has_native_bf16

    return {"cpu": cpu, "cores": os.cpu_count(), "torch": torch.__version__,
            "native_bf16": cpu_has_native_bf16(), "load_average": os.getloadavg()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument("--threads", default=str(torch.get_num_threads()),
                        help="comma-separated thread counts, e.g. 1,2")
    parser.add_argument("--quick", action="store_true",
                        help="small batches, inputs and repeats (under a minute)")
    parser.add_argument("--batch", type=int, default=0,
                        help="training batch (default: the engine's 64; quick: 8)")
    parser.add_argument("--side", type=int, default=0,
                        help="inference output side (default 512; quick: 128)")
    parser.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    parser.add_argument("--json", default="")
    parser.add_argument("--svg", default="")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    parser.add_argument("--smoke", action="store_true",
                        help="seconds: every task at batch 2, 32 px, one repeat, no "
                             "memory child or torch.compile (skipped without the data)")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return
    tasks = [t for t in args.tasks.split(",") if t]
    if args.smoke:  # shrunk bundled photos for the image tasks; generate needs MNIST
        global T91
        from smoke_data import smoke_folder

        T91 = str(smoke_folder(4, 64))
        if not Path(MNIST).exists():
            print(f"generate skipped: {MNIST} not found", flush=True)
            tasks = [t for t in tasks if t != "generate"]
    quick = args.quick or args.smoke
    batch = args.batch or (2 if args.smoke else 8 if quick else 64)
    patch = 32 if args.smoke else 64 if quick else None
    side = args.side or (32 if args.smoke else 128 if quick else 512)
    gen_batch = 2 if args.smoke else 16 if quick else 256
    repeats = 1 if quick else 5
    report = {"machine": machine(), "quick": quick, "batch": batch, "side": side,
              "gen_batch": gen_batch,
              "command": " ".join(["python", *sys.argv]), "runs": []}
    m = report["machine"]
    print(f"{m['cpu']}, {m['cores']} cores, torch {m['torch']}, native bf16 "
          f"{m['native_bf16']}, load average at start {m['load_average'][0]:.2f}; batch "
          f"{batch}, inference output {side}x{side} (generate: {gen_batch} images)",
          flush=True)
    for threads in (int(t) for t in args.threads.split(",")):
        torch.set_num_threads(threads)
        run = {"threads": threads, "tasks": {},
               "conv_peak_gflops": {p: conv_peak(p, 1 if args.smoke else 5 if quick
                                                 else 20)
                                    for p in ("fp32", "bf16")}}
        for name in tasks:
            row = {"train": measure_training(name, batch, patch,
                                             1 if args.smoke else 2 if quick else 16,
                                             1 if quick else 3,
                                             1 if args.smoke else 2 if quick else 5),
                   "inference": measure_inference(name, side, gen_batch, repeats)}
            precisions = () if args.smoke else ("bf16",) if quick else ("bf16", "fp32")
            row["memory"] = {p: run_child({"kind": "memory", "task": name, "threads": threads,
                                           "precision": p, "side": side,
                                           "gen_batch": gen_batch}, 120)
                             for p in precisions}
            run["tasks"][name] = row
            print(f"  {threads}T {name}: done", file=sys.stderr, flush=True)
        if "superres" in tasks and not args.no_compile and not quick:
            run["compile"] = run_child({"kind": "compile", "task": "superres",
                                        "threads": threads, "side": side,
                                        "repeats": repeats}, 300)
        report["runs"].append(run)
        report["load_average_end"] = os.getloadavg()
        print(markdown({"runs": [run]}), flush=True)
        if args.json:  # after every thread count: a partial report survives an abort
            Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
    if args.svg:
        Path(args.svg).parent.mkdir(parents=True, exist_ok=True)
        Path(args.svg).write_text(svg_plot(report))


if __name__ == "__main__":
    main()
