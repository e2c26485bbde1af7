"""``--shard I/N``: splitting one batch between N machines (or the N tasks of a cluster
array job) that share a folder, with no overlap. Standard library only.

Every shard expands the same inputs, sorts the jobs by path string (the same order on
every machine, whatever the command-line order) and keeps the jobs at the positions p
with ``p % N == I - 1``. Round-robin rather than contiguous blocks: neighbouring files
(one camera's burst, one sub-folder) tend to have similar sizes, so dealing them out
one at a time balances the work better. Files that will be skipped whatever the disk
holds (companions such as masks, files inside the output folder, earlier outputs) are
dealt out separately, so that they do not unbalance the real work; every file still
lands in exactly one shard. Output names do not depend on the shard, so shards writing
into one ``-o DIR`` never collide.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

Job = tuple[Path, "Path | None"]

_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` -> (I, N) with 1 <= I <= N; ValueError with a one-line reason."""
    match = _SHARD.fullmatch(text or "")
    if match is None:
        raise ValueError(f"--shard {text!r}: expected I/N, e.g. --shard 2/4 "
                         "(shard I of N, counted from 1)")
    index, count = int(match[1]), int(match[2])
    if count < 1:
        raise ValueError(f"--shard {text}: N must be at least 1")
    if not 1 <= index <= count:
        raise ValueError(f"--shard {text}: I must be between 1 and {count} (shards are "
                         "counted from 1; with Slurm use $((SLURM_ARRAY_TASK_ID+1)) for a "
                         "0-based array)")
    return index, count


def shard_jobs(jobs: list[Job], index: int, count: int,
               excluded: Callable[[Path, Path | None], bool] | None = None) -> list[Job]:
    """The jobs of shard ``index`` (1-based) of ``count``, in path order.

    ``jobs`` are sorted by path string; the ones for which ``excluded(src, root)`` is
    true (files that will be skipped anyway) and the others are each dealt out
    round-robin: position p goes to shard ``p % count + 1``.
    """
    ordered = sorted(jobs, key=lambda job: str(job[0]))
    if count == 1:
        return ordered
    mine: list[Job] = []
    positions = [0, 0]  # next position among kept jobs, among excluded jobs
    for job in ordered:
        kind = 1 if excluded is not None and excluded(job[0], job[1]) else 0
        if positions[kind] % count == index - 1:
            mine.append(job)
        positions[kind] += 1
    return mine
