"""Atomic file writes: the one helper the project uses to replace a file's content.

Standard library only (no torch), so any module may use it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def atomic_write_bytes(path: Path | str | os.PathLike[str], data: bytes) -> None:
    """Replace the content of ``path`` with ``data``, atomically.

    Guarantee: a reader never sees a half-written file (it sees either the previous
    content or all of ``data``), and the previous content survives any failure.

    ``data`` goes to a temporary file in the destination folder (``.<name>.*.tmp``),
    written in full, given the target's mode (the existing file's mode, else 0o666
    minus the process umask), fsynced, then moved onto ``path`` with ``os.replace``;
    the folder is then fsynced (best effort) so the rename is durable.

    The folder is never created: a missing folder raises the OSError of
    ``tempfile.mkstemp`` (ENOENT); callers that want folders create them. On any
    failure, including KeyboardInterrupt, the temporary file is removed and the
    original exception is re-raised unchanged.
    """
    target = Path(path)
    with _temporary_beside(target) as fd:
        try:
            _write_all(fd, data)
            os.fchmod(fd, _file_mode(target))
            os.fsync(fd)
        finally:
            os.close(fd)


@contextmanager
def atomic_open(path: Path | str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Write ``path`` through a binary file object, atomically (for content too large
    to hold in memory at once).

    ``with atomic_open(path) as fh: fh.write(...)``: the writes go to a temporary file
    in the destination folder (``.<name>.*.tmp``), which, when the block ends without
    an exception, is given the target's mode, fsynced and moved onto ``path`` with
    ``os.replace`` (then the folder is fsynced, best effort): the guarantees of
    :func:`atomic_write_bytes`. On any exception in the block or while finishing,
    including KeyboardInterrupt, the temporary file is removed, ``path`` is left as it
    was and the exception is re-raised unchanged. The folder is never created.
    """
    target = Path(path)
    with _temporary_beside(target) as fd, os.fdopen(fd, "wb") as fh:
        yield fh
        fh.flush()
        os.fchmod(fh.fileno(), _file_mode(target))
        os.fsync(fh.fileno())


@contextmanager
def _temporary_beside(target: Path) -> Iterator[int]:
    """A temporary file in ``target``'s folder (``.<name>.*.tmp``), as an open file
    descriptor that the block writes, fsyncs and closes; moved onto ``target`` with
    ``os.replace`` when the block ends without an exception (then the folder is
    fsynced, best effort), removed on any exception, which is re-raised unchanged."""
    folder = target.parent
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + target.name + ".", suffix=".tmp")
    try:
        yield fd
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_folder(folder)


def _write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is written (os.write may write only part)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _file_mode(path: Path) -> int:
    """Mode for the new file: the existing target's mode, else 0o666 minus the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask, read without changing it where /proc allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_folder(folder: Path) -> None:
    """Best-effort fsync of a folder so the rename is durable."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
