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

pytestmark = pytest.mark.filterwarnings(  # Python 3.12+ warns on a fork beside xdist's thread
    "ignore:This process .* is multi-threaded:DeprecationWarning"
)
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


def test_the_summary_note_is_said_once_by_this_process_as_in_series(tmp_path, forked, capfd):
    """The child prints nothing (capfd sees its descriptors too); this process says the note."""
    monkeypatch_serial = pytest.MonkeyPatch()
    with monkeypatch_serial.context() as m:
        m.setenv(parallel.SERIAL_ENV, "1")
        write(tmp_path / "serial")
    said_serial = capfd.readouterr()
    assert forked() == [os.getpid()]
    write(tmp_path / "parallel")
    said = capfd.readouterr()
    assert os.getpid() not in forked()
    assert said.err.count("note: workbook.xlsx: big have over 20,000 rows") == 1
    assert said == said_serial
    assert without_timings(tmp_path / "parallel") == without_timings(tmp_path / "serial")


def test_what_the_child_would_print_is_printed_once_by_this_process(tmp_path, monkeypatch, capfd):
    force_fork(monkeypatch)
    ran_in = spy(monkeypatch, tmp_path / "pids", before=lambda: print("from the writer"))
    write(tmp_path / "run")
    assert os.getpid() not in ran_in()
    assert capfd.readouterr().out == "from the writer\n"


def test_the_child_ignores_ctrl_c_the_parent_decides(tmp_path, monkeypatch):
    """A terminal's Ctrl-C reaches the child too; it writes on (this process was not
    interrupted here, so the run completes)."""
    force_fork(monkeypatch)
    ran_in = spy(monkeypatch, tmp_path / "pids", before=lambda: os.kill(os.getpid(), signal.SIGINT))
    write(tmp_path / "run")
    assert os.getpid() not in ran_in()
    assert (tmp_path / "run" / "workbook.xlsx").stat().st_size > 0


def test_the_child_runs_no_atexit_handler_and_flushes_none_of_our_buffers(tmp_path, forked):
    ran = tmp_path / "atexit-ran"
    buffered = open(tmp_path / "buffered", "w", encoding="utf-8")  # noqa: SIM115
    buffered.write("written once")  # in this process's buffer, not yet on disk

    def handler() -> None:
        ran.write_text("the child ran this process's atexit handler")

    atexit.register(handler)
    try:
        write(tmp_path / "run")
    finally:
        atexit.unregister(handler)
    assert os.getpid() not in forked()
    assert not ran.exists()
    buffered.close()
    assert (tmp_path / "buffered").read_text(encoding="utf-8") == "written once"


def _disk_full(parent: int):
    def fail() -> None:
        if os.getpid() != parent:  # only in the child: this process must not be the one
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "workbook.xlsx")

    return fail


def _full_disk() -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "workbook.xlsx")


def test_a_full_disk_in_the_child_is_the_serial_one_line_error_and_leaves_nothing(
    tmp_path, monkeypatch
):
    force_fork(monkeypatch)
    ran_in = spy(monkeypatch, tmp_path / "pids", before=_full_disk)
    parent = tmp_path / "out"
    parent.mkdir()
    res = run_cli("solve", "--inputs", BASELINE, "--out", parent / "run")
    assert os.getpid() not in ran_in(), "the child met the full disk"
    assert res.exit_code == 2, res.stderr
    assert "Traceback" not in res.stderr
    assert res.stderr.startswith("error: cannot write --out")
    assert "the disk is full (Errno 28)" in res.stderr
    assert list(parent.iterdir()) == [], "no run folder, no temp folder"
    monkeypatch.setenv(parallel.SERIAL_ENV, "1")
    serial = run_cli("solve", "--inputs", BASELINE, "--out", parent / "run")
    assert ran_in() == [os.getpid()]
    assert (serial.exit_code, serial.stdout, serial.stderr) == (2, res.stdout, res.stderr)


def test_a_child_killed_by_a_signal_is_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    force_fork(monkeypatch)
    parent = os.getpid()

    def die() -> None:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)

    spy(monkeypatch, tmp_path / "pids", before=die)
    (tmp_path / "out").mkdir()
    res = run_cli("solve", "--inputs", BASELINE, "--out", tmp_path / "out" / "run")
    assert res.exit_code == 2, res.stderr
    assert "ended before it finished (killed by SIGKILL" in res.stderr
    assert f"{parallel.SERIAL_ENV}=1" in res.stderr
    assert list((tmp_path / "out").iterdir()) == []


def test_the_childs_error_comes_first_as_in_series_when_the_report_fails_too(tmp_path, monkeypatch):
    """In series the workbook is written before report.html: its error is the one raised."""
    force_fork(monkeypatch)
    spy(monkeypatch, tmp_path / "pids", before=_disk_full(os.getpid()))

    def broken_report(*_args, **_kwargs):
        raise ValueError("report")

    monkeypatch.setattr("allocator.report.html.write_report", broken_report)
    with pytest.raises(OSError, match="No space left") as caught:
        write(tmp_path / "run")
    assert caught.value.errno == errno.ENOSPC


def test_an_error_of_the_report_after_a_good_workbook_says_the_note_first(
    tmp_path, forked, monkeypatch, capfd
):
    def broken_report(*_args, **_kwargs):
        raise ValueError("report")

    monkeypatch.setattr("allocator.report.html.write_report", broken_report)
    with pytest.raises(ValueError, match="report"):
        write(tmp_path / "run")
    assert os.getpid() not in forked()
    assert capfd.readouterr().err.count("big have over 20,000 rows") == 1


def test_an_interrupt_of_this_process_kills_and_reaps_the_child(tmp_path, monkeypatch):
    """The child ignores Ctrl-C (the terminal sends it to both): it goes on until this process,
    interrupted while writing report.html, kills it; no child is left, running or a zombie."""
    force_fork(monkeypatch)
    started = tmp_path / "child-started"

    def stall() -> None:
        os.kill(os.getpid(), signal.SIGINT)  # ignored by the child
        started.write_text(str(os.getpid()))
        time.sleep(120)

    spy(monkeypatch, tmp_path / "pids", before=stall)

    def interrupted_report(*_args, **_kwargs):
        for _ in range(3000):  # up to 30 s for the child to start
            if started.exists() and started.read_text():
                break
            time.sleep(0.01)
        raise KeyboardInterrupt

    monkeypatch.setattr("allocator.report.html.write_report", interrupted_report)
    with pytest.raises(KeyboardInterrupt):
        write(tmp_path / "run")
    child = int(started.read_text())
    with pytest.raises(ChildProcessError):  # reaped: no longer this process's child
        os.waitpid(child, os.WNOHANG)
    with pytest.raises(ProcessLookupError):  # and gone
        os.kill(child, 0)


def test_fork_is_wanted_only_alone_in_the_main_thread_with_two_cpus(monkeypatch):
    monkeypatch.delenv(parallel.SERIAL_ENV, raising=False)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 2)
    assert parallel.fork_wanted()
    monkeypatch.setattr(threading, "active_count", lambda: 2)  # serve, a Dask worker
    assert not parallel.fork_wanted()
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 1)
    assert not parallel.fork_wanted()
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 2)
    monkeypatch.setenv(parallel.SERIAL_ENV, "1")
    assert not parallel.fork_wanted()
    monkeypatch.setenv(parallel.SERIAL_ENV, "0")
    assert parallel.fork_wanted()
    monkeypatch.delattr(os, "fork")
    assert not parallel.fork_wanted()


def test_from_another_thread_the_workbook_is_written_in_this_process(tmp_path, monkeypatch):
    monkeypatch.delenv(parallel.SERIAL_ENV, raising=False)
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 2)
    ran_in = spy(monkeypatch, tmp_path / "pids")
    failed = []

    def run() -> None:
        try:
            write(tmp_path / "run")
        except BaseException as exc:  # noqa: BLE001 - seen by the test below
            failed.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(120)
    assert failed == []
    assert ran_in() == [os.getpid()]


def test_usable_cpus_reads_the_affinity(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {3}, raising=False)
    assert parallel.usable_cpus() == 1
