"""IDX reader: round trips of hand-written files, malformed files, split discovery."""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import numpy as np
import pytest

from gantools.data.idx import find_idx_split, is_idx_source, load_idx_dataset, read_idx

REPO_ROOT = Path(__file__).resolve().parents[1]

# dtype code and big-endian struct letter per numpy dtype, written out independently.
CODES = {
    np.uint8: (0x08, "B"),
    np.int8: (0x09, "b"),
    np.int16: (0x0B, "h"),
    np.int32: (0x0C, "i"),
    np.float32: (0x0D, "f"),
    np.float64: (0x0E, "d"),
}


def shared_data() -> Path | None:
    """``$GANTOOLS_SHARED_DATA`` or ``../shared/data`` beside the repo, if present."""
    env = os.environ.get("GANTOOLS_SHARED_DATA")
    path = Path(env) if env else REPO_ROOT.parent / "shared" / "data"
    return path if path.is_dir() else None


def idx_bytes(arr: np.ndarray) -> bytes:
    """Serialise ``arr`` as IDX with struct (not numpy byte swapping)."""
    code, letter = CODES[arr.dtype.type]
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    body = struct.pack(f">{arr.size}{letter}", *arr.ravel().tolist())
    return header + body


def write_idx(path: Path, arr: np.ndarray) -> Path:
    """Write ``arr`` to ``path`` (gzipped when the name ends in .gz)."""
    data = idx_bytes(arr)
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


@pytest.mark.parametrize("dtype", list(CODES))
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip(tmp_path: Path, dtype: type, suffix: str) -> None:
    rng = np.random.default_rng(0)
    info = np.iinfo(dtype) if np.issubdtype(dtype, np.integer) else None
    if info is not None:
        arr = rng.integers(info.min, info.max, size=(3, 4, 5), endpoint=True).astype(dtype)
    else:
        arr = rng.normal(size=(3, 4, 5)).astype(dtype)
    got = read_idx(write_idx(tmp_path / f"x-idx3-ubyte{suffix}", arr))
    assert got.dtype == np.dtype(dtype) and got.dtype.isnative
    np.testing.assert_array_equal(got, arr)


def test_one_dimensional_labels(tmp_path: Path) -> None:
    arr = np.arange(10, dtype=np.uint8)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "l-idx1-ubyte", arr)), arr)


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"\x00\x00", "too short"),
        (b"\x01\x00\x08\x01" + struct.pack(">I", 1) + b"\x00", "bad magic"),
        (b"\x00\x00\x07\x01" + struct.pack(">I", 1) + b"\x00", "unknown IDX dtype"),
        (b"\x00\x00\x08\x00", "0 dimensions"),
        (b"\x00\x00\x08\x03" + struct.pack(">I", 2), "truncated header"),
        (b"\x00\x00\x08\x01" + struct.pack(">I", 4) + b"\x00\x01", "does not match"),
        (b"\x00\x00\x08\x01" + struct.pack(">I", 1) + b"\x00\x01", "does not match"),
        (b"\x00\x00\x0c\x01" + struct.pack(">I", 2) + b"\x00" * 7, "does not match"),
    ],
)
def test_malformed_raises(tmp_path: Path, raw: bytes, reason: str) -> None:
    path = tmp_path / "bad-idx1-ubyte"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match=reason) as err:
        read_idx(path)
    assert str(err.value).startswith(str(path))


def test_bad_gzip_raises(tmp_path: Path) -> None:
    path = tmp_path / "bad-idx1-ubyte.gz"
    path.write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="gzip"):
        read_idx(path)


def make_split(folder: Path, prefix: str, n: int, gz: bool = True, sep: str = "-") -> None:
    """Write ``prefix``-images/labels files of ``n`` 6x5 images into ``folder``."""
    ext = ".gz" if gz else ""
    images = np.arange(n * 30, dtype=np.uint8).reshape(n, 6, 5)
    write_idx(folder / f"{prefix}-images{sep}idx3-ubyte{ext}", images)
    write_idx(folder / f"{prefix}-labels{sep}idx1-ubyte{ext}", (np.arange(n) % 10).astype(np.uint8))


def test_find_and_load_splits(tmp_path: Path) -> None:
    make_split(tmp_path, "train", 7, gz=True)
    make_split(tmp_path, "t10k", 3, gz=False, sep=".")
    img, lab = find_idx_split(tmp_path, "train")
    assert img.name == "train-images-idx3-ubyte.gz" and lab.name == "train-labels-idx1-ubyte.gz"
    img, lab = find_idx_split(tmp_path, "test")
    assert img.name == "t10k-images.idx3-ubyte" and lab.name == "t10k-labels.idx1-ubyte"
    x, y = load_idx_dataset(tmp_path, "train")
    assert x.shape == (7, 6, 5) and x.dtype == np.uint8
    assert y.dtype == np.int64 and y.tolist() == list(range(7))
    x, y = load_idx_dataset(tmp_path / "t10k-images.idx3-ubyte")  # a direct file path
    assert x.shape == (3, 6, 5) and y.shape == (3,)


def test_images_without_labels(tmp_path: Path) -> None:
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((2, 4, 4), np.uint8))
    assert find_idx_split(tmp_path)[1] is None
    x, y = load_idx_dataset(tmp_path)
    assert x.shape == (2, 4, 4) and y is None


def test_label_count_mismatch(tmp_path: Path) -> None:
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((2, 4, 4), np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match="labels"):
        load_idx_dataset(tmp_path)


def test_missing_split_message(tmp_path: Path) -> None:
    make_split(tmp_path, "train", 2)
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte.gz"):
        find_idx_split(tmp_path, "test")
    with pytest.raises(ValueError, match="split"):
        find_idx_split(tmp_path, "valid")


def test_is_idx_source(tmp_path: Path) -> None:
    assert not is_idx_source(tmp_path)
    assert not is_idx_source(tmp_path / "missing")
    (tmp_path / "notes.txt").write_text("hi")
    assert not is_idx_source(tmp_path / "notes.txt")
    make_split(tmp_path, "train", 2)
    assert is_idx_source(tmp_path)
    assert is_idx_source(tmp_path / "train-images-idx3-ubyte.gz")


def test_real_mnist() -> None:
    root = shared_data()
    if root is None or not (root / "mnist").is_dir():
        pytest.skip("shared MNIST data not available")
    x, y = load_idx_dataset(root / "mnist", "train")
    assert x.shape == (60000, 28, 28) and x.dtype == np.uint8
    assert y.shape == (60000,) and y.dtype == np.int64 and set(np.unique(y)) == set(range(10))
    assert is_idx_source(root / "mnist")
