"""ONNX export of a loaded image model's generator (``gantools export ... -o X.onnx``).

The graph is the generator alone, exactly what the task's ``infer`` calls: one input
``input`` (N, C, H, W) and one output ``output``, with batch, height and width dynamic,
float32 (or float16 with ``half``). The model's card (task, scale, value range, colour
space, what the input and output are) is stored in the ONNX ``metadata_props``, each
field as a string (JSON for non-strings), the whole card under ``gantools_card``.
Needs the ``onnx`` extra (``pip install gantools[onnx]``).
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import warnings
from pathlib import Path
from typing import Any

from gantools.weights import WeightsError, atomic_write_bytes

TRACE_SIZE = 64
"""Side of the example input traced (a multiple of every U-Net's downsampling)."""

OPSET = 18


def input_channels(generator: Any) -> int:
    """Channels the generator takes: those of its first convolution's weight."""
    for p in generator.parameters():
        if p.dim() == 4:
            return int(p.shape[1])
    raise WeightsError("cannot tell the generator's input channels (no convolution)")


def onnx_metadata(card: dict[str, Any], dtype: str) -> dict[str, str]:
    """``metadata_props`` entries: every card field, the storage type and the layout."""
    props = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in card.items()
             if v is not None}
    props["gantools_card"] = json.dumps(card)
    props["onnx_dtype"] = dtype
    props["onnx_layout"] = "input (N, C, H, W) -> output (N, C_out, sH, sW); N, H, W dynamic"
    return props


def _export_legacy(net: Any, x: Any, path: Path) -> None:
    """TorchScript-based exporter: fast, dynamic axes by name."""
    import torch

    axes = {0: "batch", 2: "height", 3: "width"}
    torch.onnx.export(net, (x,), str(path), dynamo=False, input_names=["input"],
                      output_names=["output"], opset_version=OPSET,
                      dynamic_axes={"input": axes, "output": {0: "batch", 2: "out_height",
                                                              3: "out_width"}})


def _export_dynamo(net: Any, x: Any, path: Path) -> None:
    """torch.export-based exporter, for graphs the legacy one cannot express."""
    import torch

    dyn = torch.export.Dim.DYNAMIC
    torch.onnx.export(net, (x,), str(path), dynamo=True, input_names=["input"],
                      output_names=["output"], opset_version=OPSET,
                      dynamic_shapes={next(iter(_arg_names(net))): {0: dyn, 2: dyn, 3: dyn}})


def _arg_names(net: Any) -> list[str]:
    import inspect

    return list(inspect.signature(net.forward).parameters)


SIZE_MULTIPLES = (1, 2, 4, 8, 16, 32, 64)
"""Input-size multiples tried when checking an exported graph (see size_multiple)."""

TOLERANCE = {"float32": 1e-4, "float16": 2e-2}
"""Largest difference between onnxruntime's and PyTorch's outputs an export may show."""


def _check_size(m: int) -> tuple[int, int]:
    """A (height, width) that is an odd multiple of ``m``, at least 40 pixels."""
    k = max(1, -(-40 // m)) | 1
    return m * k, m * (k + 2)


def size_multiple(net: Any, path: Path, dtype: Any) -> int | None:
    """The smallest of :data:`SIZE_MULTIPLES` such that the ONNX graph at ``path``
    matches ``net`` on inputs whose sides are multiples of it (a traced graph keeps
    the padding it saw when the network pads to a multiple itself), checked with
    onnxruntime on the CPU at two batch sizes; None when none matches."""
    import numpy as np
    import onnxruntime as ort
    import torch

    quiet = ort.SessionOptions()
    quiet.log_severity_level = 4  # shapes the graph cannot take are expected here
    session = ort.InferenceSession(str(path), quiet, providers=["CPUExecutionProvider"])
    channels = input_channels(net)
    limit = TOLERANCE[str(dtype).removeprefix("torch.")]
    gen = torch.Generator().manual_seed(0)
    for m in SIZE_MULTIPLES:
        h, w = _check_size(m)
        x = torch.rand(1 if m < SIZE_MULTIPLES[-1] else 3, channels, h, w,
                       generator=gen).to(dtype)
        with torch.no_grad():
            ref = net(x).float().numpy()
        try:
            out = session.run(None, {"input": x.numpy()})[0].astype(np.float32)
        except Exception:  # noqa: BLE001 - a shape the baked graph cannot take
            continue
        if out.shape == ref.shape and float(np.abs(out - ref).max()) <= limit:
            return m
    return None


def export_onnx(model: Any, out: Path, half: bool = False) -> Path:
    """Write ``model``'s generator (a :class:`gantools.api.LoadedModel` of an image
    task) to ``out`` as ONNX with the card in its metadata; returns ``out``. Checked
    with ``onnx.checker``. Raises WeightsError (one line) when the graph cannot be
    exported."""
    import copy

    import torch

    try:
        import onnx
    except ImportError as exc:
        raise WeightsError("ONNX export needs the onnx extra: pip install "
                           "'gantools[onnx]'") from exc
    from gantools.task import ImageTask

    if not isinstance(model.task, ImageTask):
        raise WeightsError(f"task {model.task.name} is not an image task: ONNX export "
                           "covers image-to-image models")
    net = getattr(model.generator, "onnx_module", lambda: model.generator)()
    dtype = torch.float16 if half else torch.float32
    net = copy.deepcopy(net).cpu().to(dtype).to(memory_format=torch.contiguous_format).eval()
    x = torch.rand(2, input_channels(net), TRACE_SIZE, TRACE_SIZE, dtype=dtype)
    best: tuple[int, bytes] | None = None
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.onnx"
        for exporter in (_export_legacy, _export_dynamo):
            try:
                with warnings.catch_warnings(), torch.no_grad(), \
                        contextlib.redirect_stdout(io.StringIO()), \
                        contextlib.redirect_stderr(io.StringIO()):
                    warnings.simplefilter("ignore")
                    exporter(net, x, path)
                multiple = size_multiple(net, path, dtype)
            except Exception as exc:  # noqa: BLE001 - try the next exporter
                first = (str(exc).splitlines() or [""])[0][:150]
                errors.append(f"{exporter.__name__.removeprefix('_export_')} exporter: "
                              f"{type(exc).__name__}: {first}")
                continue
            if multiple is None:
                errors.append(f"{exporter.__name__.removeprefix('_export_')} exporter: "
                              "outputs differ from PyTorch's at every size tried")
                continue
            best = (multiple, onnx.load(str(path)).SerializeToString())  # external data in
            break
    if best is None:
        raise WeightsError(f"{model.source.name}: the generator does not export to ONNX "
                           f"faithfully ({'; '.join(errors)})")
    multiple, blob = best
    proto = onnx.load_from_string(blob)
    onnx.checker.check_model(proto)
    props = onnx_metadata(model.card, "float16" if half else "float32")
    props["onnx_size_multiple"] = str(multiple)
    for key, value in props.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    atomic_write_bytes(Path(out), proto.SerializeToString())
    return Path(out)


def read_metadata(path: Path) -> dict[str, str]:
    """The ``metadata_props`` of an ONNX file, as a dict."""
    import onnx

    proto = onnx.load(str(path), load_external_data=False)
    return {p.key: p.value for p in proto.metadata_props}


def _task_of(model_name: str | None, weights: Path | None, task_name: str | None) -> str:
    """The task a --model / --weights belongs to: ``task_name``, else the card's, else
    (community models) the task of their purpose."""
    if task_name:
        return task_name
    from gantools.weights import find_weights, is_foreign_weights, read_card

    if model_name is not None:
        return str(find_weights(model_name).card.get("task"))
    assert weights is not None
    if is_foreign_weights(weights):
        from gantools.foreign.detect import PURPOSE_TASKS, detect

        _, info = detect(weights)
        if info.purpose not in PURPOSE_TASKS:
            raise WeightsError(f"{weights}: a {info.purpose} model; name its task with --task")
        return PURPOSE_TASKS[info.purpose]
    return str(read_card(weights).get("task"))


def export_onnx_from(out: Path, run_dir: Path | None, model_name: str | None,
                     weights: Path | None, task_name: str | None, half: bool,
                     overwrite: bool, extra_card: dict[str, Any]) -> Path:
    """``gantools export`` with an ``.onnx`` output: the model of a run folder, a
    named model or a weights file (exactly one), exported by :func:`export_onnx`."""
    from gantools.api import load

    given = [x for x in (run_dir, model_name, weights) if x is not None]
    if len(given) != 1:
        raise WeightsError("give one of RUN_DIR, --model NAME or --weights FILE")
    if out.exists() and not overwrite:
        raise WeightsError(f"{out}: exists (add --overwrite to replace it)")
    with tempfile.TemporaryDirectory() as tmp:
        if run_dir is not None:
            from gantools.commands.export import export_run

            weights = export_run(run_dir, Path(tmp) / f"{out.stem}.safetensors")
            task_name = json.loads(weights.with_suffix(".json").read_text())["task"]
        task = _task_of(model_name, weights, task_name)
        model = load(task, model=model_name, weights=weights, device="cpu", precision="fp32")
        model.card = {**model.card, **extra_card}
        return export_onnx(model, out, half)
