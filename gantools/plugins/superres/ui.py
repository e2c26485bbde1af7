"""The superres tab of ``gantools ui``: scale, model and texture choice, before
(bicubic) / after slider, download. Built on the default image tab; imports gradio lazily."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from gantools.plugins.superres.task import SHIPPED_BY_SCALE


def model_scale(ui: Any, task: Any, name: str) -> int:
    """The upscaling factor of installed model ``name`` (from its card)."""
    card = ui.model_card(task, name)
    return int(card.get("scale") or card.get("config", {}).get("scale", 0))


def models_of_scale(ui: Any, task: Any, scale: int) -> list[str]:
    """Installed models upscaling by ``scale``, the one ``--scale`` picks first."""
    names = [n for n in ui.model_names(task) if model_scale(ui, task, n) == scale]
    return sorted(names, key=lambda n: n != SHIPPED_BY_SCALE.get(scale))


def bicubic_before(ui: Any, upload: Path, result: Any) -> Path:
    """The upload resized bicubically to the result's size (8-bit RGB PNG beside the
    result): the "before" of the slider, as ``gantools eval superres`` compares."""
    from PIL import Image

    from gantools.imageio import read_image, to_rgb, write_image

    rgb = to_rgb(read_image(upload))
    if rgb.dtype != np.uint8:
        rgb = np.round(rgb / 257.0).astype(np.uint8)
    big = Image.fromarray(rgb).resize(result.out_size, Image.Resampling.BICUBIC)
    path = result.path.with_name(f"{result.path.stem}_bicubic.png")
    write_image(path, np.asarray(big))
    return path


def build_tab(task: Any, ui: Any) -> None:
    """Upload, scale (x2/x4: the model list follows), model, texture, Run; slider,
    download."""
    from gantools.ui.image_tab import build_image_tab
    from gantools.ui.offline import gradio

    gr = gradio()
    names = ui.model_names(task)
    scales = sorted({model_scale(ui, task, n) for n in names})
    default = model_scale(ui, task, names[0]) if names else 0

    def scale_radio(field: Any) -> Any:
        return gr.Radio([(f"x{s}", s) for s in scales], value=default, label="scale",
                        elem_id="superres-scale")

    def texture_slider(field: Any) -> Any:
        return gr.Slider(0.0, 1.0, value=field.default, step=0.05, label="texture",
                         info="x4 photo model: share of superres-real-gan blended in "
                              "(0 = as shipped, 1 = superres-real-gan: more texture, less PSNR)",
                         elem_id="superres-texture")

    tab = build_image_tab(task, ui, overrides={"scale": scale_radio,
                                               "texture": texture_slider},
                          before=bicubic_before)
    if tab is None:
        return

    def on_scale(scale: int) -> Any:
        choices = models_of_scale(ui, task, int(scale))
        return gr.Dropdown(choices=choices, value=choices[0] if choices else None)

    tab.controls["scale"].change(on_scale, inputs=tab.controls["scale"], outputs=tab.model)
