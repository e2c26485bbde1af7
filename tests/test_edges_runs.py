"""Issue 22, run folders: one training per folder (a lock that dies with its process),
a resume with nothing to do changes nothing, Ctrl-C exits 130, report on early runs,
training images smaller than the crop are announced."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from gantools.cli import app
from gantools.engine.runlock import RunFolderBusy, RunLock

TINY = ["--patch", "32", "--batch-size", "2", "--width", "8", "--blocks", "1",
        "--d-width", "8", "--log-every", "1", "--n-samples", "2", "--device", "cpu",
        "--no-progress"]


def make_photos(folder: Path, sizes: list[tuple[int, int]]) -> Path:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i, (h, w) in enumerate(sizes):
        Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(
            folder / f"p{i}.png")
    return folder


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    return make_photos(tmp_path / "photos", [(40, 40)] * 4)


def train(*args: str):
    return CliRunner().invoke(app, ["train", "superres", *args])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


# ----- the lock ----------------------------------------------------------------------
def test_a_second_training_on_a_busy_folder_is_refused(photos: Path, tmp_path: Path):
    out = tmp_path / "dup"
    held = RunLock(out)
    held.acquire()  # another training (flock: per open file, so this process counts)
    try:
        result = train("--data", str(photos), "--out", str(out), "--steps", "2", *TINY)
    finally:
        held.release()
    assert result.exit_code == 1
    assert "in use by another training" in result.output
    assert f"pid {os.getpid()}" in result.output
    assert not (out / "config.json").exists() and not (out / "checkpoints").exists()


def test_the_lock_is_free_again_after_its_process_is_killed(tmp_path: Path):
    out = tmp_path / "crashed"
    code = ("import sys, time\nfrom gantools.engine.runlock import RunLock\n"
            f"lock = RunLock({str(out)!r})\nlock.acquire()\n"
            "print('locked', flush=True)\ntime.sleep(60)\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "locked"
        with pytest.raises(RunFolderBusy, match="in use"):
            RunLock(out).acquire()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    lock = RunLock(out)
    lock.acquire()  # a crash leaves no stale lock
    lock.release()


def test_a_lock_that_wrote_nothing_leaves_no_folder(tmp_path: Path):
    out = tmp_path / "never-used"
    lock = RunLock(out)
    lock.acquire()
    assert (out / ".lock").is_file()
    lock.release()
    assert not out.exists()


def test_a_failed_start_leaves_no_folder(tmp_path: Path):
    out = tmp_path / "run"
    result = train("--data", str(tmp_path / "missing"), "--out", str(out), "--steps", "2",
                   *TINY)
    assert result.exit_code == 1
    assert not out.exists()


# ----- resume with nothing to do, Ctrl-C -----------------------------------------------
def test_resume_with_nothing_to_do_changes_nothing(photos: Path, tmp_path: Path):
    out = tmp_path / "run"
    first = train("--data", str(photos), "--out", str(out), "--steps", "2", *TINY)
    assert first.exit_code == 0, first.output
    before = snapshot(out)
    time.sleep(0.01)
    again = train("--out", str(out), "--resume", "--no-progress")
    assert again.exit_code == 0, again.output
    assert "nothing to do" in again.output
    assert snapshot(out) == before
    assert "resumed_with" not in json.loads((out / "config.json").read_text())


def test_an_interrupted_training_exits_130(photos: Path, tmp_path: Path, monkeypatch):
    from gantools.engine import trainer as trainer_module

    original = trainer_module.Trainer._install_sigint

    def install(self):
        previous = original(self)
        self._stop_requested = True  # as if Ctrl-C came before the first step
        return previous

    monkeypatch.setattr(trainer_module.Trainer, "_install_sigint", install)
    out = tmp_path / "run"
    result = train("--data", str(photos), "--out", str(out), "--steps", "50", *TINY)
    assert result.exit_code == 130, result.output
    assert "interrupted (checkpoint saved)" in result.output
    assert any((out / "checkpoints").iterdir())


# ----- report ----------------------------------------------------------------------
def test_report_on_a_run_stopped_before_its_first_log_line(tmp_path: Path):
    run = tmp_path / "early"
    (run / "samples").mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"task": "superres",
                                                 "train": {"steps": 100}}))
    result = CliRunner().invoke(app, ["report", str(run)])
    assert result.exit_code == 0, result.output
    assert "not a run folder" not in result.output
    assert "superres run, no step logged of 100 planned" in result.output
    assert (run / "report.html").is_file()


def test_report_says_too_few_points_instead_of_healthy():
    from gantools.report.curves import Metrics
    from gantools.report.health import TREND_MIN_POINTS, assess

    rows = [{"step": float(s), "d_loss": 1.2, "g_loss": 0.8, "g_adv": 0.8, "d_real": 0.6,
             "d_fake": 0.4} for s in range(1, 4)]
    checks = [f.check for f in assess(Metrics(rows), "bce")]
    assert "too-few-points" in checks and "healthy" not in checks
    many = [dict(rows[0], step=float(s)) for s in range(1, TREND_MIN_POINTS + 1)]
    assert "healthy" in [f.check for f in assess(Metrics(many), "bce")]


def test_report_refuses_to_replace_a_given_output(tmp_path: Path):
    run = tmp_path / "early"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"task": "superres", "train": {}}))
    target = tmp_path / "r.html"
    target.write_text("mine")
    result = CliRunner().invoke(app, ["report", str(run), "-o", str(target)])
    assert result.exit_code == 1 and "exists; use --overwrite" in result.output
    assert target.read_text() == "mine"
    result = CliRunner().invoke(app, ["report", str(run), "-o", str(target), "--overwrite"])
    assert result.exit_code == 0 and target.read_text() != "mine"


# ----- small training images ------------------------------------------------------------
def test_images_smaller_than_the_crop_are_announced(tmp_path: Path):
    from gantools.data.datasets import open_dataset
    from gantools.engine.small_images import warn_small_images
    from gantools.task import DataSpec

    folder = make_photos(tmp_path / "mixed", [(40, 40), (40, 50), (20, 24), (31, 60)])
    spec = DataSpec(size=32, channels=3, crop="random")
    with pytest.warns(UserWarning, match=r"2 of 4 training images are smaller than the "
                                         r"32-pixel crop: they are upscaled"):
        assert warn_small_images(open_dataset(str(folder), spec), spec) == 2


def test_resized_data_is_not_announced(tmp_path: Path, recwarn):
    from gantools.data.datasets import open_dataset
    from gantools.engine.small_images import warn_small_images
    from gantools.task import DataSpec

    folder = make_photos(tmp_path / "small", [(20, 20)])
    spec = DataSpec(size=32, channels=3, crop="resize")
    assert warn_small_images(open_dataset(str(folder), spec), spec) == 0
    assert not [w for w in recwarn if "smaller than" in str(w.message)]


def test_out_naming_a_file_is_one_line(photos: Path, tmp_path: Path):
    out = tmp_path / "a-file"
    out.write_text("x")
    result = train("--data", str(photos), "--out", str(out), "--steps", "2", *TINY)
    assert result.exit_code == 1
    assert "is a file, not a run folder" in result.output
    assert out.read_text() == "x"
