"""A texture loss that needs no pretrained network: local amplitude spectra.

L1 alone makes a super-resolution model predict the conditional median of the
detail it cannot see, which is smooth: the output has less high-frequency energy than
a photo. Comparing the *amplitudes* of local Fourier spectra (windows of ``window``
pixels, Hann-tapered, orthonormal FFT) asks for the right amount of detail at every
frequency and place, while leaving its phase (where exactly an edge of texture sits)
to the pixel loss. The amplitudes are compared as ``log(amplitude + FLOOR)`` so that
the weak high frequencies count beside the strong low ones; the floor (about the
amplitude of 8-bit quantisation noise in a window) keeps invisible differences from
counting.

Each window's grid of the upscaling period (the mean of each of the period x period
pixel phases, less the window's mean) is removed from both images before the
transform. A sub-pixel upsampler can make such a grid for free, one constant per
phase, and it adds energy exactly at the frequencies the window's spectrum compares:
without the removal the loss rewards a checkerboard (stage 2t of ``superres-real``
learned one, about 0.4 levels). What the grid frequencies hold is left to the pixel
loss.
"""

from __future__ import annotations

import torch

from gantools.plugins.superres.grid import windows, without_grid

FLOOR = 0.01
"""Amplitudes below this count as this (orthonormal FFT of [0, 1] pixels)."""


def _taper(window: int, like: torch.Tensor) -> torch.Tensor:
    """(window, window) 2-D Hann taper on ``like``'s device and dtype."""
    taper = torch.hann_window(window, periodic=False, device=like.device, dtype=like.dtype)
    return taper[:, None] * taper[None, :]


def spectral_amplitude_loss(fake: torch.Tensor, target: torch.Tensor, window: int = 16,
                            period: int = 1) -> torch.Tensor:
    """Mean |log(|F(fake)| + FLOOR) - log(|F(target)| + FLOOR)| over non-overlapping
    ``window``-pixel windows, each less its grid of ``period`` pixels (the upscaling
    factor; 1 = none); fake and target (N, C, H, W) in [0, 1] (float32), H and W at
    least ``window``, which must be a multiple of ``period``."""
    if min(fake.shape[-2:]) < window:
        raise ValueError(f"images of {tuple(fake.shape[-2:])} are smaller than the "
                         f"{window}-pixel spectral window")
    if window % period:
        raise ValueError(f"the spectral window ({window}) is not a multiple of the "
                         f"grid period ({period})")
    spectra = []
    for image in (fake, target):
        tiles = windows(image, window)
        if period > 1:
            tiles = without_grid(tiles, period)
        spectra.append(torch.fft.rfft2(tiles * _taper(window, image), norm="ortho").abs())
    return (torch.log(spectra[0] + FLOOR) - torch.log(spectra[1] + FLOOR)).abs().mean()
