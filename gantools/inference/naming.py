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

LOSSY_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".jfif", ".webp"})
"""Input suffixes whose format changes pixels when written again."""

SAME_LOSSLESS = "same-lossless"
"""An internal ``fmt``: like "same", but PNG for lossy inputs (JPEG, WEBP), for tasks
that promise to keep some pixels exactly (inpaint keeps every pixel outside the mask)."""


def output_is_file(out: Path) -> bool:
    """Whether ``-o PATH`` names one output file rather than a folder: PATH is not an
    existing folder and ends with an extension gantools writes (.png, .jpg, ...).
    Raises ValueError for a name with any other extension (``-o g.xyz``): neither an
    image gantools writes nor clearly a folder."""
    out = Path(out)
    if out.is_dir() or not out.suffix:
        return False
    if out.suffix.lower() in WRITABLE_SUFFIXES:
        return True
    if out.suffix[1:].isalnum() and not out.suffix[1:].isdigit():
        known = ", ".join(sorted({".png", ".jpg", ".webp", ".tif", ".bmp"}))
        raise ValueError(f"-o {out}: '{out.suffix}' is not an image format gantools "
                         f"writes ({known}); for a folder, create it first or leave "
                         "out the extension")
    return False


def check_writable_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) when needed and check that a file can be
    created in it, so that a command fails before any work instead of after it.
    Raises ValueError ``"cannot write into FOLDER: reason"`` (one line)."""
    import tempfile

    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=".gantools-write-check-"):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ValueError(f"cannot write into {folder}: {reason.lower()}") from None


def existing_rule(paths: Sequence[Path], overwrite: bool, skip_existing: bool) -> list[Path]:
    """The one rule for outputs that exist already, shared by every command: refused
    (ValueError naming the first, with the options that change it) unless
    ``overwrite``; with ``skip_existing`` they are returned, to be left alone."""
    if overwrite and skip_existing:
        raise ValueError("give --skip-existing or --overwrite, not both")
    existing = [p for p in paths if Path(p).exists()]
    if not existing or overwrite:
        return []
    if skip_existing:
        return existing
    more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
    raise ValueError(f"{existing[0]}: exists{more}; use --overwrite to replace it"
                     + (" or --skip-existing to keep it" if len(paths) > 1 else ""))


def output_suffix_for(src: Path, fmt: str) -> str:
    """The output file's extension: the input's for "same" when writable (case kept),
    else ".png" (for :data:`SAME_LOSSLESS` also for lossy inputs); the chosen
    format's otherwise."""
    if fmt == SAME_LOSSLESS and src.suffix.lower() in LOSSY_SUFFIXES:
        return ".png"
    if fmt in ("same", SAME_LOSSLESS):
        return src.suffix if src.suffix.lower() in WRITABLE_SUFFIXES else ".png"
    if fmt not in FORMAT_SUFFIXES:
        raise ValueError(f"unknown output format {fmt!r} (choose from {FORMAT_CHOICES})")
    return FORMAT_SUFFIXES[fmt]


def output_path(src: Path, root: Path | None, out_dir: Path | None, suffix: str,
                fmt: str) -> Path:
    """The output path of input ``src``.

    ``out_dir`` naming a file (see :func:`output_is_file`): that file. Without
    ``out_dir``: beside the input as ``STEM{suffix}.EXT``. With ``out_dir``:
    the input's own stem inside it; when the input was found in folder ``root``, its
    sub-folders below ``root`` are mirrored under ``out_dir``. ``EXT`` follows
    :func:`output_suffix_for`.
    """
    if out_dir is not None and output_is_file(out_dir):
        return out_dir  # -o FILE for a single input (checked by the command)
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
