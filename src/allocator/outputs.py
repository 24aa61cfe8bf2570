"""Write a run folder atomically: every file goes into a hidden temp folder beside the target,
which is renamed into place only when complete. On any error or Ctrl-C the temp folder is removed;
an existing run is replaced only with `force`, and only after the new one is complete.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.errors import UsageError
from allocator.reports import UNITS

FLOAT_FORMAT = "%.12g"


def default_run_dir(results: Path, dataset: str, objective: str) -> Path:
    """A new folder name under `results/`: dataset-objective-date-time, suffixed if taken."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = results / f"{dataset}-{objective}-{stamp}"
    path, n = base, 2
    while path.exists():
        path, n = Path(f"{base}-{n}"), n + 1
    return path


def check_target(path: Path, force: bool) -> None:
    """Refuse a target that exists (unless `force`) or that is a file; before any work is done."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {path} is a file, not a folder. Fix: choose another --out")
    if path.exists() and not force:
        raise UsageError(
            f"run folder {path} already exists. Fix: pass --force to replace it, "
            "or choose another --out"
        )
    if path.parent.exists() and not path.parent.is_dir():
        raise UsageError(f"{path.parent} is a file, not a folder. Fix: choose another --out")


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


@contextmanager
def atomic_run_dir(path: Path, force: bool) -> Iterator[Path]:
    """Yield a temp folder to write into; on success it becomes `path`, on failure it vanishes."""
    check_target(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _signals_held():
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    try:
        yield tmp
        with _signals_held():
            _replace(tmp, path, force)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _replace(tmp: Path, path: Path, force: bool) -> None:
    if not path.exists():
        os.rename(tmp, path)
        return
    check_target(path, force)
    old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
    os.rename(path, old / "run")
    try:
        os.rename(tmp, path)
    except BaseException:
        os.rename(old / "run", path)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV with LF line ends and 12 significant digits: stable bytes for the same numbers.

    An infinite bound is written as an empty cell (no bound), which spreadsheets read as blank.
    """
    _finite(frame).to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


def write_workbook(tables: dict[str, pd.DataFrame], path: Path) -> None:
    """One sheet per table; headers carry units; the header row is bold and frozen.

    Written by `allocator.xlsx` (a column per string join, several times faster than
    xlsxwriter cell by cell); the same tables give the same bytes.
    """
    from allocator.xlsx import write_xlsx

    sheets = []
    for name, frame in tables.items():
        headers = [_header(c) for c in frame.columns]
        columns, widths = [], []
        for j, column in enumerate(frame.columns):
            values = [_cell(v) for v in frame[column].tolist()]
            shown = [len(str(v)) for v in values[:200] if v is not None]
            columns.append(values)
            widths.append(min(60, max([len(headers[j]), *shown]) + 2))
        sheets.append((name, headers, columns, widths))
    write_xlsx(path, sheets)


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


def _finite(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.replace([np.inf, -np.inf], np.nan)


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
) -> None:
    """Write every table as CSV, the workbook (`sheets`, by default the tables), run.json and
    any extra files into `folder`."""
    start = time.perf_counter()
    for name, frame in tables.items():
        write_csv(frame, folder / f"{name}.csv")
    write_workbook(tables if sheets is None else sheets, folder / "workbook.xlsx")
    if extra is not None:
        extra(folder)
    if "timings_s" in run_info:  # run.json goes last, so it can say how long the rest took
        run_info["timings_s"]["write"] = round(time.perf_counter() - start, 4)
    write_json(run_info, folder / "run.json")
