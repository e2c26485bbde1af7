"""Where outputs go: input expansion and output path rules. Standard library only."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from gantools.inference.companion import CompanionSource

WRITABLE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".webp", ".tif", ".tiff", ".bmp"}
)
"""Input suffixes kept by ``--format same`` (formats :func:`write_image` writes)."""

FORMAT_SUFFIXES = {"png": ".png", "jpg": ".jpg", "webp": ".webp", "tif": ".tif"}
"""``--format`` choices other than "same", and the suffix each gives."""

FORMAT_CHOICES = ("same", *FORMAT_SUFFIXES)


def output_suffix_for(src: Path, fmt: str) -> str:
    """The output file's extension: the input's for "same" when writable (case kept),
    else ".png"; the chosen format's otherwise."""
    if fmt == "same":
        return src.suffix if src.suffix.lower() in WRITABLE_SUFFIXES else ".png"
    if fmt not in FORMAT_SUFFIXES:
        raise ValueError(f"unknown output format {fmt!r} (choose from {FORMAT_CHOICES})")
    return FORMAT_SUFFIXES[fmt]


def output_path(src: Path, root: Path | None, out_dir: Path | None, suffix: str,
                fmt: str) -> Path:
    """The output path of input ``src``.

    Without ``out_dir``: beside the input as ``STEM{suffix}.EXT``. With ``out_dir``:
    the input's own stem inside it; when the input was found in folder ``root``, its
    sub-folders below ``root`` are mirrored under ``out_dir``. ``EXT`` follows
    :func:`output_suffix_for`.
    """
    ext = output_suffix_for(src, fmt)
    if out_dir is None:
        return src.with_name(f"{src.stem}{suffix}{ext}")
    name = f"{src.stem}{ext}"
    if root is not None:
        try:
            return out_dir / src.parent.relative_to(root) / name
        except ValueError:
            pass
    return out_dir / name


def expand_inputs(inputs: Sequence[str | Path], recursive: bool) -> list[tuple[Path, Path | None]]:
    """Files to process, each with the folder it was found in (None for files and
    glob matches). Folders and patterns follow :func:`gantools.imageio.list_images`;
    a missing file, or a pattern matching nothing, is kept so that it is reported as
    a failed file. A file reached twice is listed once (first occurrence wins)."""
    from gantools.imageio import list_images  # lazy: numpy/PIL stay out of --help

    jobs: list[tuple[Path, Path | None]] = []
    seen: set[str] = set()
    for item in inputs:
        path = Path(item)
        root = path if path.is_dir() else None
        found = list_images([item], recursive=recursive)
        if not found and root is None:
            found = [path]
        for file in found:
            key = os.path.realpath(file)
            if key not in seen:
                seen.add(key)
                jobs.append((file, root))
    return jobs


def skip_reason(src: Path, root: Path | None, out_dir: Path | None, suffix: str,
                companions: CompanionSource | None = None) -> str | None:
    """Why an input should not be processed whatever the disk holds, or None: found by
    walking a folder, it lies inside the output folder or (outputs beside inputs) its
    name ends with the task's suffix, so it is most likely an output of an earlier
    run; or, with ``companions``, it is another input's companion file (a mask)."""
    reason = _earlier_output(src, root, out_dir, suffix)
    if reason is None and companions is not None:
        reason = companions.is_companion(src)
    return reason


def _earlier_output(src: Path, root: Path | None, out_dir: Path | None,
                    suffix: str) -> str | None:
    """The folder-walk part of :func:`skip_reason`."""
    if root is None:
        return None
    if out_dir is not None:
        try:
            Path(os.path.realpath(src)).relative_to(os.path.realpath(out_dir))
            return "inside the output folder"
        except ValueError:
            return None
    if suffix and src.stem.endswith(suffix):
        return f"looks like an earlier output (name ends with {suffix!r})"
    return None
