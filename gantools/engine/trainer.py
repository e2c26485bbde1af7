"""The shared adversarial training loop, used unchanged by every task.

Per step: the task turns real images into (condition, target); D takes one step on
real vs generated images; G takes one step on the adversarial term plus the task's
own losses; the EMA generator follows. Everything needed to resume exactly is
checkpointed atomically.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from gantools.data.datasets import open_dataset
from gantools.data.loader import batch_stream, fixed_batch
from gantools.engine import checkpoint as ckpt
from gantools.engine import losses
from gantools.engine.artifact_loss import artifact_loss
from gantools.engine.config import RESUME_MAY_CHANGE, TrainConfig, check_ranges
from gantools.engine.device import autocast, pick_device, resolve_precision
from gantools.engine.diffaugment import AdaptiveProbability, DiscriminatorAugment, parse_policy
from gantools.engine.distributed import Dist, local_device
from gantools.engine.ema import EMA
from gantools.engine.runlock import RunFolderBusy, RunLock
from gantools.engine.runlog import RunLog
from gantools.engine.small_images import warn_small_images
from gantools.task import ImageTask, Task


def options_changed(saved: dict[str, Any], current: Any) -> dict[str, tuple[Any, Any]]:
    """``{name: (saved value, current value)}`` for the options of dataclass ``current``
    that differ from a checkpoint's ``saved`` dict. An option newer than the checkpoint
    counts as having had its default then (runs resume across upgrades); one the
    checkpoint has and ``current`` lacks shows as ``(value, None)``."""
    now = dataclasses.asdict(current)
    defaults = {f.name: f.default for f in dataclasses.fields(current)}
    changed = {k: (saved.get(k, defaults[k]), v) for k, v in now.items()
               if saved.get(k, defaults[k]) != v}
    changed.update({k: (v, None) for k, v in saved.items() if k not in now})
    return changed


class TrainingError(RuntimeError):
    """A run that cannot start or must stop (bad options, NaN losses, ...)."""


@dataclass
class TrainResult:
    """What a finished (or interrupted) run produced."""

    out: Path
    step: int
    interrupted: bool
    wall_time: float
    last_metrics: dict[str, float]


def _to_device_format(module: nn.Module, device: torch.device, channels_last: bool) -> nn.Module:
    module = module.to(device)
    return module.to(memory_format=torch.channels_last) if channels_last else module


def _seed_everything(seed: int) -> None:
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


class Trainer:
    """Runs ``task`` with its config ``task_cfg`` under the core options ``cfg``."""

    def __init__(
        self, task: Task, task_cfg: Any, cfg: TrainConfig, resume: bool = False,
        command: list[str] | None = None, progress: bool = True,
    ) -> None:
        check_ranges(cfg)
        check_ranges(task_cfg)
        self.task, self.task_cfg, self.cfg = task, task_cfg, cfg
        self.resume, self.progress = resume, progress
        self.command = list(command if command is not None else sys.argv)
        if self.command:  # the program's name, not the path of this machine's venv
            self.command[0] = Path(self.command[0]).name
            if self.command[0] == "__main__.py":  # python -m gantools, torchrun -m gantools
                self.command[0] = "gantools"
        self.out = Path(cfg.out)
        self.dist = Dist.from_env()  # torchrun's RANK / WORLD_SIZE / LOCAL_RANK
        self.device = local_device(pick_device(cfg.device), self.dist.local_rank,
                                   self.dist.world)
        self.dtype = resolve_precision(cfg.precision, self.device)
        self.log = RunLog(self.out, enabled=self.is_main)
        self.lock = RunLock(self.out)
        self.step = 0
        self.samples_seen = 0  # global stream position (all processes together)
        self._last_saved = -1
        self.wall_time = 0.0
        self._stop_requested = False
        try:
            policy = parse_policy(cfg.diffaugment)
        except ValueError as exc:
            raise TrainingError(str(exc)) from None
        self.augment = DiscriminatorAugment(policy, cfg.augment_p)
        self.name_labels = self._name_labels()
        self.ada = (AdaptiveProbability(cfg.ada_target, cfg.ada_kimg, cfg.batch_size)
                    if policy and cfg.ada_target > 0 else None)

    # ----- set-up --------------------------------------------------------------
    @property
    def rank(self) -> int:
        """This process's rank (0 without torchrun)."""
        return self.dist.rank

    @property
    def is_main(self) -> bool:
        """Whether this process writes the run folder (rank 0)."""
        return self.dist.is_main

    def _config_record(self) -> dict[str, Any]:
        from gantools import __version__

        return {
            "task": self.task.name,
            "task_config": dataclasses.asdict(self.task_cfg),
            "train": dataclasses.asdict(self.cfg),
            "command": list(self.command),
            "gantools_version": __version__,
            "torch_version": torch.__version__,
            "device": str(self.device),
            "precision": str(self.dtype).replace("torch.", ""),
            "world_size": self.dist.world,
        }

    def _with_history(self, record: dict[str, Any]) -> dict[str, Any]:
        """On resume: keep the run's first command, and list every resumption."""
        import json

        try:
            previous = json.loads((self.out / "config.json").read_text())
        except (OSError, ValueError):
            return record
        resumes = [*previous.get("resumed_with", []),
                   {"command": record["command"], "from_step": self.step,
                    "world_size": self.dist.world}]
        return {**record, "command": previous.get("command", record["command"]),
                "resumed_with": resumes}

    def _check_resume_matches(self, state: dict[str, Any]) -> None:
        problems = []
        if state["task"] != self.task.name:
            problems.append(f"task {state['task']} != {self.task.name}")
        diff = options_changed(state["task_config"], self.task_cfg)
        if diff:
            problems.append(f"task options differ (checkpoint, now): {diff}")
        known = {f.name for f in dataclasses.fields(self.cfg)}
        for key, (was, now) in options_changed(state["train_config"], self.cfg).items():
            # a training option since removed has no effect now: not a difference
            if key not in RESUME_MAY_CHANGE and key in known:
                problems.append(f"--{key.replace('_', '-')} was {was!r}, now {now!r}")
        if problems:
            raise TrainingError("cannot resume with different settings: " + "; ".join(problems)
                                + " (pass the original options, or start a new --out)")

    def build(self, generator: nn.Module | None = None,
              discriminator: nn.Module | None = None) -> None:
        """Everything :meth:`train_step` needs: G and D on the device (the task's own,
        or the given modules), the EMA generator, optimizers, schedulers and the grad
        scaler. Touches neither data nor the run folder, so benchmarks and tests can
        time :meth:`train_step` on batches of their own."""
        cfg = self.cfg
        channels_last = cfg.channels_last
        if generator is None or discriminator is None:
            built_g, built_d = self.task.build(self.task_cfg)
            generator, discriminator = generator or built_g, discriminator or built_d
        self.G = _to_device_format(generator, self.device, channels_last)
        self.D = _to_device_format(discriminator, self.device, channels_last)
        if cfg.feature_matching > 0 and not callable(getattr(self.D, "feature_maps", None)):
            raise TrainingError(f"--feature-matching needs a discriminator with a "
                                f"feature_maps() method; {type(self.D).__name__} has none")
        if cfg.artifact_weight > 0 and not isinstance(self.task, ImageTask):
            raise TrainingError(f"--artifact-weight compares the output with its target: "
                                f"only image-to-image tasks have one, not {self.task.name}")
        if cfg.artifact_weight > 0 and self.task.adversarial_weight(self.task_cfg) == 0:
            raise TrainingError("--artifact-weight joins the generator's GAN step: give "
                                "the task an adversarial weight > 0 (without one, L1 "
                                "already covers every pixel)")
        if cfg.artifact_weight > 0 and cfg.ema_decay == 0:
            raise TrainingError("--artifact-weight compares the generator with its EMA: "
                                "give --ema-decay > 0")
        self.ema = EMA(self.G, cfg.ema_decay)  # before SyncBN: the shadow keeps plain BN
        if cfg.sync_bn and self.dist.enabled:
            if self.device.type == "cuda":
                self.G = nn.SyncBatchNorm.convert_sync_batchnorm(self.G)
                self.D = nn.SyncBatchNorm.convert_sync_batchnorm(self.D)
            elif self.is_main:
                print("note: --sync-bn needs CUDA; ignored on this device", file=sys.stderr)
        # what the train step calls: the DDP wrappers once distributed (see _wrap)
        self.g_net, self.d_net = self.G, self.D
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=cfg.lr_g,
                                      betas=(cfg.beta1, cfg.beta2))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=cfg.lr_d,
                                      betas=(cfg.beta1, cfg.beta2))
        self.scaler = torch.amp.GradScaler(self.device.type,
                                           enabled=self.dtype == torch.float16)
        self.sched_g, self.sched_d = self._scheduler(self.opt_g), self._scheduler(self.opt_d)

    def _scheduler(self, optimizer: torch.optim.Optimizer) -> torch.optim.lr_scheduler.LambdaLR:
        import math

        steps = max(1, self.cfg.steps)
        if self.cfg.lr_schedule == "cosine":
            def factor(step: int) -> float:
                return 0.5 * (1.0 + math.cos(math.pi * min(step, steps) / steps))
        else:
            def factor(step: int) -> float:  # noqa: ARG001
                return 1.0
        return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)

    def _state(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "task": self.task.name,
            "task_config": dataclasses.asdict(self.task_cfg),
            "train_config": dataclasses.asdict(self.cfg),
            "G": self.G.state_dict(), "D": self.D.state_dict(), "ema": self.ema.state_dict(),
            "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
            "scaler": self.scaler.state_dict(),
            "sched_g": self.sched_g.state_dict(), "sched_d": self.sched_d.state_dict(),
            "rng": ckpt.capture_rng(),
            "samples_seen": self.samples_seen,
            "world_size": self.dist.world,
            "wall_time": self.wall_time,
            "augment_p": self.augment.p,
        }

    def _load_state(self, state: dict[str, Any]) -> None:
        self._check_resume_matches(state)
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        self.ema.load_state_dict(state["ema"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.scaler.load_state_dict(state["scaler"])
        self.sched_g.load_state_dict(state["sched_g"])
        self.sched_d.load_state_dict(state["sched_d"])
        self._apply_learning_rates()
        self.step = int(state["step"])
        self.samples_seen = int(state.get("samples_seen", self.step * self.cfg.batch_size))
        self.wall_time = float(state.get("wall_time", 0.0))
        self.augment.p = float(state.get("augment_p", self.cfg.augment_p))
        self._last_saved = self.step
        ckpt.restore_rng(state["rng"])
        saved_world = int(state.get("world_size", 1))
        if saved_world != self.dist.world and self.is_main:
            print(f"note: step {self.step} was reached with {saved_world} process(es); "
                  f"continuing with {self.dist.world}: the global batch is now "
                  f"{self.cfg.batch_size * self.dist.world} and the sample stream continues "
                  f"at sample {self.samples_seen}", file=sys.stderr)

    def _apply_learning_rates(self) -> None:
        """After loading a checkpoint: --lr-g / --lr-d as this run gives them (a resume
        may change them), at the schedule's current position; the schedulers' saved
        base rates would otherwise keep the first run's."""
        for sched, lr in ((self.sched_g, self.cfg.lr_g), (self.sched_d, self.cfg.lr_d)):
            sched.base_lrs = [lr] * len(sched.base_lrs)
            for group, factor in zip(sched.optimizer.param_groups, sched.lr_lambdas,
                                     strict=True):
                group["initial_lr"] = lr
                group["lr"] = lr * factor(sched.last_epoch)
            sched._last_lr = [group["lr"] for group in sched.optimizer.param_groups]

    def _init_generator(self, source: str) -> None:
        """Start G (and its EMA) from exported weights (.safetensors with its card),
        e.g. GAN fine-tuning from a PSNR-oriented model."""
        from gantools.weights import WeightsError, read_task_weights

        tensors, _ = read_task_weights(self.task, Path(source))
        try:
            self.G.load_state_dict(tensors)
            self.ema.shadow.load_state_dict(tensors)
        except RuntimeError as exc:
            raise WeightsError(f"--init-from {source}: does not fit this architecture "
                               f"({str(exc).splitlines()[0]})") from exc

    def save_checkpoint(self) -> Path | None:
        """Write the full state atomically. Distributed: every rank hands rank 0 its
        random state, rank 0 alone writes, the others wait for it."""
        rngs = self.dist.gather_object(ckpt.capture_rng()) if self.dist.enabled else None
        path, error = None, None
        if self.is_main:
            try:
                state = self._state()
                if rngs is not None:
                    state["rng_ranks"] = rngs
                path = ckpt.save_checkpoint(self.out / "checkpoints", self.step, state,
                                            keep=self.cfg.keep_checkpoints)
            except BaseException as exc:  # noqa: BLE001 - re-raised below, on every rank
                error = exc
        if self.dist.any_true(error is not None):
            if error is not None:
                raise error
            raise TrainingError(f"step {self.step}: rank 0 could not write the checkpoint")
        self._last_saved = self.step
        return path

    def _shared_run_folder(self) -> dict[str, Any] | None:
        """:meth:`_prepare_run_folder` on rank 0, its answer (the resume state or the
        error) broadcast to every rank."""
        if not self.dist.enabled:
            return self._prepare_run_folder()
        answer: tuple[str, Any] | None = None
        if self.is_main:
            try:
                answer = ("state", self._prepare_run_folder())
            except (TrainingError, ckpt.CheckpointError) as exc:
                answer = ("error", str(exc))
        kind, value = self.dist.broadcast_object(answer)
        if kind == "error":
            raise TrainingError(value)
        return value

    def _prepare_run_folder(self) -> dict[str, Any] | None:
        try:
            self.lock.acquire()
        except RunFolderBusy as exc:
            raise TrainingError(str(exc)) from None
        existing = ckpt.list_checkpoints(self.out / "checkpoints")
        if self.resume:
            if not existing:
                raise TrainingError(f"{self.out}: nothing to resume (no checkpoints)")
            state, path = ckpt.load_latest(self.out / "checkpoints")
            return state
        if existing:
            raise TrainingError(f"{self.out} already holds checkpoints; pass --resume to "
                                "continue that run, or choose another --out")
        return None

    # ----- the step ------------------------------------------------------------
    def _d_critic(self, condition: Any, net: nn.Module):
        """D's logits for images with ``condition``, through --diffaugment (a fresh
        random transform per call, differentiable)."""
        def critic(image: torch.Tensor) -> torch.Tensor:
            return net(*self.augment(self.task.discriminator_input(condition, image))).float()
        return critic

    def train_step(self, batch) -> dict[str, torch.Tensor]:
        """One discriminator and one generator update; returns detached scalars."""
        task, cfg, tcfg = self.task, self.cfg, self.task_cfg
        condition, target = task.make_pair(batch, tcfg)
        if task.adversarial_weight(tcfg) == 0:
            return self._supervised_step(condition, target)
        critic = self._d_critic(condition, self.d_net)

        # discriminator step
        self.D.requires_grad_(True)
        with autocast(self.device, self.dtype):
            fake = self.g_net(*task.generator_input(condition))
            d_real = critic(target)
            d_fake = critic(fake.detach())
            d_loss = losses.d_loss(cfg.loss, d_real, d_fake)
        if cfg.loss == "wgan-gp":
            d_loss = d_loss + cfg.gp_weight * losses.gradient_penalty(critic, target, fake)
        if cfg.r1 > 0:
            d_loss = d_loss + 0.5 * cfg.r1 * losses.r1_penalty(critic, target)
        self.opt_d.zero_grad(set_to_none=True)
        self.scaler.scale(d_loss).backward()
        self.scaler.step(self.opt_d)
        self.sched_d.step()

        # generator step: D's weights are frozen so no weight gradients are computed;
        # the bare D (not its DDP wrapper), whose gradient hooks must not wait for them
        if self.ada is not None:
            self._adapt_augmentation(d_real)

        self.D.requires_grad_(False)
        with autocast(self.device, self.dtype):
            g_adv = losses.g_loss(cfg.loss, self._d_critic(condition, self.D)(fake))
            extra = task.task_losses(fake, target, condition, tcfg)
            if cfg.feature_matching > 0:
                extra["fm"] = cfg.feature_matching * self._feature_matching(
                    condition, fake, target)
            if cfg.artifact_weight > 0:
                extra["artifact"] = cfg.artifact_weight * self._artifact_loss(
                    condition, fake, target)
            g_loss = task.adversarial_weight(tcfg) * g_adv + self._total(extra)
        self._generator_update(g_loss)
        self.dist.broadcast_buffers(self.D)

        out = {"d_loss": d_loss.detach(), "g_loss": g_loss.detach(), "g_adv": g_adv.detach(),
               "d_real": torch.sigmoid(d_real.detach()).mean(),
               "d_fake": torch.sigmoid(d_fake.detach()).mean()}
        out.update({k: v.detach() for k, v in extra.items()})
        if self.augment.policy:
            out["aug_p"] = torch.tensor(self.augment.p)
        if self.ada is not None:
            out["ada_rt"] = torch.tensor(self.ada.last_rt)
        return out

    def _feature_matching(self, condition: Any, fake: torch.Tensor,
                          target: torch.Tensor) -> torch.Tensor:
        """Feature-matching distance of ``fake`` to ``target`` through the bare D's
        ``feature_maps`` (no augmentation: both images must be seen alike)."""
        with torch.no_grad():
            real_feats = self.D.feature_maps(*self.task.discriminator_input(condition, target))
        fake_feats = self.D.feature_maps(*self.task.discriminator_input(condition, fake))
        return losses.feature_matching(fake_feats, real_feats)

    def _artifact_loss(self, condition: Any, fake: torch.Tensor,
                       target: torch.Tensor) -> torch.Tensor:
        """LDL's artifact loss of ``fake`` against ``target``, with the EMA generator's
        output on the same inputs as the reference (artifact_loss.py)."""
        with torch.no_grad():
            ema_fake = self.ema.shadow(*self.task.generator_input(condition))
        return artifact_loss(fake, ema_fake, target)

    def _adapt_augmentation(self, d_real: torch.Tensor) -> None:
        """ADA: record sign(D(real)); every few steps move --augment-p (all ranks)."""
        self.ada.observe(d_real)
        if self.ada.ready():
            rt = self.ada.pending_rt().to(self.device)
            if self.dist.enabled:
                rt = self.dist.mean(rt.view(1))[0]
            self.augment.p = self.ada.update(self.augment.p, float(rt))

    def _supervised_step(self, condition: Any, target: torch.Tensor) -> dict[str, torch.Tensor]:
        """A generator step on the task's own losses alone (adversarial weight 0,
        e.g. PSNR-oriented pre-training): the discriminator is neither run nor
        updated."""
        with autocast(self.device, self.dtype):
            fake = self.g_net(*self.task.generator_input(condition))
            extra = self.task.task_losses(fake, target, condition, self.task_cfg)
            g_loss = self._total(extra)
        self._generator_update(g_loss)
        return {"g_loss": g_loss.detach(), **{k: v.detach() for k, v in extra.items()}}

    def _total(self, losses_by_name: dict[str, torch.Tensor]) -> torch.Tensor:
        """Sum of the task's (already weighted) losses, in float32."""
        return sum((v.float() for v in losses_by_name.values()),
                   torch.zeros((), device=self.device))

    def _generator_update(self, g_loss: torch.Tensor) -> None:
        """One Adam step of G (through the AMP scaler), its schedule, and the EMA."""
        self.opt_g.zero_grad(set_to_none=True)
        self.scaler.scale(g_loss).backward()
        self.scaler.step(self.opt_g)
        self.scaler.update()
        self.sched_g.step()
        self.dist.broadcast_buffers(self.G)  # rank 0's batch-norm statistics everywhere
        self.ema.update(self.G, self.step)

    # ----- the loop ------------------------------------------------------------
    def _sample(self, fixed: tuple[Any, torch.Tensor]) -> None:
        if not self.is_main:
            return
        condition, target = fixed
        rows = self.task.sample_images(self.ema.shadow, condition, target)
        self.log.save_grid(self.step, rows)

    def _fixed_condition(self, dataset) -> tuple[Any, torch.Tensor]:
        batch = fixed_batch(dataset, self.cfg.n_samples, self.device)
        with torch.random.fork_rng(devices=[self.device] if self.device.type == "cuda" else []):
            torch.manual_seed(self.cfg.seed + 12345)
            return self.task.make_pair(batch, self.task_cfg)

    def _workers(self, dataset) -> int:
        if self.cfg.workers >= 0:
            return self.cfg.workers
        from gantools.data.datasets import ArrayDataset

        return 0 if isinstance(dataset, ArrayDataset) else min(4, os.cpu_count() or 1)

    def _install_sigint(self):
        def handler(signum, frame):  # noqa: ARG001
            # second Ctrl-C: stop now. Not under torchrun, which forwards the
            # terminal's Ctrl-C again and kills the ranks itself after 30 s
            if self._stop_requested and not self.dist.enabled:
                raise KeyboardInterrupt
            self._stop_requested = True
        try:
            return signal.signal(signal.SIGINT, handler)
        except ValueError:  # not the main thread (e.g. inside a test runner thread)
            return None

    def run(self) -> TrainResult:
        """Train to ``cfg.steps``; Ctrl-C saves a checkpoint and returns cleanly.
        Under torchrun: joins the process group first and leaves it at the end,
        also after an error or an interrupt."""
        self.dist.start(self.device)
        try:
            return self._run()
        finally:
            self.lock.release()
            self.dist.stop()

    def _wrap(self, state: dict[str, Any] | None) -> None:
        """Distributed: DDP around G (and D when it trains), every rank starting
        from rank 0's weights, EMA and random-number streams of its own."""
        if not self.dist.enabled:
            return
        self.g_net = self.dist.wrap(self.G, self.device)
        if self.task.adversarial_weight(self.task_cfg) != 0:
            self.d_net = self.dist.wrap(self.D, self.device)
        else:  # supervised: D is neither run nor stepped, so no DDP (no idle hooks)
            self.dist.broadcast_module(self.D)
        self.dist.broadcast_module(self.ema.shadow)
        saved = (state or {}).get("rng_ranks")
        if saved is not None and len(saved) == self.dist.world:
            ckpt.restore_rng(saved[self.rank])  # same world size: exact resume
        else:  # fresh run, or another world size: a seed per rank and position
            _seed_everything(self.cfg.seed + 1_000_003 * (self.rank + 1) + self.step)

    def _dump_for_tests(self) -> None:
        """GANTOOLS_DDP_DUMP_DIR (test hook): each rank saves its final G, D and EMA
        weights to DIR/rank{R}.pt, so a test can check that the ranks agree."""
        folder = os.environ.get("GANTOOLS_DDP_DUMP_DIR")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            torch.save({"G": self.G.state_dict(), "D": self.D.state_dict(),
                        "ema": self.ema.state_dict(), "step": self.step},
                       Path(folder) / f"rank{self.rank}.pt")

    def _should_stop(self) -> bool:
        """Ctrl-C on any rank stops every rank after the same step."""
        return self.dist.any_true(self._stop_requested)

    def _run(self) -> TrainResult:
        from gantools.progress_bar import progress_bar

        state = self._shared_run_folder()
        if state is not None and int(state["step"]) >= self.cfg.steps:
            return self._nothing_to_do(state)
        if self.cfg.threads > 0:
            torch.set_num_threads(self.cfg.threads)
        _seed_everything(self.cfg.seed)
        spec = self.task.data_spec(self.task_cfg)
        dataset = open_dataset(self.cfg.data, spec, name_labels=self.name_labels)
        if self.is_main:
            warn_small_images(dataset, spec)
            if getattr(dataset, "unlabelled", 0):
                print(f"note: {dataset.unlabelled} of {dataset.unlabelled + len(dataset)} "
                      "files left out: --labels-from-name found no class in their names",
                      file=sys.stderr)
        self.task_cfg = self.task.adapt_config(self.task_cfg, dataset)
        self.build()
        record = self._config_record()
        if state is not None:
            self._load_state(state)
            self.log.truncate_after(self.step)
            record = self._with_history(record)
        elif self.cfg.init_from:
            self._init_generator(self.cfg.init_from)
        self.log.write_config(record)
        self._wrap(state)
        fixed = self._fixed_condition(dataset)
        stream = batch_stream(dataset, self.cfg.batch_size, self.cfg.seed, self.step,
                              self.device, self._workers(dataset), self.cfg.channels_last,
                              rank=self.rank, world=self.dist.world,
                              start_sample=self.samples_seen)
        previous_handler = self._install_sigint()
        bar = progress_bar(self.cfg.steps, "step", self.progress and self.is_main,
                           initial=self.step, dynamic_ncols=True)
        sums: dict[str, torch.Tensor] = {}
        window_start, window_steps, last = time.perf_counter(), 0, {}
        self.G.train()
        self.D.train()
        try:
            while self.step < self.cfg.steps and not self._should_stop():
                t0 = time.perf_counter()  # wall_time: data + steps, not grids/checkpoints
                values = self.train_step(next(stream))
                self.step += 1
                self.samples_seen += self.cfg.batch_size * self.dist.world
                window_steps += 1
                for k, v in values.items():
                    sums[k] = sums.get(k, 0.0) + v
                bar.update(1)
                self.wall_time += time.perf_counter() - t0
                if self.step % self.cfg.log_every == 0 or self.step == self.cfg.steps:
                    last = self._log_window(sums, window_steps, window_start, bar)
                    sums, window_steps, window_start = {}, 0, time.perf_counter()
                if self.cfg.sample_every and self.step % self.cfg.sample_every == 0:
                    self._sample(fixed)
                if self.step % self.cfg.checkpoint_every == 0:
                    self._check_finite(sums)
                    self.save_checkpoint()
        finally:
            bar.close()
            if previous_handler is not None:
                signal.signal(signal.SIGINT, previous_handler)
        interrupted = self.step < self.cfg.steps
        if self._last_saved != self.step:
            self._check_finite(sums)
            self.save_checkpoint()
        if not self.cfg.sample_every or self.step % self.cfg.sample_every:
            self._sample(fixed)
        self.log.close()
        self._dump_for_tests()
        return TrainResult(self.out, self.step, interrupted, self.wall_time, last)

    def _name_labels(self):
        """The compiled --labels-from-name / --label-map, or None."""
        from gantools.data.name_labels import parse_name_labels

        if not self.cfg.labels_from_name:
            if self.cfg.label_map:
                raise TrainingError("--label-map needs --labels-from-name")
            return None
        try:
            return parse_name_labels(self.cfg.labels_from_name, self.cfg.label_map)
        except ValueError as exc:
            raise TrainingError(str(exc)) from None

    def _nothing_to_do(self, state: dict[str, Any]) -> TrainResult:
        """A resume whose checkpoint already reached --steps: the run folder is left
        exactly as it is (no config rewrite, no log line, no checkpoint)."""
        self.step = int(state["step"])
        self.wall_time = float(state.get("wall_time", 0.0))
        if self.is_main:
            print(f"{self.out}: already at step {self.step} (--steps {self.cfg.steps}): "
                  "nothing to do; raise --steps to train further", file=sys.stderr)
        return TrainResult(self.out, self.step, False, self.wall_time, {})

    def _check_finite(self, sums: dict[str, torch.Tensor]) -> None:
        """Stop before a non-finite loss reaches a checkpoint or the log."""
        bad = [k for k, v in sums.items() if not torch.isfinite(torch.as_tensor(v)).all()]
        if self.dist.any_true(bool(bad)):  # one rank's NaN stops every rank
            raise TrainingError(
                f"step {self.step}: non-finite {', '.join(bad) or 'loss on another rank'}; "
                "stopping. The last good "
                f"checkpoint is kept in {self.out / 'checkpoints'} (try a lower learning "
                "rate or --precision fp32)")

    def _log_window(self, sums, steps, start, bar) -> dict[str, float]:
        self._check_finite(sums)
        if self.dist.enabled:  # the mean over ranks (same keys on every rank)
            keys = sorted(sums)
            local = torch.stack([torch.as_tensor(sums[k], device=self.device).float()
                                 for k in keys]) if keys else None
            total = self.dist.mean(local) if local is not None else None
            means = {k: float(total[i]) / steps for i, k in enumerate(keys)}
        else:
            means = {k: float(v) / steps for k, v in sums.items()}
        elapsed = max(time.perf_counter() - start, 1e-9)
        means["images_per_s"] = steps * self.cfg.batch_size * self.dist.world / elapsed
        self.log.log(self.step, means)
        shown = {"d_loss": "D", "g_loss": "G", "d_real": "D(x)", "d_fake": "D(G(z))",
                 "images_per_s": "img/s"}
        bar.set_postfix({label: f"{means[key]:.3g}" for key, label in shown.items()
                         if key in means})
        return means
