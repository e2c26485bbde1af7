"""The default tab of an image task: upload (and the task's companion, if any),
model choice, the ``InferOptions`` as controls, run, before/after slider, download.
Tasks customise it with control ``overrides`` and a ``before`` picture maker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gantools.ui.image_run import ImageResult, run_image
from gantools.ui.offline import gradio
from gantools.ui.widgets import (
    Report,
    make_options,
    model_dropdown,
    no_model_note,
    option_controls,
    page_report,
)

INPUT_HEIGHT = 320
"""Pixels of page height the uploaded picture takes."""

Before = Callable[[Any, Path, ImageResult], Path]
"""``before(ui, upload, result)``: the picture shown left of the slider (default: the
upload itself)."""


def run_image_tab(ui: Any, task: Any, upload: str | None, model_name: str | None,
                  values: dict[str, Any], companion: str | None = None,
                  before: Before | None = None, report: Report | None = None
                  ) -> tuple[tuple[str, str], str, str]:
    """What the tab's Run button does: ((before, after) for the slider, the result
    file to download, the status line). ``values``: option field -> control value."""
    options = make_options(task.InferOptions, list(values), tuple(values.values()))
    result = run_image(ui, task, model_name, options, upload or "", companion, report)
    left = before(ui, Path(upload or ""), result) if before else Path(upload or "")
    return (str(left), str(result.path)), str(result.path), result.summary(task)


@dataclass
class ImageTab:
    """The components of a built image tab, for tasks that wire more events."""

    upload: Any
    model: Any
    controls: dict[str, Any]
    slider: Any
    download: Any
    status: Any


def build_image_tab(task: Any, ui: Any, overrides: dict[str, Callable[[Any], Any]] | None = None,
                    before: Before | None = None, upload_label: str = "photo"
                    ) -> ImageTab | None:
    """Build the tab's components and its Run event (inside an open ``gr.Tab``);
    None (and a note) when the task has no installed model."""
    gr = gradio()
    gr.Markdown(f"**{task.name}**: {task.summary}")
    if no_model_note(ui, task):
        return None
    name = task.name
    with gr.Row():
        with gr.Column():
            upload = gr.Image(type="filepath", image_mode=None, label=upload_label,
                              sources=["upload", "clipboard"], height=INPUT_HEIGHT,
                              buttons=["fullscreen"], elem_id=f"{name}-input")
            extra = None
            if task.companion is not None:
                extra = gr.Image(type="filepath", image_mode=None,
                                 label=task.companion.name, sources=["upload", "clipboard"],
                                 height=INPUT_HEIGHT, buttons=["fullscreen"],
                                 elem_id=f"{name}-{task.companion.name}")
            model = model_dropdown(ui, task)
            controls = option_controls(task.InferOptions, overrides)
            button = gr.Button("Run", variant="primary", elem_id=f"{name}-run")
        with gr.Column():
            slider = gr.ImageSlider(label="before / after", type="filepath",
                                    buttons=["download", "fullscreen"], elem_id=f"{name}-output")
            download = gr.File(label="result (PNG)", elem_id=f"{name}-download")
            status = gr.Markdown(elem_id=f"{name}-status")

    def on_run(data: dict, progress: Any = gr.Progress()) -> tuple:
        values = {key: data[c] for key, c in controls.items()}
        return ui.run(run_image_tab, ui, task, data[upload], data[model], values,
                      data[extra] if extra is not None else None, before,
                      page_report(progress))

    inputs = {upload, model, *controls.values()} | ({extra} if extra is not None else set())
    button.click(on_run, inputs=inputs, outputs=[slider, download, status])
    return ImageTab(upload, model, controls, slider, download, status)
