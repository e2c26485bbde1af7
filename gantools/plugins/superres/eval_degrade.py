"""Fixed, seeded degradations of ``gantools eval superres --degrade``: how an HR photo
becomes the LR input the models are scored on. Every one starts with the 8-bit
bicubic downscale of the literature protocol; the real-photo ones add what photos
from the web or a camera carry, with Pillow's own JPEG encoder (not the training
simulation), so the test is never the training distribution by construction.

| name | LR input |
| --- | --- |
| ``clean`` | bicubic downscale (the SR-literature protocol) |
| ``jpeg`` | then JPEG at quality 60 (a web photo) |
| ``noise-jpeg`` | then Gaussian noise of sigma 8/255, JPEG 75 (a phone at night) |
| ``blur-jpeg`` | then a Gaussian blur of sigma 1.2 LR pixels, JPEG 75 (slight defocus) |

Noise is seeded by the image's name, so every run scores the same inputs.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageFilter


def jpeg_roundtrip(img: np.ndarray, quality: int) -> np.ndarray:
    """(H, W, 3) uint8 -> the same after Pillow JPEG encoding at ``quality`` (4:2:0)."""
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"))


def name_seed(name: str) -> int:
    """A stable 32-bit seed from an image name."""
    return int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)


def add_noise(img: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    """Gaussian noise of ``sigma`` (8-bit levels), rounded and clipped to uint8."""
    noise = np.random.default_rng(seed).normal(0.0, sigma, img.shape)
    return np.clip(np.rint(img.astype(np.float64) + noise), 0, 255).astype(np.uint8)


def gaussian_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """(H, W, 3) uint8 blurred by a Gaussian of ``sigma`` pixels (Pillow)."""
    return np.asarray(Image.fromarray(img).filter(ImageFilter.GaussianBlur(sigma)))


DEGRADATIONS: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
    "clean": lambda lr, seed: lr,
    "jpeg": lambda lr, seed: jpeg_roundtrip(lr, 60),
    "noise-jpeg": lambda lr, seed: jpeg_roundtrip(add_noise(lr, 8.0, seed), 75),
    "blur-jpeg": lambda lr, seed: jpeg_roundtrip(gaussian_blur(lr, 1.2), 75),
}
"""name -> (bicubic LR (h, w, 3) uint8, seed) -> degraded LR (h, w, 3) uint8."""


def degrade_lr(lr: np.ndarray, kind: str, name: str) -> np.ndarray:
    """The ``kind`` degradation of a bicubic LR image, seeded by ``name``."""
    if kind not in DEGRADATIONS:
        raise ValueError(f"--degrade {kind}: expected one of {', '.join(DEGRADATIONS)}")
    return DEGRADATIONS[kind](lr, name_seed(name))
