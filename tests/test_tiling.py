"""Tiled inference matches untiled inference, with the expected number of calls."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gantools.tiling import auto_tile, count_tiles, tiled_apply


def small_net(scale: int) -> nn.Module:
    """3 conv layers 3x3 (receptive radius 3), then a x2 pixel shuffle when scale 2."""
    torch.manual_seed(0)
    layers: list[nn.Module] = [nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(),
                               nn.Conv2d(8, 8, 3, padding=1), nn.ReLU()]
    if scale == 1:
        layers += [nn.Conv2d(8, 3, 3, padding=1), nn.Sigmoid()]
    else:
        layers += [nn.Conv2d(8, 3 * scale * scale, 3, padding=1), nn.PixelShuffle(scale),
                   nn.Sigmoid()]
    return nn.Sequential(*layers).eval()


class Counting:
    """Wraps a module and counts calls."""

    def __init__(self, net: nn.Module) -> None:
        self.net, self.calls = net, 0

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return self.net(x)


@pytest.mark.parametrize("scale", [1, 2])
@pytest.mark.parametrize("tile, overlap", [(40, 8), (33, 6), (64, 8)])
def test_tiled_matches_untiled(scale: int, tile: int, overlap: int) -> None:
    torch.manual_seed(1)
    image = torch.rand(1, 3, 97, 130)
    fn = Counting(small_net(scale))
    with torch.inference_mode():
        full = fn(image)
        fn.calls = 0
        ticks: list[int] = []
        tiled = tiled_apply(fn, image, tile, overlap, scale, ticks.append)
    assert tiled.shape == full.shape == (1, 3, 97 * scale, 130 * scale)
    assert tiled.dtype == torch.float32
    close = (tiled - full).abs() <= 1 / 255
    assert close.float().mean() >= 0.999
    assert (tiled - full).abs().max() < 1e-4  # receptive radius <= overlap // 2: exact
    n = count_tiles(97, 130, tile, overlap)
    assert n > 1 and fn.calls == n and sum(ticks) == n and len(ticks) == n


def test_tiles_never_exceed_tile_size() -> None:
    sizes: list[tuple[int, int]] = []

    def fn(x: torch.Tensor) -> torch.Tensor:
        sizes.append(tuple(x.shape[-2:]))
        return x

    tiled_apply(fn, torch.rand(1, 3, 97, 130), 40, 8, 1)
    assert all(h <= 40 and w <= 40 for h, w in sizes)


def test_blend_weights_sum_to_one() -> None:
    image = torch.rand(1, 1, 61, 77)
    out = tiled_apply(lambda x: torch.ones(1, 1, x.shape[2] * 3, x.shape[3] * 3),
                      image, 24, 5, 3)
    assert torch.allclose(out, torch.ones_like(out), atol=1e-6)


@pytest.mark.parametrize("tile", [0, -1, 130, 500])
def test_single_call_when_untiled_or_fits(tile: int) -> None:
    fn = Counting(nn.Identity())
    ticks: list[int] = []
    image = torch.rand(1, 3, 97, 130)
    out = tiled_apply(fn, image, tile, 16, 1, ticks.append)
    assert fn.calls == 1 and ticks == [1]
    assert count_tiles(97, 130, tile, 16) == 1
    assert torch.equal(out, image)


def test_tile_too_small_for_overlap() -> None:
    with pytest.raises(ValueError, match="twice the overlap"):
        tiled_apply(lambda x: x, torch.rand(1, 3, 50, 50), 32, 16, 1)


def test_wrong_output_size_is_reported() -> None:
    with pytest.raises(ValueError, match="expected"):
        tiled_apply(lambda x: x, torch.rand(1, 3, 50, 50), 24, 4, 2)


def test_auto_tile() -> None:
    budget = 1 << 30
    assert auto_tile(256, 256, 3, 4, budget) == 0
    assert auto_tile(4000, 3000, 3, 4, budget) == 256
    assert auto_tile(800, 800, 3, 1, budget) == 0
    assert auto_tile(4000, 3000, 3, 1, budget) == 768
    assert auto_tile(4000, 3000, 3, 4, 1) == 64


def reference_tiled(fn, image: torch.Tensor, tile: int, overlap: int, scale: int) -> torch.Tensor:
    """The one-accumulator blend (the pre-streaming tiled_apply), for comparison."""
    from gantools.tiling import _axis_weights, _starts

    height, width = image.shape[-2:]
    ys, xs = _starts(height, tile, overlap), _starts(width, tile, overlap)
    th, tw = min(height, tile), min(width, tile)
    out = None
    for iy, y in enumerate(ys):
        for ix, x in enumerate(xs):
            result = fn(image[:, :, y:y + th, x:x + tw])
            wy = _axis_weights(ys, th, overlap, scale, iy, result.device)
            wx = _axis_weights(xs, tw, overlap, scale, ix, result.device)
            result = (result.float() * (wy[:, None] * wx[None, :])).to("cpu", torch.float32)
            if out is None:
                out = torch.zeros(1, result.shape[1], height * scale, width * scale)
            out[:, :, y * scale:(y + th) * scale, x * scale:(x + tw) * scale] += result
    return out


@pytest.mark.parametrize("scale", [1, 4])
@pytest.mark.parametrize("size, tile, overlap", [((97, 130), 40, 8), ((61, 77), 24, 5),
                                                 ((50, 200), 40, 8), ((200, 50), 33, 6),
                                                 ((100, 130), 30, 10)])
def test_stream_tiles_is_bit_identical_to_one_accumulator(scale, size, tile, overlap) -> None:
    from gantools.tiling import stream_tiles

    torch.manual_seed(2)
    net = nn.Sequential(nn.Conv2d(3, 3 * scale * scale, 3, padding=1),
                        nn.PixelShuffle(scale)).eval()
    image = torch.rand(1, 3, *size)
    calls: list[tuple[int, int]] = []
    rows: list[torch.Tensor] = []

    def sink(y: int, part: torch.Tensor) -> None:
        calls.append((y, part.shape[2]))
        rows.append(part.clone())

    ticks: list[int] = []
    with torch.inference_mode():
        expected = reference_tiled(net, image, tile, overlap, scale)
        stream_tiles(net, image, tile, overlap, scale, sink, ticks.append)
        collected = tiled_apply(net, image, tile, overlap, scale)
    streamed = torch.cat(rows, dim=2)
    assert torch.equal(streamed, expected) and torch.equal(collected, expected)
    # contiguous, in order, each band at most one tile high
    assert calls[0][0] == 0 and sum(n for _, n in calls) == size[0] * scale
    assert all(a + n == b for (a, n), (b, _) in zip(calls, calls[1:], strict=False))
    assert max(n for _, n in calls) <= min(tile, size[0]) * scale
    assert sum(ticks) == count_tiles(*size, tile, overlap)


def test_stream_tiles_untiled_gives_one_piece() -> None:
    from gantools.tiling import stream_tiles

    image = torch.rand(1, 3, 20, 30)
    got: list[tuple[int, torch.Tensor]] = []
    stream_tiles(lambda x: x * 2, image, 0, 4, 1, lambda y, r: got.append((y, r)))
    assert len(got) == 1 and got[0][0] == 0 and torch.equal(got[0][1], image * 2)
