"""Every benchmark still runs: each script's ``--smoke`` (a few seconds, tiny sizes) in
a subprocess, from the repository root, as a user would start it. A new benchmark
without ``--smoke`` fails here. Scripts that need ``../shared/data`` are skipped when
it is absent; their outputs go to a temporary folder, never into the repository."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
"""Where the benchmarks look for data (their defaults are relative to the repository)."""
BENCHMARKS = REPO / "benchmarks"
SMOKE_TIMEOUT_S = 240

NEEDS_DATA = {
    "generate_quality": "mnist",
    "mnist_fid_vs_tutorial_mlp": "mnist",
    "superres_crops": "sr/Set14",
    "superres_real_data": "",
    "niqe_fit": "photos/wiki49",
    "faces_recipes": "faces/utkface64",
    "colorize_data": "faces/utkface64",
}
"""Scripts whose smoke run reads ../shared/data (the sub-folder they need)."""


def output_args(name: str, tmp: Path) -> list[str]:
    """Where scripts that write files write them in a smoke run."""
    return {"superres_real_data": ["--out", str(tmp / "real")],
            "niqe_fit": ["--out", str(tmp / "niqe-pristine.json")],
            "faces_recipes": ["--out", str(tmp / "faces")],
            "colorize_data": ["--out", str(tmp / "col-data")]}.get(name, [])


def scripts() -> list[str]:
    """Benchmark scripts (files with a ``__main__`` block; helpers have none)."""
    return sorted(p.stem for p in BENCHMARKS.glob("*.py")
                  if 'if __name__ == "__main__"' in p.read_text())


def missing_data(name: str) -> str | None:
    if name not in NEEDS_DATA:
        return None
    if not (SHARED_DATA / NEEDS_DATA[name]).exists():
        return f"../shared/data/{NEEDS_DATA[name]} is not present"
    return None


def run_smoke(name: str, tmp: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
           "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / f"{name}.py"), "--smoke", *output_args(name, tmp)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=SMOKE_TIMEOUT_S)


@pytest.fixture(scope="module")
def started(tmp_path_factory) -> dict[str, Future]:
    """Every runnable smoke run, started together (a few at a time)."""
    pool = ThreadPoolExecutor(max_workers=max(1, (os.cpu_count() or 2) // 2))
    futures = {}
    for name in scripts():
        if missing_data(name) is None:
            futures[name] = pool.submit(run_smoke, name, tmp_path_factory.mktemp(name))
    yield futures
    pool.shutdown(wait=True)


def test_every_benchmark_has_a_smoke_flag():
    lacking = [n for n in scripts() if "--smoke" not in (BENCHMARKS / f"{n}.py").read_text()]
    assert not lacking, f"benchmarks without --smoke: {lacking}"


@pytest.mark.parametrize("name", scripts())
def test_benchmark_smoke_run(name: str, started: dict[str, Future]):
    reason = missing_data(name)
    if reason is not None:
        pytest.skip(reason)
    result = started[name].result()
    assert result.returncode == 0, (f"{name}.py --smoke failed:\n{result.stdout[-2000:]}\n"
                                    f"{result.stderr[-3000:]}")
    assert "Traceback" not in result.stderr
    assert result.stdout.strip(), f"{name}.py --smoke printed nothing"
