"""How serve names the cell a set changes: by the row it names, whatever the spelling.

A set names its row as the dataset has it before any cell is set (`cellset.apply_sets`), and a
number key part by its number (`800`, `800.0`, `8e2`, `0.8K` name one tranche). The page keeps
one entry a cell, keyed by that row's key as a set writes it (`keytext.key_text`), so a cell set
again under another spelling takes the new value, and Save writes each cell once, in one order.

A row whose key cell was set is listed by the page with its new key (its data now) and
addressed by the key a set names it by (`set_key`); a set typed with the key the page lists
(`jobs/sector/s1/900` after from_level 800 -> 900) names the same row. Rows are matched between
the dataset and the data now by their line in the file, which a set never changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from allocator.data.cellset import CellSet, row_named
from allocator.data.keytext import key_text
from allocator.data.schema import Inputs, Row
from allocator.errors import UsageError, quoted


def named(cs: CellSet, dataset: Inputs, now: Inputs | None = None) -> CellSet:
    """`cs` naming its row by the row's key in `dataset` (the data before any set): the one
    spelling of that cell. A key that names no row of `dataset` but a row of `now` (the data
    of the plan shown: a row whose key a set moved, or one an override added) names that row.

    Raises:
        UsageError: the key names no row of either (in --set's words, with the dataset's keys),
            or several.
    """
    try:
        row = row_named(dataset, cs)
    except UsageError as refused:
        if now is None:
            raise
        try:
            shown = row_named(now, cs)
        except UsageError:
            raise refused from None
        row = _same_row(dataset, cs.table, shown) or shown
    key = key_text(row, cs.table)
    return cs if key == cs.key else cs.model_copy(update={"key": key})


@contextmanager
def as_typed(spelt: dict[str, str]) -> Iterator[None]:
    """A refusal of the sets inside quoting each set as typed (`spelt`: its text as `named`
    gives it -> as typed), as `allocator solve --set` quotes it: `8e2`, not `800`.

    Raises:
        UsageError: the refusal raised inside, in the words of the sets as typed.
    """
    try:
        yield
    except UsageError as exc:
        words = str(exc)
        for text, typed in spelt.items():
            words = words.replace(quoted(text), quoted(typed))
        if words == str(exc):
            raise
        raise UsageError(words) from None


def address(cs: CellSet) -> str:
    """`TABLE.KEY.COLUMN`: the cell a set names (`cs` as `named` gives it: one text a cell)."""
    return f"{cs.table}.{cs.key}.{cs.column}"


def set_keys(dataset: Inputs, now: Inputs, table: str) -> list[str]:
    """The key a set names each row of `table` in `now` by: its key in `dataset` (the same
    as its key now unless a set moved it; a row the dataset has not: its key now)."""
    lines = _by_line(getattr(dataset, table))
    out = []
    for row in getattr(now, table):
        first = lines.get(row.line)
        out.append(key_text(first if first is not None else row, table))
    return out


def _same_row(dataset: Inputs, table: str, row: Row) -> Row | None:
    """The row of `dataset` that `row` (of the data after sets) was: the one on the same line
    of the file, if exactly one is (a row an override added has no line of its own)."""
    return _by_line(getattr(dataset, table)).get(row.line)


def _by_line(rows: tuple[Row, ...]) -> dict[int, Row]:
    """Each row of a table by its line in the file, for the lines exactly one row is on."""
    seen: dict[int, list[Row]] = {}
    for r in rows:
        if r.line > 0:
            seen.setdefault(r.line, []).append(r)
    return {line: found[0] for line, found in seen.items() if len(found) == 1}
