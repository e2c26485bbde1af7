"""Real SIGKILLs: a killed batch leaves no truncated output and ``--skip-existing``
completes it; a killed training run resumes from its last checkpoint and ends
bit-identical to an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from test_engine import SMALL, assert_same_state, final_state, run

from gantools.engine import checkpoint as ckpt

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "gantools", *args], env=ENV, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(condition, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"finished before it could be killed: {process.stderr.read()!r}")
        if time.monotonic() > end:
            process.kill()
            pytest.fail("timed out waiting for the process")
        time.sleep(0.02)


def _kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def test_killed_batch_leaves_only_whole_files_and_skip_existing_completes(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    rng = np.random.default_rng(0)
    for i in range(8):
        Image.fromarray(rng.integers(0, 255, (160, 160, 3), dtype=np.uint8)).save(
            src / f"im{i}.png")

    def outputs() -> list[Path]:
        return sorted(p for p in out.glob("*.png")) if out.is_dir() else []

    batch = ("superres", str(src), "-o", str(out), "--model", "superres", "--device", "cpu",
             "--no-progress")
    process = _start(*batch)
    _wait_for(lambda: len(outputs()) >= 2, process)
    _kill(process)
    written = outputs()
    assert 2 <= len(written) < 8
    for path in written:  # every visible output is a complete image
        with Image.open(path) as img:
            img.load()
            assert img.size == (640, 640)
    leftovers = [p.name for p in out.iterdir() if p not in written]
    assert all(name.startswith(".") and name.endswith(".tmp") for name in leftovers)
    done = subprocess.run([sys.executable, "-m", "gantools", *batch, "--skip-existing"],
                          env=ENV, cwd=REPO, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"{8 - len(written)} written, {len(written)} skipped, 0 failed" in done.stderr.decode()
    assert len(outputs()) == 8
    for path in outputs():
        with Image.open(path) as img:
            img.load()


def test_killed_training_resumes_from_its_last_checkpoint_exactly(tiny_idx, tmp_path):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    run(tiny_idx, whole, 12)
    args = ["train", "generate", "--data", str(tiny_idx), "--out", str(killed), "--steps",
            "12", "--no-progress"]
    for key, value in SMALL.items():
        args += [f"--{key.replace('_', '-')}", str(value)]

    def has_checkpoint() -> bool:
        found = ckpt.list_checkpoints(killed / "checkpoints") if killed.is_dir() else []
        return bool(found) and found[-1][0] >= 6

    process = _start(*args)
    _wait_for(has_checkpoint, process)
    _kill(process)
    last = ckpt.list_checkpoints(killed / "checkpoints")[-1][0]
    assert 6 <= last < 12, "killed after the end"
    run(tiny_idx, killed, 12, resume=True)
    assert_same_state(final_state(whole), final_state(killed))
