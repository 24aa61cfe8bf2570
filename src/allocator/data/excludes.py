"""What an `exclude_program` or `exclude_pool` drops (`DROPS`), where each exclude was given
(`Exclude`), and the refusal of an override or a set that changes a program or pool an exclude
drops (it would change nothing): named in either order, each by its giver's place (the model
file's `overrides[0]`, a caller's `overrides[1]`). Applying them is `applyoverrides.py`."""

from __future__ import annotations

from typing import NamedTuple

from allocator.data.cellset import CellSet
from allocator.data.overrides import (
    GroupLimit,
    Override,
    ScaleBudget,
    SetCoefficient,
    by_model_file,
)
from allocator.data.schema import Group, Inputs, Row
from allocator.errors import UsageError, quoted

EXCLUDES = {"program": "exclude_program", "pool": "exclude_pool"}
"""The overrides that drop a program or a pool, by what they drop."""
DROPS = {
    "program": ("programs", "eligibility", "exposures", "markets", "groups"),
    "pool": ("pools", "eligibility", "groups"),
}
"""The tables whose rows of a program (or a pool) its exclude drops (a group's by its member)."""


class Exclude(NamedTuple):
    """Where a program or pool is first excluded: its place (`overrides[0]`, without the model
    file), and whether it is the model file's own (else a Python caller's)."""

    place: str
    files_own: bool


def files_own(ov: Override, source: str) -> bool:
    """Whether `ov` is the model file's own: given with a model file, by no caller."""
    return not ov.place and by_model_file(source)


def exclude_named(first: Exclude, source: str, by_file: bool) -> str:
    """The exclude `first` as a refusal of an override (the model file's own if `by_file`,
    else a caller's or the command line's) names it: `overrides[0]` beside one of the same
    giver, `overrides[0] of models/x.yaml`, or `the caller's overrides[0]`."""
    if first.files_own == by_file:
        return first.place
    return f"{first.place} of {source}" if first.files_own else f"the caller's {first.place}"


def names_of(value: object) -> tuple[str, str] | None:
    """The program or pool an override names, if it names one."""
    if isinstance(value, ScaleBudget):
        return ("pool", value.pool)
    if isinstance(value, SetCoefficient):
        return ("program", value.program)
    if isinstance(value, GroupLimit) and value.dimension in EXCLUDES:
        return (value.dimension, value.member)
    return None


def _excluded_words(named: tuple[str, str], place: str) -> str:
    dimension, name = named
    return f"{dimension} {quoted(name)} is excluded by {place} ({EXCLUDES[dimension]}: {name})"


def not_excluded(
    where: str,
    named: tuple[str, str] | None,
    excluded: dict[tuple[str, str], Exclude],
    source: str,
    by_file: bool,
) -> None:
    """Refuse an override of a program or pool an exclude drops, in either order (`by_file`:
    the override is the model file's own)."""
    if named is not None and named in excluded:
        by = exclude_named(excluded[named], source, by_file)
        raise UsageError(
            f"{where}: {_excluded_words(named, by)}, so this override changes "
            "nothing. Fix: delete the one of the two you do not mean"
        )


def set_not_excluded(
    row: Row, cs: CellSet, excluded: dict[tuple[str, str], Exclude], source: str
) -> None:
    """Refuse a set of a row an exclude drops (a row of that program or pool)."""
    by_file = not cs.place and cs.origin != "--set"  # a model file's `set:` entry
    for named, first in excluded.items():
        if dropped_by(named[0], cs.table, row) == named[1]:
            by = exclude_named(first, source, by_file)
            raise UsageError(
                f"{cs.where}: {_excluded_words(named, by)}, so the set changes "
                "nothing. Fix: delete the set or the exclude"
            )


def dropped_by(dimension: str, table: str, row: Row) -> object:
    """The program (or pool) whose exclude drops `row` of `table`, if one does."""
    if table not in DROPS[dimension]:
        return None
    if isinstance(row, Group):
        return row.member if row.dimension == dimension else None
    return getattr(row, dimension, None)


def excluding(inp: Inputs, dimension: str, name: str) -> Inputs:
    """`inp` without the rows of program (or pool) `name`."""
    return inp.model_copy(
        update={
            table: tuple(r for r in getattr(inp, table) if dropped_by(dimension, table, r) != name)
            for table in DROPS[dimension]
        }
    )
