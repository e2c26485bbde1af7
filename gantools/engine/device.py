"""Device and precision selection: ``auto`` picks cuda, then mps, then cpu."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

import torch

PRECISIONS = ("auto", "fp32", "bf16", "fp16")


def available_devices() -> list[str]:
    """The ``--device`` values that work on this machine, ``auto`` first."""
    names = ["auto", "cpu"]
    if torch.cuda.is_available():
        names += ["cuda", *(f"cuda:{i}" for i in range(torch.cuda.device_count()))]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        names.append("mps")
    return names


def _absent(name: str, why: str) -> ValueError:
    return ValueError(f"--device {name}: {why}; devices here: "
                      f"{', '.join(available_devices())}")


def pick_device(name: str = "auto") -> torch.device:
    """Resolve ``auto|cpu|cuda|cuda:N|mps`` to a torch.device, with a one-line error
    naming the devices that exist here when the requested one does not."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError, TypeError):
        raise _absent(name, "not a device name") from None
    if device.type not in ("cpu", "cuda", "mps"):
        raise _absent(name, "not a device gantools runs on")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise _absent(name, "CUDA is not available on this machine")
    if device.type == "cuda" and device.index is not None and \
            device.index >= torch.cuda.device_count():
        raise _absent(name, f"this machine has {torch.cuda.device_count()} CUDA device(s)")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise _absent(name, "MPS is not available on this machine")
    return device


def cpu_has_native_bf16() -> bool:
    """True when oneDNN runs bf16 natively here (AVX512-BF16 or AMX), which makes
    bf16 autocast about twice as fast as fp32 for convolutions."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def resolve_precision(precision: str, device: torch.device) -> torch.dtype:
    """The compute dtype for training autocast. ``auto``: bf16 on CUDA with bf16
    support, fp16 on other CUDA/MPS, bf16 on CPUs with native bf16, else fp32."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision == "fp32":
        return torch.float32
    if precision == "bf16":
        return torch.bfloat16
    if precision == "fp16":
        if device.type == "cpu":
            warnings.warn("--precision fp16 on a CPU is emulated and many times slower than "
                          "fp32; use auto, fp32 or bf16 there", stacklevel=2)
        return torch.float16
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return torch.bfloat16 if cpu_has_native_bf16() else torch.float32


@contextlib.contextmanager
def autocast(device: torch.device, dtype: torch.dtype) -> Iterator[None]:
    """Autocast to ``dtype`` on ``device``; a no-op for fp32."""
    if dtype == torch.float32:
        yield
        return
    with torch.autocast(device_type=device.type, dtype=dtype):
        yield
