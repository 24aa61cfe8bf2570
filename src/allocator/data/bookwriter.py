"""Write a dataset as one workbook (`allocator export-inputs`, `allocator init --xlsx`), with
xlsxwriter: a README sheet with the data dictionary, then one sheet a table with the CSV's
columns, frozen headers, each header's unit and meaning in its comment, and data validation where
a value must come from a list (programs, pools, phases, sectors, risks, yes/no) or a range (shares
in 0..1, years as the reader takes them, amounts of at least 0). Its sheets are `TextSheet`s: a text
that reads as xlsxwriter's rich-string markup (`<r>...</r>`) is written as the text it is.

Each row goes to the sheet row its CSV record had (header = 1), so every message and every table
that cites "row N" of the CSV cites the same row of the workbook, and reading the workbook back
(`workbook.py`) gives the same dataset: the round trip CSV -> workbook -> solve writes the same
bytes.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from allocator.data.bookcolumns import (
    UNIT_WORDS,
    columns_of,
    room,
    unit_of,
    validation,
    years_of,
)
from allocator.data.numbers import SETTING_COLUMNS, exact_text, number_style
from allocator.data.rows import described
from allocator.data.schema import TABLES, Inputs, Row
from allocator.errors import InputError


def cell_value(value: Any) -> Any:
    """What a cell holds for a row's value: numbers as numbers, booleans as yes/no."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def write_inputs_workbook(inp: Inputs, path: Path) -> None:
    """Write `inp` to the workbook `path` (same dataset, same bytes for the same inputs)."""
    from allocator.data.textsheet import TextBook  # xlsxwriter: only when a book is written
    from allocator.data.workbook import README_SHEET  # the reader: not for a run's workbook

    _check_fits(inp)
    book = TextBook(str(path), {**TEXT_AS_TEXT, "in_memory": True})
    book.set_properties({"title": "allocator dataset", "created": _EPOCH})
    book.set_custom_property(MARK_PROPERTY, MARK_VALUE)
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    readme = book.add_worksheet(README_SHEET)
    tables = {
        file.removesuffix(".csv"): (getattr(inp, field), model)
        for field, (file, model, _key, _required) in TABLES.items()
        if getattr(inp, field)
    }
    heights = {
        sheet: max((r.line for r in rows), default=1) for sheet, (rows, _model) in tables.items()
    }
    years = years_of(inp)
    for sheet, (rows, model) in tables.items():
        ws = book.add_worksheet(sheet)
        names = columns_of(rows, model)
        for j, name in enumerate(names):
            ws.write_string(0, j, name, bold)
            ws.write_comment(0, j, _comment(model, name), {"x_scale": 2, "y_scale": 1.5})
        for j, w in enumerate(_write_rows(ws, rows, model, names, inp.number_style)):
            ws.set_column(j, j, w)
        ws.freeze_panes(1, 0)
        for j, name in enumerate(names):
            rule = validation(sheet, model, name, tables, heights, years)
            if rule is not None:
                ws.data_validation(1, j, room(heights[sheet]) - 1, j, rule)
    _settings(book, inp, bold)
    _readme(readme, tables, inp, bold, wrap)
    close_book(book)


def _write_rows(
    ws: Any, rows: Any, model: type[Row], names: list[str], style: str | None
) -> list[int]:
    """Write a table's rows below its header; the width of each column. A percent of at most 1
    is text with its sign in the dataset's number `style` (`0,4%` in the comma style), the one
    way the loader reads it back."""
    percents = {j for j, name in enumerate(names) if unit_of(model, name) == "percent"}
    widths = [len(n) + 2 for n in names]
    for row in sorted(rows, key=lambda r: r.line):
        for j, name in enumerate(names):
            value = cell_value(getattr(row, name))
            if value is None:
                continue
            if j in percents and 0 < value <= 1:  # read back one way: 0.4% (not 0.4)
                with number_style(style):
                    value = exact_text(value) + "%"
            if isinstance(value, str):
                ws.write_string(row.line - 1, j, value)
            else:
                ws.write_number(row.line - 1, j, value)
            widths[j] = max(widths[j], min(len(str(value)) + 2, 50))
    return widths


MAX_CELL_TEXT = 32_767
"""Most characters a workbook cell holds (Excel's limit; xlsxwriter cuts a longer text)."""


def _check_fits(inp: Inputs) -> None:
    """Refuse, before anything is written, a text no workbook cell holds: cut, it would be read
    back as another dataset.

    Raises:
        InputError: naming the CSV file, row and column of the first such text.
    """
    for field, (file, *_rest) in TABLES.items():
        for row in getattr(inp, field):
            for name, value in row:
                if isinstance(value, str) and len(value) > MAX_CELL_TEXT:
                    raise InputError(
                        f"the text is {len(value):,} characters, more than a workbook cell "
                        f"holds ({MAX_CELL_TEXT:,})",
                        file=file, row=row.line, column=name,
                        fix=f"shorten it to at most {MAX_CELL_TEXT:,} characters, or keep the "
                        "dataset as CSV files",
                    )  # fmt: skip


TEXT_AS_TEXT = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
"""xlsxwriter options: text is written as text, never as a number, a formula or a link (text of
the user's that starts with = stays the text it is; the writers call write_string anyway)."""
MARK_PROPERTY, MARK_VALUE = "written_by", "allocator"
"""The custom document property that makes a workbook allocator's: `export-inputs --force`
replaces only a workbook that carries it (`written_by_allocator`)."""
_MARK_PART = "docProps/custom.xml"
_MARK_PART_LIMIT = 64_000  # bytes: the part holds a few properties; a larger one is not ours


def close_book(book: Any) -> None:
    """Close an xlsxwriter workbook, saying a file-system fault as the OSError it is (xlsxwriter
    wraps it in FileCreateError), so the callers' one-line fault messages apply."""
    from xlsxwriter.exceptions import FileCreateError

    try:
        book.close()
    except FileCreateError as exc:
        for sheet in book.worksheets():  # constant_memory's temp files, which close() left open
            if getattr(sheet, "row_data_fh", None) is not None:
                sheet._opt_close()
        cause = exc.args[0] if exc.args else None
        _close_zips(cause)
        if isinstance(cause, OSError):
            raise cause from None
        raise


def _close_zips(fault: object) -> None:
    """Close the ZipFile xlsxwriter (3.2.9) leaves open when writing it fails (a local of its
    `_store_workbook`, kept alive by the fault's traceback): dropped later, it would try to
    finish a file that is gone, and Python would print "Exception ignored" and a traceback
    after the fault was said (the Python API has no hook that hides it)."""
    from zipfile import ZipFile

    tb = getattr(fault, "__traceback__", None)
    while tb is not None:
        for value in list(tb.tb_frame.f_locals.values()):
            if isinstance(value, ZipFile):
                with contextlib.suppress(OSError, ValueError):  # the same fault again
                    value.close()  # its file is closed and it is marked closed, whatever
        tb = tb.tb_next


def written_by_allocator(path: Path) -> bool:
    """Whether the workbook `path` carries allocator's mark (MARK_PROPERTY = MARK_VALUE), read
    from its custom-properties part alone (at most 64 kB, no DTD), not by loading the book."""
    root = _part(path, _MARK_PART)
    if root is None:
        return False
    for prop in root:
        if prop.get("name") == MARK_PROPERTY:
            return [v.text for v in prop] == [MARK_VALUE]
    return False


def saved_since(path: Path) -> str | None:
    """When the workbook `path` was saved after allocator wrote it (its `dcterms:modified`, which
    allocator fixes at 2000-01-01 and Excel, LibreOffice and openpyxl set on every save), else
    None: so an exported workbook a planner has edited since is theirs, not a file to replace."""
    root = _part(path, "docProps/core.xml")
    if root is None:
        return "an unknown time"  # no core properties: not as allocator wrote it
    stamp = root.findtext("{http://purl.org/dc/terms/}modified")
    return None if stamp == _EPOCH.strftime("%Y-%m-%dT%H:%M:%SZ") else (stamp or "an unknown time")


def _part(path: Path, name: str) -> Any:
    """One small XML part of a workbook as an element (at most 64 kB, no DTD), None if absent
    or not readable."""
    import zipfile
    from xml.etree import ElementTree

    try:
        with zipfile.ZipFile(path) as archive:
            part = archive.getinfo(name)
            if part.file_size > _MARK_PART_LIMIT:
                return None
            data = archive.read(part)
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            return None
        return ElementTree.fromstring(data)
    except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError, ValueError):
        return None


def _settings(book: Any, inp: Inputs, bold: Any) -> None:
    """The settings sheet, when the dataset declares its number style (read back in it): each
    settings row at its row number with every cell it has (a setting's source, assumption and
    note are citations as in every table), each cell written as text, never as a formula."""
    if inp.number_style is None:
        return
    rows = inp.settings or ((2, {"setting": "number_style", "value": inp.number_style}),)
    names = [c for c in SETTING_COLUMNS if c in ("setting", "value") or any(
        cells.get(c) for _line, cells in rows)]  # fmt: skip
    settings = book.add_worksheet("settings")
    settings.write_row(0, 0, names, bold)
    for line, cells in rows:
        for j, name in enumerate(names):
            if cells.get(name):
                settings.write_string(line - 1, j, cells[name])


_EPOCH = __import__("datetime").datetime(2000, 1, 1)  # fixed: the same dataset, the same bytes


def _comment(model: type[Row], name: str) -> str:
    info = described(model)[name]
    unit = unit_of(model, name)
    need = "required" if info.is_required() else "optional"
    head = f"{name} ({need}" + (f", in {UNIT_WORDS.get(unit, unit)})" if unit else ")")
    return f"{head}: {info.description or ''}"


def _readme(ws: Any, tables: dict[str, Any], inp: Inputs, bold: Any, wrap: Any) -> None:
    lines = [
        ("allocator dataset", f"exported from {inp.folder}"),
        ("How to use", "Edit the table sheets; run: allocator solve --inputs THIS_FILE.xlsx"),
        ("Rules", "One sheet a table, the columns of the CSV tables (inputs/README.md); row 1 "
         "holds the column names; blank rows are skipped. Formulas are read as the value Excel "
         "saved; an error cell (#N/A) is refused. Hover a header for its unit and meaning."),
    ]  # fmt: skip
    ws.set_column(0, 1, 18)
    ws.set_column(2, 2, 16)
    ws.set_column(3, 3, 100)
    for i, (key, text) in enumerate(lines):
        ws.write_string(i, 0, key, bold)
        ws.write_string(i, 1, text)
    top = len(lines) + 1
    for j, h in enumerate(("sheet", "column", "unit", "meaning")):
        ws.write_string(top, j, h, bold)
    r = top + 1
    for sheet, (rows, model) in tables.items():
        for name in columns_of(rows, model):
            info = described(model)[name]
            unit = unit_of(model, name)
            ws.write_string(r, 0, sheet)
            ws.write_string(r, 1, name)
            ws.write_string(r, 2, UNIT_WORDS.get(unit, unit) if unit else "")
            need = "" if not info.is_required() else "Required. "
            ws.write_string(r, 3, need + (info.description or ""), wrap)
            r += 1
    ws.freeze_panes(top + 1, 0)
