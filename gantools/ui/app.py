"""The page: a header, then one tab per installed task, each built by the task's
:meth:`~gantools.task.Task.ui_tab` hook. A task without a page gets no tab; a tab
that fails to build shows its error in one line; plugins that failed to load are
listed under the header. Nothing here knows any task."""

from __future__ import annotations

from typing import Any

from gantools.ui.errors import one_line
from gantools.ui.offline import gradio

CACHE_CLEANUP = (1800, 3600)
"""gradio's cache of uploads and shown pictures: checked every 30 min, files older
than an hour deleted."""


def build_app(ui: Any, registry: Any = None) -> Any:
    """The ``gr.Blocks`` of the page for the tasks of ``registry`` (default: the
    installed ones)."""
    from gantools import __version__
    from gantools.registry import default_registry

    gr = gradio()
    registry = registry or default_registry()
    with gr.Blocks(title="gantools", analytics_enabled=False,
                   delete_cache=CACHE_CLEANUP) as page:
        gr.Markdown(f"## gantools {__version__}: GANs put to work on images\n"
                    "Everything runs on this machine; results stay in the server's "
                    "temporary folder until you download them.")
        broken = [f"{r.name} ({r.error})" for r in registry.records if r.error]
        if broken:
            gr.Markdown("Not available: " + "; ".join(broken))
        with gr.Tabs(elem_id="tasks"):
            for name in sorted(registry.tasks):
                _task_tab(gr, registry.tasks[name], ui)
    return page


def _task_tab(gr: Any, task: Any, ui: Any) -> None:
    with gr.Tab(task.name, id=task.name, elem_id=f"tab-{task.name}") as tab:
        try:
            task.ui_tab(ui)
        except NotImplementedError:
            tab.visible = False
        except Exception as exc:  # noqa: BLE001 - one broken plugin must not break the page
            gr.Markdown(f"This tab could not be built: {one_line(exc)}")
