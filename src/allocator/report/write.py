"""Write a run folder's content: its CSV tables, workbook, report and run.json, into the temp
folder `report.placing.atomic_run_dir` gives (the workbook in a forked child beside the CSVs)."""

from __future__ import annotations

import functools
import json
import math
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from allocator.report import parallel
from allocator.report.csvtext import write_csv
from allocator.report.folders import (
    MARKER,
    file_digests,
    marker,
)
from allocator.report.placing import note
from allocator.report.tables import UNITS
from allocator.report.tempdirs import (
    OWNER,
)

if TYPE_CHECKING:
    from allocator.report.assumed import Assumed


def write_workbook(
    tables: dict[str, pd.DataFrame],
    path: Path,
    say: Callable[[str], None] | None = note,
    scratch: Path | None = None,
) -> list[str]:
    """One sheet per table; headers carry units (`header`); the header row is bold
    and frozen; a charts sheet (`allocator.report.book`, xlsxwriter). Tables over
    `book.SHEET_ROW_LIMIT` rows get a summary sheet, and `say` (the terminal; None: nothing)
    says so; returns their names. `scratch`: where xlsxwriter's temp files go (a run's temp
    folder)."""
    from allocator.report.book import write_results_workbook

    sheets = [
        (name, [header(c, frame.columns) for c in frame.columns], frame)
        for name, frame in tables.items()
    ]
    summarized = write_results_workbook(path, sheets, scratch)
    if summarized and say is not None:
        say(summary_note(path, summarized))
    return summarized


def summary_note(path: Path, summarized: list[str]) -> str:
    """The line saying which sheets of the workbook `path` hold summaries."""
    from allocator.report.book import SHEET_ROW_LIMIT

    return (
        f"{path.name}: {', '.join(summarized)} have over {SHEET_ROW_LIMIT:,} rows, so their "
        "sheets hold summaries; the full tables are the CSV files beside it"
    )


def _cell(value: Any) -> Any:
    """A plain number, text or boolean for the workbook; missing and infinite as blank."""
    if value is None or value is pd.NA:
        return None  # as are infinite numbers, by the writer
    if isinstance(value, np.generic):
        return value.item()
    return value


IN_UNIT_COLUMN = frozenset(
    {"scenario_low", "scenario_high", "here_and_now", "wait_and_see", "nominal_decide_now"}
)
"""Columns whose unit is their row's `unit` (decide_now_prices' range of a rate over the
scenarios, per US$ million as its other rates; two_stage_scenarios' plans, in the objective's
unit); their CSV names stay as they are."""


def header(column: str, columns: Iterable[str] = ()) -> str:
    """A workbook header: the column's name and, in brackets, its unit: the one `UNITS` gives,
    US$ million for other `*_musd` money; a rate per US$ million (`*_per_musd`) is never money:
    `see unit column` in a table (`columns`) that has one, else no unit; so too the columns of
    `IN_UNIT_COLUMN`."""
    if column.endswith("_per_musd") or column in IN_UNIT_COLUMN:
        unit = "see unit column" if "unit" in columns else None
    else:
        unit = UNITS.get(column) or ("US$ million" if column.endswith("_musd") else None)
    return f"{column} ({unit})" if unit else column


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
    meanwhile: Callable[[], object] | None = None,
) -> None:
    """Write every table as CSV, the workbook (`sheets`, by default the tables), report.html
    (with the dataset's `assumptions`, else those read from it), run.json and any extra files
    into `folder`; run.json names them all (see `write_run_json`).

    Where `parallel.fork_wanted`, a forked child writes the workbook meanwhile (same bytes,
    same errors; its note is said once the child is done, before run.json, which waits), and
    `meanwhile` (the command line renders its summary there, printed once the folder is
    written) runs in this process after the other files, while the child may still write; in
    series it runs after the workbook."""
    from allocator.report.assumed import run_assumptions
    from allocator.report.html import write_report

    start = time.perf_counter()
    book, path = (tables if sheets is None else sheets), folder / "workbook.xlsx"

    def csvs() -> None:
        for name, frame in tables.items():
            write_csv(frame, folder / f"{name}.csv")

    def rest() -> None:
        if extra is not None:
            extra(folder)
        found, why = run_assumptions(run_info, tables) if assumptions is None else (assumptions, "")
        write_report(folder, tables, {"command": command, **run_info}, found, why)
        if meanwhile is not None:
            meanwhile()

    def said(summarized: list[str]) -> None:
        if summarized:
            note(summary_note(path, summarized))

    job = functools.partial(_workbook_quietly, book, path, folder)
    if not (parallel.fork_wanted() and _overlap(job, csvs, rest, said, folder)):
        csvs()  # in series, as before: tables, workbook, extra, report
        write_workbook(book, path, scratch=folder)  # temp files removed with the run's folder
        rest()
    if "timings_s" in run_info:  # run.json goes last, so it can say how long the rest took
        run_info["timings_s"]["write"] = round(time.perf_counter() - start, 4)
    write_run_json(run_info, folder, command)


def _overlap(job: Callable[[], list[str]], *steps: Any) -> bool:
    """`parallel.overlap`, the workbook's modules imported first: here they load while the
    child would otherwise be the longer branch, and each child would load them again."""
    import xlsxwriter  # noqa: F401

    import allocator.report.book  # noqa: F401
    import allocator.report.corehtml  # noqa: F401  # the charts' `book_blocks` (bookcharts.py)

    return parallel.overlap(job, *steps)


def _workbook_quietly(book: dict[str, pd.DataFrame], path: Path, scratch: Path) -> list[str]:
    """`write_workbook` saying nothing (in the child: the parent says it, in its place)."""
    return write_workbook(book, path, say=None, scratch=scratch)


def write_run_json(info: dict[str, Any], folder: Path, command: str) -> None:
    """run.json, last: `info` with the marker that makes `folder` allocator's, listing every
    file in it, so that --force may later replace it (and only while it holds nothing else)."""
    names = sorted(p.name for p in folder.iterdir() if p.name != OWNER)  # not a run's file
    info[MARKER] = marker(command, names, file_digests(folder, names))
    write_json(info, folder / "run.json")
