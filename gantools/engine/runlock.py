"""The run folder's lock: one training per folder at a time.

An advisory ``fcntl.flock`` on ``RUN/.lock``, held for the whole run. The operating
system drops it when the process ends, however it ends, so a crashed run leaves no
stale lock: the next training simply takes it. Where ``fcntl`` is missing (Windows)
no lock is taken."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import IO

LOCK_NAME = ".lock"


class RunFolderBusy(RuntimeError):
    """Another live process holds the run folder."""


class RunLock:
    """``acquire()`` takes the lock of ``folder`` (created when needed) or raises
    :class:`RunFolderBusy` naming the holder; ``release()`` gives it back, and removes
    the folder again when this lock created it and nothing else was written there."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._file: IO[str] | None = None
        self._created = False

    @property
    def path(self) -> Path:
        return self.folder / LOCK_NAME

    def acquire(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory locks
            return
        if self.folder.exists() and not self.folder.is_dir():
            raise ValueError(f"{self.folder}: is a file, not a run folder (--out names a "
                             "folder)")
        self._created = not self.folder.exists()
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 - held open while the run lasts
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise RunFolderBusy(f"{self.folder}: in use by another training ({holder}); "
                                "wait for it to end or choose another --out") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is None:
            return
        handle, self._file = self._file, None
        if self._created and [p.name for p in self.folder.iterdir()] == [LOCK_NAME]:
            self.path.unlink(missing_ok=True)  # nothing was written: leave no folder
            handle.close()
            try:
                self.folder.rmdir()
            except OSError:
                pass
            return
        handle.close()  # closing the file drops the lock
