"""Read a dataset folder into a validated `Inputs`: the only module that knows file formats.

Money cells may be written `3.5B`, `$800M`, `1,200` or `500K` and become US$ million; a cell that
could mean two things is an error naming file, row and column, never a guess. A CSV folder is read
here; a workbook by `workbook.py`; both turn their records into `Inputs` with `records.py`.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import os
from pathlib import Path
from typing import Any

from allocator.data.checks import check_duplicates
from allocator.data.files import decode_text, read_file
from allocator.data.numbers import SETTINGS_FILE, number_style, setting_rows, style_of
from allocator.data.records import (
    AUDIT_ONLY,
    MAX_CELL_CHARS,
    MAX_TABLE_BYTES,
    MAX_TABLE_ROWS,
    assemble_inputs,
    explain_value,
    read_cell,
    read_records,
)
from allocator.data.schema import TABLES, Inputs, Row
from allocator.errors import InputError

__all__ = [  # the reading limits and the cell rules, where their callers import them
    "AUDIT_ONLY",
    "BOOK_SUFFIXES",
    "MAX_CELL_CHARS",
    "MAX_TABLE_BYTES",
    "MAX_TABLE_ROWS",
    "assemble_inputs",
    "explain_value",
    "load_inputs",
    "read_cell",
    "read_records",
]

BOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb", ".ods")
"""Read as one workbook, so that a spreadsheet of another kind is named as what it is."""


def load_inputs(folder: str | Path, *, strict: bool = False) -> Inputs:
    """Load and validate every table of a dataset folder, or of a workbook (`workbook.py`).

    Args:
        folder: the dataset folder.
        strict: also refuse broken facts.csv and uncertainty.csv references (`allocator check`);
            otherwise a broken fact becomes a note (facts.csv is read only by the audit) and
            uncertainty.csv is checked where it is read.

    Raises:
        InputError: the first problem in a table's cells, naming file, row and column (or sheet
            and cell); or every broken reference across the tables at once (InputErrors).
    """
    root = Path(folder)
    if (root.suffix.lower() in BOOK_SUFFIXES and not root.is_dir()) or root.is_file():
        from allocator.data.workbook import load_workbook_inputs  # a CSV folder does without

        return load_workbook_inputs(root, strict=strict)
    if not root.is_dir():
        raise InputError(
            f"dataset folder '{root}' not found",
            fix="pass --inputs DIR with the CSV tables, or --inputs plan.xlsx",
        )
    _check_file_names(root)
    hashes: dict[str, str] = {}
    style, settings = _declared_style(root, hashes)
    with number_style(style):
        tables, unread = _read_tables(root, strict, hashes)
    inp = assemble_inputs(str(root), tables, hashes, strict, unread, style)
    return inp.model_copy(update={"settings": settings})


_TABLE_FILES = (*(file for file, *_rest in TABLES.values()), SETTINGS_FILE)
_NOT_TABLES = ("~$", ".")  # a spreadsheet's lock file while the table is open, hidden files


def _check_file_names(root: Path) -> None:
    """Refuse a file named almost as a table (`Groups.csv`, `groups.CSV`, `group.csv`).

    The tables are read by their exact names, so such a file was left out in silence (its caps
    dropped), and a case-insensitive disk (Windows, macOS) reads `Groups.csv` as `groups.csv`:
    the same folder would give two plans.
    """
    try:
        with os.scandir(root) as entries:
            names = [e.name for e in entries]
    except OSError:
        return  # a folder that may not be listed: the tables are read (or refused) by name
    present = set(names)
    tables = [(t, difflib.SequenceMatcher(None, b=t, autojunk=False)) for t in _TABLE_FILES]
    if len(names) > _MAX_NEAR_NAMES:
        tables = []  # a folder of thousands of files: case and spaces only, in bounded time
    for name in sorted(names):
        meant = _table_meant(name, tables)
        if meant is None or name == meant:
            continue
        if meant in present and name.strip().casefold() != meant:
            continue  # a near miss beside the table itself (a copy, notes): not read, as before
        raise InputError(
            f"the file is named almost as the table {meant} and would not be read as it "
            "(table file names are exact and lower-case)",
            file=name,
            fix=f"rename it to {meant}, or move it out of the dataset folder",
        )


def _table_meant(name: str, tables: list[tuple[str, difflib.SequenceMatcher[str]]]) -> str | None:
    """The table file `name` is probably meant to be: the same but for case or spaces, or a
    near miss (`group.csv`, a ratio of at least 0.9 to the table's name); None for every other
    file (`actuals.csv`, `NOTES.md`). `tables` holds a matcher for each table's file name."""
    if name.startswith(_NOT_TABLES):
        return None
    folded = name.strip().casefold()
    if folded in _TABLE_FILES:
        return folded
    best, meant = _NEAR, None
    for table, matcher in tables:  # the cheap upper bounds first, as difflib's own search does
        matcher.set_seq1(folded)
        if matcher.real_quick_ratio() >= best and matcher.quick_ratio() >= best:
            ratio = matcher.ratio()
            if ratio >= best:
                best, meant = ratio, table
    return meant


_NEAR = 0.9
"""Least difflib ratio of a file name to a table's for the file to be taken as that table."""
_MAX_NEAR_NAMES = 1_000
"""Most files in a dataset folder for near misses to be looked for (40 microseconds a name)."""


def _declared_style(
    root: Path, hashes: dict[str, str]
) -> tuple[str | None, tuple[tuple[int, dict[str, str]], ...]]:
    """The number style settings.csv declares, if the dataset has one (`numbers.style_of`),
    and its rows (`numbers.setting_rows`)."""
    try:
        data = read_file(root / SETTINGS_FILE, MAX_TABLE_BYTES)
    except FileNotFoundError:
        return None, ()
    except InputError as exc:
        raise InputError(exc.reason, file=SETTINGS_FILE, fix=exc.fix) from None
    hashes[SETTINGS_FILE] = hashlib.sha256(data).hexdigest()
    records = _records(SETTINGS_FILE, decode_text(SETTINGS_FILE, data))
    return style_of(records), setting_rows(records)


def _read_tables(
    root: Path, strict: bool, hashes: dict[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """Every table of the folder (field -> rows), and facts.csv's problem when it is unread."""
    tables: dict[str, Any] = {}
    unread: list[str] = []  # facts.csv, when it cannot be read: solving does not need it
    for field, (file, model, _key, required) in TABLES.items():
        try:
            data = read_file(root / file, MAX_TABLE_BYTES)
        except FileNotFoundError:
            if required:
                raise InputError(
                    "file is missing",
                    file=file,
                    fix="add it (see inputs/README.md for its columns)",
                ) from None
            continue
        except InputError as exc:
            raise InputError(exc.reason, file=file, fix=exc.fix) from None
        hashes[file] = hashlib.sha256(data).hexdigest()
        try:
            rows = tuple(_read_table(file, data, model))
            check_duplicates(field, rows)
        except InputError as exc:
            if strict or field != "facts":
                raise
            unread.append(f"{exc} ({AUDIT_ONLY} without facts.csv)")
            continue
        tables[field] = rows
    return tables, unread


def _read_table(file: str, data: bytes, model: type[Row]) -> list[Row]:
    text = decode_text(file, data)
    lines = _records(file, text)
    if not any(any(c.strip() for c in cells) for cells in lines):
        raise InputError(
            "the file is empty (no header row)",
            file=file,
            row=1,
            fix="add the header row (see inputs/README.md)",
        )
    if not any(c.strip() for c in lines[0]):
        raise InputError(
            "the header row is blank",
            file=file,
            row=1,
            fix="put the column names on the first line (delete blank lines above)",
        )
    return read_records(file, lines, model)


def read_table_bytes(file: str, data: bytes, model: type[Row]) -> list[Row]:
    """The rows of one CSV table's bytes read by the rules of every table (encoding, quoting,
    limits, the number rule, `model`'s columns), for a table outside the dataset (`replan`'s
    actuals)."""
    return _read_table(file, data, model)


def _records(file: str, text: str) -> list[list[str]]:
    """The CSV records of `text`; a quoting error names the record (row) and cell where it is."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[list[str]] = []
    done = 0  # physical lines read by the complete records
    try:
        for cells in reader:
            if len(records) > MAX_TABLE_ROWS:  # the header and MAX_TABLE_ROWS rows are in
                raise InputError(
                    f"the table has more than {MAX_TABLE_ROWS:,} rows",
                    file=file,
                    row=len(records) + 1,
                    fix="split the data or drop rows the model does not use; the limit keeps "
                    "memory bounded (see inputs/README.md, Limits)",
                )
            records.append(cells)
            done = reader.line_num
    except csv.Error as exc:
        from allocator.data.csvquotes import quote_error  # only a CSV the reader refused

        raise quote_error(file, text, records, done, exc, MAX_CELL_CHARS) from None
    return records
