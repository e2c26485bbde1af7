"""Pieces every tab uses: the model choice, controls made from an options dataclass,
and the batch pipeline's progress shown on the page."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from typing import Any

from gantools.ui.offline import gradio

Report = Callable[[float, str], None]
"""``report(fraction in [0, 1], what)``: progress shown on the page."""


def page_report(progress: Any) -> Report | None:
    """A gradio ``gr.Progress`` (or None) as a :data:`Report`."""
    if progress is None:
        return None
    return lambda fraction, what: progress(fraction, desc=what)


class PageProgress:
    """The batch pipeline's progress interface (``start_image`` -> a tile counter)
    reporting tiles to the page; nothing when ``report`` is None."""

    def __init__(self, report: Report | None, what: str) -> None:
        self.report, self.what = report, what

    def start_image(self, n_tiles: int) -> Callable[[int], None] | None:
        if self.report is None:
            return None
        self.report(0.0, self.what)
        if n_tiles <= 1:
            return None
        done = [0]

        def tick(k: int) -> None:
            done[0] += k
            self.report(min(1.0, done[0] / n_tiles), f"{self.what}: tile {done[0]}/{n_tiles}")

        return tick


def model_dropdown(ui: Any, task: Any, label: str = "model") -> Any:
    """A dropdown of the task's installed models (the default first, selected)."""
    gr = gradio()
    names = ui.model_names(task)
    return gr.Dropdown(names, value=names[0] if names else None, label=label,
                       interactive=bool(names), elem_id=f"{task.name}-model")


def no_model_note(ui: Any, task: Any) -> bool:
    """Show a one-line note and return True when ``task`` has no installed model."""
    if ui.model_names(task):
        return False
    gradio().Markdown(f"No {task.name} model is installed: export one with `gantools "
                      f"export` into a folder named by `$GANTOOLS_WEIGHTS`.")
    return True


def option_controls(cls: type, overrides: dict[str, Callable[[Any], Any]] | None = None
                    ) -> dict[str, Any]:
    """One control per field of the options dataclass ``cls``: numbers, checkboxes
    and dropdowns (``Literal`` fields), labelled with the field's ``help``. Text
    fields are left out (they may name files; the page never opens a path).
    ``overrides``: field name -> ``make(field)`` building that field's control."""
    gr = gradio()
    hints = typing.get_type_hints(cls)
    controls: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        hint, info = hints.get(f.name), f.metadata.get("help", "")
        label = f.name.replace("_", " ")
        if overrides and f.name in overrides:
            controls[f.name] = overrides[f.name](f)
        elif hint is bool:
            controls[f.name] = gr.Checkbox(value=f.default, label=label, info=info)
        elif hint in (int, float):
            controls[f.name] = gr.Number(value=f.default, label=label, info=info,
                                         precision=0 if hint is int else None,
                                         minimum=f.metadata.get("min"),
                                         maximum=f.metadata.get("max"))
        elif typing.get_origin(hint) is typing.Literal:
            controls[f.name] = gr.Dropdown(list(typing.get_args(hint)), value=f.default,
                                           label=label, info=info)
    return controls


def make_options(cls: type, names: list[str], values: tuple[Any, ...]) -> Any:
    """The options dataclass from the controls' values (numbers cast to the field's
    type; fields without a control keep their default)."""
    hints = typing.get_type_hints(cls)
    given = {}
    for name, value in zip(names, values, strict=True):
        hint = hints.get(name)
        if hint in (int, float) and value is not None:
            if hint is int and float(value) != int(value):
                raise ValueError(f"{name.replace('_', ' ')} must be a whole number")
            value = hint(value)
        given[name] = value
    return cls(**given)
