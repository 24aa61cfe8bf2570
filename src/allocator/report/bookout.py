"""Write a dataset's workbook (`allocator export-inputs`) as one file, atomically: written beside
the target under a hidden name and renamed into place, so an error leaves nothing behind. An
existing file is replaced only with `--force`, and only if allocator wrote it (its `written_by`
document property, `data.bookwriter.written_by_allocator`): never a workbook of the user's.
"""

from __future__ import annotations

from pathlib import Path

from allocator.data.bookwriter import saved_since, write_inputs_workbook, written_by_allocator
from allocator.data.schema import Inputs
from allocator.errors import UsageError
from allocator.report.faults import output_faults
from allocator.report.folders import refuse_file_ancestor, refuse_overlap
from allocator.report.placing import atomic_file, undo_new_parents

LABEL = "OUT_FILE"


def export_workbook(inp: Inputs, path: Path, force: bool = False) -> Path:
    """Write `inp` to the workbook `path`; an existing file is replaced only with `force`, and
    only if it is a workbook allocator wrote (never a folder, a link or the user's own file)."""
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"{path} does not end in .xlsx. Fix: name the workbook e.g. plan.xlsx")
    with output_faults(path, LABEL):  # a path past the system's limit: one line, too
        refuse_overlap(path, [("dataset", Path(inp.folder))], LABEL)  # never into the dataset
        refuse_file_ancestor(path, LABEL)
        refuse_special(path)
        check_replaceable(path, force)
    with output_faults(path, LABEL), undo_new_parents(path):  # a failure leaves no folder
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path) as tmp:
            write_inputs_workbook(inp, tmp)
            check_replaceable(path, force)  # again: the file may have appeared meanwhile
    return path


def refuse_special(path: Path) -> None:
    """Refuse a folder, a link, or a FIFO, device or socket (a FIFO would be waited on for ever
    when read to tell whose workbook it is) as the workbook to write."""
    if path.is_dir() or path.is_symlink():
        raise UsageError(f"{path} is a folder or a link. Fix: choose another file name")
    if path.exists() and not path.is_file():
        raise UsageError(
            f"{path} is not a regular file (a FIFO, a device or a socket). "
            "Fix: choose another file name"
        )


def check_replaceable(path: Path, force: bool) -> None:
    """Refuse an existing `path` unless `force` and allocator wrote it (unchanged since); --force
    is offered as the fix only where it would work.

    Raises:
        UsageError: one line saying why and what to do.
    """
    if not path.exists():
        return
    why = why_not_ours(path)
    if why is not None and force:
        raise UsageError(
            f"{path} will not be replaced: {why}, and --force replaces only allocator's own "
            "outputs. Fix: choose another file name"
        )
    if why is not None:
        raise UsageError(f"{path} already exists and {why}. Fix: choose another file name")
    if not force:
        raise UsageError(f"{path} already exists. Fix: pass --force to replace it")


def why_not_ours(path: Path) -> str | None:
    """Why the workbook `path` is the user's, or None if allocator wrote it and it is unchanged
    since (`--force` may replace it)."""
    if not written_by_allocator(path):
        return "it is not a workbook allocator wrote (no written_by document property saying so)"
    saved = saved_since(path)
    if saved is not None:
        return (
            f"it was saved since allocator wrote it (modified {saved}), so it may hold your edits"
        )
    return None
