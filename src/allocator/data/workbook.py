"""Read a dataset from one workbook (`plan.xlsx`): one sheet a table, named as the CSV file
without `.csv` (`programs`, `pools`...), with the CSV's columns; a `README` sheet is ignored.

Cells are read with openpyxl and turned into the text a CSV cell would hold, so the CSV rules
read them (`inputs.read_records`): a number becomes its shortest exact decimal, so the same
dataset gives the same floats either way. A formula is read as the value Excel saved with it;
one with no saved value, and an error cell (`#N/A`, `#DIV/0!`), is refused by cell. A message
names the workbook, sheet, cell, row and column.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from allocator.data.files import read_file
from allocator.data.inputs import MAX_TABLE_ROWS, assemble_inputs, read_records
from allocator.data.numbers import exact_text, number_style, style_of
from allocator.data.schema import TABLES, Inputs
from allocator.errors import InputError

MAX_BOOK_BYTES = 50_000_000
README_SHEET = "README"
SETTINGS_SHEET = "settings"
"""The dataset's settings, as settings.csv (`numbers.style_of`): the number style."""
SHEETS = {file.removesuffix(".csv"): field for field, (file, *_rest) in TABLES.items()}
"""Sheet name -> table field."""
_FILES = {file: file.removesuffix(".csv") for file, *_rest in TABLES.values()}


def column_letter(j: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (openpyxl's letters, from 0)."""
    return get_column_letter(j + 1)


class _Sheet:
    """One sheet read to text records, with what a message needs to name a cell."""

    def __init__(self, book: str, name: str, records: list[list[str]]) -> None:
        self.book, self.name, self.records = book, name, records
        self.header = [h.strip().lower() for h in records[0]] if records else []

    def place(self, row: int | None, column: str | None) -> str:
        where = f"{self.book}, sheet {self.name}"
        if row is not None and column in self.header:
            return f"{where}, cell {column_letter(self.header.index(column))}{row}"
        return where

    def error(self, exc: InputError) -> InputError:
        return InputError(
            exc.reason, file=self.place(exc.row, exc.column), row=exc.row, column=exc.column,
            fix=exc.fix,
        )  # fmt: skip


def load_workbook_inputs(path: Path, strict: bool = False) -> Inputs:
    """Load and validate every table of the workbook at `path`.

    Raises:
        InputError: the first problem found, naming workbook, sheet, cell, row and column.
    """
    book = path.name
    try:
        data = read_file(path, MAX_BOOK_BYTES)
    except FileNotFoundError:
        raise InputError(
            "workbook not found", file=str(path), fix="pass --inputs plan.xlsx or a dataset folder"
        ) from None
    except InputError as exc:
        raise InputError(exc.reason, file=str(path), fix=exc.fix) from None
    style, read = _read_book(book, data)
    sheets = {s.name: s for s in read}
    with number_style(style):
        tables = _read_sheets(book, sheets)
    try:
        hashes = {book: hashlib.sha256(data).hexdigest()}
        return assemble_inputs(str(path), tables, hashes, strict, style=style)
    except InputError as exc:
        sheet = sheets.get(_FILES.get(exc.file or "", ""))
        if sheet is None:
            raise
        raise sheet.error(exc) from None


def _read_sheets(book: str, sheets: dict[str, _Sheet]) -> dict[str, Any]:
    """The rows of every table sheet (field -> rows)."""
    tables: dict[str, Any] = {}
    for field, (file, model, _key, required) in TABLES.items():
        sheet = sheets.get(file.removesuffix(".csv"))
        if sheet is None:
            if required:
                raise InputError(
                    "sheet is missing",
                    file=f"{book}, sheet {file.removesuffix('.csv')}",
                    fix="add it with the columns of the CSV table (see inputs/README.md), or "
                    "start from `allocator export-inputs`",
                )
            continue
        if not sheet.records or not any(c.strip() for c in sheet.records[0]):
            raise InputError(
                "the header row is blank",
                file=f"{sheet.place(None, None)}, cell A1",
                row=1,
                fix="put the column names in row 1",
            )
        try:
            tables[field] = tuple(read_records(sheet.name, sheet.records, model))
        except InputError as exc:
            raise sheet.error(exc) from None
    return tables


def _read_book(book: str, data: bytes) -> tuple[str | None, list[_Sheet]]:
    """The number style the settings sheet declares, and every table sheet of the workbook as
    text records (formulas as their saved values, numbers as text in that style)."""
    from openpyxl import load_workbook

    try:
        values = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise InputError(
            f"is not an Excel workbook that can be read ({type(exc).__name__})",
            file=book,
            fix="save it from Excel or LibreOffice as 'Excel Workbook (.xlsx)'",
        ) from None
    except Exception as exc:  # openpyxl's InvalidFileException and kin
        raise InputError(
            f"is not an Excel workbook that can be read ({exc})",
            file=book,
            fix="save it from Excel or LibreOffice as 'Excel Workbook (.xlsx)'",
        ) from None
    settings = next((n for n in values.sheetnames if n.strip().lower() == SETTINGS_SHEET), None)
    style = None
    if settings is not None:
        sheet = _Sheet(
            book, settings, _records(book, settings, values[settings], formulas[settings])
        )
        try:
            style = style_of(sheet.records)
        except InputError as exc:
            raise sheet.error(exc) from None
    with number_style(style):
        out = _table_sheets(book, values, formulas)
    values.close()
    formulas.close()
    return style, out


def _table_sheets(book: str, values: Any, formulas: Any) -> list[_Sheet]:
    """Every table sheet as text records."""
    out = []
    for name in values.sheetnames:
        if name.strip().lower() in (README_SHEET.lower(), SETTINGS_SHEET):
            continue
        if name not in SHEETS:
            close = difflib.get_close_matches(name, list(SHEETS), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(SHEETS)}"
            raise InputError(
                "unknown sheet", file=f"{book}, sheet {name}", fix=f"rename it ({hint})"
            )
        out.append(_Sheet(book, name, _records(book, name, values[name], formulas[name])))
    return out


def _records(book: str, name: str, values: Any, formulas: Any) -> list[list[str]]:
    records: list[list[str]] = []
    width = 0
    for number, (vrow, frow) in enumerate(
        zip(values.iter_rows(), formulas.iter_rows(), strict=False), start=1
    ):
        if number > MAX_TABLE_ROWS + 1:
            raise InputError(
                f"the sheet has more than {MAX_TABLE_ROWS:,} rows",
                file=f"{book}, sheet {name}",
                row=number,
                fix="split the data or drop rows the model does not use",
            )
        try:
            cells = [_text(v, f) for v, f in zip(vrow, frow, strict=False)]
        except _CellError as exc:
            j = exc.column
            raise InputError(
                exc.reason,
                file=f"{book}, sheet {name}, cell {column_letter(j)}{number}",
                row=number if number > 1 else None,
                column=records[0][j].strip().lower() if records and j < len(records[0]) else None,
                fix=exc.fix,
            ) from None
        if number == 1:
            while cells and not cells[-1].strip():
                cells.pop()
            width = len(cells)
            if not width:
                raise InputError(
                    "the header row is blank",
                    file=f"{book}, sheet {name}, cell A1",
                    row=1,
                    fix="put the column names in row 1 (delete blank rows above them)",
                )
        else:
            extra = next((j for j in range(width, len(cells)) if cells[j].strip()), None)
            if extra is not None:
                raise InputError(
                    "the cell holds a value but its column has no header",
                    file=f"{book}, sheet {name}, cell {column_letter(extra)}{number}",
                    row=number,
                    fix="add a header in row 1 or clear the cell",
                )
            cells = (cells + [""] * width)[:width]
        records.append(cells)
    return records


class _CellError(Exception):
    def __init__(self, column: int, reason: str, fix: str) -> None:
        super().__init__(reason)
        self.column, self.reason, self.fix = column, reason, fix


def _text(cell: Any, formula: Any) -> str:
    """A cell as the text a CSV would hold; an error or a formula with no saved value refused."""
    value = getattr(cell, "value", None)
    j = (getattr(cell, "column", None) or 1) - 1
    if getattr(cell, "data_type", None) == "e":
        raise _CellError(
            j, f"the cell holds the error {value}", "correct the formula or type the value"
        )
    fvalue = getattr(formula, "value", None)
    is_formula = getattr(formula, "data_type", None) == "f" or (
        isinstance(fvalue, str) and fvalue.startswith("=")
    )
    if value is None:
        if is_formula:
            raise _CellError(
                j,
                f"the formula {fvalue} has no saved value",
                "open the workbook in Excel or LibreOffice, let it calculate and save it, "
                "or type the value",
            )
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        raise _CellError(
            j,
            f"the cell holds a date or time ({value})",
            "format the cell as a number or text (a year is a plain number such as 2030)",
        )
    return str(value)


def number_text(value: float) -> str:
    """The shortest text that reads back as exactly `value` in the dataset's number style:
    3500.0 -> 3500, 1e-05 -> 0.00001, 1e300 -> 1e300 (`numbers.exact_text`)."""
    return exact_text(value)
