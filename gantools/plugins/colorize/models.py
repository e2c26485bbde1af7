"""The colorization generator: a U-Net from lightness to chroma.

:class:`ColorUNet` maps L* / 100 (N, 1, H, W) in [0, 1] to normalised a*b*
(N, 2, H, W) in [0, 1] (``ab / 220 + 0.5``, see :mod:`.lab`). Any H, W works:
inputs are reflect-padded to a multiple of ``2 ** (levels - 1)`` and the output is
cropped back. The head is zero-initialised, so an untrained model predicts gray
(a* = b* = 0). Options: the head may sit at a coarser level of the decoder
(chroma is smooth; the decoder's full-resolution layers cost most of the time),
and a global-context branch (:class:`GlobalContext`) lets the whole picture
steer every pixel's colour.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def conv_block(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    """3x3 conv (stride 1 or 2) - batch norm - ReLU."""
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Down(nn.Module):
    """Halve the resolution (strided conv), then one more conv: (N, cin, H, W) ->
    (N, cout, H / 2, W / 2)."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.body = nn.Sequential(conv_block(cin, cout, 2), conv_block(cout, cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class Up(nn.Module):
    """Double the resolution (bilinear), reduce to ``cout`` channels, concatenate the
    skip connection (``cout`` channels) and fuse: -> (N, cout, 2H, 2W)."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.reduce = conv_block(cin, cout)
        self.fuse = conv_block(2 * cout, cout)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
        return self.fuse(torch.cat([self.reduce(x), skip], dim=1))


class GlobalContext(nn.Module):
    """Whole-image context (after Iizuka et al. 2016): the features' mean over the
    image goes through a small MLP and is added to every position,
    (N, C, H, W) -> (N, C, H, W). The last layer is zero-initialised, so the branch
    starts as the identity."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(channels, channels), nn.ReLU(inplace=True),
                                 nn.Linear(channels, channels))
        nn.init.zeros_(self.mlp[2].weight)
        nn.init.zeros_(self.mlp[2].bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        context = self.mlp(x.mean(dim=(2, 3)))
        return x + context[:, :, None, None].to(x.dtype)


def level_widths(width: int, levels: int, max_width: int) -> list[int]:
    """Channels per level: ``width`` doubled each level, capped at ``max_width``."""
    return [min(width * 2 ** i, max_width) for i in range(levels)]


class ColorUNet(nn.Module):
    """U-Net (N, 1, H, W) L / 100 in [0, 1] -> (N, 2, H, W) normalised ab in [0, 1].

    ``width``: channels at full resolution; ``levels``: resolutions (``levels - 1``
    downsamplings); ``max_width``: cap on the channels of the deeper levels;
    ``output_level``: the decoder stops at 1 / 2 ** ``output_level`` of the
    resolution, where the head predicts a*b*, then upsampled bilinearly (0 = full
    resolution); ``global_context``: add a :class:`GlobalContext` branch at the
    deepest level. The output is ``sigmoid`` of the head, so it lies in (0, 1)."""

    def __init__(self, width: int = 32, levels: int = 5, max_width: int = 128,
                 output_level: int = 0, global_context: bool = False) -> None:
        super().__init__()
        if levels < 2:
            raise ValueError(f"levels must be at least 2, got {levels}")
        if not 0 <= output_level < levels:
            raise ValueError(f"output_level must be in 0..{levels - 1}, got {output_level}")
        widths = level_widths(width, levels, max_width)
        self.multiple = 2 ** (levels - 1)
        self.output_level = output_level
        self.stem = nn.Sequential(conv_block(1, widths[0]), conv_block(widths[0], widths[0]))
        self.downs = nn.ModuleList(Down(a, b) for a, b in zip(widths, widths[1:], strict=False))
        ups = [Up(b, a) for a, b in zip(widths, widths[1:], strict=False)]
        self.ups = nn.ModuleList(ups[output_level:])
        self.context = GlobalContext(widths[-1]) if global_context else None
        self.head = nn.Conv2d(widths[output_level], 2, 3, padding=1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def features(self, l_norm: torch.Tensor) -> torch.Tensor:
        """L / 100 (N, 1, H, W) -> the decoder's last features, for the input padded to
        a multiple of ``self.multiple``, at the resolution of the last ``ups`` block."""
        x = self.stem(pad_to_multiple(l_norm, self.multiple) * 2.0 - 1.0)
        skips = [x]
        for down in self.downs:
            x = down(x)
            skips.append(x)
        skips.pop()
        if self.context is not None:
            x = self.context(x)
        for up in reversed(self.ups):
            x = up(x, skips.pop())
        return x

    def forward(self, l_norm: torch.Tensor) -> torch.Tensor:
        h, w = l_norm.shape[-2:]
        ab = torch.sigmoid(self.head(self.features(l_norm)))
        return upsample(ab, 2 ** self.output_level)[..., :h, :w]


def upsample(x: torch.Tensor, factor: int) -> torch.Tensor:
    """(N, C, H, W) -> (N, C, H * factor, W * factor), bilinear (``x`` itself for 1)."""
    if factor == 1:
        return x
    return F.interpolate(x, scale_factor=factor, mode="bilinear", align_corners=False)


class ColorClassUNet(ColorUNet):
    """U-Net (N, 1, H, W) L / 100 in [0, 1] -> colour classes (Zhang et al. 2016).

    The decoder stops at 1 / 2 ** ``head_level`` of the resolution, where a 1x1 head
    gives logits over the a*b* classes ``centres`` (Q, 2) (:mod:`.bins`). Eval mode
    returns normalised a*b* (N, 2, H, W) in [0, 1]: the annealed mean at
    ``temperature``, upsampled bilinearly. Train mode returns that with the logits
    packed behind it, (N, 2 + P, H, W) (:func:`unpack_logits` takes them out), so the
    task's losses see both while the discriminator sees the first two channels."""

    def __init__(self, centres: torch.Tensor, temperature: float = 0.38, width: int = 32,
                 levels: int = 5, max_width: int = 128, head_level: int = 2,
                 global_context: bool = False) -> None:
        if not 0 < head_level < levels:
            raise ValueError(f"head_level must be in 1..{levels - 1}, got {head_level}")
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        super().__init__(width, levels, max_width, head_level, global_context)
        self.temperature = temperature
        self.register_buffer("centres", centres.float().clone())
        self.head = nn.Conv2d(self.head.in_channels, centres.shape[0], 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def logits(self, l_norm: torch.Tensor) -> torch.Tensor:
        """L / 100 (N, 1, H, W) -> logits (N, Q, H', W') at 1 / 2 ** output_level of the
        input padded to a multiple of ``self.multiple``."""
        return self.head(self.features(l_norm))

    def forward(self, l_norm: torch.Tensor) -> torch.Tensor:
        from gantools.plugins.colorize.bins import annealed_mean
        from gantools.plugins.colorize.lab import normalise_ab

        h, w = l_norm.shape[-2:]
        logits = self.logits(l_norm)
        ab = normalise_ab(annealed_mean(logits, self.centres, self.temperature))
        factor = 2 ** self.output_level
        ab = upsample(ab, factor).to(l_norm.dtype)[..., :h, :w]
        if not self.training:
            return ab
        return torch.cat([ab, pack_logits(logits, factor).to(ab.dtype)], dim=1)


def pad_to_multiple(x: torch.Tensor, multiple: int) -> torch.Tensor:
    """Pad (N, C, H, W) at the bottom and right (reflect, or replicate when too small)
    to sides that are multiples of ``multiple``."""
    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if not (ph or pw):
        return x
    mode = "reflect" if h > ph and w > pw else "replicate"
    return F.pad(x, (0, pw, 0, ph), mode=mode)


def pack_logits(logits: torch.Tensor, factor: int) -> torch.Tensor:
    """Logits (N, Q, h, w) -> (N, ceil(Q / factor**2), h * factor, w * factor): zero
    channels added, then pixel-shuffled, so they ride along an image-sized tensor."""
    per = factor * factor
    extra = (-logits.shape[1]) % per
    if extra:
        logits = F.pad(logits, (0, 0, 0, 0, 0, extra))
    return F.pixel_shuffle(logits, factor)


def unpack_logits(packed: torch.Tensor, classes: int, factor: int) -> torch.Tensor:
    """Inverse of :func:`pack_logits`: (N, P, H, W) -> logits (N, classes, H / factor,
    W / factor)."""
    return F.pixel_unshuffle(packed, factor)[:, :classes]
