"""CIE Lab conversions for colorization, wrapping kornia, always in float32.

Value ranges (D65 white, sRGB primaries, as kornia defines them):

- RGB: (N, 3, H, W) sRGB (gamma-encoded) in [0, 1].
- Lab: (N, 3, H, W) with L* in [0, 100] and a*, b* roughly in [-110, 110]
  (about [-86, 98] and [-108, 95] for colours inside the sRGB gamut).
- Network units: ``L_norm = L* / 100`` (N, 1, H, W) in [0, 1] and
  ``ab_norm = ab / AB_RANGE + 0.5`` (N, 2, H, W) in [0, 1] (clamped).

Conversions run with autocast disabled, so callers may hold an autocast context.
"""

from __future__ import annotations

import contextlib

import torch
from kornia.color import lab_to_rgb as _lab_to_rgb
from kornia.color import rgb_to_lab as _rgb_to_lab

AB_RANGE = 220.0
"""a*, b* span covered by the normalised units: [-110, 110] maps to [0, 1]."""


def no_autocast(device: torch.device):
    """A context that disables autocast on ``device`` (colour maths stay float32)."""
    if device.type in ("cuda", "cpu", "mps", "xpu"):
        return torch.autocast(device_type=device.type, enabled=False)
    return contextlib.nullcontext()


def rgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB (N, 3, H, W) in [0, 1] -> Lab (N, 3, H, W) float32: L* in [0, 100],
    a*, b* in about [-110, 110]."""
    with no_autocast(rgb.device):
        return _rgb_to_lab(rgb.float().clamp(0, 1))


def lab_to_rgb(lab: torch.Tensor, clip: bool = True) -> torch.Tensor:
    """Lab (N, 3, H, W) (L* in [0, 100]) -> sRGB (N, 3, H, W) float32, clamped to
    [0, 1] when ``clip`` (out-of-gamut colours then lose their exact L*: use
    :func:`lab_to_rgb_in_gamut` to keep it)."""
    with no_autocast(lab.device):
        return _lab_to_rgb(lab.float(), clip=clip)


def luminance(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB (N, 3, H, W) in [0, 1] -> L* / 100, (N, 1, H, W) float32 in [0, 1]."""
    return (rgb_to_lab(rgb)[:, :1] / 100.0).clamp(0, 1)


def normalise_ab(ab: torch.Tensor) -> torch.Tensor:
    """a*, b* (N, 2, H, W) in Lab units -> (N, 2, H, W) in [0, 1] (clamped)."""
    return (ab / AB_RANGE + 0.5).clamp(0, 1)


def denormalise_ab(ab_norm: torch.Tensor) -> torch.Tensor:
    """(N, 2, H, W) in [0, 1] -> a*, b* in Lab units, [-110, 110], float32."""
    return (ab_norm.float() - 0.5) * AB_RANGE


def chroma(ab_norm: torch.Tensor) -> torch.Tensor:
    """Chroma C*ab = sqrt(a*^2 + b*^2) in Lab units of normalised ab (N, 2, H, W)
    -> (N, 1, H, W), >= 0."""
    ab = denormalise_ab(ab_norm)
    return torch.sqrt((ab * ab).sum(dim=1, keepdim=True) + 1e-12)


def scale_chroma(ab_norm: torch.Tensor, gain: float) -> torch.Tensor:
    """Normalised ab (N, 2, H, W) with a*, b* (so chroma) multiplied by ``gain`` >= 0,
    hue kept; not clamped (:func:`compose` brings colours into the gamut)."""
    if gain == 1.0:
        return ab_norm
    return (ab_norm.float() - 0.5) * gain + 0.5


def compose(l_norm: torch.Tensor, ab_norm: torch.Tensor) -> torch.Tensor:
    """Network units -> sRGB: L / 100 (N, 1, H, W) and normalised ab (N, 2, H, W),
    both in [0, 1] -> (N, 3, H, W) in [0, 1], L* kept exactly (see
    :func:`lab_to_rgb_in_gamut`)."""
    lab = torch.cat([l_norm.float() * 100.0, denormalise_ab(ab_norm)], dim=1)
    return lab_to_rgb_in_gamut(lab)


def _in_gamut(rgb: torch.Tensor, tol: float = 1e-4) -> torch.Tensor:
    """(N, 3, H, W) -> (N, 1, H, W) bool: every channel within [0, 1] +- tol."""
    return ((rgb >= -tol) & (rgb <= 1 + tol)).all(dim=1, keepdim=True)


def lab_to_rgb_in_gamut(lab: torch.Tensor, iterations: int = 12) -> torch.Tensor:
    """Lab (N, 3, H, W) -> sRGB (N, 3, H, W) in [0, 1] that keeps each pixel's L*.

    Clamping an out-of-gamut colour to [0, 1] changes its lightness. Here the
    chroma of such pixels is scaled down instead (hue and L* kept), by bisection
    on the largest in-gamut factor (``iterations`` halvings); a gray of any L* in
    [0, 100] is always in gamut. Only the out-of-gamut pixels are searched."""
    lab = lab.float()
    rgb = lab_to_rgb(lab, clip=False)
    outside = ~_in_gamut(rgb)
    if not bool(outside.any()):
        return rgb.clamp_(0, 1)
    n, _, h, w = lab.shape
    flat_lab = lab.permute(0, 2, 3, 1).reshape(-1, 3)
    idx = outside.permute(0, 2, 3, 1).reshape(-1).nonzero().squeeze(1)
    sel = flat_lab[idx]  # (K, 3)
    lo = torch.zeros(sel.shape[0], 1, device=lab.device)
    hi = torch.ones_like(lo)
    for _ in range(iterations):
        mid = (lo + hi) / 2
        trial = torch.cat([sel[:, :1], sel[:, 1:] * mid], dim=1)
        ok = _in_gamut(lab_to_rgb(trial.t()[None, :, :, None], clip=False))[0, 0]  # (K, 1)
        lo = torch.where(ok, mid, lo)
        hi = torch.where(ok, hi, mid)
    fixed = torch.cat([sel[:, :1], sel[:, 1:] * lo], dim=1)
    fixed_rgb = lab_to_rgb(fixed.t()[None, :, :, None], clip=False)[0, :, :, 0].t()  # (K, 3)
    flat_rgb = rgb.permute(0, 2, 3, 1).reshape(-1, 3).clone()
    flat_rgb[idx] = fixed_rgb
    return flat_rgb.reshape(n, h, w, 3).permute(0, 3, 1, 2).clamp_(0, 1).contiguous()
