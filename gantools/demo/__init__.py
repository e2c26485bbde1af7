"""``gantools demo``: every installed task on the bundled sample photos, written as an
HTML gallery (before/after side by side, with timings).

Each task decides what it shows through :meth:`gantools.task.Task.demo`; this
package only loads the photos and the models, times them, collects failures as
notes, and writes the gallery (:mod:`gantools.demo.run`, :mod:`gantools.demo.html`).
"""

from __future__ import annotations

from gantools.demo.run import TaskResult, run_demo, sample_photos

__all__ = ["TaskResult", "run_demo", "sample_photos"]
