"""The training data stream: DataLoader workers decode uint8 crops on the CPU; the
batch is copied (pinned, non-blocking) to the device and turned into floats there."""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch.utils.data import DataLoader, Dataset

from gantools.data.sampler import StreamBatchSampler
from gantools.task import Batch


def batch_stream(
    dataset: Dataset, batch_size: int, seed: int, start_batch: int, device: torch.device,
    workers: int = 0, channels_last: bool = False, rank: int = 0, world: int = 1,
    start_sample: int | None = None,
) -> Iterator[Batch]:
    """Endless :class:`Batch` es on ``device``, images (N, C, H, W) float in [0, 1],
    starting at batch ``start_batch`` of the seeded stream (or at global sample
    ``start_sample``; ``rank``/``world``: this process's share, see
    :class:`StreamBatchSampler`)."""
    sampler = StreamBatchSampler(len(dataset), batch_size, seed, start_batch, rank, world,
                                 start_sample)
    loader = DataLoader(
        dataset,
        batch_sampler=sampler,
        num_workers=workers,
        pin_memory=device.type == "cuda",
        persistent_workers=workers > 0,
        prefetch_factor=4 if workers > 0 else None,
        # a private generator: creating the iterator must not consume the global RNG
        generator=torch.Generator().manual_seed(seed),
    )
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    for item in loader:
        image = item["image"].to(device, non_blocking=True)
        image = image.float().div_(255.0).contiguous(memory_format=fmt)
        label = item.get("label")
        yield Batch(image=image, label=None if label is None else label.to(device))


def fixed_batch(dataset: Dataset, n: int, device: torch.device) -> Batch:
    """The first ``n`` items of the dataset (seed 0), for sample grids."""
    n = min(n, len(dataset))
    items = [dataset[(i, 0)] for i in range(n)]
    image = torch.stack([it["image"] for it in items]).to(device).float() / 255.0
    label = torch.stack([it["label"] for it in items]).to(device) if "label" in items[0] else None
    return Batch(image=image, label=label)
