"""Reading a community weights file as tensors, never running code.

``.safetensors`` is parsed by safetensors (no code possible); ``.pth`` / ``.pt`` /
``.ckpt`` go through ``torch.load(weights_only=True)``, whose unpickler only builds
tensors and plain containers: a pickle that would call anything else (``os.system``,
a class of the training code) is refused before any of it runs. TorchScript archives
hold code and are refused too.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from gantools.weights import WeightsError

if TYPE_CHECKING:  # pragma: no cover
    import torch

PICKLE_SUFFIXES = (".pth", ".pt", ".ckpt")


def is_torchscript(path: Path) -> bool:
    """True for a TorchScript archive (a zip with a ``code/`` folder): code, not a
    state dict."""
    if not zipfile.is_zipfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return any("/code/" in name or name.startswith("code/")
                       for name in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


SAFE_MODULES = ("torch", "collections", "_codecs", "builtins", "numpy")
"""Modules of the globals a plain state dict's pickle names (torch's weights_only
unpickler decides what actually loads; this only words the refusal)."""


def _pickle_bytes(path: Path) -> bytes:
    """The pickle stream of a torch file: ``*/data.pkl`` of a zip, else the file."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.endswith("data.pkl")]
            return archive.read(names[0]) if names else b""
    return path.read_bytes()


def pickle_globals(path: Path, limit: int = 8) -> list[str]:
    """``module.name`` of every global the pickle(s) in ``path`` would import, read
    from the opcodes without unpickling (at most ``limit`` pickles, for the legacy
    format that stores several in a row)."""
    import io
    import pickletools

    found: list[str] = []
    try:
        stream = io.BytesIO(_pickle_bytes(path))
        for _ in range(limit):
            strings: list[str] = []
            ops = 0
            for op, arg, _pos in pickletools.genops(stream):
                ops += 1
                if op.name == "GLOBAL":
                    found.append(str(arg).replace(" ", "."))
                elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                    found.append(f"{strings[-2]}.{strings[-1]}")
                elif isinstance(arg, str):
                    strings.append(arg)
            if not ops:
                break
    except Exception:  # noqa: BLE001 - end of data or not a pickle: what was read counts
        pass
    return found


def _refusal(path: Path, exc: Exception) -> str:
    """The one line that says why ``torch.load(weights_only=True)`` refused ``path``."""
    unsafe = sorted({g for g in pickle_globals(path) if g.split(".")[0] not in SAFE_MODULES})
    if unsafe:
        return (f"{path}: refused: unpickling it would call {', '.join(unsafe[:3])} (code, "
                "not tensors); gantools reads only tensors, with torch.load(weights_only=True)")
    text = " ".join(str(exc).split())
    detail = re.search(r"(?:WeightsUnpickler error:|Trying to load) (.*?)(?: Check the "
                       r"documentation|$)", text)
    reason = (detail.group(1) if detail else text)[:200] or type(exc).__name__
    return f"{path}: refused: not plain tensors (torch.load(weights_only=True): {reason})"


def read_tensors(path: Path) -> dict[str, torch.Tensor]:
    """The state dict of ``path`` (nested under ``params_ema``, ``state_dict``, ...
    and ``module.`` prefixes unwrapped as spandrel does), tensors only, on the CPU.
    Raises :class:`WeightsError` with one line naming the file and the reason."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: no such weights file")
    suffix = path.suffix.lower()
    if suffix == ".safetensors":
        from safetensors.torch import load_file

        try:
            data: object = load_file(str(path))
        except Exception as exc:  # noqa: BLE001 - any parse error is the file's fault
            raise WeightsError(f"{path}: not a valid safetensors file ({exc})") from exc
    elif suffix in PICKLE_SUFFIXES:
        if is_torchscript(path):
            raise WeightsError(f"{path}: refused: a TorchScript archive holds code, not "
                               "just tensors; use the model's state-dict release "
                               "(.pth/.ckpt/.safetensors)")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch's note on pickle protocols
                data = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - unsafe pickles land here too
            raise WeightsError(_refusal(path, exc)) from exc
    else:
        raise WeightsError(f"{path}: unknown weights format (expected .safetensors, "
                           ".pth, .pt or .ckpt)")
    if not isinstance(data, dict):
        raise WeightsError(f"{path}: holds a {type(data).__name__}, not a state dict")
    from spandrel import canonicalize_state_dict

    data = canonicalize_state_dict(data)
    tensors = {str(k): v for k, v in data.items() if isinstance(v, torch.Tensor)}
    if not tensors:
        raise WeightsError(f"{path}: no tensors found")
    return tensors
