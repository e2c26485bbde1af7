"""Error types of image reading and writing, and their one-line failure reasons.

Every failure is reported as ``"<path>: <reason>"`` on one line; the helpers here
turn OS and decoder exceptions into the short ``<reason>`` part.
"""

from __future__ import annotations

import errno
import os
import struct

from PIL import Image, UnidentifiedImageError


class ImageReadError(Exception):
    """An image could not be read; the message is ``"<path>: <reason>"`` on one line."""


class ImageWriteError(Exception):
    """An image could not be written; the message is ``"<path>: <reason>"`` on one line."""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _os_reason(err: OSError, writing: bool = False) -> str:
    """Short reason for an OS-level failure."""
    code = err.errno
    if code == errno.ENOENT:
        return "folder does not exist" if writing else "no such file"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if code == errno.EISDIR:
        return "is a directory"
    if code == errno.ENOTDIR:
        return "a parent of the path is not a folder"
    if code == errno.ENOSPC:
        return "no space left on device"
    if code == errno.EROFS:
        return "read-only file system"
    if code is not None:
        return os.strerror(code).lower()
    return _one_line(str(err)) or type(err).__name__


def _decode_reason(err: BaseException) -> str:
    """Short reason for a decoder failure (Pillow, OpenCV, zlib, ...)."""
    msg = _one_line(str(err))
    if isinstance(err, UnidentifiedImageError):
        return "not an image (cannot identify format)"
    if isinstance(err, EOFError) or "truncated" in msg.lower():
        return "truncated file"
    if isinstance(err, Image.DecompressionBombError):
        return f"too many pixels ({msg})"
    if isinstance(err, MemoryError):
        return "out of memory while decoding"
    if isinstance(err, struct.error):
        return f"corrupt or truncated file ({msg})"
    return f"cannot decode ({type(err).__name__}: {msg})" if msg else "cannot decode"
