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
"""

from __future__ import annotations

import torch

FLOOR = 0.01
"""Amplitudes below this count as this (orthonormal FFT of [0, 1] pixels)."""


def _windows(image: torch.Tensor, window: int) -> torch.Tensor:
    """(N, C, H, W) -> (N, C, H // window, W // window, window, window), tapered."""
    n, c, h, w = image.shape
    rows, cols = h // window, w // window
    tiles = image[:, :, :rows * window, :cols * window].reshape(n, c, rows, window, cols, window)
    taper = torch.hann_window(window, periodic=False, device=image.device, dtype=image.dtype)
    return tiles.permute(0, 1, 2, 4, 3, 5) * (taper[:, None] * taper[None, :])


def spectral_amplitude_loss(fake: torch.Tensor, target: torch.Tensor,
                            window: int = 16) -> torch.Tensor:
    """Mean |log(|F(fake)| + FLOOR) - log(|F(target)| + FLOOR)| over non-overlapping
    ``window``-pixel windows; fake and target (N, C, H, W) in [0, 1] (float32), H and
    W at least ``window``."""
    if min(fake.shape[-2:]) < window:
        raise ValueError(f"images of {tuple(fake.shape[-2:])} are smaller than the "
                         f"{window}-pixel spectral window")
    spectra = [torch.fft.rfft2(_windows(x, window), norm="ortho").abs() for x in (fake, target)]
    return (torch.log(spectra[0] + FLOOR) - torch.log(spectra[1] + FLOOR)).abs().mean()
