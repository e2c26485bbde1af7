"""Listing image files: :func:`list_images` expands files, folders and glob patterns."""

from __future__ import annotations

import glob
import os
from collections import deque
from collections.abc import Sequence
from pathlib import Path

IMAGE_SUFFIXES: frozenset[str] = frozenset(
    {
        ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp",
        ".ppm", ".pgm", ".pbm", ".pnm", ".tga", ".ico", ".jfif",
    }
)  # fmt: skip
"""Lower-case suffixes of files Pillow commonly reads (used by folder walks)."""


def _is_image_name(name: str) -> bool:
    return Path(name).suffix.lower() in IMAGE_SUFFIXES


def _scan(folder: str) -> list[os.DirEntry[str]]:
    """Entries of a folder sorted by name, dot names excluded; [] if unreadable."""
    try:
        with os.scandir(folder) as it:
            return sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError:
        return []


def _entry_is(entry: os.DirEntry[str], kind: str) -> bool:
    try:
        if kind == "link":
            return entry.is_symlink()
        return entry.is_dir() if kind == "dir" else entry.is_file()
    except OSError:
        return False


def _walk_folder(folder: Path, recursive: bool) -> list[Path]:
    """Image files in ``folder`` (and subfolders when recursive), never looping.

    Each real folder is visited once; real subfolders are walked before symlinked
    ones, so a file is reported under its real location when both lead to it.
    """
    found: list[Path] = []
    visited: set[str] = set()
    queue, links = deque([os.fspath(folder)]), deque()
    while queue or links:
        current = queue.popleft() if queue else links.popleft()
        real = os.path.realpath(current)
        if real in visited:
            continue
        visited.add(real)
        for entry in _scan(current):
            if _entry_is(entry, "file") and _is_image_name(entry.name):
                found.append(Path(entry.path))
            elif recursive and _entry_is(entry, "dir"):
                (links if _entry_is(entry, "link") else queue).append(entry.path)
    return found


def list_images(inputs: Sequence[str | Path], recursive: bool = False) -> list[Path]:
    """Expand files, folders and glob patterns into a sorted list of image paths.

    A file (or any path that is neither a folder nor a pattern, even a missing one)
    is kept whatever its suffix, so the reader reports bad files. A folder gives its
    files with an IMAGE_SUFFIXES suffix (case-insensitive; dot-files skipped);
    ``recursive`` descends into subfolders, following symlinks but visiting each real
    folder once; unreadable folders are skipped. A glob pattern (``**`` allowed) gives
    the matching files that have an image suffix. Sorted by path components; a file
    reached twice (same real path) is listed once.
    """
    paths: list[Path] = []
    for item in inputs:
        p = Path(item)
        text = os.fspath(item)
        if p.is_dir():
            paths.extend(_walk_folder(p, recursive))
        elif p.exists() or not glob.has_magic(text):
            paths.append(p)
        else:
            for match in glob.glob(text, recursive=True):
                if os.path.isfile(match) and _is_image_name(match):
                    paths.append(Path(match))
    return _unique_sorted(paths)


def _unique_sorted(paths: list[Path]) -> list[Path]:
    seen: set[str] = set()
    out: list[Path] = []
    for p in sorted(paths, key=lambda q: q.parts):
        key = os.path.realpath(p)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out
