"""The inpaint tab of ``gantools ui``: paint the hole on the photo with a brush (size
slider, undo and eraser are the editor's own), grow it, run; the model's result next
to OpenCV Telea's. Imports gradio, torch and OpenCV lazily."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

BRUSH_COLOUR = "rgba(255, 0, 255, 0.6)"
"""What painted holes look like; only the painted layer's alpha is used."""

RESULT_HEIGHT = 300
"""Pixels of page height each result takes (side by side)."""


def editor_parts(value: dict[str, Any] | None) -> tuple[np.ndarray, np.ndarray | None,
                                                        np.ndarray]:
    """The image editor's value (background and painted layers, (H, W, 4) uint8 RGBA)
    -> (photo (H, W, 3) uint8, its alpha (H, W) uint8 or None when opaque, hole
    (H, W) bool: wherever any layer was painted)."""
    background = None if value is None else value.get("background")
    if background is None:
        raise ValueError("upload a photo first, then paint the hole with the brush")
    bg = np.asarray(background)
    if bg.ndim == 2:
        bg = np.repeat(bg[..., None], 3, axis=2)
    photo = np.ascontiguousarray(bg[..., :3]).astype(np.uint8)
    alpha = bg[..., 3].astype(np.uint8) if bg.shape[2] == 4 else None
    if alpha is not None and alpha.min() == 255:
        alpha = None
    hole = np.zeros(photo.shape[:2], bool)
    for layer in value.get("layers") or []:
        arr = np.asarray(layer)
        if arr.ndim == 3 and arr.shape[2] == 4 and arr.shape[:2] == hole.shape:
            hole |= arr[..., 3] > 0
    if not hole.any():
        raise ValueError("paint the hole to fill with the brush first")
    return photo, alpha, hole


def grow(hole: np.ndarray, pixels: int) -> np.ndarray:
    """``hole`` (H, W) bool grown by ``pixels`` (a square, as ``--dilate`` does)."""
    if pixels <= 0:
        return hole
    import cv2

    kernel = np.ones((2 * pixels + 1, 2 * pixels + 1), np.uint8)
    return cv2.dilate(hole.astype(np.uint8), kernel) > 0


def run_inpaint(ui: Any, task: Any, value: dict[str, Any] | None, model_name: str,
                dilate: float | None, report: Any = None) -> tuple[str, str, str, str]:
    """What the Fill button does: (OpenCV Telea result, model result, the model's PNG
    to download, the status line). The photo and the painted mask go through the
    batch pipeline (pixel limit, memory guard, tiles) like ``gantools inpaint``."""
    from gantools.imageio import write_image
    from gantools.plugins.inpaint.evaluate import opencv_inpaint
    from gantools.ui.image_run import run_image

    photo, alpha, hole = editor_parts(value)
    height, width = hole.shape
    ui.check_pixels(width, height, "the photo")
    if dilate is None or float(dilate) != int(dilate) or int(dilate) < 0:
        raise ValueError("grow hole must be a whole number of pixels >= 0")
    src = ui.result_path("photo.png")
    write_image(src, photo, alpha)
    mask = src.with_name("photo_mask.png")
    write_image(mask, hole.astype(np.uint8) * 255)
    result = run_image(ui, task, model_name, task.InferOptions(dilate=int(dilate)), src,
                       mask, report)
    start = time.perf_counter()
    telea = opencv_inpaint(photo, grow(hole, int(dilate)), "telea")
    telea_s = time.perf_counter() - start
    telea_path = result.path.with_name("opencv_telea.png")
    write_image(telea_path, telea)
    status = (f"{hole.mean():.1%} of the {width}x{height} photo filled by model "
              f"{result.model.source.stem} on {result.model.device} in "
              f"{result.seconds:.1f} s, by OpenCV Telea in {telea_s:.2f} s")
    return str(telea_path), str(result.path), str(result.path), status


def build_tab(task: Any, ui: Any) -> None:
    """Editor with a brush, model, grow hole, Fill; Telea | model; download."""
    from gantools.ui.offline import gradio
    from gantools.ui.widgets import model_dropdown, no_model_note, page_report

    gr = gradio()
    gr.Markdown(f"**{task.name}**: {task.summary}. Upload a photo, paint over what "
                "should go (brush size in the brush menu, undo above the picture), then "
                "Fill.")
    if no_model_note(ui, task):
        return
    with gr.Row():
        with gr.Column():
            editor = gr.ImageEditor(
                type="numpy", image_mode="RGBA", label="photo: paint the hole",
                sources=["upload", "clipboard"], layers=False, transforms=(),
                buttons=["download", "fullscreen"],
                brush=gr.Brush(colors=[BRUSH_COLOUR], color_mode="fixed"),
                elem_id="inpaint-editor")
            model = model_dropdown(ui, task)
            dilate = gr.Slider(0, 32, value=2, step=1, label="grow hole (pixels)",
                               info="covers the soft edges of strokes (--dilate)",
                               elem_id="inpaint-dilate")
            button = gr.Button("Fill", variant="primary", elem_id="inpaint-run")
        with gr.Column():
            with gr.Row():
                telea = gr.Image(type="filepath", label="OpenCV Telea", height=RESULT_HEIGHT,
                                 buttons=["download", "fullscreen"], elem_id="inpaint-telea")
                filled = gr.Image(type="filepath", label="model", height=RESULT_HEIGHT,
                                  buttons=["download", "fullscreen"], elem_id="inpaint-output")
            download = gr.File(label="result (PNG)", elem_id="inpaint-download")
            status = gr.Markdown(elem_id="inpaint-status")

    def on_run(value: Any, name: str, grow_by: float, progress: Any = gr.Progress()) -> tuple:
        return ui.run(run_inpaint, ui, task, value, name, grow_by, page_report(progress))

    button.click(on_run, inputs=[editor, model, dilate],
                 outputs=[telea, filled, download, status])
