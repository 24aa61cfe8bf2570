"""How a set names a row and shows a cell's value (`--set`, a model file's `set:`, serve's
page, and the messages that quote them): a row's key cells joined by `/`, a number as the tables
write it."""

from __future__ import annotations

from allocator.data.cellrefs import KEYS
from allocator.data.schema import Row


def shown(value: object) -> str:
    """A cell's value as read: `%.12g` as the CSV outputs write numbers, yes or no, `empty`
    for none."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value + 0:.12g}"  # -0 read from the text '-0' is shown 0, as the tables do
    return str(value)


def key_text(row: Row, table: str) -> str:
    """The key of `row` as a set names it: its key cells joined by `/` (`public/phase1`,
    `jobs/sector/mining/60000`), an empty cell an empty part."""
    return "/".join(key_part(getattr(row, k)) for k in KEYS[table])


def key_part(value: object) -> str:
    """A key cell as a set writes it: a number as the tables write it (60000, not 60000.0)."""
    return shown(value) if isinstance(value, float) else "" if value is None else str(value)
