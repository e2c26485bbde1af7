"""Helper of the recipe benchmarks: training runs side by side, each stopped at the
same CPU time, so designs are compared at equal compute whatever their speed or the
machine's load (no ``__main__``: imported by ``faces_recipes`` and ``inpaint_designs``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

GANTOOLS = [sys.executable, "-m", "gantools"]
"""The CLI of the interpreter running the benchmark (no PATH lookup)."""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def train_at_equal_cpu(commands: dict[str, list[str]], out: Path, budget: float,
                       poll_s: float = 5.0,
                       run_dirs: dict[str, Path] | None = None) -> dict[str, dict]:
    """Start ``gantools train ...`` (``commands[name]``, arguments after ``gantools``)
    for every name together, logging to ``out/NAME.log``; stop each with Ctrl-C (a
    checkpoint, exit 130) once it has used ``budget`` CPU seconds. Use ``--workers 0``
    and ``--threads 1`` in the commands: data workers' time is not counted. With
    ``run_dirs`` (name -> run folder), the CPU time at which each checkpoint file
    appeared is recorded too (to plot validation curves over CPU time). Returns
    {name: {exit, cpu_s, wall_s[, checkpoints: {file: cpu_s}]}}, also written to
    ``out/runs.json`` beside the entries of other runs in ``out`` (a resumed run's
    earlier checkpoint times are kept)."""
    previous = json.loads((out / "runs.json").read_text()) if (out / "runs.json").exists() \
        else {}
    seen = {name: dict(previous.get(name, {}).get("checkpoints", {})) for name in commands}
    offset = {name: max(seen[name].values(), default=0.0) for name in commands}
    procs = {}
    for name, args in commands.items():
        log = open(out / f"{name}.log", "a")  # noqa: SIM115 - closed when the process ends
        procs[name] = (subprocess.Popen([*GANTOOLS, *args], stdout=log,
                                        stderr=subprocess.STDOUT), log, time.time())
    result: dict[str, dict] = {}
    used: dict[str, float] = {}
    stopped: set[str] = set()
    while len(result) < len(procs):
        for name, (proc, log, start) in procs.items():
            if name in result:
                continue
            if proc.poll() is not None:
                result[name] = {"exit": proc.returncode, "cpu_s": used.get(name),
                                "wall_s": round(time.time() - start)}
                if run_dirs is not None:
                    result[name]["checkpoints"] = seen[name]
                log.close()
                continue
            used[name] = round(cpu_seconds(proc.pid), 1)
            if run_dirs is not None:
                for path in sorted((run_dirs[name] / "checkpoints").glob("*.ckpt")):
                    seen[name].setdefault(path.name, round(offset[name] + used[name], 1))
            if used[name] >= budget and name not in stopped:
                proc.send_signal(signal.SIGINT)
                stopped.add(name)
        time.sleep(poll_s)
    path = out / "runs.json"  # read again: another benchmark may have written it since
    others = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps({**previous, **others, **result}, indent=2) + "\n")
    return result
