"""The workbook written in a forked child while the CSVs, extra files and report.html are written
(`allocator.report.parallel`): the same folder byte for byte, the same messages, the same errors,
nothing left behind, no child left running.

pytest-xdist's workers run a thread of their own, so `fork_wanted` would say no there: the tests
of the forked path force it (`forked`) and check that a child, not this process, wrote the book.
"""

from __future__ import annotations

import atexit
import errno
import json
import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from allocator.report import parallel
from allocator.report import write as outputs
from conftest import BASELINE, digest, run_cli

BIG = 20_001  # rows: over book.SHEET_ROW_LIMIT, so the sheet is a summary and the terminal says so


@pytest.fixture
def forked(monkeypatch, tmp_path_factory):
    """Force the forked path; returns `ran_in()`: the pids the workbook writer ran in since."""
    force_fork(monkeypatch)
    return spy(monkeypatch, tmp_path_factory.mktemp("pids") / "pids")


def force_fork(monkeypatch) -> None:
    monkeypatch.setattr(parallel, "_only_thread", lambda: True)
    monkeypatch.delenv(parallel.SERIAL_ENV, raising=False)
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 2)


def spy(monkeypatch, pids: Path, before=None):
    """Wrap write_workbook: it records the pid it ran in (in a file: the child's memory is its
    own), runs `before` there, then writes as usual."""
    real = outputs.write_workbook

    def wrapped(*args, **kwargs):
        with open(pids, "a", encoding="ascii") as f:
            f.write(f"{os.getpid()}\n")
        if before is not None:
            before()
        return real(*args, **kwargs)

    monkeypatch.setattr(outputs, "write_workbook", wrapped)

    def ran_in() -> list[int]:
        try:
            return [int(p) for p in pids.read_text(encoding="ascii").split()]
        except FileNotFoundError:
            return []
        finally:
            pids.unlink(missing_ok=True)

    return ran_in


def tables() -> dict[str, pd.DataFrame]:
    """A table long enough to be summarized in the workbook, and a small one."""
    big = pd.DataFrame({"family": np.repeat(["a", "b"], [BIG - 7, 7]), "value": np.arange(BIG) / 4})
    return {"big": big, "small": big.head(5)}


def write(folder: Path, **kwargs) -> Path:
    folder.mkdir()
    outputs.write_run(folder, tables(), {"timings_s": {}}, command="core", **kwargs)
    return folder


def without_timings(folder: Path) -> dict[str, str]:
    """The folder's digests, run.json's without its timings (the only bytes that may differ)."""
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    info.pop("timings_s", None)
    return {**digest(folder), "run.json": json.dumps(info, sort_keys=True)}


def test_a_solve_written_beside_a_child_is_the_serial_folder_byte_for_byte(
    tmp_path, forked, monkeypatch
):
    out = tmp_path / "run"  # both runs at the same path: run.json records it
    monkeypatch.setenv(parallel.SERIAL_ENV, "1")
    serial = run_cli("solve", "--inputs", BASELINE, "--out", out)
    assert serial.exit_code == 0, serial.stderr
    assert forked() == [os.getpid()], "ALLOCATOR_SERIAL_WRITE=1 writes in this process"
    out.rename(tmp_path / "serial")
    monkeypatch.delenv(parallel.SERIAL_ENV)
    res = run_cli("solve", "--inputs", BASELINE, "--out", out)
    assert res.exit_code == 0, res.stderr
    ran = forked()
    assert len(ran) == 1
    assert ran[0] != os.getpid(), "a child wrote the workbook"
    assert without_timings(out) == without_timings(tmp_path / "serial")
    assert res.stdout == serial.stdout
    assert res.stderr == serial.stderr
