"""Read a dataset from one workbook (`plan.xlsx`): one sheet a table, named as the CSV file
without `.csv` (`programs`, `pools`...), with the CSV's columns; a `README` sheet is ignored and
a `settings` sheet, read first, declares the number style of every sheet, as settings.csv does.

Cells are read in streaming mode (`xlsx.py`, a hardened XML parser within the CSV table limits)
and turned into the text a CSV cell would hold, so the CSV rules read them
(`inputs.read_records`): a number becomes text the declared style reads back exactly
(`numbers.exact_text`), so the same dataset gives the same floats either way, and a true/false
cell is what Excel shows (TRUE, FALSE). A formula is read as the value Excel saved with it; one
with no saved value, an error cell (`#N/A`, `#DIV/0!`), a date and merged cells are refused by
cell. A message names the workbook, sheet, cell, row and column, also for problems across sheets.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import re
import zipfile
from pathlib import Path
from typing import Any

from allocator.data.checks import check_duplicates
from allocator.data.files import read_file
from allocator.data.numbers import number_style, setting_rows, style_of
from allocator.data.records import (
    AUDIT_ONLY,
    assemble_inputs,
    read_records,
)
from allocator.data.schema import TABLES, Inputs
from allocator.data.sheettext import book_error, column_letter, read_sheet
from allocator.data.xlsx import Book, SheetInfo, open_book
from allocator.data.xlsxparts import BookError
from allocator.errors import InputError, InputErrors, printable

MAX_BOOK_BYTES = 50_000_000
README_SHEET = "README"
SETTINGS_SHEET = "settings"
"""The dataset's settings, as settings.csv (`numbers.style_of`): the number style."""
ACTUALS_SHEET = "actuals"
"""What was spent, for `allocator replan` (`studies.actuals`); not a table of the dataset."""
SHEETS = {file.removesuffix(".csv"): field for field, (file, *_rest) in TABLES.items()}
"""Sheet name -> table field."""
_FILES = {file: file.removesuffix(".csv") for file, *_rest in TABLES.values()}


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
    (style, settings), sheets, notes = _read_book(book, data, path.suffix.lower())
    with number_style(style):
        tables = _read_tables(book, sheets, strict, notes)
    hashes = {book: hashlib.sha256(data).hexdigest()}
    try:
        inp = assemble_inputs(
            str(path), tables, hashes, strict, notes, style, lambda e, why: _note(sheets, e, why)
        )
        return inp.model_copy(update={"settings": settings})
    except InputErrors as exc:
        header = str(exc).partition(f"{len(exc.errors)} problem")[0].removesuffix(": ")
        raise InputErrors([_renamed(sheets, e) for e in exc.errors], header) from None
    except InputError as exc:
        raise _renamed(sheets, exc) from None


def _read_tables(
    book: str, sheets: dict[str, _Sheet], strict: bool, notes: list[str]
) -> dict[str, Any]:
    """The rows of every table sheet (field -> rows); a broken facts sheet a note unless
    `strict`."""
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
    return tables


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


def in_book(book: str, exc: InputError) -> InputError:
    """A problem found after the workbook was read (an override or a set broke a rule across
    tables), its CSV file names as the workbook's sheets: `plan.xlsx, sheet programs`."""
    sheet = _FILES.get(exc.file or "")
    where = exc.file if sheet is None else f"{book}, sheet {sheet}"
    return InputError(
        _in_sheets(exc.reason) or "", file=where, row=exc.row, column=exc.column,
        fix=_in_sheets(exc.fix),
    )  # fmt: skip


def _note(sheets: dict[str, _Sheet], exc: InputError, why: str) -> str:
    """A note on a problem set aside, by sheet and cell (`why` with its CSV names as sheets)."""
    return f"{_renamed(sheets, exc)} ({_in_sheets(why)})"


def _read(path: Path) -> bytes:
    try:
        return read_file(path, MAX_BOOK_BYTES)
    except FileNotFoundError:
        raise InputError(
            "workbook not found", file=str(path), fix="pass --inputs plan.xlsx or a dataset folder"
        ) from None
    except InputError as exc:
        raise InputError(exc.reason, file=str(path), fix=exc.fix) from None


def _read_book(
    book: str, data: bytes, suffix: str
) -> tuple[tuple[str | None, tuple[tuple[int, dict[str, str]], ...]], dict[str, _Sheet], list[str]]:
    """The number style the settings sheet declares and its rows (`_declared_style`), every
    table sheet of the workbook as text records (numbers as text in that style), and notes on
    hidden sheets."""
    _identify(book, data, suffix)
    try:
        opened = open_book(data)
    except BookError as exc:
        raise book_error(book, exc) from None
    declared = _declared_style(book, opened)
    with number_style(declared[0]):
        sheets, notes = _table_sheets(book, opened)
    return declared, sheets, notes


def _declared_style(
    book: str, opened: Book
) -> tuple[str | None, tuple[tuple[int, dict[str, str]], ...]]:
    """The number style the `settings` sheet declares (None: no such sheet, undeclared), and
    its rows (`numbers.setting_rows`)."""
    found = [i for i in opened.sheets if i.name.strip().lower() == SETTINGS_SHEET]
    if not found:
        return None, ()
    info = found[0]
    if len(found) > 1:
        raise InputError(
            f"two sheets are named {SETTINGS_SHEET} ({', '.join(repr(i.name) for i in found)})",
            file=f"{book}, sheet {found[1].name}",
            fix="keep one settings sheet: rename or delete the other, then save again",
        )
    _check_kind(book, info)
    sheet = _Sheet(book, info.name, read_sheet(book, info.name, opened, info))
    try:
        return style_of(sheet.records), setting_rows(sheet.records)
    except InputError as exc:
        raise sheet.error(exc) from None


def _table_sheets(book: str, opened: Book) -> tuple[dict[str, _Sheet], list[str]]:
    """Every table sheet as text records, and notes on hidden sheets."""
    out: dict[str, _Sheet] = {}
    notes: list[str] = []
    for info in opened.sheets:
        name = info.name
        if name.strip().lower() in (README_SHEET.lower(), SETTINGS_SHEET, ACTUALS_SHEET):
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
        _check_kind(book, info)
        if name in out:
            raise InputError(
                f"two sheets are named {name}",
                file=f"{book}, sheet {name}",
                fix="keep one sheet of that name: rename or delete the other, then save again",
            )
        if hidden:
            notes.append(
                printable(f"{book}, sheet {name}: the sheet is {hidden} and is read as the table")
            )
        out[name] = _Sheet(book, name, read_sheet(book, name, opened, info))
    return out, notes


def _check_kind(book: str, info: SheetInfo) -> None:
    """Refuse a chart (dialog, macro) sheet named as a table: it holds no cells."""
    if info.kind != "worksheet":
        raise InputError(
            f"is a {_KINDS.get(info.kind, info.kind)}, not a sheet of cells",
            file=f"{book}, sheet {info.name}",
            fix=f"rename it and put the {info.name} table in a worksheet named '{info.name}'",
        )


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
    elif suffix in (".yaml", ".yml"):
        kind = "a model file, not a dataset (a folder of CSV tables or an .xlsx workbook)"
        fix = (
            "give it as the model file (allocator solve FILE; in Python allocator.solve('FILE')),"
            " whose `dataset:` names the dataset"
        )
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
