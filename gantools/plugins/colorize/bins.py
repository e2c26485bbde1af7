"""Colour classes for colorization as classification (Zhang et al. 2016).

The a*b* plane is cut into square cells of side ``bin_size`` (Lab units); the
classes are the cells that hold at least one sRGB colour (about 260 for side
10). The network predicts a distribution over them per pixel; it is trained with
a soft-encoded, class-rebalanced cross-entropy and decoded by the annealed mean
(the softmax sharpened by a temperature ``T < 1``, then its mean colour), which
keeps the vivid colours that an L1/L2 regression averages into sepia.

Shapes: ``centres`` (Q, 2) a*, b* in Lab units; logits (N, Q, H, W);
a*b* (N, 2, H, W) in Lab units.
"""

from __future__ import annotations

import torch

from gantools.plugins.colorize.lab import no_autocast, rgb_to_lab


def gamut_centres(bin_size: float = 10.0, levels: int = 33) -> torch.Tensor:
    """Centres (Q, 2) float32 of the a*b* cells of side ``bin_size`` hit by an sRGB
    colour, the sRGB cube sampled at ``levels`` values per channel; sorted by a*
    then b*, the same on every machine."""
    if bin_size <= 0:
        raise ValueError(f"bin_size must be positive, got {bin_size}")
    axis = torch.linspace(0, 1, levels)
    cube = torch.stack(torch.meshgrid(axis, axis, axis, indexing="ij"))  # (3, L, L, L)
    ab = rgb_to_lab(cube.reshape(1, 3, levels, levels * levels))[0, 1:].reshape(2, -1)
    cells = torch.unique(torch.round(ab / bin_size).to(torch.int64), dim=1)  # sorted
    return cells.t().float() * bin_size


def class_table(centres: torch.Tensor, bin_size: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Lookup of classes by grid cell: ``(table (A, B) int64, origin (2,) int64)`` where
    ``table[i, j]`` is the class of cell ``origin + (i, j)`` (cell = round(ab / bin_size))
    or -1 for a cell outside the gamut; a border of -1 cells surrounds the classes."""
    cells = torch.round(centres / bin_size).to(torch.int64)  # (Q, 2)
    origin = cells.min(dim=0).values - 1
    extent = cells.max(dim=0).values - origin + 2
    table = torch.full((int(extent[0]), int(extent[1])), -1, dtype=torch.int64)
    table[cells[:, 0] - origin[0], cells[:, 1] - origin[1]] = torch.arange(cells.shape[0])
    return table, origin


def neighbour_bins(ab: torch.Tensor, centres: torch.Tensor,
                   bin_size: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The classes of the 3x3 grid cells around each pixel's colour: a*b* (N, 2, H, W)
    in Lab units -> (indices (N, 9, H, W) int64, -1 where the cell is outside the
    gamut; squared distances (N, 9, H, W) to their centres). Channel 4 is the cell
    that holds the colour."""
    table, origin = class_table(centres, bin_size)
    table, origin = table.to(ab.device), origin.to(ab.device)
    cell = torch.round(ab.float() / bin_size).to(torch.int64) - origin[None, :, None, None]
    high = torch.tensor(table.shape, device=ab.device)[None, :, None, None] - 2
    cell = torch.minimum(cell.clamp(min=1), high)  # keep the 3x3 block inside the table
    offsets = torch.tensor([(di, dj) for di in (-1, 0, 1) for dj in (-1, 0, 1)],
                           device=ab.device)  # (9, 2)
    around = cell[:, None] + offsets[None, :, :, None, None]  # (N, 9, 2, H, W)
    idx = table[around[:, :, 0], around[:, :, 1]]  # (N, 9, H, W)
    centre_ab = (around + origin[None, None, :, None, None]).float() * bin_size
    d2 = (centre_ab - ab.float()[:, None]).square().sum(dim=2)
    return idx, d2


def rebalance_weights(nearest: torch.Tensor, classes: int, mix: float) -> torch.Tensor:
    """Per-pixel weights (N, 1, H, W) from the class of each pixel (N, 1, H, W):
    ``1 / ((1 - mix) * p + mix / Q)`` with ``p`` this batch's class frequencies,
    scaled so that their mean over the batch is 1. ``mix`` = 1 weighs every pixel
    1; smaller values favour rare colours (Zhang et al. use 0.5)."""
    counts = torch.bincount(nearest.reshape(-1), minlength=classes).float()
    p = counts / counts.sum()
    per_class = 1.0 / ((1.0 - mix) * p + mix / classes)
    per_class = per_class / (p * per_class).sum()
    return per_class[nearest]


def soft_cross_entropy(logits: torch.Tensor, ab: torch.Tensor, centres: torch.Tensor,
                       bin_size: float, mix: float, sigma: float = 5.0) -> torch.Tensor:
    """Class-rebalanced cross-entropy (scalar) of logits (N, Q, H, W) against the true
    a*b* (N, 2, H, W, Lab units). Each pixel is soft-encoded on the in-gamut cells of
    the 3x3 block around its colour, with a Gaussian of width ``sigma`` (Lab units),
    and weighted by the rarity of its nearest class (:func:`rebalance_weights`)."""
    idx, d2 = neighbour_bins(ab, centres, bin_size)
    valid = idx >= 0
    logit_soft = (-d2 / (2 * sigma * sigma)).masked_fill(~valid, float("-inf"))
    soft = torch.softmax(logit_soft, dim=1).nan_to_num(0.0)  # (N, 9, H, W), sums to 1
    log_p = torch.log_softmax(logits.float(), dim=1).gather(1, idx.clamp(min=0))
    per_pixel = -(soft * log_p).sum(dim=1, keepdim=True)
    own = idx.clamp(min=0).gather(1, soft.argmax(dim=1, keepdim=True))  # nearest class
    weight = rebalance_weights(own, centres.shape[0], mix)
    return (weight * per_pixel).mean()


def annealed_mean(logits: torch.Tensor, centres: torch.Tensor,
                  temperature: float) -> torch.Tensor:
    """Decode logits (N, Q, H, W) to a*b* (N, 2, H, W) in Lab units: the mean colour of
    ``softmax(logits / temperature)`` (1 = the plain mean, towards 0 = the mode)."""
    with no_autocast(logits.device):
        prob = torch.softmax(logits.float() / temperature, dim=1)
        return torch.einsum("nqhw,qc->nchw", prob, centres.float())
