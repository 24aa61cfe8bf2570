"""`allocator report RUN_DIR`: report.html of a run folder rebuilt from the tables and run.json
allocator wrote there (`html.render` draws the page, `write` reads and writes the files).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.errors import UsageError
from allocator.report.assumed import run_assumptions
from allocator.report.faults import output_faults
from allocator.report.folders import DIGESTS, MARKER, file_digests, marked_files
from allocator.report.html import REPORT, render
from allocator.report.readback import read_run_json, read_table
from allocator.report.write import json_text, write_text_atomic


def rebuild_report(folder: Path, warn: Callable[[str], None] | None = None) -> Path:
    """Rebuild report.html of a run folder from the CSV tables its run.json says allocator wrote
    there, and run.json. A folder allocator did not write is refused (its report.html may be the
    user's); the new page replaces the old one in one rename, so a full disk leaves the old page.
    Assumptions left out (the run's dataset not found, say) are said on the page and to `warn`.

    Raises:
        UsageError: not a run folder of allocator, a damaged table, or a disk fault.
    """
    record = folder / "run.json"
    if not record.is_file():
        raise UsageError(f"{folder} has no run.json. Fix: give a run folder written by allocator")
    files = marked_files(folder)
    if files is None or REPORT not in files:
        raise UsageError(
            f"{folder} is not a run folder allocator wrote (its run.json does not say so), so its "
            f"{REPORT} is not replaced. Fix: give a run folder written by allocator"
        )
    info = read_run_json(folder, "Fix: give a run folder written by allocator")
    again = "Fix: re-run the command that wrote the run folder"
    names = sorted(f for f in files if f.endswith(".csv"))
    gone = [f for f in names if not (folder / f).is_file()]
    if gone:  # its sections would be left out of the new page in silence
        raise UsageError(
            f"{folder / gone[0]} is missing: run.json says allocator wrote it there, and the "
            f"report's sections read it, so {REPORT} is not rebuilt (it is left as it was). Fix: "
            "put the file back, or re-run the command that wrote the run folder"
        )
    linked = [f for f in names if not (folder / f).is_file() or (folder / f).is_symlink()]
    if linked:  # a link may lead anywhere: a file of someone else's would go onto the page
        raise UsageError(
            f"{folder / linked[0]} is a link, not a table allocator wrote into the run folder, "
            f"so {REPORT} is not rebuilt (it is left as it was). Fix: put the table itself there, "
            "or re-run the command that wrote the run folder"
        )
    tables = {Path(f).stem: read_table(folder / f, again) for f in names}
    if not tables:
        raise UsageError(f"{folder} has no tables. Fix: give a run folder written by allocator")
    page = _render_folder(folder, tables, info, warn)
    path = folder / REPORT
    with output_faults(path, "RUN_DIR"):
        write_text_atomic(path, page)
        _record_digest(folder, info, REPORT)
    return path


def _record_digest(folder: Path, info: dict[str, Any], name: str) -> None:
    """Record in run.json the SHA-256 of `name` as rewritten (when run.json records digests and
    the bytes changed), so `--force` still knows the file for allocator's own."""
    digests = (info.get(MARKER) or {}).get(DIGESTS)
    if not isinstance(digests, dict):
        return
    now = file_digests(folder, [name])
    if digests.get(name) != now.get(name):
        digests.update(now)
        write_text_atomic(folder / "run.json", json_text(info) + "\n")


def _render_folder(
    folder: Path,
    tables: dict[str, pd.DataFrame],
    info: dict[str, Any],
    warn: Callable[[str], None] | None,
) -> str:
    """The page of a run folder; a table that lacks a column or holds text where a number
    belongs (edited by hand) is one line naming the folder."""
    assumed, why = run_assumptions(info, tables, folder)
    if why and warn is not None and "datasets of their own" not in why:
        warn(f"{folder / REPORT}: the assumptions are left out: {why}")
    try:
        return render(tables, info, assumed, why)
    except (KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
        why = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise UsageError(
            f"{folder}: its tables and run.json do not make a report ({why}). "
            "Fix: re-run the command that wrote the run folder"
        ) from None
