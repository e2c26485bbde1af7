"""IDX files (the MNIST / Fashion-MNIST format), plain or gzipped.

Layout: a 4-byte magic ``(0, 0, dtype code, ndim)``, then ``ndim`` big-endian uint32
dimensions, then the data in big-endian order. Only numpy is used here.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

# IDX dtype code -> big-endian numpy dtype.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

# Stems of the image files of each split, in the order they are tried; the
# label file name is derived by replacing "images" with "labels" and idx3 with idx1.
SPLIT_STEMS: dict[str, tuple[str, ...]] = {
    "train": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
}


def _read_bytes(path: Path) -> bytes:
    """Whole file content, gunzipped when the name ends in ``.gz``."""
    if path.suffix == ".gz":
        try:
            with gzip.open(path, "rb") as fh:
                return fh.read()
        except (OSError, EOFError) as exc:
            raise ValueError(f"{path}: not a valid gzip file ({exc})") from exc
    return path.read_bytes()


def _parse_header(raw: bytes, path: Path) -> tuple[np.dtype, tuple[int, ...], int]:
    """(dtype, shape, data offset) from an IDX header; ValueError when malformed."""
    if len(raw) < 4:
        raise ValueError(f"{path}: too short for an IDX header ({len(raw)} bytes)")
    zero0, zero1, code, ndim = raw[0], raw[1], raw[2], raw[3]
    if zero0 != 0 or zero1 != 0:
        raise ValueError(f"{path}: bad magic (first two bytes must be 0, got {zero0}, {zero1})")
    if code not in IDX_DTYPES:
        raise ValueError(f"{path}: unknown IDX dtype code 0x{code:02X}")
    if ndim == 0:
        raise ValueError(f"{path}: IDX header declares 0 dimensions")
    offset = 4 + 4 * ndim
    if len(raw) < offset:
        raise ValueError(f"{path}: truncated header ({ndim} dims need {offset} bytes)")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    return IDX_DTYPES[code], shape, offset


def read_idx(path: str | Path) -> np.ndarray:
    """Parse an IDX file (``.gz`` or plain) into an array in native byte order.

    Returns an array of the declared shape and dtype (uint8, int8, int16, int32,
    float32 or float64). Raises ``ValueError("<path>: <reason>")`` when the header
    is malformed or the data size does not match the declared dimensions."""
    path = Path(path)
    raw = _read_bytes(path)
    dtype, shape, offset = _parse_header(raw, path)
    count = int(np.prod(shape, dtype=np.int64))
    expected = count * dtype.itemsize
    actual = len(raw) - offset
    if actual != expected:
        raise ValueError(
            f"{path}: data size {actual} bytes does not match shape {shape} "
            f"of {dtype.name} ({expected} bytes)"
        )
    data = np.frombuffer(raw, dtype=dtype, count=count, offset=offset).reshape(shape)
    return data.astype(dtype.newbyteorder("="), copy=True)


def _is_idx_name(name: str) -> bool:
    """True for names like ``*-idx3-ubyte``, ``*.idx1-ubyte`` (optionally ``.gz``)."""
    base = name[:-3] if name.endswith(".gz") else name
    return "idx" in base and base.endswith("-ubyte")


def _labels_for(images: Path) -> Path | None:
    """The label file that goes with an images file, if it exists."""
    name = images.name.replace("images", "labels").replace("idx3", "idx1")
    if name == images.name:
        return None
    candidates = [images.with_name(name)]
    if name.endswith(".gz"):
        candidates.append(images.with_name(name[:-3]))
    else:
        candidates.append(images.with_name(name + ".gz"))
    return next((c for c in candidates if c.is_file()), None)


def find_idx_split(path: str | Path, split: str = "train") -> tuple[Path, Path | None]:
    """(images file, labels file or None) for ``split`` ("train" or "test").

    ``path`` is a folder holding MNIST-format files or a direct path to an images
    IDX file (then ``split`` is ignored). Raises FileNotFoundError listing the
    names looked for."""
    path = Path(path)
    if path.is_file():
        return path, _labels_for(path)
    if split not in SPLIT_STEMS:
        raise ValueError(f"unknown split {split!r} (expected one of {sorted(SPLIT_STEMS)})")
    names = [stem + ext for stem in SPLIT_STEMS[split] for ext in (".gz", "")]
    if path.is_dir():
        for name in names:
            candidate = path / name
            if candidate.is_file():
                return candidate, _labels_for(candidate)
    raise FileNotFoundError(
        f"{path}: no {split} images IDX file found (looked for {', '.join(names)})"
    )


def is_idx_source(path: str | Path) -> bool:
    """True when ``path`` is an IDX file or a folder holding IDX files."""
    path = Path(path)
    if path.is_file():
        return _is_idx_name(path.name)
    if path.is_dir():
        return any(p.is_file() and _is_idx_name(p.name) for p in path.iterdir())
    return False


def load_idx_dataset(
    path: str | Path, split: str = "train"
) -> tuple[np.ndarray, np.ndarray | None]:
    """Images (N, H, W) uint8 in [0, 255] and labels (N,) int64 (or None when there
    is no label file) of an MNIST-format split."""
    images_path, labels_path = find_idx_split(path, split)
    images = read_idx(images_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"{images_path}: expected (N, H, W) uint8 images, got {images.shape} {images.dtype}"
        )
    if labels_path is None:
        return images, None
    labels = read_idx(labels_path)
    if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
        raise ValueError(
            f"{labels_path}: expected ({images.shape[0]},) labels, got shape {labels.shape}"
        )
    return images, labels.astype(np.int64)
