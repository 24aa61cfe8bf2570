"""xlsxwriter's worksheet with every text kept a text (`TextSheet`), and a workbook whose sheets
are all TextSheets (`TextBook`): every workbook allocator writes, the results and a dataset's.

Why: xlsxwriter (3.2.9) tells its own rich strings (`write_rich_string`'s XML) from a text by
their look alone. A text cell that starts with `<r>` and ends with `</r>` goes into the sheet
XML (constant_memory's inline strings) or the shared-string table as it is, unescaped: a
program named `<r>x</r>` shows as an empty cell, and `<r></t></is></c></row></r>` makes the
workbook unreadable. A TextSheet writes such a text (and only such a text: every other cell is
xlsxwriter's, byte for byte) as the plain inline string xlsxwriter writes for any other text,
`<c r=".." s=".." t="inlineStr"><is><t>&lt;r&gt;x&lt;/r&gt;</t></is></c>`, in either mode (an
inline string is valid beside shared ones), so it never reaches the shared-string table.
Real rich strings (`write_rich_string`) are untouched. Not covered, as no workbook here uses
them: `autofit()` and the cached data of a chart over such a cell in a sheet that is not in
constant_memory mode do not see the text.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from xlsxwriter.utility import _preserve_whitespace, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet
from xlsxwriter.xmlwriter import XMLwriter

PlainText = namedtuple("PlainText", "string, format")
"""A sheet-table cell of a text that reads as a rich string, kept apart from xlsxwriter's own
`String` cells (whose string is a shared-string index outside constant_memory mode)."""


def reads_as_rich(text: str) -> bool:
    """Whether xlsxwriter would take `text` (cut at Excel's 32,767 characters) for its own
    rich-string XML. It tests the text after its `_xHHHH_` escape, which changes neither a
    leading `<r>` nor a trailing `</r>` and makes neither, so the text itself can be tested."""
    return text.startswith("<r>") and text.endswith("</r>")


def inline_text(text: str) -> str:
    """What follows a text cell's `<c r=".." s=".."`: `text` (already cut) as the inline string
    xlsxwriter writes for a plain text: control characters as `_xHHHH_`, & < > escaped, leading
    or trailing whitespace kept (`xml:space`)."""
    text = _XML._escape_control_characters(text)
    space = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
    return f' t="inlineStr"><is><t{space}>{_XML._escape_data(text)}</t></is></c>'


_XML = XMLwriter()
"""xlsxwriter's XML writer, for its escaping functions (it writes nothing)."""


class TextSheet(Worksheet):  # type: ignore[misc]
    """A worksheet whose texts that read as rich strings are written as plain inline strings."""

    def _write_string(self, row: int, col: int, string: str, cell_format: Any = None) -> int:
        """xlsxwriter's text writer (behind `write_string`, `write`, `write_row`...), which
        keeps a text that reads as a rich string as a `PlainText` cell instead."""
        if string.startswith("<r>") and reads_as_rich(string[: self.xls_strmax]):
            return self._write_plain_text(row, col, string, cell_format)
        return Worksheet._write_string(self, row, col, string, cell_format)  # type: ignore

    def _write_plain_text(self, row: int, col: int, string: str, cell_format: Any) -> int:
        """`_write_string` for a text that reads as a rich string: the same checks, the text
        kept as a `PlainText` cell (and the sheet's cell writer made one that writes it)."""
        text = string[: self.xls_strmax]
        if self._check_dimensions(row, col):
            return -1
        if self.constant_memory and row > self.previous_row:
            self._write_single_row(row)  # constant_memory: the rows before go to the file
        self.table[row][col] = PlainText(text, cell_format)
        self._write_cell = self._write_cell_or_text
        return -2 if len(string) > len(text) else 0  # xlsxwriter's -2: the text was cut

    def _write_cell_or_text(self, row: int, col: int, cell: Any) -> None:
        """xlsxwriter's cell writer (`_write_cell`), with a `PlainText` cell as a plain inline
        string. It is the sheet's cell writer from its first PlainText cell on: a sheet without
        one writes every cell with xlsxwriter's own, not slowed by this test (a class-level
        override cost 8% of a run's workbook written cell by cell)."""
        if cell.__class__ is not PlainText:
            super()._write_cell(row, col, cell)
            return
        style = self._style_of(row, col, cell.format)
        index = "" if style is None else f' s="{style._get_xf_index()}"'
        self.fh.write(f'<c r="{xl_rowcol_to_cell(row, col)}"{index}{inline_text(cell.string)}')

    def _style_of(self, row: int, col: int, form: Any) -> Any:
        """The format a cell is written with, as xlsxwriter's `_write_cell` chooses it: its
        own, else its row's (`set_row`), else its column's (`set_column`); None: none."""
        if form:
            return form
        if row in self.set_rows and self.set_rows[row][1]:
            return self.set_rows[row][1]
        if col in self.col_info:
            return self.col_info[col][1]
        return None


class TextBook(Workbook):  # type: ignore[misc]
    """An xlsxwriter workbook whose every worksheet is a `TextSheet`."""

    worksheet_class = TextSheet
