"""A worksheet of a dataset workbook as the text records a CSV table would give.

Each cell becomes the text a CSV cell would hold (what Excel shows): a number the text that the
dataset's number style reads back exactly (`numbers.exact_text`), a true/false cell TRUE or FALSE,
a formula its saved value. An error cell, a formula never calculated, a date, a cell its type does
not fit and merged cells in the table are refused by cell, and reading stops at the CSV table
limits (rows, characters, cell size).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NamedTuple

from allocator.data.numbers import decimal_text, exact_text
from allocator.data.records import MAX_TABLE_BYTES, MAX_TABLE_ROWS
from allocator.data.xlsx import Book, SheetInfo
from allocator.data.xlsxcells import SheetReader, column_index
from allocator.data.xlsxparts import RESAVE_FIX, BookError
from allocator.errors import InputError, PicklableError


def column_letter(j: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (openpyxl's letters, from 0)."""
    from openpyxl.utils import get_column_letter  # openpyxl only when a workbook is read

    letter: str = get_column_letter(j + 1)
    return letter


def book_error(book: str, exc: BookError, sheet: str | None = None) -> InputError:
    where = f"{book}, sheet {sheet}" if exc.where == sheet else f"{book}, {exc.where}"
    if exc.cell:
        where += f", cell {exc.cell}"
    return InputError(exc.reason, file=where, fix=exc.fix)


def read_sheet(book: str, name: str, opened: Book, info: SheetInfo) -> list[list[str]]:
    """The sheet's cells as text records, row n at index n - 1, within the CSV table limits."""
    reader = SheetReader(opened, info, name)
    try:
        table = _Records(book, name, opened)  # reads the styles: a BookError names their part
        reader.cells(table.add)
    except BookError as exc:
        raise book_error(book, exc, name) from None
    records = table.finish()
    _check_merged(book, name, reader.merged, records)
    return records


class _Records:
    """Collects a sheet's cells as rows of text, refusing at the first limit or bad cell."""

    def __init__(self, book: str, name: str, opened: Book) -> None:
        self.book, self.name, self.opened = book, name, opened
        self.header: list[str] = []
        self.width: int | None = None
        self.rows: list[list[str]] = []
        self.chars = 0
        self.dates = opened.dates()[0] | set(opened.scaled()) | opened.percents()  # not fast

    def _where(self, row: int, column: int) -> str:
        return f"{self.book}, sheet {self.name}, cell {column_letter(column)}{row}"

    def add(self, row: int, column: int, kind: str, style: int, value: Any, formula: Any) -> None:
        """One cell (`xlsxcells.Emit`): its text in its row, or the reason it cannot be read."""
        width = self._width() if row > 1 else 0
        try:
            if kind in ("inlineStr", "str") and value:
                text = value  # the common cases first: a cell costs microseconds
            elif (
                kind == "n"
                and value
                and len(value) <= _SHORT_INT
                and value.isascii()
                and value.isdigit()
                and style not in self.dates
            ):
                text = value.lstrip("0") or "0"
            else:
                text = _text(_Cell(kind, style, value, formula), self.opened)
        except _CellError as exc:
            data = row > 1 and column < width
            raise InputError(
                exc.reason, file=self._where(row, column), row=row if row > 1 else None,
                column=self.header[column].strip().lower() if data else None, fix=exc.fix,
            ) from None  # fmt: skip
        if not text:
            return
        self.chars += len(text)
        if self.chars > MAX_TABLE_BYTES:
            raise InputError(
                f"the sheet holds more than {MAX_TABLE_BYTES:,} characters of text",
                file=f"{self.book}, sheet {self.name}", row=row, fix=_LIMIT_FIX,
            )  # fmt: skip
        if row == 1:
            self.header += [""] * (column + 1 - len(self.header))
            if self.header[column]:
                raise self._twice(row, column)
            self.header[column] = text
        else:
            self._data(row, column, text, width)

    def _twice(self, row: int, column: int) -> InputError:
        """The refusal of a cell given a second time (a crafted or broken file): one reader
        keeps the first value, another the last."""
        return InputError(
            "the cell appears twice in the sheet", file=self._where(row, column),
            row=row if row > 1 else None, fix=RESAVE_FIX,
        )  # fmt: skip

    def _data(self, row: int, column: int, text: str, width: int) -> None:
        if row > MAX_TABLE_ROWS + 1:
            raise InputError(
                f"the sheet has more than {MAX_TABLE_ROWS:,} rows",
                file=f"{self.book}, sheet {self.name}", row=row, fix=_LIMIT_FIX,
            )  # fmt: skip
        if column >= width:
            if not text.strip():
                return
            raise InputError(
                "the cell holds a value but its column has no header",
                file=self._where(row, column), row=row,
                fix="add a header in row 1 or clear the cell",
            )  # fmt: skip
        while len(self.rows) < row - 1:
            self.rows.append([""] * width)
        if self.rows[row - 2][column]:
            raise self._twice(row, column)
        self.rows[row - 2][column] = text

    def _width(self) -> int:
        if self.width is None:
            while self.header and not self.header[-1].strip():
                self.header.pop()
            self.width = len(self.header)
            if not self.width:
                raise InputError(
                    "the header row is blank",
                    file=f"{self.book}, sheet {self.name}, cell A1",
                    row=1,
                    fix="put the column names in row 1 (delete blank rows above them)",
                )
        return self.width

    def finish(self) -> list[list[str]]:
        if self.width is None and not self.header:
            return []
        self._width()
        return [self.header, *self.rows]


_SHORT_INT = 15  # digits a number cell may have to be copied as it is (exact_text writes them so)
_LIMIT_FIX = (
    "split the data or drop rows the model does not use; the limit keeps memory bounded "
    "(see inputs/README.md, Limits)"
)
_RANGE = re.compile(r"^([A-Za-z]{1,3})([0-9]+)(?::([A-Za-z]{1,3})([0-9]+))?$")


def _check_merged(book: str, name: str, merged: list[str], records: list[list[str]]) -> None:
    """Refuse merged cells in the table: Excel shows the value in every cell of the range, but
    stores it in the first only (a CSV saved from it has blanks), so it could be read two ways."""
    width = len(records[0]) if records else 0
    for ref in merged:
        m = _RANGE.match(ref)
        if m is None:
            continue
        top, left = int(m[2]), column_index(m[1])
        bottom = int(m[4] or top)
        if left >= width or top > len(records) or (bottom == top and not m[3]):
            continue
        head = records[0][left].strip().lower()
        raise InputError(
            f"cells {ref} are merged: Excel shows the value of {m[1]}{top} in each of them, "
            "but only that cell holds it",
            file=f"{book}, sheet {name}, cell {m[1]}{top}",
            row=top if top > 1 else None,
            column=head if top > 1 else None,
            fix="unmerge them (Home > Merge & Center > Unmerge Cells) and type the value into "
            "every row it belongs to",
        )


class _Cell(NamedTuple):
    type: str
    style: int
    value: str | None
    formula: str | None


class _CellError(PicklableError):
    def __init__(self, reason: str, fix: str) -> None:
        super().__init__(reason)
        self.reason, self.fix = reason, fix


_RETYPE = "type the value again in the cell, or save the workbook again from Excel or LibreOffice"


def _text(cell: _Cell, opened: Book) -> str:
    """A cell as the text a CSV would hold (what Excel shows); an error cell, a formula with no
    saved value, a date and a cell its type does not fit are refused."""
    if cell.type == "e":
        raise _CellError(
            f"the cell holds the error {cell.value}", "correct the formula or type the value"
        )
    if not cell.value:
        if cell.formula is not None:
            raise _CellError(
                f"the formula ={cell.formula} has no saved value",
                "open the workbook in Excel or LibreOffice, let it calculate and save it, "
                "or type the value",
            )
        return ""
    reader = _TYPES.get(cell.type)
    if reader is None:
        raise _CellError(f"the cell has an unknown type '{cell.type}'", _RETYPE)
    return reader(cell, opened)


_XSD_DOUBLE = re.compile(
    r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?INF|NaN", re.ASCII
)
"""A number cell's value as the file format writes it (xsd:double; INF and NaN are then refused
as not finite): float() alone would also read `1_000`, Arabic-Indic or fullwidth digits, which
another reader does not."""


def _number(cell: _Cell, opened: Book) -> str:
    raw = str(cell.value).strip(" \t\r\n")  # the whitespace XML may put around a value
    try:
        if not _XSD_DOUBLE.fullmatch(raw):
            raise ValueError(raw)
        value = float(raw)
    except ValueError:
        raise _CellError(
            f"the number cell holds '{raw[:64]}', which is not a number", _RETYPE
        ) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise _CellError(f"the number cell holds '{raw[:64]}', which is not finite", _RETYPE)
    dates, durations = opened.dates()
    if cell.style in dates:
        raise _CellError(
            f"the cell holds a date or time ({_shown_date(value, cell, opened)})", _DATE_FIX
        )
    scaled = opened.scaled().get(cell.style)
    if scaled is not None:
        raise _CellError(
            f"the cell's number format '{scaled[:40]}' divides the number by 1,000 or more, so "
            f"it shows other than its value {number_text(value)}",
            "format the cell without the commas after the last digit (e.g. #,##0) and type "
            "the number in the column's unit",
        )
    if cell.style in opened.percents():  # what Excel shows, 25%: a share reads it as 0.25
        return decimal_text(Decimal(raw).scaleb(2)) + "%"
    return number_text(value)


_DATE_FIX = "format the cell as a number or text (a year is a plain number such as 2030)"


def _shown_date(value: float, cell: _Cell, opened: Book) -> str:
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

    epoch = CALENDAR_MAC_1904 if opened.date1904 else CALENDAR_WINDOWS_1900
    try:
        return str(from_excel(value, epoch, timedelta=cell.style in opened.dates()[1]))
    except (OverflowError, ValueError):
        return f"serial {value}"


def _shared(cell: _Cell, opened: Book) -> str:
    raw = str(cell.value).strip()
    strings = opened.strings()
    if not raw.isdigit() or int(raw) >= len(strings):
        raise _CellError(
            f"the cell refers to shared string {raw[:20]}, but the workbook has "
            f"{len(strings):,}", _RETYPE,
        )  # fmt: skip
    return strings[int(raw)]


def _bool(cell: _Cell, _opened: Book) -> str:
    shown = {"1": "TRUE", "0": "FALSE", "true": "TRUE", "false": "FALSE"}.get(
        str(cell.value).strip().lower()
    )
    if shown is None:
        raise _CellError(f"the true/false cell holds '{str(cell.value)[:64]}'", _RETYPE)
    return shown


def _date(cell: _Cell, _opened: Book) -> str:
    raise _CellError(f"the cell holds a date or time ({cell.value})", _DATE_FIX)


def _string(cell: _Cell, _opened: Book) -> str:
    return str(cell.value)


_TYPES: dict[str, Callable[[_Cell, Book], str]] = {
    "n": _number,
    "s": _shared,
    "b": _bool,
    "d": _date,
    "str": _string,
    "inlineStr": _string,
}


def number_text(value: float) -> str:
    """The shortest text that reads back as exactly `value` in the dataset's number style:
    3500.0 -> 3500, 1e-05 -> 0.00001, 1e300 -> 1e300 (`numbers.exact_text`)."""
    return exact_text(value)
