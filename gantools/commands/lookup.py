"""Finding a command by a name the user typed: the project's spelling of a British
one (colour -> color, -ise -> -ize), or a "did you mean" hint for a typo. Light."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import click

SPELLINGS = (("colour", "color"), ("ise", "ize"))
"""(British, project) spelling pairs tried when a name is not known as typed."""


def spelling_variants(name: str) -> list[str]:
    """``name`` with every combination of the SPELLINGS replacements applied."""
    variants = [name]
    for british, ours in SPELLINGS:
        variants += [v.replace(british, ours) for v in variants if british in v]
    return list(dict.fromkeys(variants))


def canonical_name(name: str, known: Iterable[str]) -> str | None:
    """The known name ``name`` stands for (itself, or its project spelling), or None."""
    known = set(known)
    matches = [v for v in spelling_variants(name) if v in known]
    return matches[0] if matches else None


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` Did you mean 'x'?`` for the closest known name, or an empty string."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


class ForgivingGroup(click.Group):
    """A group that accepts the project spelling of a British name and answers a
    typo with the closest command instead of a bare "No such command"."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name = args[0] if args else None
        if name is not None and not name.startswith("-"):
            known = self.list_commands(ctx)
            if name not in known and self.get_command(ctx, name) is None:
                canonical = canonical_name(name, known)
                if canonical is None:
                    ctx.fail(f"No such command '{name}'.{did_you_mean(name, known)}")
                args = [canonical, *args[1:]]
        return super().resolve_command(ctx, args)
