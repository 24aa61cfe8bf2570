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
from allocator.report.folders import DIGESTS, MARKER, changed_file, file_digests, marked_files
from allocator.report.html import REPORT, render
from allocator.report.placing import atomic_file, write_text_atomic
from allocator.report.readback import read_run_json, read_table, refuse_edited
from allocator.report.write import json_text


def rebuild_report(folder: Path, warn: Callable[[str], None] | None = None) -> Path:
    """Rebuild report.html of a run folder from the CSV tables its run.json says allocator wrote
    there, as it wrote them (`readback.refuse_edited`: the page would show an edit as allocator's
    plan), and run.json. A folder allocator did not write is refused (its report.html may be the
    user's); the new page replaces the old one in one rename, so a full disk leaves the old page.
    Assumptions left out (the run's dataset not found, say) are said on the page and to `warn`.

    Raises:
        UsageError: not a run folder of allocator, a damaged table, or a disk fault.
    """
    files = _marked_files(folder)
    info = read_run_json(folder, "Fix: give a run folder written by allocator")
    _refuse_edited_page(folder, info)
    tables = _tables(folder, files)
    said: list[str] = []  # said once the page is known to be allocator's
    page = _render_folder(folder, tables, info, said.append)
    # last: a cell no writer of allocator's writes, a lost column, is named more closely above
    refuse_edited(
        folder,
        sorted(f for f in files if f.endswith(".csv")),
        info,
        f"{REPORT} is not rebuilt from it (it is left as it was)",
        "re-run the command that wrote the run folder, into another --out to keep the edited "
        "folder (edit copies of a run's tables outside its folder)",
    )
    if warn is not None:
        for line in said:
            warn(line)
    path = folder / REPORT
    with output_faults(path, "RUN_DIR"):
        _replace_page(folder, info, page)
    return path


def _marked_files(folder: Path) -> set[str]:
    """The files run.json says allocator wrote in `folder` (report.html among them).

    Raises:
        UsageError: no run.json, or one that does not say allocator wrote the page.
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
    return files


def _tables(folder: Path, files: set[str]) -> dict[str, pd.DataFrame]:
    """The CSV tables allocator wrote in `folder` (of `files`), by name without .csv; one
    changed since allocator wrote it is refused once the page is drawn (`rebuild_report`).

    Raises:
        UsageError: a table missing or a link (its section would be left out, or another file
            shown), a damaged table, or none at all.
    """
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
    return tables


def _digests(info: dict[str, Any]) -> dict[str, Any] | None:
    """run.json's record of each file's SHA-256 (`written_by.sha256`), None if it has none."""
    mark = info.get(MARKER)
    digests = mark.get(DIGESTS) if isinstance(mark, dict) else None
    return digests if isinstance(digests, dict) else None


def _refuse_edited_page(folder: Path, info: dict[str, Any]) -> None:
    """Refuse to replace a report.html whose bytes are none run.json records: the user's now.

    Raises:
        UsageError: naming the page, which is kept, and how to keep it and rebuild.
    """
    if changed_file(folder, [REPORT], _digests(info)) is not None:
        raise UsageError(
            f"{folder / REPORT} has changed since allocator wrote it (run.json records other "
            f"bytes), so it may hold your edits and is not replaced. Fix: move it out of "
            f"{folder} to keep it, then run allocator report again"
        )


def _replace_page(folder: Path, info: dict[str, Any], page: str) -> None:
    """Put the new page in place in one rename, with run.json's digest of it: first run.json
    records the old page's SHA-256 and the new one's (either is allocator's), then the page is
    renamed into place, then run.json keeps the new one alone. A stop between any two steps (a
    full disk) leaves a page run.json calls allocator's, so `--force` never takes it for the
    user's. A run.json without digests (an older allocator's, a sweep's not yet whole) gets
    none."""
    digests = _digests(info)
    record = folder / "run.json"
    with atomic_file(folder / REPORT) as tmp:
        tmp.write_text(page, encoding="utf-8")
        new = file_digests(folder, [tmp.name])[tmp.name]
        old = [] if digests is None else digests.get(REPORT) or []
        old = old if isinstance(old, list) else [old]
        if digests is not None and old and new not in old:
            digests[REPORT] = [*old, new]
            write_text_atomic(record, json_text(info) + "\n")
    if digests is not None and digests.get(REPORT) != new:
        digests[REPORT] = new
        write_text_atomic(record, json_text(info) + "\n")


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
