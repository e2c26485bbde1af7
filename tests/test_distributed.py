"""Multi-process training: torchrun with 2 gloo processes on the CPU.

Each rank dumps its final weights (GANTOOLS_DDP_DUMP_DIR, a test hook of the
trainer); DistributedDataParallel must leave them identical on every rank.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
import torch
from click.testing import CliRunner

from gantools.cli import app
from gantools.data.sampler import StreamBatchSampler
from gantools.engine import checkpoint as ckpt

dist = pytest.importorskip("torch.distributed")
needs_gloo = pytest.mark.skipif(
    not (dist.is_available() and dist.is_gloo_available()),
    reason="torch.distributed with gloo is not available")

SMALL = ["--width", "8", "--workers", "0", "--no-progress", "--log-every", "1",
         "--sample-every", "0", "--device", "cpu", "--threads", "1"]


def torchrun(args: list[str], dump, nproc: int = 2) -> None:
    """``torchrun --standalone --nproc_per_node=N -m gantools ARGS``."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GANTOOLS_DDP_DUMP_DIR": str(dump)}
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone",
           f"--nproc_per_node={nproc}", "-m", "gantools", *args]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def assert_ranks_identical(dump, nproc: int = 2) -> dict:
    states = [torch.load(dump / f"rank{r}.pt", weights_only=True) for r in range(nproc)]
    for other in states[1:]:
        assert other["step"] == states[0]["step"]
        for key in ("G", "D", "ema"):
            assert states[0][key].keys() == other[key].keys()
            for name, tensor in states[0][key].items():
                assert torch.equal(tensor, other[key][name]), f"{key}.{name} differs"
    return states[0]


def steps_logged(out) -> list[int]:
    return [json.loads(x)["step"] for x in (out / "metrics.jsonl").read_text().splitlines()]


@needs_gloo
def test_two_process_training_and_resume_with_another_world_size(tiny_idx, tmp_path):
    out = tmp_path / "run"
    torchrun(["train", "generate", "--data", str(tiny_idx), "--out", str(out),
              "--steps", "4", "--batch-size", "4", "--checkpoint-every", "2", *SMALL],
             tmp_path / "dump2")
    final = assert_ranks_identical(tmp_path / "dump2")
    assert final["step"] == 4
    # rank 0 alone wrote the run folder: one line per step, one grid, its checkpoints
    assert steps_logged(out) == [1, 2, 3, 4]
    assert sorted(p.name for p in (out / "samples").iterdir()) == ["step_00000004.png"]
    assert [s for s, _ in ckpt.list_checkpoints(out / "checkpoints")] == [2, 4]
    config = json.loads((out / "config.json").read_text())
    assert config["world_size"] == 2 and config["train"]["batch_size"] == 4
    assert config["command"][:3] == ["gantools", "train", "generate"]
    state, _ = ckpt.load_latest(out / "checkpoints")
    assert state["world_size"] == 2 and state["samples_seen"] == 4 * 4 * 2
    assert len(state["rng_ranks"]) == 2
    for key in ("G", "D", "ema"):  # the checkpoint holds the (unwrapped) weights
        assert state[key].keys() == final[key].keys()
        for name, tensor in final[key].items():
            assert torch.equal(tensor, state[key][name])

    # the same two processes resume exactly: a copy of the run, back at step 2
    again = tmp_path / "again"
    shutil.copytree(out, again)
    (again / "checkpoints" / "step_00000004.ckpt").unlink()
    torchrun(["train", "generate", "--out", str(again), "--resume", "--no-progress"],
             tmp_path / "dump2b")
    resumed = assert_ranks_identical(tmp_path / "dump2b")
    for key in ("G", "D", "ema"):
        for name, tensor in final[key].items():
            assert torch.equal(tensor, resumed[key][name]), f"{key}.{name} differs"
    assert steps_logged(again) == [1, 2, 3, 4]

    # one plain process continues the run: the global batch halves, the sample
    # stream goes on where the two processes left it
    result = CliRunner().invoke(app, ["train", "generate", "--data", str(tiny_idx),
                                      "--out", str(out), "--resume", "--steps", "6",
                                      "--no-progress"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    state, _ = ckpt.load_latest(out / "checkpoints")
    assert state["world_size"] == 1 and state["samples_seen"] == 32 + 2 * 4

    # and two processes again
    torchrun(["train", "generate", "--data", str(tiny_idx), "--out", str(out),
              "--resume", "--steps", "8", "--no-progress"], tmp_path / "dump3")
    assert assert_ranks_identical(tmp_path / "dump3")["step"] == 8
    state, _ = ckpt.load_latest(out / "checkpoints")
    assert state["world_size"] == 2 and state["samples_seen"] == 40 + 2 * 4 * 2
    assert steps_logged(out) == list(range(1, 9))
    config = json.loads((out / "config.json").read_text())
    assert [(r["from_step"], r["world_size"]) for r in config["resumed_with"]] == [
        (4, 1), (6, 2)]


@needs_gloo
def test_two_process_supervised_training(tiny_folder, tmp_path):
    """Adversarial weight 0: D is neither wrapped nor stepped, G trains under DDP."""
    out = tmp_path / "sr"
    torchrun(["train", "superres", "--data", str(tiny_folder), "--out", str(out),
              "--steps", "2", "--batch-size", "2", "--patch", "32", "--blocks", "1",
              "--adv-weight", "0", "--checkpoint-every", "2", *SMALL], tmp_path / "dump")
    assert assert_ranks_identical(tmp_path / "dump")["step"] == 2
    assert steps_logged(out) == [1, 2]
    assert "d_loss" not in json.loads((out / "metrics.jsonl").read_text().splitlines()[0])


def test_sampler_continues_the_stream_across_world_sizes():
    """Two processes for 3 batches, then one: together they read the positions
    0, 1, 2, ... of the single-process stream, each exactly once."""
    def positions(sampler, batches):
        it = iter(sampler)
        return [key for _ in range(batches) for key in next(it)]

    single = positions(StreamBatchSampler(10, 4, seed=3), 8)
    two = [positions(StreamBatchSampler(10, 4, seed=3, rank=r, world=2), 3) for r in (0, 1)]
    seen = sorted(two[0] + two[1], key=single.index)
    assert seen == single[:24]
    rest = positions(StreamBatchSampler(10, 4, seed=3, start_batch=3, start_sample=24), 2)
    assert rest == single[24:32]
    # the default start is the batch counter of the same world size
    assert (positions(StreamBatchSampler(10, 4, seed=3, start_batch=2, rank=1, world=2), 1)
            == positions(StreamBatchSampler(10, 4, seed=3, start_sample=16, rank=1,
                                            world=2), 1))
