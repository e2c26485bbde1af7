"""Super-resolution networks. Images are (N, 3, H, W) float in [0, 1].

- :class:`SRResNet`: residual blocks in low-resolution space and one sub-pixel
  (pixel-shuffle) upsampler, predicting a residual on top of bicubic upsampling, so
  it starts as good as bicubic and trains fast. Output (N, 3, H*s, W*s) in [0, 1]
  (clamped at inference only: training sees the raw values).
- :class:`CompactSR`: a plain stack of 3x3 convolutions with PReLU in low-resolution
  space (the shape of Real-ESRGAN's fast SRVGGNetCompact), for fast inference on CPUs;
  also a residual on bicubic upsampling.
- :class:`UNetDiscriminator`: Real-ESRGAN's U-Net discriminator with spectral
  normalisation: one realness logit per pixel, (N, 1, H, W), so the generator learns
  where its texture looks wrong, not just whether it does.
- :class:`VGGDiscriminator`: the SRGAN classifier (strided conv blocks 64 -> 512,
  then dense layers), with global average pooling so any patch size works.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gantools.nets.fast_prelu import FastPReLU
from gantools.plugins.superres.bicubic import BicubicUpsample


class ResidualBlock(nn.Module):
    """conv3x3 - ReLU - conv3x3, added to the input (no batch norm, as in EDSR)."""

    def __init__(self, width: int, res_scale: float = 1.0) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(width, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1)
        self.res_scale = res_scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.res_scale * self.conv2(F.relu(self.conv1(x), inplace=True))


class SRResNet(nn.Module):
    """(N, 3, H, W) LR in [0, 1] -> (N, 3, H*scale, W*scale) HR (unclamped)."""

    def __init__(self, scale: int = 4, width: int = 64, blocks: int = 8) -> None:
        super().__init__()
        if scale not in (2, 3, 4):
            raise ValueError(f"scale must be 2, 3 or 4, got {scale}")
        self.scale = scale
        self.upsample = BicubicUpsample(scale)
        self.head = nn.Conv2d(3, width, 3, padding=1)
        self.body = nn.Sequential(*[ResidualBlock(width) for _ in range(blocks)],
                                  nn.Conv2d(width, width, 3, padding=1))
        self.tail = nn.Conv2d(width, 3 * scale * scale, 3, padding=1)
        nn.init.zeros_(self.tail.weight)  # start exactly at bicubic
        nn.init.zeros_(self.tail.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feat = self.head(x * 2.0 - 1.0)
        feat = feat + self.body(feat)
        return self.upsample.add_residual(x, self.tail(feat))


class CompactSR(nn.Module):
    """(N, 3, H, W) LR in [0, 1] -> (N, 3, H*scale, W*scale) HR (unclamped): ``convs``
    3x3 convolutions of ``width`` channels with PReLU, a sub-pixel tail, plus bicubic."""

    def __init__(self, scale: int = 4, width: int = 48, convs: int = 10) -> None:
        super().__init__()
        if scale not in (2, 3, 4):
            raise ValueError(f"scale must be 2, 3 or 4, got {scale}")
        self.scale = scale
        self.upsample = BicubicUpsample(scale)
        layers: list[nn.Module] = [nn.Conv2d(3, width, 3, padding=1), FastPReLU(width)]
        for _ in range(convs):
            layers += [nn.Conv2d(width, width, 3, padding=1), FastPReLU(width)]
        self.body = nn.Sequential(*layers)
        self.tail = nn.Conv2d(width, 3 * scale * scale, 3, padding=1)
        nn.init.zeros_(self.tail.weight)  # start exactly at bicubic
        nn.init.zeros_(self.tail.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.upsample.add_residual(x, self.tail(self.body(x * 2.0 - 1.0)))


def _d_block(cin: int, cout: int, stride: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout),
            nn.LeakyReLU(0.2, inplace=True)]


class VGGDiscriminator(nn.Module):
    """(N, 3, H, W) in [0, 1] -> (N,) logits, the SRGAN discriminator layout."""

    def __init__(self, width: int = 64) -> None:
        super().__init__()
        w = width
        layers: list[nn.Module] = [nn.Conv2d(3, w, 3, 1, 1), nn.LeakyReLU(0.2, inplace=True),
                                   *_d_block(w, w, 2)]
        for cin, cout in ((w, 2 * w), (2 * w, 4 * w), (4 * w, 8 * w)):
            layers += _d_block(cin, cout, 1) + _d_block(cout, cout, 2)
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Linear(8 * w, 1024), nn.LeakyReLU(0.2, inplace=True),
                                  nn.Linear(1024, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x * 2.0 - 1.0).mean(dim=(2, 3))
        return self.head(h).squeeze(1)

    def feature_maps(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The activations after each LeakyReLU of the convolutional part."""
        feats, h = [], x * 2.0 - 1.0
        for layer in self.features:
            h = layer(h)
            if isinstance(layer, nn.LeakyReLU):
                feats.append(h)
        return feats


class UNetDiscriminator(nn.Module):
    """(N, 3, H, W) in [0, 1], H and W multiples of 8 -> (N, 1, H, W) realness logits:
    three spectrally normalised strided convolutions down, three bilinear upsamplings
    back with skip connections, then two convolutions and a 1-channel head."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        sn = nn.utils.spectral_norm
        w = width
        self.conv0 = nn.Conv2d(3, w, 3, 1, 1)
        self.down = nn.ModuleList([sn(nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False)),
                                   sn(nn.Conv2d(2 * w, 4 * w, 4, 2, 1, bias=False)),
                                   sn(nn.Conv2d(4 * w, 8 * w, 4, 2, 1, bias=False))])
        self.up = nn.ModuleList([sn(nn.Conv2d(8 * w, 4 * w, 3, 1, 1, bias=False)),
                                 sn(nn.Conv2d(4 * w, 2 * w, 3, 1, 1, bias=False)),
                                 sn(nn.Conv2d(2 * w, w, 3, 1, 1, bias=False))])
        self.tail = nn.Sequential(sn(nn.Conv2d(w, w, 3, 1, 1, bias=False)),
                                  nn.LeakyReLU(0.2, inplace=True),
                                  sn(nn.Conv2d(w, w, 3, 1, 1, bias=False)),
                                  nn.LeakyReLU(0.2, inplace=True), nn.Conv2d(w, 1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.tail(self.feature_maps(x)[-1])

    def feature_maps(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The activations of every level, down then up: 7 maps, the last
        (N, width, H, W) being what the tail scores."""
        skips = [F.leaky_relu(self.conv0(x * 2.0 - 1.0), 0.2)]
        for conv in self.down:
            skips.append(F.leaky_relu(conv(skips[-1]), 0.2))
        feats = list(skips)
        h = skips.pop()
        for conv in self.up:
            h = F.interpolate(h, scale_factor=2, mode="bilinear", align_corners=False)
            h = F.leaky_relu(conv(h), 0.2) + skips.pop()
            feats.append(h)
        return feats
