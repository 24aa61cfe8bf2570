"""An interrupted command leaves at once with 130, without Python's teardown (where HiGHS
instances still alive called back into a dying interpreter: SIGABRT about once in a hundred
interrupts), unless child processes need Python's exit handlers to stop them."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

CHILD = r"""
import atexit, sys
from pathlib import Path
marker = Path(sys.argv[1])
atexit.register(lambda: marker.write_text("teardown ran"))
if sys.argv[2] == "with-child":
    import multiprocessing, time
    multiprocessing.Process(target=time.sleep, args=(60,), daemon=True).start()
import allocator.pipeline
def interrupted(*args, **kwargs):
    raise KeyboardInterrupt
allocator.pipeline.solve_inputs = interrupted
import allocator.runs.solve
allocator.runs.solve.solve_inputs = interrupted
sys.argv = ["allocator", "solve", "--out", sys.argv[3]]
from allocator.cli.commands import main
main()
"""


def _interrupted(tmp_path, mode):
    marker, out = tmp_path / f"marker-{mode}", tmp_path / f"run-{mode}"
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(marker), mode, str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done, marker, out


def test_an_interrupted_solve_exits_130_without_python_teardown(tmp_path):
    done, marker, out = _interrupted(tmp_path, "alone")
    assert done.returncode == 130, done.stderr
    assert "interrupted: no run folder was written" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()
    assert not marker.exists(), "Python's teardown ran after the interrupt"


def test_with_child_processes_the_exit_handlers_still_stop_them(tmp_path):
    done, marker, out = _interrupted(tmp_path, "with-child")
    assert done.returncode == 130, done.stderr
    assert "interrupted: no run folder was written" in done.stderr
    assert marker.read_text() == "teardown ran"  # multiprocessing's handler stopped the child
    assert not out.exists()


SERIAL_WORKBOOK = r"""
import sys
import allocator.report.book as book
def interrupted(*args, **kwargs):
    raise KeyboardInterrupt  # the sheets are written, the workbook not yet closed
book.charts = interrupted
sys.argv = ["allocator", "solve", "--out", sys.argv[1]]
from allocator.cli.commands import main
main()
"""


def test_a_workbook_interrupted_in_series_leaves_no_temp_file(tmp_path):
    """xlsxwriter's constant-memory temp files go in the run's temp folder, removed with it, not
    in the system's temp folder (where an interrupted run used to leave them)."""
    import os

    system_tmp, out = tmp_path / "system-tmp", tmp_path / "run"
    system_tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(system_tmp), "ALLOCATOR_SERIAL_WRITE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", SERIAL_WORKBOOK, str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 130, done.stderr
    assert not out.exists()
    assert sorted(p.name for p in system_tmp.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".allocator-")] == []
