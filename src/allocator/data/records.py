"""Tables given as records of text cells -> validated rows -> `Inputs`, whatever the file format.

The part of reading a dataset that a CSV folder (`inputs.py`) and a workbook (`workbook.py`) share:
the header and cell rules (the words of a refused cell: `cellwords.py`), the assembly and
cross-table checks of `Inputs`, and the reading limits. It imports neither reader, so neither
imports the other (`inputs.load_inputs` hands a workbook to `workbook.load_workbook_inputs`).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from allocator.data.ambiguity import judged
from allocator.data.audit import fact_problems
from allocator.data.cellwords import explain, howto
from allocator.data.checks import check_duplicates, reference_problems
from allocator.data.levels import level_problems
from allocator.data.numbers import (
    AmbiguousError,
    NumberError,
    TooSmallError,
    check_writing,
    current_style,
    number_style,
    parse_bool,
    parse_count,
    parse_money,
    parse_number,
    parse_percent,
    parse_share,
    too_small_fix,
)
from allocator.data.ordering import canonical
from allocator.data.plaintext import cells_problem, may_hold
from allocator.data.schema import TABLES, Inputs, Row
from allocator.data.shares import share_problems
from allocator.data.uncertainty import uncertainty_notes, uncertainty_problems
from allocator.errors import InputError, raise_all

# Limits, generous above any real dataset (the largest benchmark, 3 million nonzeros, has a
# programs.csv of 274 KB and 3,120 rows) and stated in inputs/README.md. Reading costs about 20
# times a table's size in memory, so a table is refused before it is read, not after.
MAX_TABLE_BYTES = 20_000_000
MAX_TABLE_ROWS = 100_000
MAX_CELL_CHARS = 131_072  # the csv module's own field limit, stated so the message can say it

AUDIT_ONLY = "facts.csv is read only by the audit: solving goes on"
_PARSERS = {
    "musd": parse_money,
    "count": parse_count,
    "share": parse_share,
    "percent": parse_percent,
    "bool": parse_bool,
}


def assemble_inputs(
    folder: str,
    tables: dict[str, Any],
    hashes: dict[str, str],
    strict: bool = False,
    unread: list[str] | None = None,
    style: str | None = None,
    note: Callable[[InputError, str], str] | None = None,
) -> Inputs:
    """The validated `Inputs` of the tables read (field -> rows), however they were stored;
    `strict` and `unread` as in `load_inputs`; `style` the number style the dataset declares;
    `note(problem, why)` words a note on a broken fact or uncertainty row (a workbook names its
    sheet and cell), `why` saying (in CSV file names) why the command goes on."""
    unread = unread or []
    for field, rows in tables.items():
        check_duplicates(field, rows)
    for field, (file, *_rest, required) in TABLES.items():
        if required and not tables.get(field):
            raise InputError("the table has no rows", file=file, row=2, fix="add at least one row")
    tables = {"folder": folder, **tables}
    tables["phases"] = tuple(sorted(tables["phases"], key=lambda p: p.first_year))
    tables["milestones"] = tuple(sorted(tables["milestones"], key=lambda m: m.year))
    inputs = Inputs(file_hashes=hashes, number_style=style, **tables)
    facts = fact_problems(inputs)
    strictly = [*facts, *uncertainty_problems(inputs)] if strict else []
    problems = [*reference_problems(inputs), *level_problems(inputs), *share_problems(inputs)]
    raise_all([*problems, *strictly])
    note = note or _note
    notes = (*unread, *(note(e, AUDIT_ONLY) for e in facts), *uncertainty_notes(inputs, note))
    return canonical(inputs.model_copy(update={"notes": notes}))  # file order must not move money


def _note(problem: InputError, why: str) -> str:
    """A note on a problem a command sets aside: the problem, then why it goes on."""
    return f"{problem} ({why})"


_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def _header(file: str, raw: list[str], model: type[Row]) -> list[str]:
    names = [h.strip().lower() for h in raw]
    if names and names[0].startswith("sep=") and not any(names[2:]):
        shown = ",".join(h.strip() for h in raw)  # sep=, is read as two cells: sep= and ""
        raise InputError(
            f"the first line '{shown}' is Excel's separator hint, not the header",
            file=file,
            row=1,
            fix="delete the first line, so that the column names come first",
        )
    known = [n for n in model.model_fields if n != "line"]
    sep = next((s for s in _SEPARATORS if len(names) == 1 and s in names[0]), None)
    if sep is not None:
        raise InputError(
            f"columns are separated by {_SEPARATORS[sep]}",
            file=file,
            row=1,
            fix="save as comma-separated CSV (in Excel: 'CSV UTF-8 (Comma delimited)')",
        )
    for col, name in enumerate(names, start=1):
        if not name:
            raise InputError(
                f"column {col} has no name",
                file=file,
                row=1,
                fix="give every column a header or delete the empty column",
            )
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(known)}"
            raise InputError(
                "unknown column", file=file, row=1, column=name, fix=f"rename it ({hint})"
            )
        if names.count(name) > 1:
            raise InputError(
                "column appears twice",
                file=file,
                row=1,
                column=name,
                fix="keep one of the two columns",
            )
    for name, info in model.model_fields.items():
        if name != "line" and info.is_required() and name not in names:
            raise InputError(
                "required column is missing",
                file=file,
                row=1,
                column=name,
                fix="add the column (see inputs/README.md)",
            )
    return names


def read_records(file: str, lines: list[list[str]], model: type[Row]) -> list[Row]:
    """The rows of a table given as records of text cells, the first the header; blank records
    are skipped but counted, so a row's number is its record's (its sheet row in a workbook)."""
    names = _header(file, lines[0], model)
    rows = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(names):
            raise InputError(
                f"has {len(cells)} cells but the header has {len(names)}",
                file=file,
                row=number,
                fix="make every row have one cell per column (quote cells with commas)",
            )
        rows.append(_row(file, number, dict(zip(names, cells, strict=True)), model))
    return rows


def _row(file: str, number: int, cells: dict[str, str], model: type[Row]) -> Row:
    _check_text(file, number, cells, model)
    values: dict[str, Any] = {"line": number}
    for name, raw in cells.items():
        cell = raw.strip()
        if not cell:
            continue
        try:
            values[name] = _cell_value(model, name, cell, cells)
        except ValueError as exc:
            reason, fix = _refusal(exc, model, name, cells)
            raise InputError(reason, file=file, row=number, column=name, fix=fix) from None
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise _validation_error(file, number, cells, exc, model) from None


def _check_text(file: str, number: int, cells: dict[str, str], model: type[Row]) -> None:
    """Refuse a cell holding a control character, a bidirectional control, or a line break
    in a text that is one line (`plaintext.py`): before any other rule, so the message says so
    (a line break in a number cell is left to the number rule)."""
    if not may_hold("".join(cells.values())):  # one scan of the row: the common case
        return
    problem = cells_problem(cells.items(), lambda column: _is_number(model, column, cells))
    if problem is not None:
        column, reason, fix = problem
        raise InputError(reason, file=file, row=number, column=column, fix=fix)


def _is_number(model: type[Row], column: str, cells: dict[str, str]) -> bool:
    """Whether `model`'s `column` is read as a number (a unit, or an int or float field)."""
    info = model.model_fields.get(column)
    plain = info is not None and info.annotation in (int, float, float | None)
    return plain or _unit_of(model, column, cells) is not None


def _cell_value(model: type[Row], name: str, cell: str, cells: dict[str, str]) -> Any:
    """A cell read in its column's unit; text (ids, whole numbers) is left to the row model,
    but a whole number is first held to the rule every number is written by. How the column
    is read is worked out once (`_reading`); only a unit another cell gives is looked up per
    row, as `_unit_of` looks it up."""
    kind, unit, units = _reading(model, name)
    if units is not None and unit is not None:  # the unit read off another column (`unit_from`)
        found = units.get(cells.get(unit, "").strip())
        if found is not None:
            return _PARSERS[str(found)](cell)
    elif unit is not None:
        return _PARSERS[unit](cell)
    if kind == "int":
        check_writing(cell)
        return _whole(cell)
    if kind == "float":
        return _plain_float(cell)
    return cell


@functools.cache
def _reading(model: type[Row], name: str) -> tuple[str, str | None, dict[str, Any] | None]:
    """How `_cell_value` reads `model`'s column `name`: its field's kind (int, float or text),
    its unit (or, with `units`, the column that names the unit), as `_unit_of` finds them.
    Found once per column rather than for each of a table's cells: pydantic's `model_fields`
    and the field's extra cost ~25 ms of the 0.13 s load at 1e6 nonzeros (bench/README.md)."""
    info = model.model_fields.get(name)
    kind = "text"
    if info is not None and info.annotation is int:
        kind = "int"
    elif info is not None and info.annotation in (float, float | None):
        kind = "float"
    extra = info.json_schema_extra if info is not None else None
    if isinstance(extra, dict) and "unit_from" in extra:
        units = extra["units"]
        assert isinstance(units, dict)
        return kind, str(extra["unit_from"]), units
    if isinstance(extra, dict) and "unit" in extra:
        return kind, str(extra["unit"]), None
    return kind, None, None


def _whole(cell: str) -> int | str:
    """A whole-number cell (a year, a lag), read by the number rule in the dataset's style
    (`1e1` is 10, `1.000` 1000 in the comma style and refused undeclared), then held to a whole
    value: a number that is not whole (`2.5`, `25e-1`) and text that is no number are left to
    the row model, which refuses them as not whole, never truncated."""
    if cell.isdigit():  # the common case (check_writing has refused digits other than 0-9)
        return cell
    value = _plain_float(cell, styled=False)
    if isinstance(value, float):
        return int(value) if value.is_integer() else cell
    if any(ch in cell for ch in ".,") and current_style() is not None:
        # The row model would read `2.0` with a decimal point whatever the declared style.
        raise NumberError(
            f"'{cell}' is not a whole number in the dataset's {current_style()} style",
            howto("whole"),
        )
    return cell


def read_cell(model: type[Row], column: str, text: str, cells: dict[str, str]) -> Any:
    """`text` read as the loader reads a cell of `model`'s `column` (its unit; `cells`, the
    row's other cells, for a unit another column gives), for a value given elsewhere (`--set`).

    Raises:
        NumberError: the number rule refuses it; `fix` says how to write it.
    """
    try:
        return _cell_value(model, column, text, cells)
    except ValueError as exc:
        raise NumberError(*_refusal(exc, model, column, cells)) from None


def _refusal(
    exc: ValueError, model: type[Row], column: str, cells: dict[str, str]
) -> tuple[str, str]:
    """What is wrong with a cell of `model`'s `column` the number rule refuses, and the fix;
    a number read two ways names the reading the row refuses, and why (`AmbiguousError`)."""
    if not isinstance(exc, AmbiguousError):
        return str(exc), _fix_of(exc, model, column, cells)
    refused = tuple(_why_not(model, column, text, cells) for text in exc.texts)
    return judged(exc.words, exc.writings, column, refused) or (exc.words, str(exc.fix))


def _why_not(
    model: type[Row], column: str, text: str, cells: dict[str, str]
) -> tuple[str, str] | None:
    """Why the row refuses `text` in `column` (its reason and fix), None where it takes it or
    where another column is the problem. Read in the point style, the one `text` is written in
    (and the one that reads the row's other cells when they come from a row model)."""
    try:
        with number_style("point"):
            _row("", 0, cells | {column: text}, model)
    except InputError as refused:
        return (refused.reason, refused.fix or "") if refused.column == column else None
    return None


def _fix_of(exc: ValueError, model: type[Row], column: str, cells: dict[str, str]) -> str:
    """The fix of a cell of `model`'s `column` the number rule refuses: the rule's own (for a
    number too small to tell from 0, 0 only where the row takes 0 there), else its unit's."""
    if not isinstance(exc, TooSmallError):
        return getattr(exc, "fix", None) or howto(str(_unit_of(model, column, cells)))
    try:
        _row("", 0, cells | {column: "0"}, model)
    except InputError as zero:  # a problem of another column is that column's: named next
        return too_small_fix(zero.reason if zero.column == column else None)
    return too_small_fix()


def _plain_float(cell: str, styled: bool = True) -> float | str:
    """A number cell without a unit (coverage, a target's weight), held to the number rule;
    text that is no number at all is left to the row model, which says what is wrong, but
    (`styled`) a point or comma the declared style cannot read is refused here."""
    try:
        return parse_number(cell, {"": 1.0})
    except NumberError:
        raise
    except ValueError:
        if styled and any(ch in cell for ch in ".,") and current_style() is not None:
            # The row model would read `2.0` with a decimal point whatever the declared style,
            # while the number rule reads `2.000` in that style: one text read two ways.
            style = current_style()
            fix = howto("")
            if style == "comma" and cell.count(".") == 1 and "," not in cell:
                fix = f"write {cell.replace('.', ',')} (the comma style's decimal comma)"
            raise NumberError(
                f"'{cell}' is not a number in the dataset's {style} style", fix
            ) from None
        return cell


def _validation_error(
    file: str, number: int, cells: dict[str, str], exc: ValidationError, model: type[Row]
) -> InputError:
    err = exc.errors()[0]
    ctx = err.get("ctx") or {}
    if "fix" in ctx:  # a rule across the columns of the row (schema._rule)
        column = str(ctx.get("column"))
        return InputError(
            err["msg"],
            file=file,
            row=number,
            column=column if column in cells else None,
            fix=str(ctx["fix"]),
        )
    if not err["loc"]:
        return InputError(
            err["msg"].removeprefix("Value error, "),
            file=file,
            row=number,
            fix="correct the row (see inputs/README.md)",
        )
    column = str(err["loc"][0])
    reason, fix = explain(
        err, column, cells.get(column, "").strip(), _unit_of(model, column, cells)
    )
    return InputError(reason, file=file, row=number, column=column, fix=fix)


def explain_value(err: Any, column: str, shown: str, model: type[Row]) -> tuple[str, str]:
    """What is wrong with a value of `model`'s `column` (a pydantic error) and how to fix it:
    the loader's words, for values that come from a model file rather than a cell."""
    ctx = err.get("ctx") or {}
    if "fix" in ctx:  # a rule across the columns of the row (schema._rule)
        return err["msg"], str(ctx["fix"])
    return explain(err, column, shown, _unit_of(model, column))


def _unit_of(model: type[Row], column: str, cells: dict[str, str] | None = None) -> str | None:
    """How to read a column's cells; `unit_from` reads the unit off another column of the row
    (a target's kind, a fact's unit)."""
    info = model.model_fields.get(column)
    extra = info.json_schema_extra if info is not None else None
    if not isinstance(extra, dict):
        return None
    if "unit_from" in extra and cells is not None:
        units = extra["units"]
        assert isinstance(units, dict)
        found = units.get(cells.get(str(extra["unit_from"]), "").strip())
        return None if found is None else str(found)
    return str(extra["unit"]) if "unit" in extra else None
