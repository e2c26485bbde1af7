"""EXIF metadata: extract it from a decoded image (orientation reset to 1) and
inspect it before writing."""

from __future__ import annotations

from PIL import Image

from gantools.imageio.orientation import _ORIENTATION_TAG

_TIFF_EXIF_TAGS = (0x010E, 0x010F, 0x0110, 0x0112, 0x0131, 0x0132, 0x013B, 0x8298)

_EXIF_IFDS = (0x8769, 0x8825)


def _exif_object(im: Image.Image) -> Image.Exif | None:
    """The image's EXIF as a Pillow Exif (TIFF: descriptive tags only), or None."""
    if im.format == "TIFF":
        src = im.getexif()
        out = Image.Exif()
        for tag in _TIFF_EXIF_TAGS:
            if tag in src:
                out[tag] = src[tag]
        for tag in _EXIF_IFDS:
            ifd = src.get_ifd(tag)
            if ifd:
                out[tag] = ifd
        return out if len(out) else None
    raw = im.info.get("exif")
    if not raw:
        return None
    exif = Image.Exif()
    exif.load(raw)
    return exif


def _exif_and_orientation(im: Image.Image) -> tuple[bytes | None, int]:
    """(EXIF bytes with orientation reset to 1, orientation). Bad EXIF -> (None, 1)."""
    try:
        exif = _exif_object(im)
        if exif is None:
            return None, 1
        orientation = exif.get(_ORIENTATION_TAG, 1)
        orientation = orientation if orientation in range(1, 9) else 1
        if _ORIENTATION_TAG in exif:
            exif[_ORIENTATION_TAG] = 1
        return exif.tobytes(), orientation
    except Exception:  # metadata must never fail a read
        return None, 1


def _has_exif_sub_ifd(exif: bytes | None) -> bool:
    """True when EXIF bytes carry an Exif or GPS sub-IFD pointer."""
    if not exif:
        return False
    parsed = Image.Exif()
    parsed.load(exif)
    return any(tag in parsed for tag in _EXIF_IFDS)
