"""A run folder read back: its CSV tables and run.json as allocator wrote them (`report`,
`compare`, `replan`, `sweep --plan`, `--check-against`), each cell no writer of allocator's
writes refused in one line naming file, row and column, and a table whose bytes run.json does
not record (edited since, `refuse_edited`) refused naming the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.errors import UsageError, quoted

TEXT_COLUMNS = (
    "program", "name", "sector", "export_category", "capital_group", "mineral", "pool", "phase",
    "dimension", "member", "constraint", "variable", "family", "kind", "risk", "link",
    "description", "sense", "unit", "objective_unit", "section", "flag", "status", "why_unspent",
    "item", "metric", "classification", "x_words", "y_words", "rate_unit", "note",
)  # fmt: skip
"""Columns of the tables allocator writes that hold names or words, never numbers."""


def refuse_edited(
    folder: Path, names: Iterable[str], info: dict[str, Any], use: str, fix: str
) -> None:
    """Refuse a file of run folder `folder` among `names` that has changed since allocator
    wrote it: its bytes are none that run.json (`info`) records (`written_by.sha256`, checked
    by `folders.changed_file`, as `--force` checks them), so its numbers may be the user's,
    not allocator's plan. The one check of every reader of a run folder's tables (`report`,
    `compare`, `replan`). A run.json that records no digests (an older allocator's run folder,
    a sweep whose samples are still streaming) tells no edit: its tables are read as they are,
    as `--force` replaces such a folder.

    Raises:
        UsageError: naming the first changed file, what is not done with it (`use`: after "so"),
            and `fix` (after "Fix: ").
    """
    from allocator.report.folders import DIGESTS, MARKER, changed_file

    mark = info.get(MARKER)
    name = changed_file(folder, names, mark.get(DIGESTS) if isinstance(mark, dict) else None)
    if name is not None:
        raise UsageError(
            f"{folder / name} has changed since allocator wrote it (run.json records other "
            f"bytes), so its numbers may be your edits, not allocator's, and {use}. Fix: {fix}"
        )


def read_table(path: Path, fix: str) -> pd.DataFrame:
    """A table allocator wrote, read back as written: missing-value parsing off, so a program
    named `NA` or a sector named `None` keeps its name (only an empty cell is missing), and the
    columns of TEXT_COLUMNS as text.

    Raises:
        UsageError: the file cannot be read as a table; the message ends with `fix`.
    """
    try:
        table = pd.read_csv(
            path, dtype=dict.fromkeys(TEXT_COLUMNS, str), keep_default_na=False, na_values=[""]
        )
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, ValueError) as exc:
        why = " ".join(str(exc).split()) or type(exc).__name__
        raise UsageError(f"{path} cannot be read as a table ({why}). {fix}") from None
    _refuse_edited_numbers(path, table, fix)
    return table


def _refuse_edited_numbers(path: Path, table: pd.DataFrame, fix: str) -> None:
    """Refuse a number column of a table allocator wrote that holds a cell no writer of
    allocator's writes: text among numbers (`1,5` saved by a decimal-comma spreadsheet, `abc`)
    or an infinity (allocator writes Excel's 1E+30), which the reports would meet in arithmetic.

    Raises:
        UsageError: naming the file, row and column, ending with `fix`.
    """
    for column in table.columns:
        cells = table[column]
        if column in TEXT_COLUMNS or cells.dtype.kind not in "Of":
            continue
        if cells.dtype.kind == "f":
            bad = np.isinf(cells.to_numpy())
            words = "is not a finite number (allocator writes 1E+30 for an unbounded amount)"
        else:
            given = cells.dropna().astype(str)
            number = pd.to_numeric(given, errors="coerce").notna()
            if not number.any() or number.all():  # a column of words, or of numbers only
                continue
            bad = cells.index.isin(given.index[~number])
            words = "is not a number, as the column's other cells are"
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise UsageError(
                f"{path}, row {k + 2}, column '{column}': {quoted(str(cells.iloc[k]))} {words} "
                f"(edited since allocator wrote it?). {fix}"
            )


def read_run_json(folder: Path, fix: str) -> dict[str, Any]:
    """The run.json of a run folder as an object: the one reader of run.json (`--check-against`
    through `runs.record.read_record`, `compare`'s run folders, `report`).

    Raises:
        UsageError: no run.json, one that `jsonfile.read_json` refuses (too large, nested too
            deep, not JSON), or one that is not a JSON object; each message ends with `fix`.
    """
    from allocator.report.jsonfile import read_json

    path = folder / "run.json"
    if not path.is_file():
        raise UsageError(f"{folder} has no run.json. {fix}")
    info = read_json(path, fix)
    if not isinstance(info, dict):
        raise UsageError(f"{path} is not a run record (a JSON object). {fix}")
    return info


def refuse_two_stage(folder: Path, info: dict[str, Any], use: str, fix: str) -> None:
    """Refuse a two-stage run (`--decide-now`) where a command needs a whole plan: its
    allocation.csv holds only the phases decided now and its objective is an expectation over
    scenarios (`use`: what the command would have done with it, after "it").

    Raises:
        UsageError: naming the folder, why, and `fix`.
    """
    if info.get("two_stage"):
        raise UsageError(
            f"{folder} is a two-stage plan (--decide-now): its allocation.csv holds only the "
            f"phases decided now and its objective is an expectation over scenarios, so {use}. "
            f"Fix: {fix}"
        )
