"""A per-row sheet's rows handed to xlsxwriter as blocks of XML (`write_rows`): the bytes its
constant_memory mode writes cell by cell (`Worksheet._write_cell`), made a column at a time.

Why: at 1e6 nonzeros the workbook is the critical path of a run's write (a forked child, 151k
cells), and xlsxwriter's per-cell path (argument check, dimension check, a row table, then per
cell the reference, the format's index, escaping, one file write) was 85% of it. Here a column's
cells are made in one pass, each distinct text escaped once (labels repeat), and a block of
rows goes to the sheet's row-data file in one write; xlsxwriter still writes everything else
(the sheet around the rows, formats, widths, charts, the zip).

Every cell is the cell xlsxwriter writes: the same reference, format index (indices given in
the order xlsxwriter gives them: row by row, left to right), type and text, escaped by
xlsxwriter's own functions; a text that reads as xlsxwriter's rich-string markup (`<r>...</r>`)
escaped like any other, as a `TextSheet` (the sheets of `book.py`) writes it. The last row
with cells goes through xlsxwriter's own writers, so the formats it is first to use get their
index when xlsxwriter would give it (at close).
`fits` says when a sheet can take blocks: an xlsxwriter version whose per-cell output these
functions were compared with byte for byte (tests/test_book_speed.py), in constant_memory mode,
with nothing written yet; otherwise the caller writes cell by cell, as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from allocator.data.textsheet import inline_text

VERIFIED = ("3.2.9",)
"""xlsxwriter versions whose per-cell XML this module reproduces (compared byte for byte by
tests/test_book_speed.py); another version writes cell by cell (same content, slower)."""
CHUNK_ROWS = 2048
"""Rows made and written at a time: one block's text stays a few MB however long the sheet."""
STRING_LIMIT = 32_767
"""Characters of a cell's text that xlsxwriter keeps (Excel's limit; the rest is cut)."""


@dataclass(frozen=True)
class Column:
    """One column of a per-row sheet: its kind (number, string, boolean or any: a mixed
    column whose cells `render_any` writes one by one), its number format (None: General) and
    its cells from the first data row down, None where blank."""

    kind: str
    form: Any
    cells: Sequence[Any]


def fits(ws: Any, rows: int, columns: int) -> bool:
    """Whether `rows` data rows under a header of `columns` cells can go to `ws` as blocks:
    a verified xlsxwriter, constant_memory mode, nothing written to the sheet yet, default row
    height and no row options, and the table inside the sheet's limits."""
    return (
        verified()
        and bool(ws.constant_memory)
        and ws.previous_row == 0
        and ws.dim_rowmin is None
        and not ws.table
        and not ws.set_rows
        and not ws.comments
        and ws.excel_version == 2007
        and ws.default_row_height == ws.original_row_height
        and rows + 1 <= ws.xls_rowmax
        and 0 < columns <= ws.xls_colmax
    )


def verified() -> bool:
    """Whether the xlsxwriter imported is one this module was compared with (VERIFIED)."""
    return xlsxwriter.__version__ in VERIFIED


def write_rows(
    ws: Any,
    header: tuple[list[str], Any],
    columns: list[Column],
    last_row: Callable[[int], None],
    render_any: Callable[..., str],
) -> None:
    """Write the header and the data rows of `columns` to `ws` (`fits` it): every row before
    the last with cells as blocks of XML, then `last_row(r)` writes sheet row r through
    xlsxwriter's own writers. `render_any(sink, r, j, value, form)` makes a cell of a column of
    kind "any" with `sink`'s write_number / write_string / write_boolean (`CellText`)."""
    texts, head = header
    last = last_row_with_cells(columns)
    if last > 0:
        _index_formats(head, columns, last)
        sink, tails = CellText(), [dict[str, str]() for _ in columns]
        for first in range(0, last, CHUNK_ROWS):
            stop = min(first + CHUNK_ROWS, last)
            made = [_header_cells(texts, head, stop - first)] if first == 0 else []
            for j, col in enumerate(columns):
                values = col.cells[max(first, 1) - 1 : stop - 1]
                cells = _cells(col, j, max(first, 1), values, tails[j], sink, render_any)
                lead: list[str | None] = [None] * (first == 0)  # the header row's place
                made.append(lead + cells)
            ws.fh.write("".join(_rows(made, first)))
        ws._check_dimensions(0, 0)  # the blocks' extent, as each of their cells would set it
        ws._check_dimensions(last - 1, len(texts) - 1)
        ws.previous_row = last  # the row xlsxwriter's own writers go on with
    last_row(last)


def last_row_with_cells(columns: list[Column]) -> int:
    """The sheet row (header = 0) of the last data row with a cell; 0 if none has one."""
    last = 0
    for col in columns:
        for i in range(len(col.cells) - 1, last - 1, -1):
            if col.cells[i] is not None:
                last = i + 1
                break
    return last


def _index_formats(head: Any, columns: list[Column], last: int) -> None:
    """Give the formats of the rows before `last` their index in the order xlsxwriter would:
    the header's first, then each data column's by the row of its first cell, left to right."""
    head._get_xf_index()
    firsts = []
    for j, col in enumerate(columns):
        if col.form is not None and col.kind != "any":  # "any": its cells say
            first = next((i for i in range(last - 1) if col.cells[i] is not None), None)
            if first is not None:
                firsts.append((first, j, col.form))
    for _first, _j, form in sorted(firsts, key=lambda t: t[:2]):
        form._get_xf_index()


def _rows(made: list[list[str | None]], first: int) -> Iterator[str]:
    """The `<row>` elements of sheet rows from `first` (0-based): the cells of each row left
    to right; a row with no cell is not written."""
    for r, cells in enumerate(zip(*made, strict=True), start=first + 1):
        joined = "".join(filter(None, cells))
        if joined:
            yield f'<row r="{r}">{joined}</row>'


def _header_cells(texts: list[str], head: Any, rows: int) -> list[str | None]:
    """The header row's cells as the first of `rows` (the others blank)."""
    sink = CellText()
    return ["".join(sink.write_string(0, j, h, head) for j, h in enumerate(texts))] + [None] * (
        rows - 1
    )


def _cells(
    col: Column,
    j: int,
    start: int,
    values: Sequence[Any],
    tails: dict[str, str],
    sink: CellText,
    render_any: Callable[..., str],
) -> list[str | None]:
    """The XML of `values`, column `col`'s cells in sheet rows from `start` (0-based), None
    where blank; each distinct text escaped once (`tails`, the column's)."""
    if values.count(None) == len(values):
        return [None] * len(values)  # no format index asked for: xlsxwriter asks none
    if col.kind == "any":
        return [
            None if v is None else render_any(sink, r, j, v, col.form)
            for r, v in enumerate(values, start)
        ]
    ref = f'<c r="{_letter(j)}'
    index = f'" s="{col.form._get_xf_index()}"' if col.form else '"'
    if col.kind == "number":
        return [
            None if v is None else f"{ref}{r}{index}><v>{v:.16G}</v></c>"
            for r, v in enumerate(values, start + 1)
        ]
    if col.kind == "boolean":
        return [
            None if v is None else f'{ref}{r}{index} t="b"><v>{1 if v else 0}</v></c>'
            for r, v in enumerate(values, start + 1)
        ]
    return [
        None if v is None else f"{ref}{r}{index}{tails.get(v) or _tail(tails, v)}"
        for r, v in enumerate(values, start + 1)
    ]


def _tail(tails: dict[str, str], text: str) -> str:
    tails[text] = tail = string_tail(text)
    return tail


def _letter(col: int) -> str:
    return str(xl_col_to_name(col))


class CellText:
    """xlsxwriter's three cell writers a table uses, returning the XML of the cell rather
    than writing it (the arguments of `Worksheet.write_number` and its kin)."""

    def write_number(self, row: int, col: int, number: float, form: Any = None) -> str:
        return f"<c{_attributes(row, col, form)}><v>{number:.16G}</v></c>"

    def write_string(self, row: int, col: int, text: str, form: Any = None) -> str:
        return f"<c{_attributes(row, col, form)}{string_tail(text)}"

    def write_boolean(self, row: int, col: int, value: bool, form: Any = None) -> str:
        return f'<c{_attributes(row, col, form)} t="b"><v>{1 if value else 0}</v></c>'


def _attributes(row: int, col: int, form: Any) -> str:
    index = f' s="{form._get_xf_index()}"' if form else ""
    return f' r="{_letter(col)}{row + 1}"{index}'


def string_tail(text: str) -> str:
    """What follows a text cell's `<c r=".." s=".."`: xlsxwriter's inline string, escaped by
    its own functions (`textsheet.inline_text`: control characters as _xHHHH_, &, < and >;
    whitespace kept at the ends), cut at STRING_LIMIT; a text that reads as a rich string
    (`<r>...</r>`) escaped like any other, as `TextSheet` writes it. A text none of these
    touch (`_TOUCHED` finds nothing: most labels) is written as it is."""
    if len(text) <= STRING_LIMIT and not _TOUCHED.search(text):
        return f' t="inlineStr"><is><t>{text}</t></is></c>'
    return inline_text(text[:STRING_LIMIT])


_TOUCHED = re.compile(r"_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]|^\s|\s$")
"""What one of xlsxwriter 3.2.9's string escapes acts on (xmlwriter.py `re_control_chars_1`,
`re_control_chars_2`, the non-characters U+FFFE and U+FFFF; `_escape_data`'s &, < and >;
utility.py's leading and trailing whitespace): a text it does not find comes out of all of
them unchanged."""
