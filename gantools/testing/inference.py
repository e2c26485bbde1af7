"""Checks of an image task's inference from Python: infer, the model call, tiled vs untiled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gantools.task import ImageTask
from gantools.testing.fixtures import _companion_input, _test_image
from gantools.testing.rules import _check_tensor, _require


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


def perturb_weights(net: Any, strength: float = 0.5, seed: int = 0) -> None:
    """Move every weight tensor (dim >= 2: convolutions, linear layers) of ``net`` in
    place by Gaussian noise of ``strength`` times the larger of its own spread and
    1 / sqrt(fan-in), seeded. A network trained for 2 steps is close to its
    initialisation, and one that starts as the identity (a zero last layer) has no
    receptive field yet: its tiles would match even with no overlap. Perturbed, it
    depends on its whole receptive field, as a trained one does."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in net.parameters():
            if param.dim() < 2 or not param.is_floating_point():
                continue
            spread = max(float(param.float().std(correction=0)), param[0].numel() ** -0.5)
            noise = torch.randn(param.shape, generator=generator, dtype=torch.float32)
            param.add_((noise * strength * spread).to(param))


def _check_tiling(task: ImageTask, weights: Path, device: str) -> None:
    """Blended tiles must match the untiled output (``tile_overlap`` is large enough)."""
    import torch

    import gantools
    from gantools.inference.single import infer_image

    model = gantools.load(task, weights=weights, device=device, precision="fp32")
    perturb_weights(model.generator)  # a 2-step network is nearly untrained: see why there
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
             f"{diff * 255:.1f}/255 (weights perturbed as training would): raise "
             "tile_overlap(cfg) to twice the receptive-field radius, or set tileable = False "
             "(or pass check_tiling=False when tiles are "
             "meant to differ, e.g. holes larger than a tile)")
