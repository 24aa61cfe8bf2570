"""`allocator report` as a run: report.html of a run folder rebuilt from its tables and its
run.json, read by the one reader (`report.readback.read_run_json`); the page replaces the old one
only once it is complete (`report.rebuild.rebuild_report`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from allocator.report.rebuild import rebuild_report


def report(folder: Path, warn: Callable[[str], None] | None = None) -> Path:
    """Rebuild `folder`/report.html; returns its path. What it leaves out, and why, is said on
    the page and to `warn` (the assumptions, when the run's dataset is not found).

    Raises:
        UsageError: not a run folder of allocator, a damaged table or run.json, a disk fault.
    """
    return rebuild_report(Path(folder), warn)
