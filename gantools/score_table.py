"""Per-image score tables of the eval commands: one row per image, a rule, then the
mean row. Standard library only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class Column:
    """One numeric column: header ``title`` right-aligned in ``width`` characters,
    values of attribute ``field`` printed with format ``spec`` (e.g. ".2f")."""

    title: str
    width: int
    spec: str
    field: str


def mean_row(scores: Sequence[Any], name: str = "mean") -> Any:
    """The per-field mean of ``scores`` (dataclasses of one type with a ``name``
    field and numeric fields), named ``name``. A field that is None in the first
    score (not measured) stays None."""
    first = scores[0]
    means = {}
    for f in fields(first):
        if f.name == "name":
            continue
        values = [getattr(s, f.name) for s in scores]
        means[f.name] = None if values[0] is None else sum(values) / len(values)
    return replace(first, name=name, **means)


def per_image_table(scores: Sequence[Any], columns: Sequence[Column], name_width: int = 14,
                    clip_names: bool = False) -> str:
    """``scores`` one row each (their ``name`` left-aligned in ``name_width``
    characters: cut to it when ``clip_names``, otherwise the column widens so that
    the longest name fits and the columns stay aligned), a rule, then :func:`mean_row`."""
    if not clip_names:
        name_width = max(name_width, *(len(s.name) for s in scores))
    head = f"{'image':<{name_width}}" + "".join(f" {c.title:>{c.width}}" for c in columns)
    lines = [head, "-" * len(head)]
    for i, s in enumerate([*scores, mean_row(scores)]):
        if i == len(scores):
            lines.append("-" * len(head))
        name = s.name[:name_width]
        lines.append(f"{name:<{name_width}}" + "".join(
            f" {getattr(s, c.field):{c.width}{c.spec}}" for c in columns))
    return "\n".join(lines)
