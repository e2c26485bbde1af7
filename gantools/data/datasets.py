"""Training datasets: uint8 CHW tensors cropped to a task's :class:`DataSpec`.

Items are fetched by ``(index, sample_seed)`` keys (see :mod:`gantools.data.sampler`)
so random crops are reproducible whichever worker decodes them.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from gantools.data.name_labels import NameLabels
from gantools.data.sampler import Key
from gantools.imageio import (
    ImageReadError,
    LoadedImage,
    list_images,
    read_image,
    to_gray,
    to_rgb,
)
from gantools.task import DataSpec

DEFAULT_FOLDER_SIZE = 64
"""Crop size for image folders when the task leaves the size to the data."""


def crop_array(
    img: np.ndarray, spec: DataSpec, size: int, rng: np.random.Generator
) -> np.ndarray:
    """Crop/resize an (H, W, C) uint8 array to (size, size, C) as ``spec`` says.

    "resize": short side resized to ``size`` (antialiased), then a centre crop.
    "random": a random ``size`` crop; images smaller than that are first upscaled
    so their short side equals ``size``. With ``spec.min_scale`` < 1 the random crop
    covers a region of ``size / s`` pixels (s uniform in [min_scale, 1], the region
    at most the short side) resized down to ``size``."""
    h, w = img.shape[:2]
    if spec.crop == "resize" or min(h, w) < size:
        scale = size / min(h, w)
        img = resize_array(img, max(size, round(h * scale)), max(size, round(w * scale)))
        h, w = img.shape[:2]
    if spec.crop == "resize":
        top, left = (h - size) // 2, (w - size) // 2
        return img[top:top + size, left:left + size]
    region = size
    if spec.min_scale < 1:
        region = min(round(size / rng.uniform(spec.min_scale, 1.0)), h, w)
    top = int(rng.integers(0, h - region + 1))
    left = int(rng.integers(0, w - region + 1))
    crop = img[top:top + region, left:left + region]
    return crop if region == size else resize_array(crop, size, size)


def resize_array(img: np.ndarray, h: int, w: int) -> np.ndarray:
    """(H, W, C) uint8 -> (h, w, C) uint8, bicubic (antialiased when shrinking)."""
    from PIL import Image

    if img.shape[:2] == (h, w):
        return img
    pil = Image.fromarray(img[..., 0] if img.shape[2] == 1 else img)
    return np.asarray(pil.resize((w, h), Image.Resampling.BICUBIC)).reshape(h, w, -1)


def to_chw_tensor(img: np.ndarray) -> torch.Tensor:
    """(H, W, C) uint8 array -> (C, H, W) uint8 tensor."""
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))


class ArrayDataset(Dataset):
    """In-memory images (N, H, W) or (N, H, W, C) uint8 with optional labels."""

    def __init__(self, images: np.ndarray, labels: np.ndarray | None, spec: DataSpec) -> None:
        if images.ndim == 3:
            images = images[..., None]
        if spec.labels == "required" and labels is None:
            raise ValueError("class-conditional training needs labels, and this data has none")
        self.images = images
        self.labels = labels if spec.labels != "no" else None
        self.spec = spec
        self.channels = spec.channels or images.shape[3]
        self.size = spec.size or images.shape[1]
        self.num_classes = int(self.labels.max()) + 1 if self.labels is not None else 0

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, key: Key) -> dict[str, torch.Tensor]:
        index, seed = key
        img = self.images[index]
        if img.shape[2] != self.channels:
            img = to_rgb(img) if img.shape[2] == 1 else to_gray(img)
        if img.shape[0] != self.size or img.shape[1] != self.size:
            img = crop_array(img, self.spec, self.size, np.random.default_rng(seed))
        item = {"image": to_chw_tensor(img)}
        if self.labels is not None:
            item["label"] = torch.tensor(int(self.labels[index]))
        return item


class GrayImageSkipped(Exception):
    """A grayscale image in a folder whose task needs colour (``DataSpec.colour_only``)."""


def is_grayscale(img: LoadedImage, rgb: np.ndarray) -> bool:
    """True for gray modes, and for RGB pixels ``rgb`` (H, W, 3) whose channels differ
    by at most 2 levels (8 bits) everywhere: colour files holding a gray picture."""
    if img.is_gray:
        return True
    tol = 2 * (257 if rgb.dtype == np.uint16 else 1)
    r, g, b = (rgb[..., i].astype(np.int32) for i in range(3))
    return bool(np.abs(r - g).max() <= tol and np.abs(g - b).max() <= tol)


class FolderDataset(Dataset):
    """Every readable image below ``root`` (recursive). With ``spec.labels`` set,
    the first-level sub-folder names are the classes (as torchvision's ImageFolder).

    A file that fails to decode is reported once and replaced by the next file,
    so one broken image never stops a training run."""

    def __init__(self, root: Path | list[Path], spec: DataSpec,
                 name_labels: NameLabels | None = None) -> None:
        roots = [Path(r) for r in (root if isinstance(root, list) else [root])]
        self.root = roots[0]
        self.paths = list_images(roots, recursive=True)
        if not self.paths:
            raise ValueError(f"{', '.join(map(str, roots))}: no images found (looked "
                             "recursively)")
        if len(roots) > 1 and spec.labels != "no" and name_labels is None:
            raise ValueError("class labels come from one folder's sub-folders: give one "
                             "--data folder for conditional training")
        self.spec = spec
        self.channels = spec.channels or 3
        self.size = spec.size or DEFAULT_FOLDER_SIZE
        self.classes: list[str] = []
        self.labels: list[int] | None = None
        self.unlabelled = 0  # files left out because --labels-from-name found no class
        if spec.labels != "no" and name_labels is not None:
            self._classes_from_names(name_labels)
        elif spec.labels != "no":
            self._assign_classes()
        self.num_classes = len(self.classes)
        self._reported: set[Path] = set()

    def _assign_classes(self) -> None:
        """Classes = first-level sub-folders. "optional" labels are used only when
        every image sits in one of at least two sub-folders."""
        parts = [p.relative_to(self.root).parts for p in self.paths]
        in_sub = [len(pt) > 1 for pt in parts]
        classes = sorted({pt[0] for pt, sub in zip(parts, in_sub, strict=True) if sub})
        if self.spec.labels == "optional" and (not all(in_sub) or len(classes) < 2):
            return
        if not classes:
            raise ValueError(f"{self.root}: class-conditional training needs one "
                             "sub-folder per class")
        index = {c: i for i, c in enumerate(classes)}
        keep = [i for i, sub in enumerate(in_sub) if sub]
        self.paths = [self.paths[i] for i in keep]
        self.labels = [index[parts[i][0]] for i in keep]
        self.classes = classes

    def _classes_from_names(self, name_labels: NameLabels) -> None:
        """Classes from the file names (:mod:`gantools.data.name_labels`); files
        without a class are left out and counted."""
        classes, labels = name_labels.assign([p.stem for p in self.paths])
        keep = [i for i, label in enumerate(labels) if label is not None]
        if not keep:
            raise ValueError(f"{self.root}: --labels-from-name "
                             f"{name_labels.pattern.pattern!r} gives no file a class "
                             f"(first name: {self.paths[0].name})")
        self.unlabelled = len(self.paths) - len(keep)
        self.paths = [self.paths[i] for i in keep]
        self.labels = [labels[i] for i in keep]
        self.classes = classes

    def __len__(self) -> int:
        return len(self.paths)

    def _decode(self, path: Path) -> np.ndarray:
        img = read_image(path)
        arr = to_gray(img) if self.channels == 1 else to_rgb(img)
        if self.spec.colour_only and is_grayscale(img, arr):
            raise GrayImageSkipped(f"{path}: grayscale image skipped (this task trains "
                                   "on colour images)")
        if arr.dtype == np.uint16:
            arr = np.rint(arr / 257.0).astype(np.uint8)
        return arr

    def __getitem__(self, key: Key) -> dict[str, torch.Tensor]:
        index, seed = key
        for attempt in range(len(self.paths)):
            path = self.paths[(index + attempt) % len(self.paths)]
            try:
                arr = self._decode(path)
            except GrayImageSkipped as exc:
                if path not in self._reported:
                    self._reported.add(path)
                    warnings.warn(f"note: {exc}", stacklevel=2)
                continue
            except ImageReadError as exc:
                if path not in self._reported:
                    self._reported.add(path)
                    warnings.warn(f"skipping unreadable training image: {exc}", stacklevel=2)
                continue
            crop = crop_array(arr, self.spec, self.size, np.random.default_rng(seed))
            item = {"image": to_chw_tensor(crop)}
            if self.labels is not None:
                item["label"] = torch.tensor(self.labels[(index + attempt) % len(self.paths)])
            return item
        raise ValueError(f"{self.root}: none of the {len(self.paths)} images could be read")


def open_dataset(source: str | Path, spec: DataSpec, split: str = "train",
                 name_labels: NameLabels | None = None) -> Dataset:
    """A folder of images, several folders separated by ``os.pathsep`` (``a:b``), or
    MNIST-format idx files (a folder or an images file). ``name_labels``: class
    labels from the file names of image folders instead of their sub-folders."""
    import os

    from gantools.data.idx import is_idx_source, load_idx_dataset

    if isinstance(source, str) and os.pathsep in source:
        folders = [Path(part) for part in source.split(os.pathsep) if part]
        for folder in folders:
            if not folder.is_dir():
                raise ValueError(f"{folder}: no such folder")
        return FolderDataset(folders, spec, name_labels)
    source = Path(source)
    if not source.exists():
        raise ValueError(f"{source}: no such file or folder")
    if is_idx_source(source):
        if name_labels is not None:
            raise ValueError(f"{source}: --labels-from-name needs a folder of image files")
        images, labels = load_idx_dataset(source, split=split)
        if spec.labels == "required" and labels is None:
            raise ValueError(f"{source}: class-conditional training needs a labels file")
        return ArrayDataset(images, labels, spec)
    if source.is_dir():
        return FolderDataset(source, spec, name_labels)
    raise ValueError(f"{source}: expected a folder of images or MNIST-format idx files")
