"""The plugin contract test: run it in your plugin's own test suite.

::

    from gantools.testing import check_task
    from my_plugin.task import task

    def test_gantools_contract(tmp_path):
        check_task(task, tmp_path, config={"width": 8, "blocks": 1, "patch": 32})

or, as a pytest class (no pytest import needed here)::

    from gantools.testing import TaskContract

    class TestMyTask(TaskContract):
        task = task
        config = {"width": 8, "blocks": 1, "patch": 32}

:func:`check_task` checks, in order: the class attributes (``name``, ``summary``,
``Config`` with defaults, ``api_version``, ...), the entry point, that the task's
module imports without torch, ``build`` on the small config, one training pair
through ``make_pair`` and the losses, a 2-step run of :func:`gantools.train` on a
generated image folder, :func:`export_run`,
:func:`gantools.load`, and, for an :class:`~gantools.task.ImageTask`, inference from
Python (PIL, NumPy, tensor) and from the shell (``gantools NAME in.png --weights
W``), tiled against untiled, and ``gantools eval NAME``. Every failure is an
``AssertionError`` whose message starts with the contract rule that failed.

Importing this module is cheap: torch and the engine are imported when a check runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gantools.task import API_VERSION, Companion, ImageTask, Task

__all__ = ["ContractReport", "TaskContract", "check_attributes", "check_task", "make_image_folder"]

NAME_RE = re.compile(r"^[a-z][a-z0-9_-]*$")

DEFAULT_EVAL_ARGS = ("--data", "{data}", "--weights", "{weights}", "--device", "{device}")
"""Arguments given to ``gantools eval NAME`` ({data}, {weights}, {device} filled in)."""


@dataclass
class ContractReport:
    """What :func:`check_task` made, for further checks of your own."""

    task: str
    data: Path | None = None
    run: Path | None = None
    weights: Path | None = None
    outputs: dict[str, Path] = field(default_factory=dict)
    checked: list[str] = field(default_factory=list)


def _fail(rule: str, detail: str) -> AssertionError:
    return AssertionError(f"gantools contract [{rule}]: {detail}")


def _require(ok: Any, rule: str, detail: str) -> None:
    if not ok:
        raise _fail(rule, detail)


# ----- class attributes (no torch) ---------------------------------------------------
def check_attributes(task: Any) -> None:
    """The class-level contract: what the registry and the CLI read without running
    anything. Raises AssertionError naming the rule that failed."""
    from gantools.registry import RESERVED

    _require(isinstance(task, Task), "task-instance",
             f"expected an instance of gantools.task.Task, got {type(task).__name__} "
             "(the entry point must name an instance, e.g. `task = MyTask()`, or the class)")
    cls = type(task).__name__
    _require(isinstance(task.name, str) and NAME_RE.match(task.name), "name",
             f"{cls}.name must be a lowercase CLI name ([a-z][a-z0-9_-]*), got {task.name!r}")
    _require(task.name not in RESERVED, "name",
             f"{cls}.name {task.name!r} is a gantools command; choose another name")
    _require(isinstance(task.summary, str) and task.summary.strip()
             and "\n" not in task.summary, "summary",
             f"{cls}.summary must be one non-empty line, got {task.summary!r}")
    _require(isinstance(task.api_version, int) and task.api_version == API_VERSION,
             "api_version",
             f"{cls}.api_version is {task.api_version!r} but this gantools provides plugin "
             f"API {API_VERSION}; set `api_version = gantools.task.API_VERSION` after "
             "updating the plugin to the current contract")
    _check_dataclass(task.Config, f"{cls}.Config", "config")
    _check_config_names(task)
    _require(task.default_model is None or isinstance(task.default_model, str),
             "default_model", f"{cls}.default_model must be a str or None")
    _require(isinstance(task.pretrained_dirs, tuple | list)
             and all(isinstance(p, Path) for p in task.pretrained_dirs), "pretrained_dirs",
             f"{cls}.pretrained_dirs must be a tuple of pathlib.Path folders")
    if isinstance(task, ImageTask):
        _check_dataclass(task.InferOptions, f"{cls}.InferOptions", "infer-options")
        _require(isinstance(task.output_suffix, str) and task.output_suffix, "output_suffix",
                 f"{cls}.output_suffix must be a non-empty str (e.g. '_out')")
        _require(isinstance(task.keeps_gray, bool), "keeps_gray",
                 f"{cls}.keeps_gray must be a bool")
        _require(isinstance(task.tileable, bool), "tileable", f"{cls}.tileable must be a bool")
        _require(task.companion is None or isinstance(task.companion, Companion), "companion",
                 f"{cls}.companion must be None or a gantools.task.Companion")


def _check_dataclass(cls: Any, label: str, rule: str) -> None:
    _require(dataclasses.is_dataclass(cls) and isinstance(cls, type), rule,
             f"{label} must be a dataclass (decorate it with @dataclass)")
    missing = [f.name for f in dataclasses.fields(cls)
               if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    _require(not missing, rule,
             f"{label} field(s) without a default: {', '.join(missing)} (every field needs "
             "one: it becomes a CLI option)")
    try:
        cls()
    except Exception as exc:  # noqa: BLE001 - reported as a contract failure
        raise _fail(rule, f"{label}() with every default fails: {exc!r}") from exc
    from gantools.cli_options import dataclass_options

    try:
        dataclass_options(cls)
    except Exception as exc:  # noqa: BLE001
        raise _fail(rule, f"{label} cannot become CLI options: {exc!r}") from exc


def _check_config_names(task: Task) -> None:
    from gantools.engine.config import TrainConfig

    core = {f.name for f in dataclasses.fields(TrainConfig)}
    clash = sorted(core & {f.name for f in dataclasses.fields(task.Config)})
    _require(not clash, "config",
             f"{type(task).__name__}.Config field(s) {clash} are core training options "
             "(gantools.engine.config.TrainConfig); rename them")


# ----- registration ------------------------------------------------------------------
def _check_entry_point(task: Task) -> None:
    from gantools.registry import GROUP, default_registry

    registry = default_registry()
    for rec in registry.records:
        if rec.name == task.name and rec.error:
            raise _fail("entry-point", f"the '{task.name}' plugin fails to load: {rec.error}")
    installed = registry.tasks.get(task.name)
    _require(installed is not None, "entry-point",
             f"no installed plugin is named '{task.name}': declare "
             f'[project.entry-points."{GROUP}"] {task.name} = "your_pkg.task:task" and '
             "install the package (pip install -e .), or pass installed=False")
    _require(type(installed) is type(task), "entry-point",
             f"the '{task.name}' entry point gives {type(installed).__name__}, not "
             f"{type(task).__name__}")


def _check_lazy_import(task: Task) -> None:
    """The module defining the task imports without torch, in a fresh interpreter
    (the registry imports every plugin to list it; ``gantools --help`` stays instant)."""
    import os
    import subprocess
    import sys

    module = type(task).__module__
    code = (f"import sys; import {module}; "
            "sys.exit(3 if 'torch' in sys.modules else 0)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=300)
    _require(done.returncode != 3, "lazy-import",
             f"importing {module} imports torch: import torch (and modules that use it) "
             "inside the task's methods, so that listing plugins stays instant")
    last = (done.stderr.strip().splitlines() or ["?"])[-1]
    _require(done.returncode == 0, "lazy-import",
             f"{module} does not import in a fresh interpreter: {last}")


@contextlib.contextmanager
def _registered(task: Task) -> Iterator[None]:
    """Make ``task`` visible to the registry-based commands for the duration."""
    from gantools.registry import default_registry

    tasks = default_registry().tasks
    previous = tasks.get(task.name)
    tasks[task.name] = task
    try:
        yield
    finally:
        if previous is None:
            tasks.pop(task.name, None)
        else:
            tasks[task.name] = previous


# ----- data --------------------------------------------------------------------------
def make_image_folder(folder: Path, size: int, count: int = 6, labels: bool = False,
                      seed: int = 0) -> Path:
    """``count`` smooth RGB PNGs with edges, of sides ``size`` to ``size + 2 * count``
    (in two class sub-folders when ``labels``). Returns ``folder``."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        h, w = size + 2 * i, size + 3 * i
        y, x = np.mgrid[0:h, 0:w].astype(np.float64)
        phase = rng.uniform(0, 6.28, 3)
        img = np.stack([128 + 90 * np.sin(x / (4 + i) + phase[0]),
                        128 + 90 * np.cos(y / (5 + i) + phase[1]),
                        128 + 90 * np.sin((x + y) / 7 + phase[2])], axis=2)
        img[h // 4: h // 2, w // 3: 2 * w // 3] = rng.integers(0, 255, 3)
        img += rng.normal(0, 4, img.shape)
        target = folder / f"class{i % 2}" if labels else folder
        target.mkdir(exist_ok=True)
        Image.fromarray(img.clip(0, 255).astype(np.uint8)).save(target / f"img{i}.png")
    return folder


# ----- the whole contract --------------------------------------------------------------
def check_task(task: Task, tmp_path: str | Path, config: dict[str, Any] | None = None, *,
               train_options: dict[str, Any] | None = None,
               eval_args: Sequence[str] | None = DEFAULT_EVAL_ARGS,
               device: str = "cpu", image_size: int | None = None, installed: bool = True,
               check_tiling: bool = True) -> ContractReport:
    """Run the plugin contract on ``task``; raise AssertionError on the first failure.

    ``config``: overrides of the task's Config that keep the model tiny (the contract
    trains and runs it several times on the CPU). ``train_options``: overrides of the
    core's training options (``steps=2, batch_size=2`` by default). ``eval_args``:
    arguments of ``gantools eval NAME`` ({data}, {weights}, {device} are filled in);
    None skips running it (its ``--help`` is still checked). ``image_size``: side of
    the generated training and test images (default: the task's crop size + 8).
    ``installed``: the task must be installed through its entry point (pip install
    -e . first); False registers it for the duration of the check instead.
    ``check_tiling``: compare tiled with untiled inference (tileable image tasks).
    """
    tmp = Path(tmp_path)
    check_attributes(task)
    report = ContractReport(task.name, checked=["attributes"])
    if installed:
        _check_entry_point(task)
        report.checked.append("entry-point")
        _check_lazy_import(task)
        report.checked.append("lazy-import")
    with _registered(task) if not installed else contextlib.nullcontext():
        cfg = _check_config(task, config or {})
        spec = _check_build(task, cfg)
        report.checked.append("build")
        size = image_size or spec.size + 8
        report.data = make_image_folder(tmp / "data", size,
                                        labels=spec.labels == "required")
        _check_pair(task, cfg, spec)
        report.checked.append("make_pair")
        report.run = _check_training(task, config or {}, train_options or {}, report.data,
                                     tmp / "run", device)
        report.checked.append("train")
        report.weights = _check_export(task, report.run, tmp / f"{task.name}.safetensors")
        report.checked.append("export")
        model = _check_load(task, report.weights, device)
        report.checked.append("load")
        _check_commands_build(task)
        if isinstance(task, ImageTask):
            _check_python_call(task, model, size)
            report.checked.append("python-call")
            if check_tiling and task.tileable:
                _check_tiling(task, report.weights, device)
                report.checked.append("tiling")
            report.outputs.update(_check_cli(task, report.weights, tmp / "cli", size, device))
            report.checked.append("cli")
        if eval_args is not None and task.make_eval_command() is not None:
            _check_eval(task, eval_args, report, device)
            report.checked.append("eval")
    return report


def _check_config(task: Task, overrides: dict[str, Any]) -> Any:
    try:
        cfg = task.config_from_dict(overrides)
    except Exception as exc:  # noqa: BLE001
        raise _fail("config", f"config overrides {overrides} are refused: {exc}") from exc
    return cfg


def _check_build(task: Task, cfg: Any) -> Any:
    from torch import nn

    from gantools.task import DataSpec

    built = task.build(cfg)
    _require(isinstance(built, tuple) and len(built) == 2, "build",
             f"build(cfg) must return (generator, discriminator), got {type(built).__name__}")
    g, d = built
    _require(isinstance(g, nn.Module) and isinstance(d, nn.Module), "build",
             "build(cfg) must return two torch.nn.Module")
    g_only = task.build_generator(cfg)
    _require(isinstance(g_only, nn.Module), "build_generator",
             "build_generator(cfg) must return a torch.nn.Module")
    _require(set(g_only.state_dict()) == set(g.state_dict()), "build_generator",
             "build_generator(cfg) must build the same network as build(cfg)[0] (their "
             "state_dict keys differ), or exported weights will not load")
    spec = task.data_spec(cfg)
    _require(isinstance(spec, DataSpec), "data_spec",
             f"data_spec(cfg) must return a gantools.task.DataSpec, got {type(spec).__name__}")
    _require(spec.crop in ("random", "resize") and spec.channels in (0, 1, 3), "data_spec",
             f"bad DataSpec {spec}: crop is 'random' or 'resize', channels 0, 1 or 3")
    return spec


def _check_tensor(t: Any, rule: str, what: str, unit_range: bool = True) -> None:
    import torch

    _require(isinstance(t, torch.Tensor), rule, f"{what} must be a tensor, got {type(t)}")
    _require(t.is_floating_point(), rule, f"{what} must be floating point, got {t.dtype}")
    _require(bool(torch.isfinite(t).all()), rule, f"{what} has NaN or infinite values")
    if unit_range:
        lo, hi = float(t.min()), float(t.max())
        _require(lo >= -1e-6 and hi <= 1 + 1e-6, rule,
                 f"{what} must be in [0, 1], got values in [{lo:.4f}, {hi:.4f}]")


def _check_pair(task: Task, cfg: Any, spec: Any) -> None:
    """One batch through make_pair, G, D and the losses, on the CPU."""
    import torch

    from gantools.task import Batch

    torch.manual_seed(0)
    channels = spec.channels or 3
    image = torch.rand(2, channels, spec.size, spec.size)
    label = torch.zeros(2, dtype=torch.long) if spec.labels == "required" else None
    cfg = task.adapt_config(cfg, _FakeDataset(channels, 2 if label is not None else 0))
    g, d = task.build(cfg)
    pair = task.make_pair(Batch(image, label), cfg)
    _require(isinstance(pair, tuple) and len(pair) == 2, "make_pair",
             "make_pair(batch, cfg) must return (condition, target)")
    condition, target = pair
    _check_tensor(target, "make_pair", "the target of make_pair")
    _require(target.dim() == 4 and target.shape[0] == 2, "make_pair",
             f"the target must be (N, C, H, W) with N = batch size, got {tuple(target.shape)}")
    if isinstance(condition, torch.Tensor) and condition.is_floating_point():
        _require(bool(torch.isfinite(condition).all()), "make_pair",
                 "the condition of make_pair has NaN or infinite values")
    fake = g(*task.generator_input(condition))
    _require(isinstance(fake, torch.Tensor) and fake.shape == target.shape, "generator",
             f"G(*generator_input(condition)) must have the target's shape "
             f"{tuple(target.shape)}, got {tuple(getattr(fake, 'shape', ()))}")
    _check_tensor(fake, "generator", "the generator's output", unit_range=False)
    logits = d(*task.discriminator_input(condition, fake))
    _check_tensor(logits, "discriminator", "D(*discriminator_input(condition, fake))",
                  unit_range=False)
    _require(logits.shape[0] == 2, "discriminator",
             f"D must give one logit (or a grid of them) per image, got {tuple(logits.shape)}")
    losses = task.task_losses(fake, target, condition, cfg)
    _require(isinstance(losses, dict), "task_losses", "task_losses must return a dict")
    for key, value in losses.items():
        _require(isinstance(value, torch.Tensor) and value.dim() == 0, "task_losses",
                 f"loss '{key}' must be a scalar tensor")
        _check_tensor(value, "task_losses", f"loss '{key}'", unit_range=False)
    rows = task.sample_images(g, condition, target)
    _require(isinstance(rows, list) and rows, "sample_images",
             "sample_images must return a non-empty list of (N, C, H, W) tensors")
    for row in rows:
        _check_tensor(row, "sample_images", "a row of sample_images")


@dataclass
class _FakeDataset:
    channels: int
    num_classes: int


def _check_training(task: Task, config: dict[str, Any], train_options: dict[str, Any],
                    data: Path, out: Path, device: str) -> Path:
    import gantools

    options = {"steps": 2, "batch_size": 2, "sample_every": 0, "n_samples": 4,
               "workers": 0, "log_every": 1, "device": device, **train_options}
    try:
        result = gantools.train(task, data=str(data), out=str(out), progress=False,
                                command=["gantools.testing"], **config, **options)
    except Exception as exc:
        raise _fail("train", f"gantools.train failed: {type(exc).__name__}: {exc}") from exc
    _require(result.step == options["steps"] and not result.interrupted, "train",
             f"the run stopped at step {result.step} of {options['steps']}")
    _require((out / "config.json").is_file(), "train", f"{out} has no config.json")
    for key, value in result.last_metrics.items():
        _require(value == value and abs(value) != float("inf"), "train",
                 f"metric '{key}' is not finite after training: {value}")
    return out


def _check_export(task: Task, run: Path, out: Path) -> Path:
    import json

    from gantools.commands.export import export_run

    try:
        path = export_run(run, out)
    except Exception as exc:
        raise _fail("export", f"export_run failed: {type(exc).__name__}: {exc}") from exc
    card = json.loads(path.with_suffix(".json").read_text())
    _require(card.get("task") == task.name, "export",
             f"the card names task {card.get('task')!r}, not {task.name!r}")
    extras = task.card_extras(task.config_from_dict(card.get("config", {})))
    _require(isinstance(extras, dict), "card_extras", "card_extras must return a dict")
    json.dumps(extras)  # must be JSON: raises TypeError otherwise
    return path


def _check_load(task: Task, weights: Path, device: str) -> Any:
    import gantools

    try:
        model = gantools.load(task, weights=weights, device=device, precision="fp32")
    except Exception as exc:
        raise _fail("load", f"gantools.load failed on the exported weights: "
                            f"{type(exc).__name__}: {exc}") from exc
    _require(not model.generator.training, "load", "the loaded generator is not in eval mode")
    return model


def _check_commands_build(task: Task) -> None:
    import click

    from gantools.commands.train import make_train_command

    try:
        command = task.make_command()
    except NotImplementedError:
        raise _fail("make_command", "the task has no inference command: implement "
                                    "make_command() (ImageTask gives one)") from None
    _require(isinstance(command, click.Command) and command.name == task.name,
             "make_command", f"make_command() must return a click.Command named {task.name!r}")
    train = make_train_command(task)
    _require(isinstance(train, click.Command), "train-command",
             "gantools train NAME could not be built")
    evaluation = task.make_eval_command()
    _require(evaluation is None or isinstance(evaluation, click.Command), "make_eval_command",
             "make_eval_command() must return a click.Command or None")
    if evaluation is not None:
        _require(evaluation.name == task.name, "make_eval_command",
                 f"the eval command must be named {task.name!r}, got {evaluation.name!r}")


def _test_image(size: int, seed: int = 3) -> Any:
    import numpy as np

    rng = np.random.default_rng(seed)
    h, w = size, size + 5  # not square: catches swapped axes
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([x * 255 / w, y * 255 / h, 128 + 60 * np.sin(x / 3.0)], axis=2)
    return (img + rng.normal(0, 10, img.shape)).clip(0, 255).astype(np.uint8)


def _companion_input(task: ImageTask, h: int, w: int) -> dict[str, Any]:
    import numpy as np

    if task.companion is None:
        return {}
    mask = np.zeros((h, w), np.uint8)
    mask[h // 4: h // 2, w // 4: w // 2] = 255
    return {task.companion.name: mask}


def _check_python_call(task: ImageTask, model: Any, size: int) -> None:
    import numpy as np
    import torch
    from PIL import Image

    arr = _test_image(size)
    h, w = arr.shape[:2]
    s = task.scale(model.config)
    _require(isinstance(s, int) and s >= 1, "scale", f"scale(cfg) must be an int >= 1, got {s}")
    extra = _companion_input(task, h, w)
    options = task.InferOptions()

    # infer itself, on the contract's (1, 3, H, W) [+ companion] tensor
    x = torch.from_numpy(arr).permute(2, 0, 1)[None].float().div(255).to(model.device)
    if task.companion is not None:
        x = torch.cat([x, torch.from_numpy(extra[task.companion.name]).float().div(255)
                       [None, None].to(model.device)], 1)
    with torch.inference_mode():
        raw = task.infer(model, x, options)
    _require(tuple(raw.shape) == (1, 3, h * s, w * s), "infer",
             f"infer on (1, 3, {h}, {w}) must give (1, 3, {h * s}, {w * s}) (scale {s}), got "
             f"{tuple(raw.shape)}")
    _check_tensor(raw.float(), "infer", "the output of infer")

    out = model(Image.fromarray(arr), **extra)
    _require(isinstance(out, Image.Image) and out.size == (w * s, h * s), "python-call",
             f"model(PIL image {w}x{h}) must give a PIL image {w * s}x{h * s}, got "
             f"{getattr(out, 'size', type(out))}")
    _require(out.mode == "RGB", "python-call", f"an RGB input must give RGB, got {out.mode}")
    gray = model(Image.fromarray(arr).convert("L"), **extra)
    want = "L" if task.keeps_gray else "RGB"
    _require(gray.mode == want, "keeps_gray",
             f"a gray input must give {want} (keeps_gray={task.keeps_gray}), got {gray.mode}")

    out8 = model(arr, **extra)
    _require(isinstance(out8, np.ndarray) and out8.shape == (h * s, w * s, 3)
             and out8.dtype == np.uint8, "python-call",
             f"model(uint8 array {arr.shape}) must give uint8 {(h * s, w * s, 3)}, got "
             f"{getattr(out8, 'dtype', '?')} {getattr(out8, 'shape', '?')}")
    outf = model(arr.astype(np.float32) / 255, **extra)
    _require(outf.dtype == np.float32 and outf.shape == (h * s, w * s, 3), "python-call",
             f"model(float32 array) must give float32 {(h * s, w * s, 3)}, got "
             f"{outf.dtype} {outf.shape}")
    _require(bool(np.isfinite(outf).all()) and outf.min() >= 0 and outf.max() <= 1,
             "python-call", "model(float32 array) must give finite values in [0, 1]")
    t = torch.from_numpy(arr).permute(2, 0, 1)[None].float() / 255
    outt = model(t, **extra)
    _require(isinstance(outt, torch.Tensor) and tuple(outt.shape) == (1, 3, h * s, w * s)
             and outt.dtype == torch.float32, "python-call",
             f"model(tensor (1, 3, {h}, {w})) must give float32 (1, 3, {h * s}, {w * s}), got "
             f"{getattr(outt, 'dtype', '?')} {tuple(getattr(outt, 'shape', ()))}")
    _check_tensor(outt, "python-call", "model(tensor)")
    diff = float((outt - torch.from_numpy(outf).permute(2, 0, 1)[None]).abs().max())
    _require(diff < 1e-3, "python-call",
             f"model(tensor) and model(float array) differ by {diff:.4f}: inference must be "
             "deterministic")


def _check_tiling(task: ImageTask, weights: Path, device: str) -> None:
    """Blended tiles must match the untiled output (``tile_overlap`` is large enough)."""
    import torch

    import gantools
    from gantools.inference.batch import infer_image

    model = gantools.load(task, weights=weights, device=device, precision="fp32")
    overlap = task.tile_overlap(model.config)
    _require(isinstance(overlap, int) and overlap >= 0, "tile_overlap",
             f"tile_overlap(cfg) must be an int >= 0, got {overlap!r}")
    tile = max(4 * overlap, 16)
    side = 2 * tile + tile // 2  # several tiles each way
    arr = _test_image(side)
    x = torch.from_numpy(arr).permute(2, 0, 1)[None].float() / 255
    extra = _companion_input(task, *arr.shape[:2])
    if task.companion is not None:
        x = torch.cat([x, torch.from_numpy(extra[task.companion.name]).float()[None, None]
                       / 255], 1)
    options = task.InferOptions()
    whole, _ = infer_image(task, model, options, x, tile=0)
    tiled, _ = infer_image(task, model, options, x, tile=tile)
    diff = float((whole - tiled).abs().max())
    _require(diff <= 2 / 255, "tile_overlap",
             f"tiled output (tile {tile}, overlap {overlap}) differs from the untiled one by "
             f"{diff * 255:.1f}/255: raise tile_overlap(cfg) to the receptive-field radius "
             "or more, or set tileable = False (or pass check_tiling=False when tiles are "
             "meant to differ, e.g. holes larger than a tile)")


def _check_cli(task: ImageTask, weights: Path, folder: Path, size: int,
               device: str) -> dict[str, Path]:
    from click.testing import CliRunner
    from PIL import Image

    from gantools.cli import app
    from gantools.weights import read_card

    folder.mkdir(parents=True, exist_ok=True)
    arr = _test_image(size)
    h, w = arr.shape[:2]
    src = folder / "input.png"
    Image.fromarray(arr).save(src)
    args = [task.name, str(src), "--weights", str(weights), "--device", device,
            "--no-progress"]
    extra = _companion_input(task, h, w)
    if task.companion is not None:
        mask = folder / f"companion{task.companion.suffix}.png"
        Image.fromarray(extra[task.companion.name]).save(mask)
        args += [f"--{task.companion.name}", str(mask)]
    result = CliRunner().invoke(app, args)
    _require(result.exit_code == 0, "cli",
             f"`gantools {' '.join(args)}` exited with {result.exit_code}: "
             f"{result.output.strip()[-500:]}{_exception(result)}")
    cfg = task.config_from_dict(read_card(weights).get("config", {}))
    out = folder / f"input{task.suffix_for(cfg)}.png"
    _require(out.is_file(), "output_suffix",
             f"the command did not write {out.name} (output_suffix {task.output_suffix!r}); "
             f"folder holds {sorted(p.name for p in folder.iterdir())}")
    s = task.scale(cfg)
    with Image.open(out) as img:
        _require(img.size == (w * s, h * s), "cli",
                 f"{out.name} is {img.size[0]}x{img.size[1]}, expected {w * s}x{h * s}")
    help_result = CliRunner().invoke(app, [task.name, "--help"])
    _require(help_result.exit_code == 0, "cli", f"`gantools {task.name} --help` fails")
    return {"cli": out}


def _exception(result: Any) -> str:
    exc = result.exception
    if exc is None or isinstance(exc, SystemExit):
        return ""
    return f" ({type(exc).__name__}: {exc})"


def _check_eval(task: Task, eval_args: Sequence[str], report: ContractReport,
                device: str) -> None:
    from click.testing import CliRunner

    from gantools.cli import app

    values = {"data": str(report.data), "weights": str(report.weights), "device": device}
    args = ["eval", task.name, *[a.format(**values) for a in eval_args]]
    help_result = CliRunner().invoke(app, ["eval", task.name, "--help"])
    _require(help_result.exit_code == 0, "eval", f"`gantools eval {task.name} --help` fails: "
             f"{help_result.output.strip()[-300:]}{_exception(help_result)}")
    result = CliRunner().invoke(app, args)
    _require(result.exit_code == 0 and result.output.strip(), "eval",
             f"`gantools {' '.join(args)}` exited with {result.exit_code}: "
             f"{result.output.strip()[-500:]}{_exception(result)}")


# ----- pytest-friendly form --------------------------------------------------------------
class TaskContract:
    """Subclass as ``class TestMyTask(TaskContract)`` with ``task`` set (and
    ``config``, ``train_options``, ``eval_args``, ``device``, ``image_size``,
    ``installed``, ``check_tiling`` as for :func:`check_task`); pytest then runs the
    attribute check and the end-to-end contract."""

    task: Task | None = None
    config: dict[str, Any] | None = None
    train_options: dict[str, Any] | None = None
    eval_args: Sequence[str] | None = DEFAULT_EVAL_ARGS
    installed: bool = True
    device: str = "cpu"
    image_size: int | None = None
    check_tiling: bool = True

    def test_attributes(self) -> None:
        check_attributes(self.task)

    def test_end_to_end(self, tmp_path: Path) -> None:
        check_task(self.task, tmp_path, self.config, train_options=self.train_options,
                   eval_args=self.eval_args, device=self.device, image_size=self.image_size,
                   installed=self.installed, check_tiling=self.check_tiling)
