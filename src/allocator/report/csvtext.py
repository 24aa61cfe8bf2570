"""The text of a run's CSV tables: 12 significant digits, LF line ends, no -0, infinite as
empty, text a spreadsheet would run as a formula neutralised; each column's text made once, with
the csv module's quoting, so the bytes are pandas' `to_csv` (tests/test_write_speed_same_bytes.py).
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import math
import operator
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FLOAT_FORMAT = "%.12g"


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV with LF line ends and 12 significant digits: stable bytes for the same numbers.

    An infinite bound is written as an empty cell (no bound), which spreadsheets read as blank;
    zero is never written as -0; text that a spreadsheet would run as a formula is neutralised
    (`neutralise`), in the header too. Each column's text is made once (`_csv_columns`) and the
    lines are joined from it, with the quoting of the csv module that pandas' `to_csv` writes
    through, so the bytes are pandas' (tests/test_write_speed_same_bytes.py); a column of a
    kind not known here (dates, categories) sends the whole table through pandas.
    """
    columns = _csv_columns(frame)
    if columns is None:
        _as_text(frame).to_csv(path, index=False, lineterminator="\n")
        return
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow([neutralise(c) for c in frame.columns])
        lines = map(",".join, zip(*columns, strict=True))
        while chunk := list(itertools.islice(lines, _CHUNK_ROWS)):
            handle.write("\n".join(chunk) + "\n")


_CHUNK_ROWS = 20_000
"""Lines joined into one string before it is written: a whole table's text is never one string."""


def _csv_columns(frame: pd.DataFrame) -> list[list[str]] | None:
    """Each column's cells as the text the csv module writes for them (quoted where it would
    quote); None if a column (or a column name that is not text) is of a kind only pandas'
    writer knows."""
    if frame.shape[1] == 0 or any(c.__class__ is not str for c in frame.columns):
        return None
    if not _quote_triggers() <= _QUOTED_AT_MOST:  # a csv module that `_quoted` does not know
        return None
    columns = []
    for j in range(frame.shape[1]):
        cells = _csv_cells(frame.iloc[:, j])
        if cells is None:
            return None
        columns.append(cells)
    if len(columns) == 1:  # a line of one empty field: the csv module writes "" (not a blank line)
        columns[0] = [c or '""' for c in columns[0]]
    return columns


def _quoted(cells: list[str]) -> list[str]:
    """Text cells, each quoted as the csv module's "excel" dialect quotes it (QUOTE_MINIMAL,
    quotes doubled) when it holds a character it quotes for (`_quote_triggers`: a comma, a
    quote or a line break). A column with no such cell (most) is checked in one pass over its
    joined text; else only the characters found there are looked for, one `in` each: a column
    of names with commas (`budget(public,p1)`) is one test a cell, 8 ms for 77,000 names where
    testing every character costs 21 ms."""
    found = _triggers_in(cells)
    if not found:
        return cells
    if found == [","]:  # the usual case: names with an index
        return ['"' + c + '"' if "," in c else c for c in cells]
    return ['"' + c.replace('"', '""') + '"' if any(ch in c for ch in found) else c for c in cells]


def _triggers_in(cells: list[str]) -> list[str]:
    """The characters of `_quote_triggers` that some cell holds (one pass over the joined
    text for each)."""
    joined = "".join(cells)
    return [ch for ch in sorted(_quote_triggers()) if ch in joined]


_QUOTED_AT_MOST = frozenset(',"\n\r')
"""What any csv module quotes a field for (its delimiter, quote and line breaks): `_csv_columns`
falls back to pandas for a csv module that quotes for anything else."""


@functools.cache
def _quote_triggers() -> frozenset[str]:
    """The characters that make this Python's csv module quote a field (asked of it, not
    assumed: whether a lone carriage return is quoted has changed between versions)."""
    found = set()
    for ch in map(chr, range(128)):
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow([f"a{ch}b", "x"])
        if out.getvalue().startswith('"'):
            found.add(ch)
    return frozenset(found)


def _csv_cells(values: pd.Series) -> list[str] | None:
    """One column's cells as the csv module writes them, quoted where it quotes: floats as
    `FLOAT_FORMAT` gives them (empty where not finite, 0 for -0), text neutralised, missing
    cells empty, other cells by `str` (`_csv_text`); None for a column of any other kind.
    Numbers and booleans never hold a character the csv module quotes for."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):  # its cells as the objects they are: text checked
        return _csv_cells(values.astype(object))
    if pd.api.types.is_float_dtype(dtype):
        return _float_text(values)
    if isinstance(dtype, pd.StringDtype):
        return _text_cells(values.to_numpy(dtype=object, na_value=""))
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        return _object_cells(values)
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return _distinct_text(values.to_numpy())
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return _distinct_text(values.array)  # Int64, boolean: NA empty
    return None


def _distinct_text(values: Any) -> list[str]:
    """Integers or booleans (missing ones empty) by `str`, each distinct value once: a run's
    year columns hold a few years (0.3 ms for 77,000 cells where `str` on each takes 7-10)."""
    codes, distinct = pd.factorize(values)
    return _taken([str(v) for v in distinct.tolist()], codes)


def _taken(text: list[str], codes: np.ndarray) -> list[str]:
    """The text of each cell from its code into `text` (-1, a missing cell: empty)."""
    taken: list[str] = np.array([*text, ""], dtype=object)[codes].tolist()
    return taken


def _float_text(values: pd.Series) -> list[str]:
    """A float column as text, each distinct number formatted once: a run's columns repeat a
    few values (0, missing, a bound), so the 1.96 M float cells of a 1e6 nonzero run are
    formatted as 40,000 numbers. `pd.factorize` finds them by hashing (0.3 ms for 77,000
    numbers, where `np.unique`'s sort takes 11 ms); a missing number gets code -1, the last
    text, which is empty."""
    numbers = values.to_numpy(dtype=float, na_value=np.nan) + 0.0  # -0.0 + 0.0 is 0.0
    codes, distinct = pd.factorize(numbers)
    return _taken([FLOAT_FORMAT % v if math.isfinite(v) else "" for v in distinct.tolist()], codes)


def _text_cells(cells: np.ndarray) -> list[str]:
    """Text cells (missing ones already empty), neutralised where a cell starts as a formula
    would (`neutralise`) and quoted (`_quoted`). A column that repeats its labels (a run's
    family, unit and flag columns) is looked at through its set of labels (0.5 ms for 77,000
    cells) and, if a label needs changing, changes each once; a column of names has its first
    characters looked up in C (itemgetter into a set test, 2.7 ms for 77,000 cells, where
    pandas' `str.startswith` costs 16 ms and a search of the joined column up to 37 ms)."""
    listed: list[str] = cells.tolist()
    if not _repeats(listed):
        if _FIRST.isdisjoint(map(_first_character, listed)):
            return _quoted(listed)
        return _cleaned(listed)
    labels = list(set(listed))
    if _FIRST.isdisjoint(map(_first_character, labels)) and not _triggers_in(labels):
        return listed
    codes, distinct = pd.factorize(cells)
    return _taken(_cleaned(distinct.tolist()), codes)


def _repeats(cells: list[str]) -> bool:
    """Whether a column's first cells repeat (at most half of them distinct): its distinct
    labels are then fewer than its cells, and worth finding (a column of names is not)."""
    head = cells[:_SAMPLE]
    return 2 * len(set(head)) <= len(head)


_SAMPLE = 4096


def _cleaned(cells: list[str]) -> list[str]:
    """Text cells neutralised where they start as a formula would, then quoted."""
    return _quoted([neutralise(c) if c[:1] in _FIRST else c for c in cells])


def _object_cells(values: pd.Series) -> list[str]:
    """A column of Python objects: when every distinct cell is text (or missing: a run's label
    columns), each distinct label cleaned once (`_cleaned`), with no cell-by-cell look at
    numbers; else each cell through `_finite_cell`. `pd.factorize` counts as missing what
    `isna` does (None, NaN, NA): code -1, an empty cell."""
    codes, distinct = pd.factorize(values.to_numpy())
    labels = distinct.tolist()
    if set(map(type, labels)) <= _ONLY_TEXT:
        return _taken(_cleaned(labels), codes)
    cells = values.map(_finite_cell).to_numpy(dtype=object, na_value="")
    return _quoted(list(map(_csv_text, cells)))


def _csv_text(value: Any) -> str:
    """A cell as the csv module writes it: text as it is, anything else by `str` (numpy's
    float64 too: 0.5, not its repr np.float64(0.5))."""
    return value if isinstance(value, str) else str(value)


_ONLY_TEXT = frozenset({str})


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""How a text cell may not start: a spreadsheet would run it as a formula (OWASP: CSV injection)."""


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


_FIRST = frozenset(FORMULA_START)


_first_character = operator.itemgetter(slice(0, 1))


def neutralise(text: str) -> str:
    """`text` with a leading apostrophe if a spreadsheet would run it as a formula (it starts
    with = + - @, tab or CR), the OWASP way; text that is a plain number (-0.5) is kept, since a
    spreadsheet reads it as that number."""
    if text.startswith(FORMULA_START) and _NUMBER.fullmatch(text) is None:
        return "'" + text
    return text


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its float columns as the text `FLOAT_FORMAT` gives them (empty where not
    finite, 0 for -0), infinite numbers in other columns as empty cells and text neutralised: the
    same bytes as pandas' `float_format` (tests/test_csv_text.py), which formats one value at a
    time through several layers of checks: 2.4 s against 0.6 s for a million numbers, and the CSV
    tables of a 1e6 nonzero run 3.5 s against 1.9 s (`bench/write_budget.py`)."""
    out = frame.copy(deep=False)  # columns are replaced, never written into
    out.columns = [neutralise(c) if isinstance(c, str) else c for c in out.columns]
    for j in range(out.shape[1]):
        values = out.iloc[:, j]
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        if pd.api.types.is_float_dtype(values):
            numbers = values.to_numpy(dtype=float, na_value=np.nan) + 0.0  # -0.0 + 0.0 is 0.0
            text = [FLOAT_FORMAT % v for v in numbers.tolist()]
            for i in np.flatnonzero(~np.isfinite(numbers)).tolist():
                text[i] = ""
            out.isetitem(j, pd.Series(text, index=out.index, dtype=object))  # type: ignore[arg-type]  # stubs: a Series is array-like
        elif isinstance(values.dtype, pd.StringDtype):
            out.isetitem(j, _neutralised(values))  # type: ignore[arg-type]  # stubs: a Series is array-like
        elif values.dtype == object:
            out.isetitem(j, values.map(_finite_cell))  # type: ignore[arg-type]  # stubs: a Series is array-like
    return out


def _neutralised(values: pd.Series) -> pd.Series:
    """A text column with `neutralise` applied to the cells that start as a formula would. The
    first characters are looked up in C (itemgetter into a set test): a column with no such
    cell, the usual case, costs 0.08-0.1 s a million cells, where pandas' `str.startswith`
    costs 0.21 s and a search of the joined column up to 0.48 s."""
    cells = values.to_numpy(dtype=object, na_value="")
    if _FIRST.isdisjoint(map(_first_character, cells)):
        return values
    return values.map(_finite_cell)


def _finite_cell(value: Any) -> Any:
    """A cell of a text column as written: infinite as blank, -0 as 0, text neutralised."""
    if value.__class__ is str:  # most cells: a label, quick to pass
        return neutralise(value) if value[:1] in _FIRST else value
    if isinstance(value, float):
        return np.nan if math.isinf(value) else value + 0.0
    return neutralise(value) if isinstance(value, str) else value
