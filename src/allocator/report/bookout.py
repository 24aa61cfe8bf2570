"""Write a dataset's workbook (`allocator export-inputs`) as one file, atomically: written beside
the target under a hidden name and renamed into place, so an error leaves nothing behind."""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

from allocator.data.bookwriter import write_inputs_workbook
from allocator.data.schema import Inputs
from allocator.errors import UsageError
from allocator.report.folders import output_faults, refuse_file_ancestor


def export_workbook(inp: Inputs, path: Path, force: bool = False) -> Path:
    """Write `inp` to the workbook `path`; an existing file is replaced only with `force`, and
    only if it is a workbook (never a folder or another kind of file)."""
    label = "OUT_FILE"
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"{path} does not end in .xlsx. Fix: name the workbook e.g. plan.xlsx")
    if Path(inp.folder).resolve() == path.resolve():
        raise UsageError(f"{path} is the dataset being read. Fix: write to another file")
    refuse_file_ancestor(path, label)
    if path.is_dir() or path.is_symlink():
        raise UsageError(f"{path} is a folder or a link. Fix: choose another file name")
    if path.exists():
        if not force:
            raise UsageError(f"{path} already exists. Fix: pass --force to replace it")
        if not zipfile.is_zipfile(path):
            raise UsageError(f"{path} is not a workbook and will not be replaced. Fix: choose "
                             "another file name")  # fmt: skip
    with output_faults(path, label):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            write_inputs_workbook(inp, Path(tmp))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return path
