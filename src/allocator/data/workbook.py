"""Read a dataset from one workbook (`plan.xlsx`): one sheet a table, named as the CSV file
without `.csv` (`programs`, `pools`...), with the CSV's columns; a `README` sheet is ignored.

Cells are read in streaming mode (`xlsx.py`, a hardened XML parser within the CSV table limits)
and turned into the text a CSV cell would hold, so the CSV rules read them
(`inputs.read_records`): a number becomes its shortest exact decimal, so the same dataset gives
the same floats either way, and a true/false cell is what Excel shows (TRUE, FALSE). A formula is
read as the value Excel saved with it; one with no saved value, an error cell (`#N/A`,
`#DIV/0!`), a date and merged cells are refused by cell. A message names the workbook, sheet,
cell, row and column, also for problems across sheets.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import math
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from openpyxl.utils import get_column_letter

from allocator.data.checks import check_duplicates
from allocator.data.files import read_file
from allocator.data.inputs import (
    AUDIT_ONLY,
    MAX_TABLE_BYTES,
    MAX_TABLE_ROWS,
    assemble_inputs,
    read_records,
)
from allocator.data.schema import TABLES, Inputs
from allocator.data.xlsx import Book, BookError, SheetInfo, SheetReader, column_index, open_book
from allocator.errors import InputError, InputErrors, printable

MAX_BOOK_BYTES = 50_000_000
README_SHEET = "README"
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

    As for a folder, a broken facts sheet is a note unless `strict` (the audit alone reads it).

    Raises:
        InputError: the first problem found, naming workbook, sheet, cell, row and column; or
            every broken reference across the sheets at once (InputErrors), each by cell.
    """
    book = path.name
    data = _read(path)
    sheets, notes = _read_book(book, data, path.suffix.lower())
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
        try:
            tables[field] = _table(sheet, model, field)
        except InputError as exc:
            if strict or field != "facts":
                raise
            notes.append(f"{exc} ({_AUDIT_ONLY} without sheet facts)")
    hashes = {book: hashlib.sha256(data).hexdigest()}
    try:
        return assemble_inputs(
            str(path), tables, hashes, strict, notes, note=lambda e: _note(sheets, e)
        )
    except InputErrors as exc:
        header = str(exc).partition(f"{len(exc.errors)} problem")[0].removesuffix(": ")
        raise InputErrors([_renamed(sheets, e) for e in exc.errors], header) from None
    except InputError as exc:
        raise _renamed(sheets, exc) from None


_AUDIT_ONLY = AUDIT_ONLY.replace("facts.csv", "sheet facts")


def _table(sheet: _Sheet, model: Any, field: str) -> tuple[Any, ...]:
    """The rows of one sheet, each error named by its cell."""
    if not sheet.records or not any(c.strip() for c in sheet.records[0]):
        raise InputError(
            "the header row is blank",
            file=f"{sheet.place(None, None)}, cell A1",
            row=1,
            fix="put the column names in row 1",
        )
    try:
        rows = tuple(read_records(sheet.name, sheet.records, model))
        check_duplicates(field, rows)
    except InputError as exc:
        raise sheet.error(exc) from None
    return rows


_CSV_NAME = re.compile(r"\b([a-z_]+)\.csv\b")


def _in_sheets(text: str | None) -> str | None:
    """A message's CSV file names as sheet names: 'programs.csv' -> 'sheet programs'."""
    if text is None:
        return None
    return _CSV_NAME.sub(lambda m: f"sheet {m[1]}" if m[1] in SHEETS else m[0], text)


def _renamed(sheets: dict[str, _Sheet], exc: InputError) -> InputError:
    """An error of the tables read (it names a CSV file) as one naming the sheet and cell."""
    sheet = sheets.get(_FILES.get(exc.file or "", ""))
    if sheet is None and exc.file in sheets:
        sheet = sheets[str(exc.file)]
    where = exc.file if sheet is None else sheet.place(exc.row, exc.column)
    return InputError(
        _in_sheets(exc.reason) or "", file=where, row=exc.row, column=exc.column,
        fix=_in_sheets(exc.fix),
    )  # fmt: skip


def _note(sheets: dict[str, _Sheet], exc: InputError) -> str:
    return f"{_renamed(sheets, exc)} ({_AUDIT_ONLY})"


def _read(path: Path) -> bytes:
    try:
        return read_file(path, MAX_BOOK_BYTES)
    except FileNotFoundError:
        raise InputError(
            "workbook not found", file=str(path), fix="pass --inputs plan.xlsx or a dataset folder"
        ) from None
    except InputError as exc:
        raise InputError(exc.reason, file=str(path), fix=exc.fix) from None


def _read_book(book: str, data: bytes, suffix: str) -> tuple[dict[str, _Sheet], list[str]]:
    """Every table sheet of the workbook as text records, and notes on hidden sheets."""
    _identify(book, data, suffix)
    try:
        opened = open_book(data)
    except BookError as exc:
        raise _book_error(book, exc) from None
    out: dict[str, _Sheet] = {}
    notes: list[str] = []
    for info in opened.sheets:
        name = info.name
        if name.strip().lower() == README_SHEET.lower():
            continue
        hidden = _HIDDEN.get(info.state)
        if name not in SHEETS and hidden:
            notes.append(
                printable(f"{book}, sheet {name}: the sheet is {hidden} and not a table: not read")
            )
            continue
        if name not in SHEETS:
            close = difflib.get_close_matches(name, list(SHEETS), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(SHEETS)}"
            raise InputError(
                "unknown sheet", file=f"{book}, sheet {name}", fix=f"rename it ({hint})"
            )
        if info.kind != "worksheet":
            raise InputError(
                f"is a {_KINDS.get(info.kind, info.kind)}, not a sheet of cells",
                file=f"{book}, sheet {name}",
                fix=f"rename it and put the {name} table in a worksheet named '{name}'",
            )
        if hidden:
            notes.append(
                printable(f"{book}, sheet {name}: the sheet is {hidden} and is read as the table")
            )
        out[name] = _Sheet(book, name, _records(book, name, opened, info))
    return out, notes


_HIDDEN = {
    "hidden": "hidden (Home > Format > Hide & Unhide > Unhide Sheet shows it)",
    "veryHidden": "very hidden (Excel's Unhide does not list it: in the VBA editor, Alt+F11, "
    "set the sheet's Visible property to -1 - xlSheetVisible)",
}
_KINDS = {
    "chartsheet": "chart sheet",
    "dialogsheet": "dialog sheet",
    "xlMacrosheet": "macro sheet",
    "xlIntlMacrosheet": "macro sheet",
    "missing": "sheet whose part is missing from the file",
}
_SAVE_XLSX = "open it in Excel and save it with File > Save As > Excel Workbook (.xlsx)"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def _identify(book: str, data: bytes, suffix: str) -> None:
    """Refuse what is not an .xlsx workbook, saying what it is and how to save it as one."""
    kind, fix = None, _SAVE_XLSX
    if data.startswith(_OLE) and _ENCRYPTED in data:
        kind = "a password-protected (encrypted) workbook, which cannot be read"
        fix = (
            "open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt "
            "with Password, clear it) and save it"
        )
    elif data.startswith(_OLE):
        kind = "an Excel 97-2003 workbook (.xls), not an .xlsx workbook"
    elif data.startswith(b"PK"):
        names = _zip_names(data)
        if "mimetype" in names or "content.xml" in names:
            kind = "an OpenDocument spreadsheet (.ods), not an .xlsx workbook"
            fix = "open it in LibreOffice Calc and save it with File > Save As > Excel 2007-365"
        elif "xl/workbook.bin" in names:
            kind = "an Excel binary workbook (.xlsb), not an .xlsx workbook"
    elif suffix == ".csv":
        kind = "one CSV table, not a dataset"
        fix = "pass --inputs the folder that holds the CSV tables, or a workbook (.xlsx)"
    else:
        kind = "not an Excel workbook (.xlsx): it is not a zip archive"
    if kind is not None:
        raise InputError(f"is {kind}", file=book, fix=fix)


def _zip_names(data: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.NameToInfo)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return set()


def _book_error(book: str, exc: BookError, sheet: str | None = None) -> InputError:
    where = f"{book}, sheet {sheet}" if exc.where == sheet else f"{book}, {exc.where}"
    if exc.cell:
        where += f", cell {exc.cell}"
    return InputError(exc.reason, file=where, fix=exc.fix)


def _records(book: str, name: str, opened: Book, info: SheetInfo) -> list[list[str]]:
    """The sheet's cells as text records, row n at index n - 1, within the CSV table limits."""
    table = _Records(book, name, opened)
    reader = SheetReader(opened, info, name)
    try:
        reader.cells(table.add)
    except BookError as exc:
        raise _book_error(book, exc, name) from None
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
        self.dates = opened.dates()[0]

    def _where(self, row: int, column: int) -> str:
        return f"{self.book}, sheet {self.name}, cell {column_letter(column)}{row}"

    def add(self, row: int, column: int, kind: str, style: int, value: Any, formula: Any) -> None:
        """One cell (`xlsx.Emit`): its text in its row, or the reason it cannot be read."""
        width = self._width() if row > 1 else 0
        try:
            if kind in ("inlineStr", "str") and value:
                text = value  # the common cases first: a cell costs microseconds
            elif (
                kind == "n"
                and value
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
            self.header[column] = text
        else:
            self._data(row, column, text, width)

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


class _CellError(Exception):
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


def _number(cell: _Cell, opened: Book) -> str:
    raw = str(cell.value).strip()
    try:
        value: int | float = int(raw) if raw.lstrip("-+").isdigit() else float(raw)
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
    return str(value) if isinstance(value, int) else number_text(value)


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
    """The shortest decimal that reads back as exactly `value`: 3500.0 -> 3500, 1e-05 -> 0.00001."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    shortest = repr(value)  # the same digits as numpy's, when repr writes no exponent
    if "e" not in shortest and not shortest.endswith(".0"):
        return shortest
    return np.format_float_positional(value, unique=True, trim="-")
