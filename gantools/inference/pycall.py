"""``gantools.load(NAME)(image)``: one in-memory image through the batch path.

PIL images, NumPy arrays and tensors come back as the same kind: PIL in the same
mode family, arrays with their dtype and layout, tensors with their shape, dtype
and device. Alpha is resized, never given to the network; gray stays gray.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from PIL import Image

from gantools.imageio import from_float, to_float
from gantools.inference.companion import companion_to_tensor
from gantools.inference.convert import rgb_to_luma
from gantools.inference.single import infer_image

_PIL_16BIT = ("I;16", "I;16L", "I;16B", "I;16N", "I")


@dataclass
class _Parts:
    """An input split into colour (1, C, H, W) float32 in [0, 1] (C = 1 or 3) and
    alpha (1, 1, H, W) or None, on the CPU (tensor inputs: their device)."""

    color: torch.Tensor
    alpha: torch.Tensor | None


def _array_to_float(a: np.ndarray) -> np.ndarray:
    if a.dtype in (np.uint8, np.uint16):
        return to_float(a)
    if a.dtype.kind == "f":
        return np.clip(np.nan_to_num(a.astype(np.float32)), 0.0, 1.0)
    raise ValueError(f"unsupported array dtype {a.dtype} (use uint8, uint16 or float in [0, 1])")


def _float_to_array(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    if dtype == np.uint8:
        return from_float(x, 8)
    if dtype == np.uint16:
        return from_float(x, 16)
    return np.clip(x, 0.0, 1.0).astype(dtype)


def _split_array(a: np.ndarray) -> _Parts:
    """(H, W) or (H, W, C), C in 1..4 (2 = gray + alpha, 4 = RGBA) -> parts."""
    hwc = a[:, :, None] if a.ndim == 2 else a
    if hwc.ndim != 3 or hwc.shape[2] not in (1, 2, 3, 4):
        raise ValueError(f"arrays must be (H, W) or (H, W, 1|2|3|4), got {a.shape}")
    x = torch.from_numpy(_array_to_float(hwc)).permute(2, 0, 1)[None]
    has_alpha = hwc.shape[2] in (2, 4)
    return _Parts(x[:, :-1] if has_alpha else x, x[:, -1:] if has_alpha else None)


def _join(color: torch.Tensor, alpha: torch.Tensor | None, channels: int) -> torch.Tensor:
    """RGB result (1, 3, H, W) -> (1, channels, H, W): luma for 1 or 2, alpha last."""
    out = rgb_to_luma(color) if channels in (1, 2) else color
    return torch.cat([out, alpha], 1) if alpha is not None else out


def _pil_to_array(im: Image.Image) -> tuple[np.ndarray, str]:
    """A PIL image -> (array, output mode) in the matching mode family."""
    mode = im.mode
    if mode in _PIL_16BIT:
        return np.clip(np.asarray(im, dtype=np.int64), 0, 65535).astype(np.uint16), mode
    if mode == "F":
        return np.asarray(im, dtype=np.float32), "F"
    if mode in ("1", "L", "LA", "La"):
        target = "LA" if "A" in mode or "a" in mode else "L"
    elif mode in ("RGBA", "RGBa", "PA") or (mode == "P" and "transparency" in im.info):
        target = "RGBA"
    else:
        target = "RGB"
    return np.asarray(im.convert(target)), target


def _array_to_pil(a: np.ndarray, mode: str, like: Image.Image) -> Image.Image:
    """(H, W, C) array -> PIL image; 16-bit gray as "I;16" ("I" for "I" input)."""
    if mode in _PIL_16BIT:
        out = Image.fromarray(a[:, :, 0].astype(np.int32 if mode == "I" else np.uint16))
    else:
        out = Image.fromarray(a[:, :, 0] if a.shape[2] == 1 else a)
    icc = like.info.get("icc_profile")
    if icc:
        out.info["icc_profile"] = icc
    return out


def _run(task: Any, model: Any, options: Any, parts: _Parts,
         companion: Any = None) -> torch.Tensor:
    """Infer on the parts; returns (1, C + alpha, sH, sW) float32 on the CPU, C = the
    input's colour channels (3 when the task does not keep gray inputs gray)."""
    colour = 3 if not task.keeps_gray else parts.color.shape[1]
    channels = colour + (parts.alpha is not None)
    color = parts.color.float()
    rgb = color.expand(-1, 3, -1, -1) if color.shape[1] == 1 else color
    if companion is not None:
        extra = companion_to_tensor(companion, rgb.shape[-2], rgb.shape[-1],
                                    task.companion.name)
        rgb = torch.cat([rgb, task.companion_channels(extra, options).to(rgb.device)], 1)
    out, alpha = infer_image(task, model, options, rgb, parts.alpha)
    return _join(out, alpha, channels)


def call_on_image(task: Any, model: Any, image: Any, options: Any,
                  companion: Any = None) -> Any:
    """Run ``task`` with ``model`` (a LoadedModel) on one image, returning the same kind.

    ``image``: a PIL image (any mode; 16-bit and float gray kept), a NumPy array
    (H, W) / (H, W, C), C in {1, 2, 3, 4} (2 and 4 carry alpha), uint8, uint16 or
    float in [0, 1], or a tensor (1, C, H, W) / (C, H, W), C in {1, 3, 4}, in [0, 1].
    Tiling is automatic. ``companion``: the task's second input (inpaint's mask), a
    PIL image, array or tensor of the image's size (see
    :func:`gantools.inference.companion.companion_to_tensor`).
    """
    if isinstance(image, torch.Tensor):
        return _call_tensor(task, model, image, options, companion)
    if isinstance(image, np.ndarray):
        out = _run(task, model, options, _split_array(image), companion)
        arr = _float_to_array(out[0].permute(1, 2, 0).numpy(), image.dtype)
        return arr[:, :, 0] if image.ndim == 2 and arr.shape[2] == 1 else arr
    if isinstance(image, Image.Image):
        arr, mode = _pil_to_array(image)
        out = _run(task, model, options, _split_array(arr), companion)
        if out.shape[1] > (arr.shape[2] if arr.ndim == 3 else 1):
            # gray in, colour out: PIL has no 16-bit or float RGB, so 8 bits
            mode = "RGBA" if mode == "LA" else "RGB"
            result = _float_to_array(out[0].permute(1, 2, 0).numpy(), np.dtype(np.uint8))
            return _array_to_pil(result, mode, image)
        result = _float_to_array(out[0].permute(1, 2, 0).numpy(), arr.dtype)
        return _array_to_pil(result, mode, image)
    raise TypeError(f"expected a PIL image, a NumPy array or a tensor, got {type(image)!r}")


def _call_tensor(task: Any, model: Any, image: torch.Tensor, options: Any,
                 companion: Any = None) -> torch.Tensor:
    x = image[None] if image.ndim == 3 else image
    if x.ndim != 4 or x.shape[0] != 1 or x.shape[1] not in (1, 3, 4):
        raise ValueError(f"tensors must be (1, C, H, W) or (C, H, W) with C in 1, 3, 4; "
                         f"got {tuple(image.shape)}")
    x = x.detach().float().clamp(0, 1)
    has_alpha = x.shape[1] == 4
    parts = _Parts(x[:, :3] if has_alpha else x, x[:, 3:] if has_alpha else None)
    out = _run(task, model, options, parts, companion).to(image.device, image.dtype)
    out = out.clone() if out.is_inference() else out
    return out[0] if image.ndim == 3 else out
