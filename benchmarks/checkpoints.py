"""Helper of the selection benchmarks: export any checkpoint of a run, not only the
newest (no ``__main__``; imported by ``colorize_select_step`` and ``inpaint_designs``)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from gantools.commands.export import export_run


def export_step(run: Path, path: Path, out: Path, dtype: str, extra: dict | None = None,
                temperature: float | None = None) -> Path:
    """Export checkpoint ``path`` of ``run`` (export_run takes a run's newest one), with
    the class head's ``temperature`` set in its config when given."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / run.name
        (copy / "checkpoints").mkdir(parents=True)
        shutil.copy(run / "config.json", copy / "config.json")
        (copy / "checkpoints" / path.name).symlink_to(path.resolve())
        options = None if temperature is None else {"temperature": temperature}
        return export_run(copy, out, extra_card=extra, dtype=dtype, task_options=options)
