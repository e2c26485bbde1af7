"""Generators and discriminators for unconditional and class-conditional generation.

Every network speaks [0, 1] at its boundary: generators map noise (N, z_dim) (and
optional labels (N,)) to images (N, C, S, S) in [0, 1]; discriminators map such
images (and labels) to one logit per image (N,). Inside they work in [-1, 1].

- DCGAN (Radford et al. 2016) at 28, 32 or 64 pixels, width configurable.
- The classic tutorial MLP GAN: z(100) -> 256 -> S*S*C with Tanh; D: S*S*C -> 256 -> 1.
Class conditioning: G concatenates a learned label embedding to z; D adds a
projection term (Miyato & Koyama 2018) <embed(y), features(x)> to its logit.
"""

from __future__ import annotations

import torch
from torch import nn

SIZES = (28, 32, 64)


def _up(cin: int, cout: int) -> list[nn.Module]:
    return [nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout),
            nn.ReLU(True)]


def _down(cin: int, cout: int, bn: bool = True) -> list[nn.Module]:
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, 4, 2, 1, bias=not bn)]
    if bn:
        layers.append(nn.BatchNorm2d(cout))
    layers.append(nn.LeakyReLU(0.2, True))
    return layers


def dcgan_init(module: nn.Module) -> None:
    """The DCGAN paper's initialisation: N(0, 0.02) convs, N(1, 0.02) BN scales."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


class LabelledInput(nn.Module):
    """Concatenates a learned embedding of the label to the noise (conditional G)."""

    def __init__(self, num_classes: int, dim: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(num_classes, dim) if num_classes else None

    def forward(self, z: torch.Tensor, label: torch.Tensor | None) -> torch.Tensor:
        if self.embed is None:
            return z
        if label is None:
            raise ValueError("this generator is class-conditional: pass a label")
        return torch.cat([z, self.embed(label).to(z.dtype)], dim=1)


class ProjectionHead(nn.Module):
    """Logit = w.h + <embed(y), h> for a feature vector h (N, F). The class
    embeddings start small (N(0, 0.02)): embedding's default N(0, 1) over thousands
    of features gives logits of hundreds, and D saturates from the first step."""

    def __init__(self, features: int, num_classes: int) -> None:
        super().__init__()
        self.linear = nn.Linear(features, 1)
        self.embed = nn.Embedding(num_classes, features) if num_classes else None
        if self.embed is not None:
            nn.init.normal_(self.embed.weight, 0.0, 0.02)

    def forward(self, h: torch.Tensor, label: torch.Tensor | None) -> torch.Tensor:
        out = self.linear(h).squeeze(1)
        if self.embed is not None:
            if label is None:
                raise ValueError("this discriminator is class-conditional: pass a label")
            out = out + (self.embed(label).to(h.dtype) * h).sum(dim=1)
        return out


class DCGANGenerator(nn.Module):
    """(N, z_dim) noise -> (N, channels, size, size) images in [0, 1]."""

    def __init__(self, size: int = 64, channels: int = 3, z_dim: int = 100, width: int = 64,
                 num_classes: int = 0, embed_dim: int = 32) -> None:
        super().__init__()
        if size not in SIZES:
            raise ValueError(f"DCGAN size must be one of {SIZES}, got {size}")
        self.inp = LabelledInput(num_classes, embed_dim)
        zin = z_dim + (embed_dim if num_classes else 0)
        if size == 28:  # 1 -> 7 -> 14 -> 28
            top = width * 4
            layers = [nn.ConvTranspose2d(zin, top, 7, 1, 0, bias=False), nn.BatchNorm2d(top),
                      nn.ReLU(True), *_up(top, width * 2)]
            last = width * 2
        else:  # 1 -> 4 -> 8 -> ... -> size
            n_up = {32: 2, 64: 3}[size]
            top = width * 2 ** n_up
            layers = [nn.ConvTranspose2d(zin, top, 4, 1, 0, bias=False), nn.BatchNorm2d(top),
                      nn.ReLU(True)]
            for i in range(n_up):
                layers += _up(top // 2**i, top // 2 ** (i + 1))
            last = width
        layers += [nn.ConvTranspose2d(last, channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        dcgan_init(self)

    def forward(self, z: torch.Tensor, label: torch.Tensor | None = None) -> torch.Tensor:
        x = self.inp(z, label)
        return self.net(x[:, :, None, None]) * 0.5 + 0.5


class DCGANDiscriminator(nn.Module):
    """(N, channels, size, size) images in [0, 1] -> (N,) logits. ``norm``: "batch"
    (the DCGAN paper) or "spectral" (spectral normalisation of every conv instead of
    batch norm, Miyato et al. 2018)."""

    def __init__(self, size: int = 64, channels: int = 3, width: int = 64,
                 num_classes: int = 0, norm: str = "batch") -> None:
        super().__init__()
        if size not in SIZES:
            raise ValueError(f"DCGAN size must be one of {SIZES}, got {size}")
        if norm not in ("batch", "spectral"):
            raise ValueError(f"norm must be batch or spectral, got {norm!r}")
        bn = norm == "batch"
        if size == 28:  # 28 -> 14 -> 7 -> 1
            layers = [*_down(channels, width, bn=False), *_down(width, width * 2, bn)]
            last, kernel = width * 2, 7
        else:  # size -> ... -> 4 -> 1
            n_down = {32: 3, 64: 4}[size]
            layers = _down(channels, width, bn=False)
            for i in range(n_down - 1):
                layers += _down(width * 2**i, width * 2 ** (i + 1), bn)
            last, kernel = width * 2 ** (n_down - 1), 4
        self.features = nn.Sequential(*layers, nn.Conv2d(last, last, kernel, 1, 0),
                                      nn.LeakyReLU(0.2, True), nn.Flatten())
        self.head = ProjectionHead(last, num_classes)
        dcgan_init(self)
        if not bn:  # in place, after the initialisation
            for m in [*self.features, self.head.linear]:
                if isinstance(m, nn.Conv2d | nn.Linear):
                    nn.utils.parametrizations.spectral_norm(m)
            if self.head.embed is not None:
                nn.utils.parametrizations.spectral_norm(self.head.embed)

    def forward(self, x: torch.Tensor, label: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.features(x * 2.0 - 1.0), label)


class MLPGenerator(nn.Module):
    """The tutorial MLP generator: z (N, 100) -> 256 -> size*size*channels, Tanh."""

    def __init__(self, size: int = 28, channels: int = 1, z_dim: int = 100, hidden: int = 256,
                 num_classes: int = 0, embed_dim: int = 32) -> None:
        super().__init__()
        self.shape = (channels, size, size)
        self.inp = LabelledInput(num_classes, embed_dim)
        zin = z_dim + (embed_dim if num_classes else 0)
        self.net = nn.Sequential(nn.Linear(zin, hidden), nn.ReLU(True),
                                 nn.Linear(hidden, channels * size * size), nn.Tanh())

    def forward(self, z: torch.Tensor, label: torch.Tensor | None = None) -> torch.Tensor:
        out = self.net(self.inp(z, label))
        return out.view(-1, *self.shape) * 0.5 + 0.5


class MLPDiscriminator(nn.Module):
    """The tutorial MLP discriminator: size*size*channels -> 256 -> 1 logit."""

    def __init__(self, size: int = 28, channels: int = 1, hidden: int = 256,
                 num_classes: int = 0) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Flatten(), nn.Linear(channels * size * size, hidden),
                                      nn.LeakyReLU(0.2, True))
        self.head = ProjectionHead(hidden, num_classes)

    def forward(self, x: torch.Tensor, label: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.features(x * 2.0 - 1.0), label)
