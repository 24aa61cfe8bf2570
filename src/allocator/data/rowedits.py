"""Rows changed by sets and overrides, held to their rules across columns once, after every
change: a floor at most its cap, a first year at most its last (`schema.py`'s row rules) are
those of the row as all the changes leave it, never as the changes before one leave it, so the
order the changes are given in never decides refused or solved (docs/trust.md, "Same inputs,
same bytes"). Each cell is still held to its column's rule as it is set."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, cast

from pydantic import TypeAdapter, ValidationError

from allocator.data.keytext import key_text
from allocator.data.schema import Inputs, Row
from allocator.errors import UsageError

R = TypeVar("R", bound=Row)
Say = Callable[[ValidationError], str]
"""The one-line refusal of a change whose row breaks a rule: where the change was given, the
row, the column, the reason and the fix."""


def cell_checked(model: type[R], values: dict[str, Any], column: str) -> R:
    """The row of `values`, its cells held to their columns' rules, its rules across columns
    left to `RowEdits.checked`: a row that breaks only those is built as it stands.

    Raises:
        ValidationError: a cell breaks its column's rule.
    """
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        if any(e["type"] != "row_rule" for e in exc.errors()):
            raise
    if column in values:  # the cells passed: the new one read to its column's type (3.0 -> 3)
        values = values | {column: _cell(model, column).validate_python(values[column])}
    return cast(R, model.model_construct(**values))


@functools.cache
def _cell(model: type[Row], column: str) -> TypeAdapter[Any]:
    field = model.model_fields[column]
    return TypeAdapter(cast(Any, Annotated[field.annotation, field]))


class RowEdits:
    """The rows changed so far, each with the refusal of the last change that touched it."""

    def __init__(self) -> None:
        self._last: dict[int, tuple[str, Row, Say]] = {}

    def replaced(self, table: str, old: Row, new: Row, say: Say) -> None:
        """Row `old` of `table` is now `new`, by the change `say` refuses."""
        self._last.pop(id(old), None)
        self._last[id(new)] = (table, new, say)

    def checked(self, inp: Inputs) -> Inputs:
        """`inp` with each changed row validated again as the changes leave it.

        Raises:
            UsageError: a row breaks a rule across its columns, naming the last change that
                touched it (the rows in order of table and key, so the same data in any row
                order gives the same line).
        """
        update: dict[str, tuple[Row, ...]] = {}
        edited = sorted(self._last.values(), key=lambda e: (e[0], key_text(e[1], e[0])))
        for table, row, say in edited:
            try:
                new = type(row).model_validate(row.model_dump() | {"line": row.line})
            except ValidationError as exc:
                raise UsageError(say(exc)) from None
            rows = update.get(table, getattr(inp, table))
            update[table] = tuple(new if r is row else r for r in rows)
        return inp.model_copy(update=update) if update else inp
