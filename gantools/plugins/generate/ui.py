"""The generate tab of ``gantools ui``: model, class, seed, count, the grid, and a
"new seed" button. Imports gradio and torch lazily."""

from __future__ import annotations

import random
import time
from typing import Any

MAX_COUNT = 256
"""Most images one click makes."""

ANY_CLASS = "any"

SHOWN_WIDTH = 512
"""The grid is shown enlarged (nearest neighbour) to at least this width; the file
to download is the grid at its own size."""


def class_choices(ui: Any, task: Any, model_name: str) -> list[str]:
    """"any", then the classes of a class-conditional model (card ``class_names``, or
    their numbers); just "any" for an unconditional one."""
    card = ui.model_card(task, model_name)
    count = int(card.get("config", {}).get("num_classes", 0) or 0)
    names = card.get("class_names") or [str(k) for k in range(count)]
    return [ANY_CLASS] + [f"{k}: {n}" if n != str(k) else n for k, n in enumerate(names)]


def run_generate(ui: Any, task: Any, model_name: str, label: str | None, seed: float | None,
                 count: float | None, report: Any = None) -> tuple[str, str, str]:
    """What the Generate button does: (the grid enlarged for the page, the grid PNG
    to download, the status line). ``label``: a :func:`class_choices` entry."""
    from gantools.engine.runlog import make_grid
    from gantools.imageio import write_image
    from gantools.tensors import to_hwc_uint8

    if seed is None or float(seed) != int(seed) or not 0 <= int(seed) < 2**63:
        raise ValueError("seed must be a whole number >= 0")
    if count is None or float(count) != int(count) or not 1 <= int(count) <= MAX_COUNT:
        raise ValueError(f"count must be a whole number from 1 to {MAX_COUNT}")
    start = time.perf_counter()
    if report:
        report(0.0, "loading the model")
    model = ui.model(task, model_name)
    k = None if label in (None, "", ANY_CLASS) else int(str(label).split(":")[0])
    if report:
        report(0.5, f"generating {int(count)} images")
    images = task.sample(model.generator, model.config, int(count), int(seed), k)
    grid = to_hwc_uint8(make_grid(images, ncol=None))
    path = ui.result_path(f"{model_name}_seed{int(seed)}.png")
    write_image(path, grid)
    shown = path.with_name(f"{path.stem}_shown.png")
    zoom = max(1, -(-SHOWN_WIDTH // grid.shape[1]))
    write_image(shown, grid.repeat(zoom, axis=0).repeat(zoom, axis=1))
    what = "any class" if k is None else f"class {label}"
    return (str(shown), str(path), f"{int(count)} images from {model_name} ({what}, seed "
            f"{int(seed)}) on {model.device} in {time.perf_counter() - start:.1f} s")


def build_tab(task: Any, ui: Any) -> None:
    """Model, class, seed, count, Generate and New seed; the grid and its file."""
    from gantools.ui.offline import gradio
    from gantools.ui.widgets import model_dropdown, no_model_note, page_report

    gr = gradio()
    gr.Markdown(f"**{task.name}**: {task.summary}")
    if no_model_note(ui, task):
        return
    with gr.Row():
        with gr.Column():
            model = model_dropdown(ui, task)
            label = gr.Dropdown(class_choices(ui, task, model.value), value=ANY_CLASS,
                                label="class", elem_id="generate-class")
            seed = gr.Number(0, label="seed", precision=0, minimum=0, elem_id="generate-seed")
            count = gr.Slider(1, MAX_COUNT, value=64, step=1, label="count",
                              elem_id="generate-count")
            with gr.Row():
                button = gr.Button("Generate", variant="primary", elem_id="generate-run")
                reseed = gr.Button("New seed", elem_id="generate-new-seed")
        with gr.Column():
            grid = gr.Image(type="filepath", label="samples", height=480,
                            buttons=["download", "fullscreen"], elem_id="generate-output")
            download = gr.File(label="grid (PNG)", elem_id="generate-download")
            status = gr.Markdown(elem_id="generate-status")

    def on_run(name: str, k: str, s: float, n: float, progress: Any = gr.Progress()) -> tuple:
        return ui.run(run_generate, ui, task, name, k, s, n, page_report(progress))

    def on_model(name: str) -> Any:
        return gr.Dropdown(choices=ui.run(class_choices, ui, task, name), value=ANY_CLASS)

    outputs = [grid, download, status]
    button.click(on_run, inputs=[model, label, seed, count], outputs=outputs)
    reseed.click(lambda: random.randrange(2**31), outputs=seed).then(
        on_run, inputs=[model, label, seed, count], outputs=outputs)
    model.change(on_model, inputs=model, outputs=label)
