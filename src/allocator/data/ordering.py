"""One canonical order for the rows of every table, so the order of a file never moves money.

HiGHS returns a vertex of the optimal face that depends on the order of the LP's columns and
rows, and the LP is built in the order of the tables (programs, then pools, ...). Sorting every
table by its key once, right after loading and after model-file overrides, makes the same data
give the same LP, the same plan and byte-identical tables whatever order its rows are listed in.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from allocator.data.schema import TABLES, Inputs, Row

# Already in time order by the loader: chronology, not the key's spelling, is their order.
_CHRONOLOGICAL = ("phases", "milestones")


def canonical(inp: Inputs) -> Inputs:
    """`inp` with the rows of every table sorted by the table's key (see `schema.TABLES`).

    A phase in a key sorts by its place in time (`all` after every phase), so pools and groups
    read phase1, phase2, ... even when phases are not named in that order. An empty key cell
    sorts first. Keys are unique (the loader refuses duplicates), so the order is total.
    """
    rank = {p.phase: i for i, p in enumerate(inp.phases)}
    update: dict[str, tuple[Row, ...]] = {}
    for field, (_file, _model, key, _required) in TABLES.items():
        if field in _CHRONOLOGICAL:
            continue
        rows: tuple[Row, ...] = getattr(inp, field)
        update[field] = tuple(sorted(rows, key=partial(_sort_key, key=key, rank=rank)))
    return inp.model_copy(update=update)


def _sort_key(row: Row, key: tuple[str, ...], rank: dict[str, int]) -> tuple[Any, ...]:
    parts: list[Any] = []
    for column in key:
        value = getattr(row, column)
        if column == "phase":
            # (rank, name): an unknown phase cannot reach here, but the name keeps it total
            parts.append((rank.get(value, len(rank)), value))
        else:
            parts.append("" if value is None else value)
    return tuple(parts)
