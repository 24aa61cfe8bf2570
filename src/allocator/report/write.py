"""Write a run folder atomically: every file goes into a hidden temp folder beside the target,
which is renamed into place only when complete. On any error or Ctrl-C the temp folder is removed;
an existing run is replaced only with `force`, only if allocator wrote it
(`allocator.report.folders`), and only after the new one is complete.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from allocator.data.names import plain_name
from allocator.errors import UsageError
from allocator.report import parallel
from allocator.report.csvtext import write_csv
from allocator.report.faults import fault_words, output_faults
from allocator.report.folders import (
    DEFAULT_FOLDER,
    MARKER,
    Sources,
    being_written,
    file_digests,
    file_in_the_way,
    is_empty_dir,
    made_in_advance,
    marker,
    placed,
    refuse_file_ancestor,
    refuse_overlap,
    refuse_working_folder,
    why_not_replaceable,
)
from allocator.report.tables import UNITS
from allocator.report.tempdirs import (
    OLD_TARGET,
    OWNER,
    keep_mode,
    make_temp,
    release_owner,
    remove_stale_temps,
    stale_note,
)
from allocator.signalmask import signals_held

if TYPE_CHECKING:
    from allocator.report.assumed import Assumed


def default_run_dir(results: Path, dataset: str, objective: str) -> Path:
    """A new folder under `results/`, dataset-objective-date-time (then -2, -3, ... if taken),
    made here: `os.mkdir` either makes the name or fails, so runs started in the same second
    each get their own. The run is renamed onto it (an empty folder counts as new); if none is,
    the folder (and results/, if made here) is removed when the process ends, also on Ctrl-C
    (`folders.release_made`).

    Raises:
        UsageError: `results` is a file or lies below one, or cannot be made (one line).
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = results / f"{plain_name(dataset, 'run')}-{objective}-{stamp}"
    check_results(results)
    try:
        for made in reversed(_missing_parents(results / "run")):
            try:
                os.mkdir(made)
            except FileExistsError:
                continue  # made meanwhile by another run: not this one's to remove
            made_in_advance(made)  # removed again, with the run's own, if nothing is written
        n = 1
        while True:
            path = base if n == 1 else Path(f"{base}-{n}")
            try:
                os.mkdir(path)
            except FileExistsError:
                n += 1
                continue
            made_in_advance(path)
            return path
    except OSError as exc:
        words = fault_words(exc, "--out", results / "run")
        if words is None:
            raise
        raise UsageError(f"cannot make {DEFAULT_FOLDER} under {results}: {words}") from None


def check_results(results: Path) -> None:
    """Refuse a `results` (where runs go without --out) that is a file or lies below one,
    before any work.

    Raises:
        UsageError: naming the file, with giving --out as the fix.
    """
    place = file_in_the_way((results, *results.parents))
    if place is not None:
        raise UsageError(
            f"{place} is a file, not a folder, so {DEFAULT_FOLDER} cannot be made under "
            f"{results}. Fix: give --out DIR, or move the file {place} away"
        )


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
        refuse_working_folder(path, label)
        if path.is_symlink():
            raise UsageError(
                f"{label} {path} is a symbolic link. Fix: give the folder it points to, "
                f"or another {label}"
            )
        if not path.exists() or is_empty_dir(path):
            return
        if not path.is_dir():
            raise UsageError(f"{label} {path} is a file, not a folder. Fix: choose another {label}")
        _refuse_existing(path, force, label)


def _refuse_existing(path: Path, force: bool, label: str) -> None:
    """Refuse an existing, non-empty folder `path` unless `force` and allocator wrote it alone;
    --force is offered as the fix only where it would work.

    Raises:
        UsageError: one line saying why and what to do.
    """
    why = why_not_replaceable(path)
    if why is None and being_written(path):
        why = "another allocator command (a sweep) is writing into it"
    if why is not None and force:
        raise UsageError(
            f"{label} {path} will not be replaced: {why}, and --force replaces only "
            f"allocator's own output folders. Fix: choose another {label}"
        )
    if why is not None:
        raise UsageError(
            f"{label} {path} already exists and is no run folder to replace: {why}. "
            f"Fix: choose another {label}"
        )
    if not force:
        raise UsageError(
            f"run folder {path} already exists. Fix: pass --force to replace it, "
            f"or choose another {label}"
        )


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
    with undo_new_parents(path):
        with output_faults(path, label):
            path.parent.mkdir(parents=True, exist_ok=True)
            pids, restored = remove_stale_temps(path.parent)
            if pids:
                say(stale_note(path.parent, pids, restored))
            with signals_held():
                tmp = make_temp(path.parent)
        try:
            with output_faults(path, label):
                yield tmp
                earlier = earlier_run(path)
                with signals_held():
                    _replace(tmp, path, force, sources, label)
                    placed(path)  # an interrupt from here on must not deny it
                if earlier:
                    say(f"--force replaced {path}: the earlier {earlier}")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def earlier_run(path: Path) -> str | None:
    """What a run folder at `path` holds, in words (`allocator solve run, objective jobs`), or
    None where there is none (no folder, an empty one): what --force is about to replace."""
    if not path.is_dir() or is_empty_dir(path):
        return None
    from allocator.report.jsonfile import read_json

    try:
        record = read_json(path / "run.json", "")
    except UsageError:
        return "run"
    record = record if isinstance(record, dict) else {}
    command = (record.get("written_by") or {}).get("command")
    objective = (record.get("objective") or {}).get("name")
    said = f"allocator {command} run" if isinstance(command, str) else "run"
    return f"{said}, objective {objective}" if isinstance(objective, str) else said


@contextmanager
def undo_new_parents(path: Path) -> Iterator[None]:
    """Whatever folders above `path` the block makes (they are missing now) are removed again,
    if still empty, when the block fails: an output that was not written leaves no folder."""
    made = _missing_parents(path)
    try:
        yield
    except BaseException:
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
    two renames) and deleted only once the new run is in place. `tmp` takes the mode of the
    folder it replaces (`keep_mode`), an empty one too, and loses its owner file."""
    release_owner(tmp)
    keep_mode(path, tmp)
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


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a new empty file beside `path` to write; once written it replaces `path` in one
    rename (os.replace), so `path` is at every moment the old file or the new one, never a part.
    On any error the new file is removed and `path` is left as it was. The new file gets the
    mode of the file it replaces (`keep_mode`), else the umask's, never a temp file's 0600."""
    tmp = path.with_name(f".{path.name[:200]}.{secrets.token_hex(4)}.tmp")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield tmp
        with open(tmp, "rb") as done:  # on disk before the rename, so a crash cannot leave a hole
            os.fsync(done.fileno())
        keep_mode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` through `atomic_file`."""
    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_workbook(
    tables: dict[str, pd.DataFrame],
    path: Path,
    say: Callable[[str], None] | None = _note,
    scratch: Path | None = None,
    units: bool = True,
) -> list[str]:
    """One sheet per table; headers carry units (`header`; `units` False: the names alone, for
    a table whose columns are names a user chose, e.g. compare's plans); the header row is bold
    and frozen; a charts sheet (`allocator.report.book`, xlsxwriter). Tables over
    `book.SHEET_ROW_LIMIT` rows get a summary sheet, and `say` (the terminal; None: nothing)
    says so; returns their names. `scratch`: where xlsxwriter's temp files go (a run's temp
    folder)."""
    from allocator.report.book import write_results_workbook

    sheets = [
        (name, [header(c, frame.columns) if units else str(c) for c in frame.columns], frame)
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
) -> None:
    """Write every table as CSV, the workbook (`sheets`, by default the tables), report.html
    (with the dataset's `assumptions`, else those read from it), run.json and any extra files
    into `folder`; run.json names them all (see `write_run_json`).

    Where `parallel.fork_wanted`, a forked child writes the workbook meanwhile (same bytes,
    same errors; its note is said once the child is done, before run.json, which waits)."""
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

    def said(summarized: list[str]) -> None:
        if summarized:
            _note(summary_note(path, summarized))

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
