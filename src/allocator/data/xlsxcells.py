"""The cells of one worksheet part of an .xlsx workbook, streamed to a callback in sheet order
with the sheet's merged ranges, within the limits of `xlsx.py` (columns, cell text, the part).

A row or cell without its reference follows the one before, as Excel writes them; the stored
`<dimension>` is not trusted, and blank cells that only carry a style are skipped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from allocator.data.records import MAX_CELL_CHARS
from allocator.data.xlsx import MAX_COLUMNS, Book, SheetInfo, unescape
from allocator.data.xlsxparts import LIMIT_FIX, RESAVE_FIX, BookError, Part, local

_REF = re.compile(r"^([A-Za-z]{1,3})([0-9]{1,7})$")
_LETTERS = re.compile(r"[A-Za-z]{1,3}\Z")


@functools.lru_cache(maxsize=4096)
def column_index(letters: str) -> int:
    """'A' -> 0, 'XFD' -> 16383."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


Emit = Callable[[int, int, str, int, "str | None", "str | None"], None]
"""Called once per cell: row (from 1), column (from 0), type (`t`: n, s, b, e, str,
inlineStr, d), style id, value (`<v>` or the inline text; None if none) and formula (`<f>`
text; None if none)."""


class SheetReader:
    """The cells of one worksheet in sheet order, with its merged ranges, within the limits."""

    def __init__(self, book: Book, info: SheetInfo, sheet: str) -> None:
        self.book, self.info, self.label = book, info, sheet
        self.merged: list[str] = []

    def cells(self, emit: Emit) -> None:
        """Call `emit` for every cell that has a value or a formula, in sheet order; blank
        cells that only carry a style are skipped."""
        state = _SheetState(self.label, emit, self.merged)
        Part(self.book.archive, self.info.path, self.label).parse(
            state.start, state.end, state.text
        )


class _Text:
    """Collects the text of `<t>` elements (not of phonetic runs, `<rPh>`) of one string or
    inline cell; `too_long()` is raised past MAX_CELL_CHARS."""

    def __init__(self, too_long: Callable[[], BookError]) -> None:
        self.parts: list[str] = []
        self.chars = 0
        self.depth_t = 0
        self.depth_rph = 0
        self.too_long = too_long

    def start(self, tag: str) -> None:
        if tag == "t":
            self.depth_t += 1
        elif tag == "rPh":
            self.depth_rph += 1

    def end(self, tag: str) -> None:
        if tag == "t":
            self.depth_t -= 1
        elif tag == "rPh":
            self.depth_rph -= 1

    def add(self, data: str) -> None:
        if self.depth_t and not self.depth_rph:
            self.chars += len(data)
            if self.chars > MAX_CELL_CHARS:
                raise self.too_long()
            self.parts.append(data)

    def take(self) -> str:
        text = unescape("".join(self.parts))
        self.parts, self.chars = [], 0
        return text


class _SheetState:
    """The handlers of a sheet part: rows, cells and their `<v>`, `<f>` and `<is>` texts."""

    def __init__(self, label: str, emit: Emit, merged: list[str]) -> None:
        self.label, self.emit, self.merged = label, emit, merged
        self.row = 0
        self.row_text = "0"
        self.column = -1
        self.cell: dict[str, str] | None = None
        self.target: list[str] | None = None
        self.chars = 0
        self.value: list[str] = []
        self.formula: list[str] | None = None
        self.inline = _Text(self._too_long)
        self.in_is = False

    def _fail(self, reason: str, fix: str = RESAVE_FIX, cell: str | None = None) -> BookError:
        return BookError(self.label, reason, fix, cell)

    def _too_long(self) -> BookError:
        return self._fail(f"holds more than {MAX_CELL_CHARS:,} characters", LIMIT_FIX, self.ref())

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = local(name)
        if tag == "c":
            self._start_cell(attrs)
        elif tag == "v":
            self.target = self.value
        elif tag == "row":
            self._start_row(attrs)
        elif self.cell is not None:
            self._start_child(tag)
        elif tag == "mergeCell":
            self.merged.append(attrs.get("ref", ""))

    def _start_row(self, attrs: dict[str, str]) -> None:
        r = attrs.get("r")
        number = self.row + 1 if r is None else int(r) if r.isdigit() else -1
        if number <= self.row:
            raise self._fail(f"has row number '{r}' after row {self.row}")
        self.row, self.column, self.row_text = number, -1, str(number)

    def _start_cell(self, attrs: dict[str, str]) -> None:
        ref = attrs.get("r")
        if ref is None:
            self.column += 1
        else:
            letters = ref.rstrip("0123456789")
            if ref[len(letters) :] != self.row_text or not _LETTERS.match(letters):
                m = _REF.match(ref)  # the slow way, for a row written 02
                if m is None or int(m[2]) != self.row:
                    raise self._fail(f"has a cell reference '{ref}' that is not in row {self.row}")
                letters = m[1]
            self.column = column_index(letters)
        if self.column >= MAX_COLUMNS:
            raise self._fail(f"has a cell past column XFD, Excel's last (cell {ref or self.ref()})")
        self.cell = attrs
        self.value, self.formula, self.chars, self.target = [], None, 0, None

    def _start_child(self, tag: str) -> None:
        if tag == "f":
            self.formula = []
            self.target = self.formula
        elif tag == "is":
            self.in_is = True
        if self.in_is:
            self.inline.start(tag)

    def text(self, data: str) -> None:
        if self.target is not None:
            self.chars += len(data)
            if self.chars > MAX_CELL_CHARS:
                raise self._too_long()
            self.target.append(data)
        elif self.in_is:
            self.inline.add(data)

    def ref(self) -> str:
        from openpyxl.utils import get_column_letter

        return f"{get_column_letter(self.column + 1)}{self.row}"

    def end(self, name: str) -> None:
        tag = local(name)
        if tag == "c":
            if self.cell is not None:
                self._end_cell(self.cell)
        elif tag in ("v", "f"):
            self.target = None
        elif self.in_is:
            self.inline.end(tag)
            self.in_is = tag != "is"

    def _end_cell(self, attrs: dict[str, str]) -> None:
        self.cell = None
        kind = attrs.get("t", "n")
        if kind == "inlineStr":
            value: str | None = self.inline.take()
        else:
            value = "".join(self.value) if self.value else None
        formula = None if self.formula is None else "".join(self.formula)
        if not value and formula is None:
            return  # a blank cell that only carries a style
        style = attrs.get("s")
        self.emit(
            self.row, self.column, kind, int(style) if style and style.isdigit() else 0,
            value, formula,
        )  # fmt: skip
