"""``--shard I/N`` and the read-ahead / write-behind batch pipeline, through the fake x2
task of test_image_command (no weights)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from test_image_command import FakeTask, fake_model, rgb, run, up2

import gantools.api
from gantools.imageio import ImageWriteError, read_image, write_image
from gantools.inference import batch, steps
from gantools.inference.shard import parse_shard, shard_jobs


@pytest.fixture
def task(monkeypatch) -> FakeTask:
    t = FakeTask()
    monkeypatch.setattr(gantools.api, "load", lambda task, **kw: fake_model(task))
    return t


def folder_of(path: Path, n: int) -> Path:
    path.mkdir()
    for i in range(n):
        write_image(path / f"im{i:02d}.png", rgb(8 + i, 6 + 2 * i, seed=i))
    return path


def report_files(path: Path, drop_timing: bool = True) -> list[dict]:
    files = json.loads(path.read_text())["files"]
    return [{k: v for k, v in f.items() if not (drop_timing and k == "seconds")}
            for f in files]


def gantools_lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.startswith("gantools: ")]


# ----- --shard --------------------------------------------------------------------
def test_four_shards_cover_every_file_once_like_one_run(task, tmp_path) -> None:
    src = folder_of(tmp_path / "in", 10)
    whole = run(task, src, "-o", tmp_path / "whole", "--report", tmp_path / "whole.json")
    assert whole.exit_code == 0, whole.output
    seen: list[str] = []
    for i in range(1, 5):
        report = tmp_path / f"s{i}.json"
        result = run(task, src, "-o", tmp_path / "shared", "--shard", f"{i}/4",
                     "--report", report)
        assert result.exit_code == 0, result.output
        assert f"(shard {i}/4: " in result.output and "of 10 files)" in result.output
        data = json.loads(report.read_text())
        assert data["summary"]["shard"] == f"{i}/4"
        mine = [Path(f["path"]).name for f in data["files"]]
        assert len(mine) in (2, 3) and data["summary"]["written"] == len(mine)
        seen += mine
    assert sorted(seen) == sorted(p.name for p in src.iterdir())  # each exactly once
    names = sorted(p.name for p in (tmp_path / "whole").iterdir())
    assert sorted(p.name for p in (tmp_path / "shared").iterdir()) == names
    for name in names:
        assert (tmp_path / "shared" / name).read_bytes() == (
            tmp_path / "whole" / name).read_bytes()


def test_shard_order_is_by_path_and_round_robin(tmp_path) -> None:
    jobs = [(Path(f"d/{c}.png"), None) for c in "ecadbf"]
    assert [p.stem for p, _ in shard_jobs(jobs, 1, 2)] == ["a", "c", "e"]
    assert [p.stem for p, _ in shard_jobs(jobs, 2, 2)] == ["b", "d", "f"]
    # files skipped anyway (here masks) are dealt out apart from the real work
    paired = [(Path(f"d/{c}{m}.png"), None) for c in "abcd" for m in ("", "_mask")]
    masks = lambda p, r: p.stem.endswith("_mask")  # noqa: E731
    first = shard_jobs(paired, 1, 2, excluded=masks)
    assert [p.stem for p, _ in first] == ["a", "a_mask", "c", "c_mask"]
    assert shard_jobs(jobs, 7, 8) == [] and parse_shard(" 2 / 4 ") == (2, 4)


@pytest.mark.parametrize("value, message", [
    ("", "expected I/N"), ("2", "expected I/N"), ("a/b", "expected I/N"),
    ("2/4/6", "expected I/N"), ("-1/3", "expected I/N"), ("0/4", "between 1 and 4"),
    ("5/4", "between 1 and 4"), ("1/0", "N must be at least 1"),
])
def test_malformed_shard_exit_2(task, tmp_path, value: str, message: str) -> None:
    write_image(tmp_path / "a.png", rgb())
    result = run(task, tmp_path / "a.png", "--shard", value)
    assert result.exit_code == 2 and message in result.output, result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "a_x2.png").exists()


def test_empty_shard_succeeds(task, tmp_path) -> None:
    src = folder_of(tmp_path / "in", 2)
    result = run(task, src, "-o", tmp_path / "o", "--shard", "3/3")
    assert result.exit_code == 0 and "0 written" in result.output
    assert "(shard 3/3: 0 of 2 files)" in result.output


# ----- pipeline -------------------------------------------------------------------
def mixed_folder(path: Path) -> Path:
    """Good files of several kinds, broken ones, and an existing output."""
    folder_of(path, 6)
    (path / "im02.png").write_bytes(b"not an image")
    (path / "im04.png").write_bytes(b"")
    write_image(path / "alpha.png", rgb(9, 7, seed=11), np.full((9, 7), 77, np.uint8))
    write_image(path / "deep.png", rgb(5, 4).astype(np.uint16) * 257)
    return path


@pytest.mark.parametrize("variant", ["pipeline", "no-read-ahead"])
def test_pipeline_on_and_off_give_identical_results(task, tmp_path, monkeypatch,
                                                    variant: str) -> None:
    src = mixed_folder(tmp_path / "in")
    results = {}
    for mode in ("0", "1"):
        out = tmp_path / f"out{mode}"
        out.mkdir()
        write_image(out / "im05.png", rgb(seed=99))  # existing output: skipped
        monkeypatch.setenv("GANTOOLS_PIPELINE", mode)
        if variant == "no-read-ahead":  # every input read at its turn
            monkeypatch.setattr(batch, "READ_AHEAD_MAX_PIXELS", 0)
        result = run(task, src, "-o", out, "--skip-existing", "--report",
                     tmp_path / f"r{mode}.json")
        assert result.exit_code == 1, result.output
        results[mode] = result
    assert gantools_lines(results["0"].output) == gantools_lines(results["1"].output)
    assert len(gantools_lines(results["1"].output)) == 2
    assert report_files(tmp_path / "r0.json") == [
        {**f, "output": f["output"].replace("out1", "out0")}
        for f in report_files(tmp_path / "r1.json")]
    names = sorted(p.name for p in (tmp_path / "out0").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "out1").iterdir())
    for name in names:
        assert (tmp_path / "out0" / name).read_bytes() == (
            tmp_path / "out1" / name).read_bytes()


def test_read_error_of_a_read_ahead_file_reported_once_in_order(task, tmp_path,
                                                                monkeypatch) -> None:
    src = folder_of(tmp_path / "in", 4)
    (src / "im01.png").write_bytes(b"this is not an image")
    (src / "im03.png").write_bytes(b"neither is this")
    threads: dict[str, str] = {}
    real_read, real_infer = steps.read_image, task.infer

    def read(path):
        threads[Path(path).name] = threading.current_thread().name
        return real_read(path)

    def slow_infer(*args):
        time.sleep(0.15)  # the reader gets ahead
        return real_infer(*args)

    monkeypatch.setattr(steps, "read_image", read)
    monkeypatch.setattr(task, "infer", slow_infer)
    monkeypatch.setenv("GANTOOLS_PIPELINE", "1")
    result = run(task, src, "-o", tmp_path / "o", "--report", tmp_path / "r.json")
    assert result.exit_code == 1
    assert set(threads.values()) == {"gantools-read"}
    lines = gantools_lines(result.output)
    assert [Path(ln.split(": ")[1]).name for ln in lines] == ["im01.png", "im03.png"]
    files = report_files(tmp_path / "r.json")
    assert [(Path(f["path"]).name, f["status"]) for f in files] == [
        ("im00.png", "ok"), ("im01.png", "failed"), ("im02.png", "ok"), ("im03.png", "failed")]


def test_write_error_on_the_writer_thread_reported_in_order(task, tmp_path,
                                                            monkeypatch) -> None:
    src = folder_of(tmp_path / "in", 4)
    real_write = steps.write_image

    def write(path, *args, **kwargs):
        if Path(path).name == "im01.png":
            time.sleep(0.2)  # the next file's turn comes first
            raise ImageWriteError(f"{path}: disk on fire")
        return real_write(path, *args, **kwargs)

    (src / "im02.png").write_bytes(b"broken")
    monkeypatch.setattr(steps, "write_image", write)
    monkeypatch.setenv("GANTOOLS_PIPELINE", "1")
    result = run(task, src, "-o", tmp_path / "o", "--report", tmp_path / "r.json")
    assert result.exit_code == 1
    lines = gantools_lines(result.output)
    assert len(lines) == 2 and "im01.png: cannot write" in lines[0] and "disk on fire" in lines[0]
    assert "im02.png: " in lines[1]
    assert [f["status"] for f in report_files(tmp_path / "r.json")] == [
        "ok", "failed", "failed", "ok"]
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["im00.png", "im03.png"]


@pytest.mark.parametrize("mode", ["0", "1"])
def test_ctrl_c_on_the_third_file_keeps_the_first_outputs(task, tmp_path, monkeypatch,
                                                          mode: str) -> None:
    src = folder_of(tmp_path / "in", 5)
    calls = {"n": 0}
    real_infer = task.infer

    def infer(*args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_infer(*args)

    monkeypatch.setattr(task, "infer", infer)
    monkeypatch.setenv("GANTOOLS_PIPELINE", mode)
    start = time.perf_counter()
    result = run(task, src, "-o", tmp_path / "o", "--report", tmp_path / "r.json")
    assert time.perf_counter() - start < 10
    assert result.exit_code == 130 and "interrupted: 2 written" in result.output
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["summary"]["interrupted"] is True
    assert [Path(f["path"]).name for f in data["files"]] == ["im00.png", "im01.png"]
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["im00.png", "im01.png"]
    for name in ("im00.png", "im01.png"):
        expected = up2(read_image(src / name).pixels)
        assert np.array_equal(read_image(tmp_path / "o" / name).pixels, expected)


def test_an_input_written_earlier_in_the_batch_is_read_after_that_write(task, tmp_path,
                                                                        monkeypatch) -> None:
    px = rgb(6, 5)
    write_image(tmp_path / "a.png", px)
    write_image(tmp_path / "a_x2.png", rgb(3, 3, seed=7))  # replaced by a.png's output
    monkeypatch.setenv("GANTOOLS_PIPELINE", "1")
    result = run(task, tmp_path / "a.png", tmp_path / "a_x2.png", "--overwrite")
    assert result.exit_code == 0, result.output
    assert np.array_equal(read_image(tmp_path / "a_x2_x2.png").pixels, up2(up2(px)))
