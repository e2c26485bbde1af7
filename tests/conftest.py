"""Shared fixtures: tiny data sets made on the fly, and the shared data when present."""

from __future__ import annotations

import errno
import gzip
import os
import struct
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_data() -> Path | None:
    """../shared/data (or $GANTOOLS_SHARED_DATA) when it exists."""
    env = os.environ.get("GANTOOLS_SHARED_DATA")
    path = Path(env) if env else REPO.parent / "shared" / "data"
    return path if path.is_dir() else None


@pytest.fixture
def shared_data_dir() -> Path:
    path = shared_data()
    if path is None:
        pytest.skip("../shared/data is not present")
    return path


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array as a gzipped IDX file (MNIST format)."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    header += b"".join(struct.pack(">I", d) for d in array.shape)
    with gzip.open(path, "wb") as fh:
        fh.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def tiny_idx(tmp_path: Path) -> Path:
    """A 10-class MNIST-format folder of 40 blurry 28x28 'digits' (train and test)."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "idx"
    folder.mkdir()
    for split, n in (("train", 40), ("t10k", 20)):
        labels = np.arange(n) % 10
        images = np.zeros((n, 28, 28), np.uint8)
        for i, lab in enumerate(labels):
            images[i, 4 + lab: 10 + lab, 6:22] = 200 + rng.integers(0, 50)
        write_idx(folder / f"{split}-images-idx3-ubyte.gz", images)
        write_idx(folder / f"{split}-labels-idx1-ubyte.gz", labels)
    return folder


@pytest.fixture
def tiny_folder(tmp_path: Path) -> Path:
    """A folder of 6 small RGB PNGs of different sizes, one in a sub-folder."""
    from PIL import Image

    rng = np.random.default_rng(1)
    folder = tmp_path / "imgs"
    (folder / "sub").mkdir(parents=True)
    for i in range(6):
        h, w = 40 + 3 * i, 36 + 5 * i
        arr = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
        target = folder / "sub" if i == 5 else folder
        Image.fromarray(arr).save(target / f"im{i}.png")
    return folder


@pytest.fixture
def sample_hr():
    """The centre of a bundled sample photo as a tensor (1, 3, 128, 128) in [0, 1]."""
    import torch
    from PIL import Image

    img = Image.open(sorted((REPO / "gantools" / "samples").glob("*.jpg"))[0]).convert("RGB")
    w, h = img.size
    s = min(w, h)
    img = img.crop(((w - s) // 2, (h - s) // 2, (w + s) // 2, (h + s) // 2))
    arr = np.asarray(img.resize((128, 128), Image.Resampling.BICUBIC))
    return torch.from_numpy(arr.copy()).permute(2, 0, 1)[None].float() / 255.0


@pytest.fixture
def disk_full(monkeypatch):
    """A function that makes every later atomic write hit a full disk (one partial
    write, then ENOSPC) and returns the write-call counter; ``monkeypatch.undo()``
    restores writing."""
    from gantools import atomic

    def fill() -> dict[str, int]:
        calls = {"n": 0}
        real_write = os.write

        def full_disk(fd: int, data) -> int:
            calls["n"] += 1
            if calls["n"] == 1:
                return real_write(fd, bytes(data)[:10])  # a partial write first
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(atomic.os, "write", full_disk)
        return calls

    return fill
