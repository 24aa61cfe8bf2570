"""`allocator report` as a run: report.html of a run folder rebuilt from its tables and its
run.json, read by the one reader (`report.write.read_run_json`); the page replaces the old one
only once it is complete (`report.rebuild.rebuild_report`)."""

from __future__ import annotations

from pathlib import Path

from allocator.report.rebuild import rebuild_report


def report(folder: Path) -> Path:
    """Rebuild `folder`/report.html; returns its path.

    Raises:
        UsageError: not a run folder of allocator, a damaged table or run.json, a disk fault.
    """
    return rebuild_report(Path(folder))
