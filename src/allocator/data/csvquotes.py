"""Where a CSV record's quotes break, or which cell is over the size limit: the row and column
a quoting error names (the csv module says only that something is wrong)."""

from __future__ import annotations

import csv
import io
import re

from allocator.errors import InputError


def quote_error(
    file: str, text: str, records: list[list[str]], done: int, exc: csv.Error, limit: int
) -> InputError:
    """The record after `records` starts on physical line `done + 1` and is not valid CSV."""
    physical = io.StringIO(text, newline="").readlines()
    line = physical[done].rstrip("\r\n") if done < len(physical) else ""
    index = _bad_quote_cell(line)
    header = [h.strip().lower() for h in records[0]] if records else []
    column = header[index] if index is not None and index < len(header) else None
    if "field larger than field limit" in str(exc):
        start = sum(map(len, physical[:done]))
        return _cell_too_large(
            file, _long_cell(text, start, limit), header, len(records) + 1, limit
        )
    if "end of data" in str(exc):
        return InputError(
            "a quote opened in this cell is never closed",
            file=file,
            row=len(records) + 1,
            column=column,
            fix="add the closing quote or remove the opening one",
        )
    return InputError(
        f"the quotes are not valid CSV ({exc})",
        file=file,
        row=len(records) + 1,
        column=column,
        fix='wrap the whole cell in quotes and write a quote inside it as two quotes ("")',
    )


def _cell_too_large(
    file: str, found: tuple[int, int] | None, header: list[str], row: int, limit: int
) -> InputError:
    """A cell of `row` is over `limit` (MAX_CELL_CHARS); `found` is its index and size if known."""
    index, size = found if found is not None else (None, None)
    held = f"holds {size:,} characters" if size is not None else "is too large"
    return InputError(
        f"the cell {held}, more than the limit of {limit:,}",
        file=file,
        row=row,
        column=header[index] if index is not None and index < len(header) else None,
        fix="shorten it: keep long text in a document and cite it in the cell",
    )


_CELL_END = re.compile(r"[,\r\n]")


def _long_cell(text: str, pos: int, limit: int) -> tuple[int, int] | None:
    """(index, characters) of the first cell over `limit` in the record starting at `pos`."""
    col = 0
    while pos < len(text):
        if text.startswith('"', pos):
            close = _closing_quote(text, pos + 1)
            end = len(text) if close is None else close + 1
            size = len(text[pos + 1 : end - 1].replace('""', '"'))
        else:
            found = _CELL_END.search(text, pos)
            end = len(text) if found is None else found.start()
            size = end - pos
        if size > limit:
            return col, size
        if not text.startswith(",", end):
            return None
        pos, col = end + 1, col + 1
    return None


def _bad_quote_cell(line: str) -> int | None:
    """Index of the first cell of `line` whose quotes are broken (unclosed, or text after)."""
    col, pos = 0, 0
    while pos <= len(line):
        if line.startswith('"', pos):
            close = _closing_quote(line, pos + 1)
            if close is None or line[close + 1 : close + 2] not in ("", ","):
                return col
            pos = close + 2
        else:
            comma = line.find(",", pos)
            if comma < 0:
                return None
            pos = comma + 1
        col += 1
    return None


def _closing_quote(line: str, pos: int) -> int | None:
    """Position of the quote closing a quoted cell whose text starts at `pos`, or None."""
    while (pos := line.find('"', pos)) >= 0:
        if line[pos + 1 : pos + 2] != '"':
            return pos
        pos += 2
    return None
