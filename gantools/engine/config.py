"""The core's training options, shared by every task (``gantools train TASK``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


def opt(default, help: str, **extra):  # noqa: A002 - mirrors click's keyword
    """A dataclass field whose ``help`` becomes the CLI option's help text."""
    return field(default=default, metadata={"help": help, **extra})


@dataclass
class TrainConfig:
    """Options of the shared adversarial loop. Task options live in the task's Config."""

    data: str = opt("", "Training data: a folder of images (recursive), several folders "
                        "joined with ':' (a:b), or MNIST-format idx files (a folder or an "
                        "images .gz file).", required=True)
    out: str = opt("", "Run folder: config, checkpoints, samples, metrics.jsonl.",
                   required=True)
    steps: int = opt(10_000, "Total training steps (one D and one G update each).")
    batch_size: int = opt(64, "Images per step (per process when distributed).")
    lr_g: float = opt(2e-4, "Generator learning rate (Adam).")
    lr_d: float = opt(2e-4, "Discriminator learning rate (Adam).")
    beta1: float = opt(0.5, "Adam beta1 (0.5 is the DCGAN default).")
    beta2: float = opt(0.999, "Adam beta2.")
    lr_schedule: Literal["constant", "cosine"] = opt(
        "constant", "Learning rates: constant, or cosine decay to 0 at --steps.")
    loss: Literal["bce", "hinge", "wgan-gp"] = opt(
        "bce", "Adversarial objective: bce (original GAN), hinge, or wgan-gp.")
    gp_weight: float = opt(10.0, "Gradient-penalty weight for wgan-gp.")
    r1: float = opt(0.0, "R1 penalty gamma on real images (0 = off).")
    ema_decay: float = opt(0.999, "EMA decay of the generator weights used for "
                                  "samples and export.")
    precision: Literal["auto", "fp32", "bf16", "fp16"] = opt(
        "auto", "Autocast precision; auto = bf16/fp16 on GPU, bf16 on CPUs with native "
                "bf16 (AVX512-BF16/AMX), else fp32.")
    device: str = opt("auto", "auto (cuda, then mps, then cpu), cpu, cuda, cuda:N, mps.")
    channels_last: bool = opt(True, "Use the channels-last memory layout (faster "
                                     "convolutions on CPU and tensor cores).")
    threads: int = opt(0, "CPU threads for torch (0 = torch's default, one per core). "
                          "Use 1 per process when several jobs share the cores.")
    init_from: str = opt("", "Start the generator from exported weights (.safetensors "
                             "with its card), e.g. GAN fine-tuning of a PSNR model.")
    sync_bn: bool = opt(False, "Multi-GPU runs (torchrun): convert batch-norm layers to "
                               "SyncBatchNorm, so statistics cover the global batch. "
                               "Needs CUDA; ignored with one process.")
    seed: int = opt(0, "Seed of every random choice; the same seed replays the run.")
    workers: int = opt(-1, "DataLoader worker processes; -1 = auto (0 for in-memory "
                           "data, else min(4, cores)).")
    log_every: int = opt(50, "Steps between metrics.jsonl lines.")
    sample_every: int = opt(500, "Steps between sample grids (0 = only at the end).")
    checkpoint_every: int = opt(500, "Steps between checkpoints (and at the end).")
    keep_checkpoints: int = opt(2, "How many recent checkpoints to keep.")
    n_samples: int = opt(64, "Images in each sample grid.")


RESUME_MAY_CHANGE = frozenset({
    "data", "out", "steps", "device", "workers", "threads", "log_every", "sample_every",
    "checkpoint_every", "keep_checkpoints", "sync_bn",
})
"""Options that may differ between a run and its resumption; any other difference
would silently change the run, so resume refuses it. The number of processes
(torchrun's world size) is not an option: it may change too (see docs/training.md)."""
