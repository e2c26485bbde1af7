"""An endless, seeded stream of batches whose position is just a batch counter.

Sample ``k`` of the stream is item ``perm_e[k % n]`` of epoch ``e = k // n``, where
``perm_e`` is a permutation seeded by ``(seed, e)``. Each item also carries its own
seed, so crops drawn in worker processes do not depend on which worker ran them.
Resuming at batch ``b`` therefore replays exactly what an uninterrupted run sees.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

Key = tuple[int, int]
"""(dataset index, per-sample seed): what the sampler hands the dataset."""


class StreamBatchSampler:
    """Yields lists of ``(index, sample_seed)`` of length ``batch_size`` forever,
    starting at batch ``start_batch``. Batches run across epoch boundaries.

    ``rank``/``world`` split each global batch between processes (distributed
    training): rank r takes every world-th sample, so batch_size is per process.
    ``start_sample`` (default ``start_batch * batch_size * world``) is the global
    stream position of the first batch: a run resumed with another number of
    processes continues the sample stream where the previous processes left it."""

    def __init__(
        self, n_items: int, batch_size: int, seed: int, start_batch: int = 0,
        rank: int = 0, world: int = 1, start_sample: int | None = None,
    ) -> None:
        if n_items <= 0:
            raise ValueError("the dataset is empty")
        self.n = n_items
        self.batch_size = batch_size
        self.seed = seed
        self.start_batch = start_batch
        self.rank = rank
        self.world = world
        self.start_sample = start_sample
        self._perm_epoch = -1
        self._perm = torch.empty(0, dtype=torch.long)

    def _permutation(self, epoch: int) -> torch.Tensor:
        if epoch != self._perm_epoch:
            gen = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
            self._perm = torch.randperm(self.n, generator=gen)
            self._perm_epoch = epoch
        return self._perm

    def key(self, k: int) -> Key:
        """The item and its seed at global stream position ``k``."""
        epoch, pos = divmod(k, self.n)
        index = int(self._permutation(epoch)[pos])
        return index, (self.seed * 7_919 + k) % (2**31 - 1)

    def __iter__(self) -> Iterator[list[Key]]:
        global_bs = self.batch_size * self.world
        first = (self.start_batch * global_bs if self.start_sample is None
                 else self.start_sample) + self.rank
        while True:
            yield [self.key(first + i * self.world) for i in range(self.batch_size)]
            first += global_bs
