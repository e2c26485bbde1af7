"""Multi-process (torchrun) training: process group, ranks and small collectives.

``torchrun --nproc_per_node=N -m gantools train TASK ...`` starts N processes with
``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` in their environment. :class:`Dist`
reads them; :meth:`Dist.start` initialises the process group (NCCL when training
on CUDA, gloo otherwise) and :meth:`Dist.stop` destroys it. With one process (or
no torchrun) every helper is a cheap no-op, so the trainer calls them
unconditionally.

Control messages (stop flags, barriers, pickled objects) go through a gloo group
even when the gradients use NCCL, so they never synchronise the GPU stream.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn


def env_world() -> tuple[int, int, int]:
    """(rank, world size, local rank) from torchrun's environment; (0, 1, 0) without."""
    def read(name: str, default: int) -> int:
        try:
            return int(os.environ.get(name, default))
        except ValueError:
            return default
    return read("RANK", 0), max(1, read("WORLD_SIZE", 1)), read("LOCAL_RANK", 0)


def local_device(device: torch.device, local_rank: int, world: int) -> torch.device:
    """The device of this process: ``cuda:LOCAL_RANK`` for a plain ``cuda`` device
    in a multi-process run; anything else unchanged."""
    if world > 1 and device.type == "cuda" and device.index is None:
        return torch.device("cuda", local_rank)
    return device


@dataclass
class Dist:
    """This process's place in the run, and the collectives the trainer needs."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0
    backend: str = ""
    _owns_group: bool = False
    _control: Any = field(default=None, repr=False)
    _control_device: torch.device = field(default=torch.device("cpu"), repr=False)

    @classmethod
    def from_env(cls) -> Dist:
        rank, world, local_rank = env_world()
        return cls(rank=rank, world=world, local_rank=local_rank)

    @property
    def enabled(self) -> bool:
        return self.world > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    # ----- life cycle ------------------------------------------------------------
    def start(self, device: torch.device) -> None:
        """Join the process group (a no-op with one process, or when the caller
        already initialised one)."""
        if not self.enabled:
            return
        import torch.distributed as dist

        if not dist.is_available():
            raise RuntimeError("torch.distributed is not available in this torch build")
        if device.type == "cuda":
            torch.cuda.set_device(device)
        if not dist.is_initialized():
            self.backend = "nccl" if device.type == "cuda" else "gloo"
            kwargs: dict[str, Any] = {"backend": self.backend}
            if device.type == "cuda":
                kwargs["device_id"] = device
            try:
                dist.init_process_group(**kwargs)
            except TypeError:  # older torch: no device_id
                kwargs.pop("device_id", None)
                dist.init_process_group(**kwargs)
            self._owns_group = True
        else:
            self.backend = str(dist.get_backend())
        self.rank, self.world = dist.get_rank(), dist.get_world_size()
        self._control, self._control_device = None, torch.device("cpu")
        if self.backend != "gloo":
            try:
                self._control = dist.new_group(backend="gloo")
            except (RuntimeError, ValueError):  # no gloo: control goes through the main group
                self._control, self._control_device = None, device

    def stop(self) -> None:
        """Leave the process group (only when :meth:`start` created it)."""
        if not self._owns_group:
            return
        import torch.distributed as dist

        self._owns_group = False
        if dist.is_initialized():
            dist.destroy_process_group()

    # ----- collectives -------------------------------------------------------------
    def barrier(self) -> None:
        if self.enabled:
            import torch.distributed as dist

            dist.barrier(group=self._control)

    def any_true(self, flag: bool) -> bool:
        """True on every rank when ``flag`` is true on at least one (CPU, no GPU sync)."""
        if not self.enabled:
            return flag
        import torch.distributed as dist

        value = torch.tensor([1 if flag else 0], dtype=torch.int32, device=self._control_device)
        dist.all_reduce(value, op=dist.ReduceOp.MAX, group=self._control)
        return bool(value.item())

    def mean(self, values: torch.Tensor) -> torch.Tensor:
        """The mean over ranks of a float tensor (on the training device)."""
        if not self.enabled:
            return values
        import torch.distributed as dist

        values = values.clone()
        dist.all_reduce(values, op=dist.ReduceOp.SUM)
        return values / self.world

    def broadcast_object(self, obj: Any) -> Any:
        """Rank 0's ``obj`` on every rank (pickled; for small control data or the
        resume state)."""
        if not self.enabled:
            return obj
        import torch.distributed as dist

        box = [obj if self.is_main else None]
        dist.broadcast_object_list(box, src=0, group=self._control)
        return box[0]

    def gather_object(self, obj: Any) -> list[Any] | None:
        """Every rank's ``obj`` as a list on rank 0 (None elsewhere)."""
        if not self.enabled:
            return [obj]
        import torch.distributed as dist

        out: list[Any] | None = [None] * self.world if self.is_main else None
        dist.gather_object(obj, out, dst=0, group=self._control)
        return out

    def broadcast_module(self, module: nn.Module) -> None:
        """Overwrite ``module``'s parameters and buffers with rank 0's."""
        if not self.enabled:
            return
        import torch.distributed as dist

        with torch.no_grad():
            for tensor in [*module.parameters(), *module.buffers()]:
                dist.broadcast(tensor.data, src=0)

    def broadcast_buffers(self, module: nn.Module) -> None:
        """Rank 0's buffers (batch-norm running statistics) on every rank."""
        if not self.enabled:
            return
        import torch.distributed as dist
        from torch._utils import _flatten_dense_tensors, _unflatten_dense_tensors

        by_dtype: dict[tuple[torch.dtype, torch.device], list[torch.Tensor]] = {}
        for tensor in module.buffers():
            by_dtype.setdefault((tensor.dtype, tensor.device), []).append(tensor)
        with torch.no_grad():  # one broadcast per dtype, not one per buffer
            for tensors in by_dtype.values():
                flat = _flatten_dense_tensors([t.data for t in tensors])
                dist.broadcast(flat, src=0)
                for t, synced in zip(tensors, _unflatten_dense_tensors(flat, tensors),
                                     strict=True):
                    t.data.copy_(synced)

    def wrap(self, module: nn.Module, device: torch.device) -> nn.Module:
        """``module`` in DistributedDataParallel (rank 0's weights are broadcast at
        wrap time); the module itself with one process."""
        if not self.enabled:
            return module
        import inspect

        from torch.nn.parallel import DistributedDataParallel

        ids = [device.index] if device.type == "cuda" else None
        # buffers are synchronised explicitly after each step (broadcast_buffers), so
        # forwards through the bare module (D during G's step) keep ranks identical;
        # newer torch spells "no buffer broadcast at each forward" forward_sync_buffers
        accepted = inspect.signature(DistributedDataParallel.__init__).parameters
        sync = ({"forward_sync_buffers": False} if "forward_sync_buffers" in accepted
                else {"broadcast_buffers": False})
        # channels-last weights with one input channel have ambiguous strides: torch
        # warns that their gradient layout differs from the bucket's (harmless)
        warnings.filterwarnings("ignore", message="Grad strides do not match bucket view")
        return DistributedDataParallel(module, device_ids=ids, **sync)
