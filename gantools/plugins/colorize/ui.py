"""The colorize tab of ``gantools ui``: a gray or colour photo in, colour out, the
``--saturation`` control as a slider; the slider's "before" is the gray picture the
model sees. Built on the default image tab; imports gradio lazily."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

SATURATION_RANGE = (0.0, 4.0)
"""What :meth:`ColorizeTask.check_options` accepts."""


def gray_before(ui: Any, upload: Path, result: Any) -> Path:
    """The upload's luma as an 8-bit PNG beside the result (what the model sees)."""
    from gantools.imageio import read_image, to_gray, write_image

    gray = to_gray(read_image(upload))
    if gray.dtype != np.uint8:
        gray = np.round(gray / 257.0).astype(np.uint8)
    path = result.path.with_name(f"{result.path.stem}_gray.png")
    write_image(path, gray)
    return path


def build_tab(task: Any, ui: Any) -> None:
    """Upload, model, saturation (and working size), Run; slider, download."""
    from gantools.ui.image_tab import build_image_tab
    from gantools.ui.offline import gradio

    gr = gradio()

    def saturation_slider(field: Any) -> Any:
        return gr.Slider(*SATURATION_RANGE, value=field.default, step=0.05,
                         label="saturation", info=field.metadata.get("help", ""),
                         elem_id="colorize-saturation")

    build_image_tab(task, ui, overrides={"saturation": saturation_slider},
                    before=gray_before, upload_label="photo (gray or colour)")
