"""The skin check of ``gantools eval colorize --faces``: how much of a face is coloured
off the range of human skin (blue, green or purple cheeks).

Face pixels: the central ellipse of an aligned face crop (half the width, 0.7 of
the height, centred slightly below the middle), where cheeks, nose and forehead are.
A pixel is off-skin when it has colour (C*ab at least ``MIN_CHROMA``) and its CIE
Lab hue angle atan2(b*, a*) lies outside ``SKIN_HUE`` (degrees): skin of every tone
is red-orange to yellow, hue about 10-80 degrees; the range is widened on both
sides. Neutral (gray) pixels are never off-skin, so the gray baseline scores 0: the
check catches wrong colours, not missing ones (colourfulness measures those).
"""

from __future__ import annotations

import numpy as np

SKIN_HUE = (-20.0, 100.0)
MIN_CHROMA = 6.0


def face_mask(height: int, width: int) -> np.ndarray:
    """(H, W) bool: the central ellipse of an aligned face crop."""
    rows = (np.arange(height) + 0.5)[:, None] / height
    cols = (np.arange(width) + 0.5)[None, :] / width
    return ((cols - 0.5) / 0.25) ** 2 + ((rows - 0.55) / 0.35) ** 2 <= 1.0


def off_skin_share(rgb: np.ndarray) -> float:
    """Share in [0, 1] of the face pixels of an (H, W, 3) uint8 RGB face that are
    coloured outside the skin hue range."""
    from gantools.plugins.colorize.lab import rgb_to_lab
    from gantools.tensors import from_hwc_uint8

    lab = rgb_to_lab(from_hwc_uint8(rgb))[0].numpy()
    a, b = lab[1], lab[2]
    hue = np.degrees(np.arctan2(b, a))  # (-180, 180]
    chroma = np.hypot(a, b)
    off = (chroma >= MIN_CHROMA) & ((hue < SKIN_HUE[0]) | (hue > SKIN_HUE[1]))
    mask = face_mask(*rgb.shape[:2])
    return float(off[mask].mean())
