"""Training with the user's own hole masks (``--masks DIR``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from gantools.imageio import ImageReadError, list_images, read_image, to_float, to_gray

MAX_MASKS = 2000
"""Masks kept in memory (the first ones in sorted order)."""


class MaskBank:
    """The masks of a folder (white > 127 = hole), kept at a bounded size in memory
    and drawn at random (torch's global generator) for each training image."""

    def __init__(self, folder: str | Path, side: int = 256) -> None:
        folder = Path(folder)
        if not folder.is_dir():
            raise ValueError(f"--masks {folder}: no such folder")
        masks = []
        for path in list_images([folder], recursive=True)[:MAX_MASKS]:
            try:
                gray = to_float(to_gray(read_image(path)))[..., 0]
            except ImageReadError:
                continue
            m = torch.from_numpy(np.ascontiguousarray(gray > 0.5)).float()[None, None]
            masks.append(F.interpolate(m, size=(side, side), mode="nearest")[0])
        if not masks:
            raise ValueError(f"--masks {folder}: no readable mask images")
        self.masks = torch.stack(masks)  # (M, 1, side, side) {0, 1}

    def __len__(self) -> int:
        return self.masks.shape[0]

    def sample(self, n: int, height: int, width: int) -> torch.Tensor:
        """``n`` masks (N, 1, H, W) float {0, 1} on the CPU, randomly chosen and
        flipped, resized to the crop."""
        index = torch.randint(len(self), (n,))
        flip = torch.rand(n) < 0.5
        masks = self.masks[index]
        masks = torch.where(flip[:, None, None, None], masks.flip(-1), masks)
        return (F.interpolate(masks, size=(height, width), mode="bilinear",
                              align_corners=False) > 0.5).float()
