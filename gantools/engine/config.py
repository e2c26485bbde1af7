"""The core's training options, shared by every task (``gantools train TASK``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal


def opt(default, help: str, **extra):  # noqa: A002 - mirrors click's keyword
    """A dataclass field whose ``help`` becomes the CLI option's help text. ``min`` /
    ``max`` (inclusive) and ``choices`` in ``extra`` bound its value: click checks them
    on the command line, :func:`check_ranges` in Python."""
    return field(default=default, metadata={"help": help, **extra})


def range_problem(name: str, value: Any, metadata: Any) -> str | None:
    """Why ``value`` of field ``name`` is outside its ``min`` / ``max`` / ``choices``
    metadata (as ``--name VALUE: ...``), or None when it is inside."""
    flag = f"--{name.replace('_', '-')} {value}"
    low, high, choices = metadata.get("min"), metadata.get("max"), metadata.get("choices")
    if choices is not None and value not in choices:
        return f"{flag}: must be one of {', '.join(map(str, choices))}"
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    if low is not None and value < low:
        return f"{flag}: must be at least {low}"
    if high is not None and value > high:
        return f"{flag}: must be at most {high}"
    return None


def check_ranges(cfg: Any) -> None:
    """Refuse (ValueError, one line) a config dataclass with a field outside the
    bounds its metadata declares; the first such field is named."""
    for f in dataclasses.fields(cfg):
        problem = range_problem(f.name, getattr(cfg, f.name), f.metadata)
        if problem:
            raise ValueError(problem)


@dataclass
class TrainConfig:
    """Options of the shared adversarial loop. Task options live in the task's Config."""

    data: str = opt("", "Training data: a folder of images (recursive), several folders "
                        "joined with ':' (a:b), or MNIST-format idx files (a folder or an "
                        "images .gz file).", required=True)
    out: str = opt("", "Run folder: config, checkpoints, samples, metrics.jsonl.",
                   required=True)
    labels_from_name: str = opt(
        "", "Class labels from the file names: a regular expression searched in each "
            "name (without extension) whose groups form the class, e.g. "
            "'^(?P<age>\\d+)_(?P<gender>[01])_' for UTKFace. Files that do not match are "
            "left out (counted in a note). Replaces sub-folder classes.")
    label_map: str = opt(
        "", "With --labels-from-name: readable names per group, 'group=value:name,...' "
            "with ';' between groups; a value may be a range lo-hi (60- = open), e.g. "
            "'age=0-19:young,20-59:adult,60-:senior;gender=0:male,1:female'. Class = the "
            "names joined by spaces ('adult female').")
    steps: int = opt(10_000, "Total training steps (one D and one G update each).", min=1)
    batch_size: int = opt(64, "Images per step (per process when distributed).", min=1)
    lr_g: float = opt(2e-4, "Generator learning rate (Adam).", min=0.0)
    lr_d: float = opt(2e-4, "Discriminator learning rate (Adam).", min=0.0)
    beta1: float = opt(0.5, "Adam beta1 (0.5 is the DCGAN default).", min=0.0, max=1.0)
    beta2: float = opt(0.999, "Adam beta2.", min=0.0, max=1.0)
    lr_schedule: Literal["constant", "cosine"] = opt(
        "constant", "Learning rates: constant, or cosine decay to 0 at --steps.")
    loss: Literal["bce", "hinge", "wgan-gp"] = opt(
        "bce", "Adversarial objective: bce (original GAN), hinge, or wgan-gp.")
    gp_weight: float = opt(10.0, "Gradient-penalty weight for wgan-gp.", min=0.0)
    r1: float = opt(0.0, "R1 penalty gamma on real images (0 = off).", min=0.0)
    feature_matching: float = opt(
        0.0, "Weight of discriminator feature matching in the generator loss: mean L1 "
             "between D's intermediate activations on generated and real images, a "
             "perceptual loss that needs no pretrained network (the discriminator must "
             "define feature_maps(*inputs) -> list of tensors; the built-in ones of superres "
             "do). Logged as fm. 0 = off.", min=0.0)
    artifact_weight: float = opt(
        0.0, "Weight of LDL's artifact loss (Liang et al. 2022) in the generator loss: L1 "
             "to the target at the pixels where the output is worse than the EMA "
             "generator's and its error varies sharply (artifacts rather than detail), "
             "for GAN training of image-to-image tasks (superres, inpaint, colorize). "
             "Needs --ema-decay > 0 and an adversarial term. Logged as artifact. 0 = off.", min=0.0)
    diffaugment: str = opt(
        "", "Differentiable augmentation of everything D sees, real and generated alike "
            "(DiffAugment): comma-separated ops from colour, translation, cutout; e.g. "
            "colour,translation,cutout for a few thousand images. Empty = off.")
    augment_p: float = opt(1.0, "Probability that each --diffaugment op is applied to an "
                                "image (1 = DiffAugment as published); with --ada-target, "
                                "the starting value.", min=0.0, max=1.0)
    ada_target: float = opt(
        0.0, "Adapt --augment-p during training (as ADA): raise it while the overfitting "
             "signal r_t = mean sign(D(real)) is above this target, lower it below (0.6 in "
             "the ADA paper); 0 = keep it fixed. Logged as aug_p and ada_rt.",
        min=0.0, max=1.0)
    ada_kimg: float = opt(100.0, "With --ada-target: thousands of images over which p can "
                                 "move from 0 to 1 (lower adapts faster).", min=0.001)
    ema_decay: float = opt(0.999, "EMA decay of the generator weights used for "
                                  "samples and export.", min=0.0, max=1.0)
    precision: Literal["auto", "fp32", "bf16", "fp16"] = opt(
        "auto", "Autocast precision; auto = bf16/fp16 on GPU, bf16 on CPUs with native "
                "bf16 (AVX512-BF16/AMX), else fp32.")
    device: str = opt("auto", "auto (cuda, then mps, then cpu), cpu, cuda, cuda:N, mps.")
    channels_last: bool = opt(True, "Use the channels-last memory layout (faster "
                                     "convolutions on CPU and tensor cores).")
    threads: int = opt(0, "CPU threads for torch (0 = torch's default, one per core). "
                          "Use 1 per process when several jobs share the cores.", min=0)
    init_from: str = opt("", "Start the generator from exported weights (.safetensors "
                             "with its card), e.g. GAN fine-tuning of a PSNR model.")
    sync_bn: bool = opt(False, "Multi-GPU runs (torchrun): convert batch-norm layers to "
                               "SyncBatchNorm, so statistics cover the global batch. "
                               "Needs CUDA; ignored with one process.")
    seed: int = opt(0, "Seed of every random choice; the same seed replays the run.")
    workers: int = opt(-1, "DataLoader worker processes; -1 = auto (0 for in-memory "
                           "data, else min(4, cores)).", min=-1)
    log_every: int = opt(50, "Steps between metrics.jsonl lines.", min=1)
    sample_every: int = opt(500, "Steps between sample grids (0 = only at the end).", min=0)
    checkpoint_every: int = opt(500, "Steps between checkpoints (and at the end).", min=1)
    keep_checkpoints: int = opt(2, "How many recent checkpoints to keep.", min=1)
    n_samples: int = opt(64, "Images in each sample grid.", min=1)


RESUME_MAY_CHANGE = frozenset({
    "data", "out", "steps", "device", "workers", "threads", "log_every", "sample_every",
    "checkpoint_every", "keep_checkpoints", "sync_bn", "lr_g", "lr_d",
})
"""Options that may differ between a run and its resumption (the learning rates apply
from the resumed step on, at the schedule's position: e.g. a discriminator warm-up at
``--lr-g 0``, then ``--resume --lr-g 5e-5``); any other difference would silently
change the run, so resume refuses it. The number of processes
(torchrun's world size) is not an option: it may change too (see docs/training.md)."""
