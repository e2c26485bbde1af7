"""Reading and writing images exactly: 8/16-bit, alpha, ICC profiles, EXIF.

Arrays are always (H, W, C) with C = 1 (gray) or 3 (RGB), dtype uint8 or uint16;
alpha, when present, is a separate (H, W) array of the same dtype. Reading applies
the EXIF orientation, so returned pixels are upright.

Pillow decodes almost everything; 16-bit-per-channel colour PNG/TIFF (which Pillow
reduces to 8 bits) is decoded with OpenCV instead; 16-bit PNG and 16-bit colour or
alpha TIFF are written (and 16-bit gray+alpha TIFF read) by the small codecs in
:mod:`~gantools.imageio.png` and :mod:`~gantools.imageio.tiff`, so that 16 bits and
ICC profiles survive.

Every failure of :func:`read_image` / :func:`write_image` is raised as
:class:`ImageReadError` / :class:`ImageWriteError` with a one-line
``"<path>: <reason>"`` message. Writes are atomic (temp file + ``os.replace``, see
:mod:`gantools.atomic`).

While a read is in progress, Pillow's own pixel limit is lifted (our limit, checked
from the header before decoding, replaces it) and ``ImageFile.LOAD_TRUNCATED_IMAGES``
is forced off, so truncated files are always reported; both globals are restored
when the last concurrent read ends. This package does not import torch.

This module only re-exports the public API; each submodule has one purpose:
``errors`` (error types, reasons), ``image`` (LoadedImage, conversions), ``limits``
(pixel limit, Pillow settings), ``orientation`` and ``exif`` (metadata), ``read``,
``png`` and ``tiff`` (own codecs), ``encode``, ``write`` and ``listing``;
``png_stream``, ``jpeg_big`` and ``write_big`` write very large PNG/JPEG outputs
without a full in-memory copy.
"""

from __future__ import annotations

from gantools.imageio.errors import ImageReadError, ImageWriteError
from gantools.imageio.image import LoadedImage, from_float, to_float, to_gray, to_rgb, to_uint8
from gantools.imageio.limits import DEFAULT_MAX_PIXELS, MAX_PIXELS_ENV
from gantools.imageio.listing import IMAGE_SUFFIXES, list_images
from gantools.imageio.read import read_image
from gantools.imageio.write import WRITE_FORMATS, check_output_size, streams_output, write_image

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "IMAGE_SUFFIXES",
    "MAX_PIXELS_ENV",
    "WRITE_FORMATS",
    "ImageReadError",
    "ImageWriteError",
    "LoadedImage",
    "check_output_size",
    "streams_output",
    "from_float",
    "list_images",
    "read_image",
    "to_float",
    "to_gray",
    "to_rgb",
    "to_uint8",
    "write_image",
]
