"""Growing a compact superres model keeps its function and trains as a larger one."""

from __future__ import annotations

import pytest
import torch

from gantools.plugins.superres.grow import compact_shape, grow_compact
from gantools.plugins.superres.models import CompactSR


def _trained_like(width: int, convs: int) -> CompactSR:
    """A CompactSR with random (non-zero) weights everywhere, tail included."""
    torch.manual_seed(0)
    net = CompactSR(4, width, convs)
    with torch.no_grad():
        net.tail.weight.normal_(0, 0.05)
        for module in net.body:
            if isinstance(module, torch.nn.PReLU):
                module.weight.uniform_(0.05, 0.5)
    return net.eval()


@pytest.mark.parametrize("width,convs", [(8, 2), (12, 2), (8, 5), (13, 4)])
def test_grown_network_computes_the_same(width: int, convs: int) -> None:
    small = _trained_like(8, 2)
    grown_state = grow_compact(small.state_dict(), width, convs, seed=3)
    grown = CompactSR(4, width, convs).eval()
    grown.load_state_dict(grown_state)
    assert compact_shape(grown_state) == (width, convs)
    x = torch.rand(2, 3, 12, 10)
    with torch.no_grad():
        torch.testing.assert_close(grown(x), small(x), atol=1e-5, rtol=0)


def test_copies_drift_apart_under_training() -> None:
    small = _trained_like(8, 2)
    grown = CompactSR(4, 12, 2)
    grown.load_state_dict(grow_compact(small.state_dict(), 12, 2, seed=1))
    first = grown.body[0].weight
    copies = list(range(8, 12))
    sources = [int(torch.nonzero((first[:8] - first[j]).abs().sum((1, 2, 3)) == 0)[0])
               for j in copies]
    torch.optim.SGD(grown.parameters(), lr=0.1).zero_grad()
    loss = (grown(torch.rand(2, 3, 12, 12)) - torch.rand(2, 3, 48, 48)).abs().mean()
    loss.backward()
    grads = grown.body[0].weight.grad
    for j, src in zip(copies, sources, strict=True):
        assert not torch.allclose(grads[j], grads[src])


def test_shrinking_is_refused() -> None:
    state = _trained_like(8, 3).state_dict()
    with pytest.raises(ValueError, match="can only grow"):
        grow_compact(state, 6, 3)
    with pytest.raises(ValueError, match="can only grow"):
        grow_compact(state, 8, 2)
