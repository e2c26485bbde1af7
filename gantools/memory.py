"""The memory guard: how much memory an image job needs, how much the machine (or
its container) can still give, and a clear refusal when it does not fit, instead
of a visit from the OOM killer."""

from __future__ import annotations

import os
from pathlib import Path

MEMORY_ENV = "GANTOOLS_MAX_MEMORY"
"""Environment variable capping the memory gantools assumes it may use, in bytes
(suffixes K, M, G accepted); useful on shared machines."""

GIB = 1 << 30


class NotEnoughMemory(ValueError):
    """A job refused by the memory guard; the message has both numbers."""


def _meminfo_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_available() -> int | None:
    """Room left under a cgroup v2 memory limit (containers), or None."""
    base = Path("/sys/fs/cgroup")
    try:
        limit = (base / "memory.max").read_text().strip()
        if limit == "max":
            return None
        return max(0, int(limit) - int((base / "memory.current").read_text()))
    except (OSError, ValueError):
        return None


def parse_bytes(text: str) -> int:
    """``"3G"``, ``"512M"``, ``"1048576"`` -> bytes; ValueError otherwise."""
    text = text.strip().upper().removesuffix("B")
    factor = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
    number = text[:-1] if factor > 1 else text
    return int(float(number) * factor)


def available_memory() -> int | None:
    """Bytes this process may still allocate: the smallest of the OS's available
    memory, the cgroup's remaining room and ``$GANTOOLS_MAX_MEMORY``; None when
    none of them is known (then no job is refused)."""
    candidates = [v for v in (_meminfo_available(), _cgroup_available()) if v is not None]
    raw = os.environ.get(MEMORY_ENV, "").strip()
    if raw:
        try:
            candidates.append(parse_bytes(raw))
        except ValueError:
            raise ValueError(f"{MEMORY_ENV}={raw!r} is not a size (e.g. 4G)") from None
    return min(candidates) if candidates else None


def image_job_bytes(height: int, width: int, scale: int, in_channels: int, out_channels: int,
                    bit_depth: int, has_alpha: bool, tile: int, streamed_write: bool) -> int:
    """Peak bytes of one image through the batch pipeline, beyond the model itself.

    Input tensor (float32, ``in_channels`` incl. companions), the output pixel array
    (uint8/uint16), the tiler's float32 band (one tile of output rows, full width,
    3 channels), the alpha channel resized at full size in float32, and the
    encoder's copy unless the output is streamed (big PNG/JPEG)."""
    out_pixels = height * width * scale * scale
    item = 2 if bit_depth == 16 else 1
    total = height * width * in_channels * 4
    total += out_pixels * out_channels * item
    band_rows = (tile or height) * scale
    total += band_rows * width * scale * 3 * 4
    if has_alpha:
        total += height * width * 4 + out_pixels * (4 * 2 + item)
    if not streamed_write:
        total += out_pixels * 4 + out_pixels * out_channels * item
    return total


def format_bytes(n: int) -> str:
    """``1536 * 2**20`` -> "1.5 GB"; below 1 GB in MB."""
    return f"{n / GIB:.1f} GB" if n >= GIB else f"{n / (1 << 20):.0f} MB"


def check_fits(needed: int, what: str) -> None:
    """Raise :class:`NotEnoughMemory` with both numbers when ``needed`` bytes exceed
    what is available (nothing is checked when availability is unknown)."""
    free = available_memory()
    if free is not None and needed > free:
        raise NotEnoughMemory(f"{what} needs about {format_bytes(needed)} of memory but "
                              f"only {format_bytes(free)} is available; process it on a "
                              "bigger machine or downscale it first")
