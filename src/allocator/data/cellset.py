"""One cell of a dataset changed by its address: `--set TABLE.KEY.COLUMN=VALUE` on the command
line and the `set:` entries of a model file.

A row is addressed the way facts.csv references and error messages name it: its key columns
(the key its table is deduplicated on) joined by `/` (`pools.korea/phase1.budget_musd`,
`targets.jobs/total//2040.value`: an empty key cell is an empty part; a number key cell is
named by its number, `tranches.jobs/sector/mining/60000.share`). Every number column may be
set, a number of the key too (the row then takes the new key, refused where another row has
it), and every yes/no column. The value is read as the CSV cell would be (the column's unit,
the dataset's number style), and the row is validated again by its table's row model, so a set
is held to every rule and plausibility limit of the cell it replaces; the rules across the
columns of a row (`rowedits.py`) and across tables (`applyoverrides.py`) are checked once, after
every set, so the order of the sets never decides refused or solved.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from allocator.data.cellrefs import CELL_UNITS, KEYS
from allocator.data.inputs import BOOK_SUFFIXES, explain_value, read_cell
from allocator.data.keytext import key_part, key_text, shown
from allocator.data.numbers import NumberError, number_style
from allocator.data.rowedits import RowEdits, cell_checked
from allocator.data.rows import closest_fix
from allocator.data.schema import TABLES, Inputs, Row
from allocator.errors import InputError, UsageError, quoted

EXAMPLE = "e.g. --set pools.ecosystem/phase3.budget_musd=6700"  # a cell of the bundled dataset


def _yes_no(table: str) -> tuple[str, ...]:
    """The yes/no columns of a table (pools' carry_over)."""
    fields = TABLES[table][1].model_fields
    return tuple(c for c, f in fields.items() if f.annotation is bool)


SETTABLE: dict[str, tuple[str, ...]] = {
    table: (*units, *_yes_no(table)) for table, units in CELL_UNITS.items()
}
"""The columns a set may change, by table: every number column (a number of the key too),
then every yes/no column."""


class CellSet(BaseModel):
    """One cell to change: its table, row key, column, the value as written, and where the set
    was given (`--set`, or `<model file>: set[i]`), which every message about it names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str
    key: str
    column: str
    value: str
    origin: str = "--set"
    place: str = Field(default="", exclude=True)
    """Where a Python caller gave it (`overrides[1]`: `runs.optiontext.placed`), said first in
    every message about it; "" for the command line's and a model file's (their origin says
    where). Not recorded: a run.json holds the set as the command line gives it."""

    @property
    def text(self) -> str:
        """The set as written: `TABLE.KEY.COLUMN=VALUE`."""
        return f"{self.table}.{self.key}.{self.column}={self.value}"

    @property
    def where(self) -> str:
        """The start of every message about this set: its place, if a caller gave it one."""
        said = f"{self.origin} {quoted(self.text)}"
        return f"{self.place}: {said}" if self.place else said


def parse_set(text: object, origin: str = "--set") -> CellSet:
    """`TABLE.KEY.COLUMN=VALUE` read and checked against the schema (not yet the data).

    Raises:
        UsageError: not of that shape, or a table, column or number of key parts the schema does
            not have ("did you mean" for a misspelt table or column).
    """
    if not isinstance(text, str):
        raise UsageError(
            f"{origin} {quoted(text)}: a set is a text TABLE.KEY.COLUMN=VALUE. Fix: {EXAMPLE}"
        )
    where = f"{origin} {quoted(text)}"
    address, equals, value = text.partition("=")
    table, _, rest = address.strip().partition(".")
    key, dot, column = rest.rpartition(".")
    if not equals or not dot:  # an empty VALUE is an empty cell, as in the CSV
        raise UsageError(f"{where}: not TABLE.KEY.COLUMN=VALUE. Fix: {EXAMPLE}")
    if table not in SETTABLE:
        raise UsageError(f"{where}: {_table_words(table)}")
    _check_column(where, table, column)
    names = KEYS[table]
    if len(key.split("/")) != len(names):
        raise UsageError(
            f"{where}: the key {quoted(key)} has {len(key.split('/'))} part(s) but a row of "
            f"{TABLES[table][0]} is named by {len(names)} ({' / '.join(names)}). "
            "Fix: give one part per key column, joined by /, an empty part for an empty cell"
        )
    return CellSet(table=table, key=key, column=column, value=value.strip(), origin=origin)


def set_texts(entries: object) -> object:
    """A model file's `set:` list as given, each entry a text (the one form: as `--set`)."""
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, str):
            raise PydanticCustomError(
                "set_text",
                "{shown} is not a text (write each entry as TABLE.KEY.COLUMN=VALUE, "
                "e.g. pools.ecosystem/phase3.budget_musd=6700)",
                {"shown": quoted(entry)},
            )
    return entries


def _check_column(where: str, table: str, column: str) -> None:
    """Refuse a column the set cannot change: a text key column (it names the row), a text
    column, or no column of the table."""
    if column in KEYS[table] and column not in SETTABLE[table]:
        raise UsageError(
            f"{where}: column {quoted(column)} is part of the key of {TABLES[table][0]} (it "
            f"names the row). Fix: set one of {', '.join(SETTABLE[table])}, or edit the file"
        )
    model, file = TABLES[table][1], TABLES[table][0]
    if column not in SETTABLE[table] and column in model.model_fields and column != "line":
        raise UsageError(
            f"{where}: column {quoted(column)} of {file} is text, not a number: --set changes "
            f"numbers and yes/no cells. Fix: edit {file}, or set one of "
            f"{', '.join(SETTABLE[table])}"
        )
    if column not in SETTABLE[table]:
        fix = _name_fix(column, SETTABLE[table], f"the number and yes/no columns of {file}")
        raise UsageError(f"{where}: unknown column {quoted(column)}. Fix: {fix}")


def _table_words(table: str) -> str:
    """Why `table` cannot be set, and the fix: a table of the dataset whose numbers `--set`
    leaves to the file (facts, uncertainty, milestones) or that holds no number, or no table
    at all."""
    if table not in TABLES:
        fix = _name_fix(table, SETTABLE, "the tables with numbers")
        return f"unknown table {quoted(table)}. Fix: {fix}"
    file = TABLES[table][0]
    numbers = any(
        f.annotation in (float, float | None) for f in TABLES[table][1].model_fields.values()
    )
    said = "has numbers, but --set changes only" if numbers else "holds no number --set changes:"
    return (
        f"{file} {said} the numbers of {', '.join(sorted(SETTABLE))}. Fix: edit {file} (or "
        "a copy of the dataset: allocator init)"
    )


def _name_fix(name: str, known: Iterable[str], what: str) -> str:
    """`did you mean pools? The tables with numbers: ...`, else `use one of the tables with
    numbers: ...` (a sentence); the names of the schema are few, so all are listed."""
    names, close = ", ".join(sorted(known)), difflib.get_close_matches(name, sorted(known), 1)
    if close:
        return f"did you mean {close[0]}? {what[0].upper()}{what[1:]}: {names}"
    return f"use one of {what}: {names}"


def apply_set(inp: Inputs, cs: CellSet) -> Inputs:
    """`inp` with the cell `cs` names set to its value, the row validated again.

    Raises:
        UsageError: as `apply_sets`, or the row breaks a rule of its table (a floor above cap).
    """
    edits = RowEdits()
    return edits.checked(apply_sets(inp, [cs], edits))


def apply_sets(inp: Inputs, sets: Sequence[CellSet], edits: RowEdits) -> Inputs:
    """`inp` with every set applied in order, each naming its row as `inp` has it (a set that
    moves a key never moves the row another set names), each cell held to its column's rule;
    the rows' rules across columns are left to `edits`, the keys checked once all are set. The
    cells set are recorded in the dataset's order.

    Raises:
        UsageError: a key names no row ("did you mean") or several, a value breaks the number
            rule, or the sets give a row the key of another.
    """
    rows = {id(cs): row_named(inp, cs) for cs in sets}
    now: dict[int, Row] = {id(r): r for r in rows.values()}  # each row as the sets leave it
    changes, out = [], inp
    for cs in sets:
        first = rows[id(cs)]
        row, new = now[id(first)], _set_one(out, cs, now[id(first)], edits)
        now[id(first)] = new
        out = out.model_copy(
            update={cs.table: tuple(new if r is row else r for r in getattr(out, cs.table))}
        )
        cell, old = f"{cs.table}.{cs.key}.{cs.column}", getattr(row, cs.column)
        change = {"cell": cell, "origin": cs.origin, "value": cs.value, "old": old}
        changes.append((_order(cs, first), change | {"new": getattr(new, cs.column)}))
    _check_keys(out, [cs for cs in sets if cs.column in KEYS[cs.table]], rows, now)
    done = tuple(c for _, c in sorted(changes, key=lambda c: c[0]))
    return out.model_copy(update={"cells_set": (*inp.cells_set, *done)})


def _order(cs: CellSet, row: Row) -> tuple[int, str, int]:
    """Where a set's cell is in the dataset, whatever the order of its rows: table, the row's
    key as the data has it, column (the order of the records and of the key checks)."""
    table = list(TABLES).index(cs.table)
    return (table, key_text(row, cs.table), SETTABLE[cs.table].index(cs.column))


def _set_one(inp: Inputs, cs: CellSet, row: Row, edits: RowEdits) -> Row:
    """`row` with the cell of `cs` set, the cell held to its column's rule."""
    model, file = TABLES[cs.table][1], table_place(inp, cs.table)

    def say(exc: ValidationError) -> str:
        reason, fix = explain_value(exc.errors()[0], cs.column, cs.value, model)
        return f"{_where(inp, cs, file, row)}: {reason}. Fix: {fix}"

    try:
        new = cell_checked(model, _cells_after(row, model, cs, inp, file), cs.column)
    except NumberError as exc:
        raise UsageError(f"{_where(inp, cs, file, row)}: {exc}. Fix: {exc.fix}") from None
    except ValidationError as exc:
        raise UsageError(say(exc)) from None
    edits.replaced(cs.table, row, new, say)
    return new


def _check_keys(
    inp: Inputs, sets: list[CellSet], rows: dict[int, Row], now: dict[int, Row]
) -> None:
    """Refuse sets of key columns that leave a row with the key of another row (the loader
    refuses such a file as a duplicate key), naming the last such set of the row: checked
    once all are set, so two rows may trade keys."""
    last = {id(rows[id(cs)]): cs for cs in sets}
    for first, cs in sorted(last.items(), key=lambda e: _order(e[1], rows[id(e[1])])):
        new, names, file = now[first], KEYS[cs.table], table_place(inp, cs.table)
        key = tuple(getattr(new, k) for k in names)
        for other in getattr(inp, cs.table):
            if other is not new and tuple(getattr(other, k) for k in names) == key:
                raise UsageError(
                    f"{_where(inp, cs, file, new)}: row {new.line} would have the key "
                    f"{key_text(new, cs.table)} ({' / '.join(names)}) of row {other.line}, and "
                    f"a key names one row. Fix: set another {cs.column}, or merge the two rows "
                    f"in {file}"
                )


def change_words(changes: Iterable[dict[str, Any]]) -> str:
    """The cells set, in words: `pools.public/p1.budget_musd from 120 to 150 (--set)`, joined
    by `; ` (the terminal's setup and the report's settings say it)."""
    return "; ".join(
        f"{c['cell']} from {shown(c['old'])} to {shown(c['new'])} ({c['origin']})" for c in changes
    )


def table_place(inp: Inputs, table: str) -> str:
    """Where a table of `inp` is, as messages name it: `pools.csv`, or `plan.xlsx, sheet pools`
    for a dataset read from a workbook."""
    file = TABLES[table][0]
    path = Path(inp.folder)
    if path.suffix.lower() in BOOK_SUFFIXES and path.is_file():
        return f"{path.name}, sheet {file.removesuffix('.csv')}"
    return file


def row_named(inp: Inputs, cs: CellSet) -> Row:
    """The one row of `inp` the key of `cs` names.

    Raises:
        UsageError: the key names no row ("did you mean") or several.
    """
    return _row_of(inp, cs, table_place(inp, cs.table))


def _row_of(inp: Inputs, cs: CellSet, file: str) -> Row:
    """The one row the key of `cs` names."""
    parts = _parts(inp, cs.table, cs.key.split("/"))
    rows = [r for r in getattr(inp, cs.table) if all(_names(r, p) for p in parts)]
    if not rows:
        fix = _key_fix(inp, cs.table, parts, file)
        raise UsageError(f"{cs.where}: the key {quoted(cs.key)} names no row of {file}. Fix: {fix}")
    if len(rows) > 1:
        lines = ", ".join(str(r.line) for r in rows[:10])
        raise UsageError(
            f"{cs.where}: the key {quoted(cs.key)} names {len(rows)} rows of {file} (rows "
            f"{lines}). Fix: name one row: write every key part, without *"
        )
    found: Row = rows[0]
    return found


def _parts(inp: Inputs, table: str, wanted: list[str]) -> list[tuple[str, str, float | None]]:
    """Each key part of a set: (column, the part as written, and for a number column the
    number it reads as a cell of that column, in the dataset's number style: `0.8K` is 800;
    None where it reads as no number)."""
    model = TABLES[table][1]
    found = []
    for column, want in zip(KEYS[table], wanted, strict=True):
        number = None
        if model.model_fields[column].annotation is float and want != "*":
            try:
                with number_style(inp.number_style):
                    number = float(read_cell(model, column, want, {}))
            except NumberError:
                pass  # no number: it names no row, and the fix says which cells there are
        found.append((column, want, number))
    return found


def _names(row: Row, part: tuple[str, str, float | None]) -> bool:
    """Whether one key part (`*` for any) names the cell of `row`: as written, or the same
    number."""
    column, want, number = part
    value = getattr(row, column)
    return want in ("*", key_part(value)) or (number is not None and value == number)


def _key_fix(inp: Inputs, table: str, parts: list[tuple[str, str, float | None]], file: str) -> str:
    """The fix for a key that names no row of the table (at `file`), at its first part that no
    row has."""
    rows = getattr(inp, table)
    for part in parts:
        name, want, _ = part
        have = {key_part(getattr(r, name)) for r in rows}
        if not any(_names(r, part) for r in rows):
            where = f"the {name}s of {file}"
            same = sorted(h for h in have if h.strip().casefold() == want.strip().casefold())
            if same:  # ids are matched exactly: the one it means differs in case or spaces
                return (
                    f"no row has {name} {quoted(want)}: did you mean {same[0]}? (ids are "
                    "matched exactly, case and spaces included)"
                )
            return f"no row has {name} {quoted(want)}: " + closest_fix(
                want, have - {""}, where, drop="the set"
            )
    return f"no row has this combination: check the key against {file}"


def _cells_after(row: Row, model: type[Row], cs: CellSet, inp: Inputs, file: str) -> Any:
    """The row's values with the set's: an empty value is an empty cell (the column's default,
    as the CSV loader leaves an empty cell out), refused where the column needs a value.

    Raises:
        NumberError: the number rule refuses the value.
        UsageError: an empty value of a column that needs one.
    """
    values = row.model_dump() | {"line": row.line}
    if cs.value:
        return values | {cs.column: _read_value(row, model, cs, inp.number_style)}
    if model.model_fields[cs.column].is_required():
        raise UsageError(
            f"{_where(inp, cs, file, row)}: {file} needs a value there, so it cannot be empty. "
            f"Fix: write a number, e.g. {cs.text}{shown(getattr(row, cs.column))}"
        )
    del values[cs.column]
    return values


def _read_value(row: Row, model: type[Row], cs: CellSet, style: str | None) -> Any:
    """The value read by the CSV loader's own cell reader, in the dataset's number style.

    Raises:
        NumberError: the number rule refuses the value.
    """
    cells = {k: "" if v is None else str(v) for k, v in row.model_dump().items()}
    with number_style(style):
        return read_cell(model, cs.column, cs.value, cells)


def _where(inp: Inputs, cs: CellSet, file: str, row: Row) -> str:
    """Where a refused value is, as a broken cell of the dataset is named: `pools.csv row 2,
    column 'budget_musd'`, or `plan.xlsx, sheet pools, cell C2, row 2, column 'budget_musd'`."""
    if file == TABLES[cs.table][0]:
        return f"{cs.where}: {file} row {row.line}, column '{cs.column}'"
    cell = cell_of(Path(inp.folder), cs.table, cs.column, row.line)
    return f"{cs.where}: {file}{cell}, row {row.line}, column '{cs.column}'"


def cell_of(book: Path, sheet: str, column: str, line: int) -> str:
    """`, cell C2`: the cell of `column` in row `line` of the workbook's sheet (its header read
    again: only a refused set asks), or nothing where the sheet has no such column."""
    from allocator.data.files import read_file
    from allocator.data.sheettext import column_letter, read_sheet
    from allocator.data.workbook import MAX_BOOK_BYTES
    from allocator.data.xlsx import open_book
    from allocator.data.xlsxparts import BookError

    try:
        opened = open_book(read_file(book, MAX_BOOK_BYTES))
        info = next(i for i in opened.sheets if i.name.strip().lower() == sheet)
        header = [h.strip().lower() for h in read_sheet(book.name, info.name, opened, info)[0]]
    except (InputError, BookError, OSError, StopIteration, IndexError):
        return ""  # the workbook changed since it was read: the message goes on without
    return f", cell {column_letter(header.index(column))}{line}" if column in header else ""
