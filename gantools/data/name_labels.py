"""Class labels read from file names (``--labels-from-name`` / ``--label-map``).

A regular expression is searched in each file's name without its extension; its
groups (named or numbered) give the label's parts, e.g. UTKFace's
``<age>_<gender>_<race>_<date>.jpg`` with ``^(?P<age>\\d+)_(?P<gender>[01])_``.
A map turns each group's raw value into a readable name, one group per ``;``-separated
entry ``group=value:name,value:name,...``; a value is a string, a number, or an
inclusive numeric range ``lo-hi`` (``60-`` has no upper end):

    age=0-12:child,13-19:teen,20-39:adult,40-59:middle-aged,60-:senior;gender=0:male,1:female

The class of a file is its parts' names joined by spaces ("adult female"); classes
are ordered by the map's order (then by raw value for unmapped groups). Files whose
name does not match, or whose value no map entry covers, get no label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class MapEntry:
    """One ``value:name`` of a group's map: an exact value or a numeric range."""

    name: str
    exact: str | None = None
    low: float | None = None
    high: float | None = None

    def covers(self, raw: str) -> bool:
        if self.exact is not None:
            return raw == self.exact or _same_number(raw, self.exact)
        try:
            value = float(raw)
        except ValueError:
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


def _same_number(a: str, b: str) -> bool:
    try:
        return float(a) == float(b)
    except ValueError:
        return False


@dataclass(frozen=True)
class NameLabels:
    """A compiled ``--labels-from-name`` pattern with its ``--label-map``."""

    pattern: re.Pattern[str]
    maps: dict[str, list[MapEntry]] = field(default_factory=dict)

    @property
    def groups(self) -> list[str]:
        """The pattern's groups in order: their names, or "1", "2", ... when unnamed."""
        names = {index: name for name, index in self.pattern.groupindex.items()}
        return [names.get(i, str(i)) for i in range(1, self.pattern.groups + 1)]

    def parts(self, stem: str) -> tuple[tuple[int, str], ...] | None:
        """(sort key, name) per group for a file name without extension, or None."""
        found = self.pattern.search(stem)
        if found is None:
            return None
        out = []
        for index, group in enumerate(self.groups, start=1):
            raw = found.group(index)
            if raw is None:
                return None
            entries = self.maps.get(group)
            if entries is None:
                out.append((-1, raw))
                continue
            hit = next((k for k, e in enumerate(entries) if e.covers(raw)), None)
            if hit is None:
                return None
            out.append((hit, entries[hit].name))
        return tuple(out)

    def assign(self, stems: list[str]) -> tuple[list[str], list[int | None]]:
        """Classes (ordered) and each stem's class index (None: no label)."""
        parts = [self.parts(s) for s in stems]
        keys = sorted({p for p in parts if p is not None},
                      key=lambda p: tuple((k, name) for k, name in p))
        classes = [" ".join(name for _, name in key) for key in keys]
        index = {key: i for i, key in enumerate(keys)}
        return classes, [index[p] if p is not None else None for p in parts]


def parse_map_entry(text: str, group: str) -> MapEntry:
    """``"13-19:teen"`` / ``"60-:senior"`` / ``"0:male"`` -> a MapEntry."""
    value, sep, name = text.partition(":")
    value, name = value.strip(), name.strip()
    if not sep or not value or not name:
        raise ValueError(f"--label-map: {group}={text!r}: write value:name (e.g. 0:male or "
                         "13-19:teen)")
    ranged = re.fullmatch(r"(-?\d+(?:\.\d+)?)?-(-?\d+(?:\.\d+)?)?", value)
    if ranged and (ranged.group(1) or ranged.group(2)):
        low, high = ranged.groups()
        return MapEntry(name, low=float(low) if low else None,
                        high=float(high) if high else None)
    return MapEntry(name, exact=value)


def parse_name_labels(pattern: str, mapping: str = "") -> NameLabels:
    """Compile ``--labels-from-name PATTERN`` and ``--label-map MAP``; ValueError (one
    line) for a bad expression, a pattern without groups or a map naming no group."""
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"--labels-from-name {pattern!r}: not a regular expression "
                         f"({exc})") from None
    if compiled.groups == 0:
        raise ValueError(f"--labels-from-name {pattern!r}: needs at least one group in "
                         "parentheses, e.g. ^(\\d+)_")
    labels = NameLabels(compiled)
    maps: dict[str, list[MapEntry]] = {}
    for chunk in (c.strip() for c in mapping.split(";")):
        if not chunk:
            continue
        group, sep, entries = chunk.partition("=")
        group = group.strip()
        if not sep or group not in labels.groups:
            raise ValueError(f"--label-map {chunk!r}: start with one of the pattern's groups "
                             f"({', '.join(labels.groups)}) and '='")
        maps[group] = [parse_map_entry(e, group) for e in entries.split(",") if e.strip()]
    return NameLabels(compiled, maps)
