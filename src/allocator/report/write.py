"""Write a run folder atomically: every file goes into a hidden temp folder beside the target,
which is renamed into place only when complete. On any error or Ctrl-C the temp folder is removed;
an existing run is replaced only with `force`, only if allocator wrote it
(`allocator.report.folders`), and only after the new one is complete.
"""

from __future__ import annotations

import atexit
import contextlib
import csv
import functools
import io
import itertools
import json
import math
import operator
import os
import re
import secrets
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from allocator.errors import UsageError
from allocator.report.folders import (
    MARKER,
    OLD_TARGET,
    Sources,
    is_empty_dir,
    make_temp,
    marker,
    output_faults,
    refuse_file_ancestor,
    refuse_overlap,
    remove_stale_temps,
    stale_note,
    why_not_replaceable,
)
from allocator.report.tables import UNITS

if TYPE_CHECKING:
    from allocator.report.assumed import Assumed

FLOAT_FORMAT = "%.12g"


def default_run_dir(results: Path, dataset: str, objective: str) -> Path:
    """A new folder under `results/`, dataset-objective-date-time (then -2, -3, ... if taken),
    made here: `os.mkdir` either makes the name or fails, so runs started in the same second
    each get their own. The run is renamed onto it (an empty folder counts as new); if none is,
    the folder is removed when the process ends (`release_run_dir`)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = results / f"{dataset}-{objective}-{stamp}"
    if not results.is_dir():
        results.mkdir(parents=True, exist_ok=True)
        atexit.register(release_run_dir, results)  # runs after the one below: LIFO
    n = 1
    while True:
        path = base if n == 1 else Path(f"{base}-{n}")
        try:
            os.mkdir(path)
        except FileExistsError:
            n += 1
            continue
        atexit.register(release_run_dir, path)
        return path


def release_run_dir(path: Path) -> None:
    """Remove a folder `default_run_dir` made if nothing was written into it (still empty)."""
    with contextlib.suppress(OSError):  # a run is in it, or it is gone: leave it
        path.rmdir()


def check_target(path: Path, force: bool, sources: Sources = (), label: str = "--out") -> None:
    """Refuse, before any work is done, a target that overlaps an input, lies below a file, is
    a link, is a file, exists (unless `force`, and then only if allocator wrote it and it holds
    nothing else). An empty folder is used as if it were new.

    Args:
        path: the folder to write.
        force: whether an earlier output of allocator there may be replaced.
        sources: (kind, path) of every input the command reads: a dataset, a model file, a run.
        label: how the user named the folder, for the messages.

    Raises:
        UsageError: one line saying why and what to do.
    """
    with output_faults(path, label):
        refuse_overlap(path, sources, label)
        refuse_file_ancestor(path, label)
        if path.is_symlink():
            raise UsageError(
                f"{label} {path} is a symbolic link. Fix: give the folder it points to, "
                f"or another {label}"
            )
        if not path.exists() or is_empty_dir(path):
            return
        if not path.is_dir():
            raise UsageError(f"{label} {path} is a file, not a folder. Fix: choose another {label}")
        if not force:
            raise UsageError(
                f"run folder {path} already exists. Fix: pass --force to replace it, "
                f"or choose another {label}"
            )
        why = why_not_replaceable(path)
        if why is not None:
            raise UsageError(
                f"{label} {path} will not be replaced: {why}, and --force replaces only "
                f"allocator's own output folders. Fix: choose another {label}"
            )


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM for a few system calls that must not be cut in two (a folder
    created but its name not yet known, a run renamed away but the new one not yet in place);
    a signal that arrives meanwhile is delivered right after."""
    held = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask"):  # not on Windows: nothing to hold
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _note(message: str) -> None:
    print(f"note: {message}", file=sys.stderr, flush=True)


@contextmanager
def atomic_run_dir(
    path: Path,
    force: bool,
    sources: Sources = (),
    label: str = "--out",
    say: Callable[[str], None] = _note,
) -> Iterator[Path]:
    """Yield a temp folder to write into; on success it becomes `path`, on failure it vanishes.

    The temp folder's name records its owner, so a later run (this one, first) removes those
    of processes killed beside the target, and says so through `say`. A fault of the disk is
    one line naming `path` (see `output_faults`); with `force` the old run then stays intact.
    """
    check_target(path, force, sources, label)
    made = _missing_parents(path)
    try:
        with output_faults(path, label):
            path.parent.mkdir(parents=True, exist_ok=True)
            pids, restored = remove_stale_temps(path.parent)
            if pids:
                say(stale_note(path.parent, pids, restored))
            with _signals_held():
                tmp = make_temp(path.parent)
    except BaseException:
        _remove_empty(made)
        raise
    try:
        with output_faults(path, label):
            yield tmp
            with _signals_held():
                _replace(tmp, path, force, sources, label)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        _remove_empty(made)
        raise


def _missing_parents(path: Path) -> list[Path]:
    """The ancestors of `path` that do not exist yet, nearest first."""
    return [p for p in path.parents if not os.path.lexists(p)]


def _remove_empty(folders: list[Path]) -> None:
    """Remove the folders a failed run created, if still empty (nothing is left behind)."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _replace(tmp: Path, path: Path, force: bool, sources: Sources, label: str) -> None:
    """Rename `tmp` to `path`; an earlier run there is first moved into an "old" temp folder
    (which names the run, so a later run can put it back if this process is killed between the
    two renames) and deleted only once the new run is in place."""
    if not path.exists() or is_empty_dir(path):
        os.rename(tmp, path)  # onto an empty folder too: POSIX rename replaces it
        return
    check_target(path, force, sources, label)  # again: the folder may have changed meanwhile
    old = make_temp(path.parent, "old")
    try:
        (old / OLD_TARGET).write_text(path.name, encoding="utf-8")
        os.rename(path, old / "run")
    except BaseException:
        shutil.rmtree(old, ignore_errors=True)  # the old run was not moved: only the note
        raise
    try:
        os.rename(tmp, path)
    except BaseException:
        os.rename(old / "run", path)  # if this fails too, `old` stays for the next run to restore
        shutil.rmtree(old, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)


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
        columns.append(_quoted(cells))
    if len(columns) == 1:  # a line of one empty field: the csv module writes "" (not a blank line)
        columns[0] = [c or '""' for c in columns[0]]
    return columns


def _quoted(cells: list[str]) -> list[str]:
    """Text cells, each quoted as the csv module's "excel" dialect quotes it (QUOTE_MINIMAL,
    quotes doubled) when it holds a comma, a quote or a line break; a column with no such cell
    (most: the numbers, names without commas) is checked in one pass over its joined text.
    A cell is tested with `in` for each candidate character (0.002 s for 77,000 names, where
    `any(map(...))` takes 0.012), then against what this Python's csv module quotes."""
    special = _quote_triggers()
    joined = "".join(cells)
    if not any(map(joined.__contains__, special)):
        return cells
    return [
        '"' + c.replace('"', '""') + '"'
        if ("," in c or '"' in c or "\n" in c or "\r" in c) and not special.isdisjoint(c)
        else c
        for c in cells
    ]


_QUOTED_AT_MOST = frozenset(',"\n\r')
"""What any csv module quotes a field for (its delimiter, quote and line breaks): `_quoted` tests
these first."""


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
    """One column's cells as text: floats as `FLOAT_FORMAT` gives them (empty where not finite,
    0 for -0), text neutralised, missing cells empty, other cells as the csv module writes them
    (`_csv_text`); None for a column of any other kind."""
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
        return list(map(str, values.tolist()))
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return list(map(str, values.to_numpy(dtype=object, na_value="")))  # Int64: NA empty
    return None


def _float_text(values: pd.Series) -> list[str]:
    """A float column as text, each distinct number formatted once: a run's columns repeat a
    few values (0, missing, a bound), so the 1.96 M float cells of a 1e6 nonzero run are
    formatted as 40,000 numbers. `pd.factorize` finds them by hashing (0.3 ms for 77,000
    numbers, where `np.unique`'s sort takes 11 ms); a missing number gets code -1, the last
    text, which is empty."""
    numbers = values.to_numpy(dtype=float, na_value=np.nan) + 0.0  # -0.0 + 0.0 is 0.0
    codes, distinct = pd.factorize(numbers)
    text = [FLOAT_FORMAT % v if math.isfinite(v) else "" for v in distinct.tolist()]
    return np.array([*text, ""], dtype=object)[codes].tolist()


def _text_cells(cells: np.ndarray) -> list[str]:
    """Text cells (missing ones already empty) with `neutralise` applied where a cell starts as
    a formula would. The first characters are looked up in C (itemgetter into a set test): a
    column with no such cell, the usual case, costs 0.08-0.1 s a million cells, where pandas'
    `str.startswith` costs 0.21 s and a search of the joined column up to 0.48 s."""
    if _FIRST.isdisjoint(map(_first_character, cells)):
        return cells.tolist()
    return [neutralise(c) if c[:1] in _FIRST else c for c in cells.tolist()]


def _object_cells(values: pd.Series) -> list[str]:
    """A column of Python objects: when every cell is text or missing (a run's label columns),
    as text, with no cell-by-cell look at numbers; else each cell through `_finite_cell`."""
    cells = values.to_numpy(dtype=object, na_value="")
    if set(map(type, cells)) <= _ONLY_TEXT:
        return _text_cells(cells)
    return list(map(_csv_text, values.map(_finite_cell).to_numpy(dtype=object, na_value="")))


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
            out.isetitem(j, pd.Series(text, index=out.index, dtype=object))
        elif isinstance(values.dtype, pd.StringDtype):
            out.isetitem(j, _neutralised(values))
        elif values.dtype == object:
            out.isetitem(j, values.map(_finite_cell))
    return out


TEXT_COLUMNS = (
    "program", "name", "sector", "export_category", "capital_group", "mineral", "pool", "phase",
    "dimension", "member", "constraint", "variable", "family", "kind", "risk", "link",
    "description", "sense", "unit", "objective_unit", "section", "flag", "status", "why_unspent",
    "item", "metric", "classification", "x_words", "y_words", "rate_unit",
)  # fmt: skip
"""Columns of the tables allocator writes that hold names or words, never numbers."""


def read_table(path: Path, fix: str) -> pd.DataFrame:
    """A table allocator wrote, read back as written: missing-value parsing off, so a program
    named `NA` or a sector named `None` keeps its name (only an empty cell is missing), and the
    columns of TEXT_COLUMNS as text.

    Raises:
        UsageError: the file cannot be read as a table; the message ends with `fix`.
    """
    try:
        return pd.read_csv(
            path, dtype=dict.fromkeys(TEXT_COLUMNS, str), keep_default_na=False, na_values=[""]
        )
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, ValueError) as exc:
        why = " ".join(str(exc).split()) or type(exc).__name__
        raise UsageError(f"{path} cannot be read as a table ({why}). {fix}") from None


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a new empty file beside `path` to write; once written it replaces `path` in one
    rename (os.replace), so `path` is at every moment the old file or the new one, never a part.
    On any error the new file is removed and `path` is left as it was. The new file gets the
    permissions any new file gets (the umask), not a temp file's 0600."""
    tmp = path.with_name(f".{path.name[:200]}.{secrets.token_hex(4)}.tmp")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield tmp
        with open(tmp, "rb") as done:  # on disk before the rename, so a crash cannot leave a hole
            os.fsync(done.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` through `atomic_file`."""
    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _neutralised(values: pd.Series) -> pd.Series:
    """A text column with `neutralise` applied to the cells that start as a formula would. The
    first characters are looked up in C (itemgetter into a set test): a column with no such
    cell, the usual case, costs 0.08-0.1 s a million cells, where pandas' `str.startswith`
    costs 0.21 s and a search of the joined column up to 0.48 s."""
    cells = values.to_numpy(dtype=object, na_value="")
    if _FIRST.isdisjoint(map(_first_character, cells)):
        return values
    return values.map(_finite_cell)


def write_workbook(tables: dict[str, pd.DataFrame], path: Path) -> list[str]:
    """One sheet per table; headers carry units; the header row is bold and frozen; a charts
    sheet (`allocator.report.book`, xlsxwriter). Tables over `book.SHEET_ROW_LIMIT` rows get a
    summary sheet, and the terminal says so; returns their names."""
    from allocator.report.book import SHEET_ROW_LIMIT, write_results_workbook

    sheets = [(name, [_header(c) for c in frame.columns], frame) for name, frame in tables.items()]
    summarized = write_results_workbook(path, sheets)
    if summarized:
        _note(
            f"{path.name}: {', '.join(summarized)} have over {SHEET_ROW_LIMIT:,} rows, so their "
            "sheets hold summaries; the full tables are the CSV files beside it"
        )
    return summarized


def _cell(value: Any) -> Any:
    """A plain number, text or boolean for the workbook; missing and infinite as blank."""
    if value is None or value is pd.NA:
        return None  # as are infinite numbers, by the writer
    if isinstance(value, np.generic):
        return value.item()
    return value


def _header(column: str) -> str:
    unit = "US$ million" if column.endswith("_musd") else UNITS.get(column)
    return f"{column} ({unit})" if unit else column


def _finite_cell(value: Any) -> Any:
    """A cell of a text column as written: infinite as blank, -0 as 0, text neutralised."""
    if value.__class__ is str:  # most cells: a label, quick to pass
        return neutralise(value) if value[:1] in _FIRST else value
    if isinstance(value, float):
        return np.nan if math.isinf(value) else value + 0.0
    return neutralise(value) if isinstance(value, str) else value


def json_text(data: object) -> str:
    """Pretty, key-sorted, strict JSON: NaN and infinity, which JSON has no words for (Python
    would write bare `NaN`), become null, as an empty cell does in the CSV tables."""
    return json.dumps(_json_safe(data), indent=2, sort_keys=True, default=str, allow_nan=False)


def _json_safe(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def write_json(data: dict[str, Any], path: Path) -> None:
    """`data` as strict JSON (see json_text)."""
    path.write_text(json_text(data) + "\n", encoding="utf-8")


def write_run(
    folder: Path,
    tables: dict[str, pd.DataFrame],
    run_info: dict[str, Any],
    extra: Callable[[Path], object] | None = None,
    sheets: dict[str, pd.DataFrame] | None = None,
    command: str = "solve",
    assumptions: list[Assumed] | None = None,
) -> None:
    """Write every table as CSV, the workbook (`sheets`, by default the tables), report.html
    (with the dataset's `assumptions`, else those read from it), run.json and any extra files
    into `folder`; run.json names them all (see `write_run_json`)."""
    from allocator.report.html import dataset_assumptions, write_report

    start = time.perf_counter()
    for name, frame in tables.items():
        write_csv(frame, folder / f"{name}.csv")
    write_workbook(tables if sheets is None else sheets, folder / "workbook.xlsx")
    if extra is not None:
        extra(folder)
    found = dataset_assumptions(run_info, tables) if assumptions is None else assumptions
    write_report(folder, tables, {"command": command, **run_info}, found)
    if "timings_s" in run_info:  # run.json goes last, so it can say how long the rest took
        run_info["timings_s"]["write"] = round(time.perf_counter() - start, 4)
    write_run_json(run_info, folder, command)


def read_run_json(folder: Path, fix: str) -> dict[str, Any]:
    """The run.json of a run folder as an object: the one reader of run.json (`--check-against`
    through `runs.spec.read_record`, `compare`'s run folders, `report`).

    Raises:
        UsageError: no run.json, one that is not JSON, or one that is not a JSON object; each
            message ends with `fix`.
    """
    path = folder / "run.json"
    if not path.is_file():
        raise UsageError(f"{folder} has no run.json. {fix}")
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise UsageError(f"{path} cannot be read as JSON ({exc}). {fix}") from None
    if not isinstance(info, dict):
        raise UsageError(f"{path} is not a run record (a JSON object). {fix}")
    return info


def write_run_json(info: dict[str, Any], folder: Path, command: str) -> None:
    """run.json, last: `info` with the marker that makes `folder` allocator's, listing every
    file in it, so that --force may later replace it (and only while it holds nothing else)."""
    info[MARKER] = marker(command, (p.name for p in folder.iterdir()))
    write_json(info, folder / "run.json")
