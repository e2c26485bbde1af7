"""Companion inputs (inpaint's mask): pairing each image with its companion file,
reading it, and checking it fits the image. See :class:`gantools.task.Companion`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from gantools.imageio import list_images, read_image, to_float, to_rgb
from gantools.task import Companion


@dataclass
class CompanionSource:
    """Where companions come from: ``file`` (the same one for every input), ``folder``
    (the input's stem inside it, sub-folders mirrored for folder inputs), or neither
    (``STEM{suffix}.*`` beside each input)."""

    spec: Companion
    file: Path | None = None
    folder: Path | None = None

    def __post_init__(self) -> None:
        if self.file is not None and self.folder is not None:
            raise ValueError(f"give --{self.spec.name} or --{self.spec.name}s, not both")
        if self.folder is not None and not self.folder.is_dir():
            raise ValueError(f"--{self.spec.name}s {self.folder}: no such folder")
        if self.file is not None and not self.file.is_file():
            raise ValueError(f"--{self.spec.name} {self.file}: no such file")

    def is_companion(self, src: Path) -> str | None:
        """Why ``src`` is a companion rather than an input, or None: it is the
        ``--NAME`` file, lies in the ``--NAMEs`` folder, or its stem ends with the
        companion suffix (``photo_mask.png``), whatever the pairing rule."""
        real = os.path.realpath(src)
        if self.file is not None and real == os.path.realpath(self.file):
            return f"is the --{self.spec.name} file"
        if self.folder is not None:
            try:
                Path(real).relative_to(os.path.realpath(self.folder))
                return f"inside the --{self.spec.name}s folder"
            except ValueError:
                pass
        if self.spec.suffix and src.stem.endswith(self.spec.suffix):
            return f"is a {self.spec.name} (name ends with {self.spec.suffix!r})"
        return None

    def find(self, src: Path, root: Path | None) -> Path:
        """The companion file of input ``src`` (found in folder ``root``, or None);
        ValueError with a one-line reason when there is none."""
        if self.file is not None:
            return self.file
        if self.folder is not None:
            sub = Path()
            if root is not None:
                try:
                    sub = src.parent.relative_to(root)
                except ValueError:
                    sub = Path()
            candidates = _with_stem(self.folder / sub, src.stem)
            if not candidates and sub != Path():
                candidates = _with_stem(self.folder, src.stem)
            where = f"a file named {src.stem}.* in {self.folder / sub}"
        else:
            stem = f"{src.stem}{self.spec.suffix}"
            candidates = _with_stem(src.parent, stem)
            where = (f"{stem}.* beside it (or give --{self.spec.name} FILE / "
                     f"--{self.spec.name}s DIR)")
        if not candidates:
            raise ValueError(f"no {self.spec.name} found: expected {where}")
        return candidates[0]


def _with_stem(folder: Path, stem: str) -> list[Path]:
    """Image files ``folder/stem.*`` in sorted order (none if the folder is missing)."""
    if not folder.is_dir():
        return []
    return [p for p in list_images([folder], recursive=False) if p.stem == stem]


def read_companion(path: Path, height: int, width: int, name: str) -> torch.Tensor:
    """The companion at ``path`` as RGB (1, 3, H, W) float32 in [0, 1] (a gray file
    repeated); ValueError unless it is ``width`` x ``height`` pixels (after EXIF
    orientation, like images). The task reduces it to its channels
    (:meth:`~gantools.task.ImageTask.companion_channels`)."""
    img = read_image(path)
    if (img.height, img.width) != (height, width):
        raise ValueError(f"{name} {path} is {img.width}x{img.height}, the image is "
                         f"{width}x{height}")
    rgb = torch.from_numpy(np.ascontiguousarray(to_float(to_rgb(img))))
    return rgb.permute(2, 0, 1)[None]


def companion_to_tensor(value: object, height: int, width: int, name: str) -> torch.Tensor:
    """A companion given in Python (PIL image, array (H, W[, C]) uint8/uint16/float in
    [0, 1], or tensor (H, W), (1 or 3, H, W), (1, 1 or 3, H, W) in [0, 1]) -> RGB
    (1, 3, H, W) float32 in [0, 1] on the CPU (gray repeated), as
    :func:`read_companion` gives."""
    from PIL import Image

    if isinstance(value, Image.Image):
        value = np.asarray(value.convert("RGB"))
    if isinstance(value, np.ndarray):
        arr = value
        if arr.ndim == 3:
            arr = arr[..., :3] if arr.shape[2] >= 3 else arr[..., 0]
        if arr.ndim == 3:
            arr = np.moveaxis(arr, 2, 0)
        if value.dtype == np.uint8:
            arr = arr / 255.0
        elif value.dtype == np.uint16:
            arr = arr / 65535.0
        tensor = torch.from_numpy(np.asarray(arr, dtype=np.float32))
    elif isinstance(value, torch.Tensor):
        tensor = value.detach().float().cpu()
    else:
        raise TypeError(f"{name}: expected a PIL image, a NumPy array or a tensor, "
                        f"got {type(value)!r}")
    while tensor.ndim > 3 and tensor.shape[0] == 1:
        tensor = tensor[0]
    if tensor.ndim == 2:
        tensor = tensor[None]
    if tensor.ndim != 3 or tensor.shape[0] not in (1, 3) or \
            tuple(tensor.shape[1:]) != (height, width):
        raise ValueError(f"{name} must be {height}x{width} (H x W) like the image, got "
                         f"shape {tuple(value.shape)}")
    return tensor.clamp(0, 1).expand(3, -1, -1)[None].contiguous()
