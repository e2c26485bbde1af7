"""Masks painted in one colour on a copy of the photo (``gantools inpaint --mask-color``).

Image editors make it easy to paint over an object in red on a copy of the photo;
the hole is then every pixel of that copy close to the paint colour. Closeness is
the largest channel difference, so JPEG-saved copies (whose paint is a little off)
still give a clean mask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import torch


def parse_mask_color(text: str) -> tuple[int, int, int]:
    """``red``, ``#ff0000``, ``#f00``, ``rgb(255, 0, 0)`` or ``255,0,0`` -> (R, G, B)
    in 0..255; ValueError with a one-line reason otherwise."""
    from PIL import ImageColor

    parts = text.split(",")
    if len(parts) == 3 and all(p.strip().isdigit() for p in parts):
        rgb = tuple(int(p) for p in parts)
        if all(0 <= v <= 255 for v in rgb):
            return rgb  # type: ignore[return-value]
        raise ValueError(f"--mask-color {text}: each of R,G,B must be 0-255")
    try:
        colour = ImageColor.getrgb(text.strip())
    except ValueError:
        raise ValueError(f"--mask-color {text}: not a colour (give a name such as red, "
                         "#ff0000 or 255,0,0)") from None
    return colour[:3]  # type: ignore[return-value]


def mask_from_color(painted: torch.Tensor, colour: tuple[int, int, int],
                    tolerance: int) -> torch.Tensor:
    """Painted copy RGB (1, 3, H, W) in [0, 1] -> mask (1, 1, H, W), 1.0 where every
    channel is within ``tolerance`` (0..255 levels) of ``colour``, else 0.0."""
    target = painted.new_tensor(colour).view(1, 3, 1, 1) / 255.0
    distance = (painted - target).abs().amax(dim=1, keepdim=True)
    return (distance <= (tolerance + 0.5) / 255.0).to(painted.dtype)
