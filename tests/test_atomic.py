"""Tests for gantools.atomic: content, file mode, and failures that leave no trace."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gantools import atomic
from gantools.atomic import atomic_write_bytes

POSIX_MODES = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@POSIX_MODES
def test_new_file_gets_bytes_and_umask_mode(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    os.umask(mask)
    path = tmp_path / "new.bin"
    data = bytes(range(256)) * 1000
    atomic_write_bytes(path, data)
    assert path.read_bytes() == data
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
    assert _names(tmp_path) == ["new.bin"]


def test_accepts_str_path_and_empty_data(tmp_path: Path) -> None:
    path = tmp_path / "empty.bin"
    atomic_write_bytes(str(path), b"")
    assert path.read_bytes() == b""


@POSIX_MODES
def test_existing_file_mode_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "old.bin"
    path.write_bytes(b"old")
    path.chmod(0o640)
    atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"new"
    assert path.stat().st_mode & 0o777 == 0o640


def test_partial_writes_are_completed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write

    def short_write(fd: int, data) -> int:
        return real_write(fd, bytes(data)[:7])  # os.write may write only part

    monkeypatch.setattr(atomic.os, "write", short_write)
    path = tmp_path / "out.bin"
    atomic_write_bytes(path, b"0123456789" * 10)
    monkeypatch.undo()
    assert path.read_bytes() == b"0123456789" * 10


def test_missing_folder_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "out.bin"
    with pytest.raises(FileNotFoundError) as info:
        atomic_write_bytes(path, b"x")
    assert info.value.errno == errno.ENOENT
    assert _names(tmp_path) == []


def test_disk_full_keeps_previous_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, disk_full
) -> None:
    path = tmp_path / "out.bin"
    path.write_bytes(b"previous")
    calls = disk_full()
    with pytest.raises(OSError) as info:
        atomic_write_bytes(path, b"y" * 100_000)
    monkeypatch.undo()
    assert type(info.value) is OSError and info.value.errno == errno.ENOSPC
    assert calls["n"] == 2
    assert path.read_bytes() == b"previous"
    assert _names(tmp_path) == ["out.bin"]


def test_interrupt_during_replace_keeps_previous_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "out.bin"
    path.write_bytes(b"previous")
    seen: list[str] = []

    def interrupted(src, dst) -> None:
        seen.append(os.fspath(src))
        assert Path(src).read_bytes() == b"new content"  # fully written before the rename
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(path, b"new content")
    monkeypatch.undo()
    assert len(seen) == 1 and Path(seen[0]).parent == tmp_path
    assert Path(seen[0]).name.startswith(".out.bin.") and seen[0].endswith(".tmp")
    assert path.read_bytes() == b"previous"
    assert _names(tmp_path) == ["out.bin"]


def test_interrupt_for_new_file_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(src, dst) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(tmp_path / "new.bin", b"data")
    monkeypatch.undo()
    assert _names(tmp_path) == []


def test_import_is_stdlib_only() -> None:
    code = "import sys, gantools.atomic; print('torch' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
