"""The folder a sweep writes into: refused where a sweep must not write (the data, a file, a
folder that is not a sweep's, a sweep of another experiment), cleared for --force, and made and
marked as a sweep's (run.json) before its first sample."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from allocator.errors import UsageError
from allocator.report.assumed import recorded_inputs
from allocator.report.folders import (
    MARKER,
    is_empty_dir,
    marked_files,
    marker,
    refuse_file_ancestor,
    refuse_overlap,
    why_not_replaceable,
)
from allocator.report.write import write_json
from allocator.studies.sweepfolder import refuse_other_experiment

# every file a sweep writes into its folder: run.json names them, so --force may replace it
SWEEP_FILES = (
    "report.html",
    "run.json",
    "sweep.csv",
    "sweep.json",
    "sweep.png",
    "sweep_plan.csv",
    "sweep_programs.csv",
    "sweep_summary.csv",
)


def check_folder(
    folder: Path,
    spec: dict[str, Any],
    resume: bool,
    now: dict[str, Any] | None = None,
    header: list[str] | None = None,
) -> None:
    """Refuse a folder a sweep must not write into; writes nothing. A sweep there is continued
    only with `resume`, and only if its fingerprint equals `now` (when given); with
    `spec["force"]`, an earlier output of allocator there is replaced (`clear_for_force`), by
    the rule of every command's --force.

    Raises:
        UsageError: the folder overlaps the dataset or model file, lies below a file, holds
            something that is not a sweep's (with force: not allocator's), holds a sweep and
            neither `resume` nor force is set, or holds a sweep of another experiment.
    """
    force = bool(spec.get("force"))
    if force and resume:
        raise UsageError(
            "--force starts the sweep afresh and --resume continues the one in --out. "
            "Fix: give one of them"
        )
    sources = [("dataset", Path(spec["inputs"]))]
    sources += [("model file", Path(spec["model_file"]))] if spec.get("model_file") else []
    refuse_overlap(folder, sources)
    refuse_file_ancestor(folder)
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise UsageError(f"--out {folder} is not a folder. Fix: choose another --out")
    if folder.exists() and not is_empty_dir(folder):
        _refuse_foreign(folder, force)
    if not force and not resume and (folder / "sweep.csv").exists():
        raise UsageError(
            f"{folder} already holds a sweep. Fix: pass --resume to continue it, --force to "
            "replace it, or choose another --out"
        )
    if resume and now is not None:
        refuse_other_experiment(folder, now, header or [])


def _refuse_foreign(folder: Path, force: bool) -> None:
    """Refuse a folder a sweep may not write into: without `force`, one that is not a sweep's
    (--force is offered only where it would work); with it, one that is not allocator's alone.

    Raises:
        UsageError: why, and the fix that works.
    """
    why = why_not_replaceable(folder, None if force else "sweep")
    if why is None:
        return
    if force:
        raise UsageError(
            f"--out {folder} will not be replaced: {why}, and --force replaces only "
            "allocator's own output folders. Fix: choose another --out"
        )
    replaceable = why_not_replaceable(folder) is None  # another command's run folder
    fix = "pass --force to replace it, or choose another --out" if replaceable else None
    raise UsageError(
        f"--out {folder} will not be written into: {why}. Fix: {fix or 'choose another --out'}"
    )


def clear_for_force(folder: Path) -> None:
    """Remove what an earlier run of allocator left in `folder` (checked by `check_folder`
    under the sweep's lock: allocator's files alone), so the sweep starts afresh in it. A
    subfolder is deleted only when run.json names it (the alternative plans of `allocator
    alternatives`, checked as allocator's): any other is the user's and stays."""
    import shutil

    named = marked_files(folder) or set()
    for entry in list(os.scandir(folder)):
        if not entry.is_dir(follow_symlinks=False):
            os.unlink(entry.path)
        elif entry.name in named:
            shutil.rmtree(entry.path)


def mark_folder(folder: Path, spec: dict[str, Any], record: dict[str, Any] | None = None) -> None:
    """Make the folder and mark it as a sweep's (run.json): it is written into only if a sweep
    made it, and `--force` of another command may replace it. `record` (sweep.json, with the
    fingerprint) is written before the first sample."""
    folder.mkdir(parents=True, exist_ok=True)
    info = {
        "command": "sweep",
        "inputs": recorded_inputs(spec["inputs"]),
        "model_file": spec.get("model_file"),
        MARKER: marker("sweep", SWEEP_FILES),
    }
    write_json(info, folder / "run.json")
    if record is not None:
        write_json(record, folder / "sweep.json")
