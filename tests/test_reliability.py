"""Atomic runs, reproducibility, re-checking a run, and numerics warnings."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from allocator.report import write as outputs
from allocator.runs.solve import solve as run_solve
from allocator.runs.spec import RunSpec
from conftest import DATA, ROOT, RUN_TABLES, digest
from conftest import run_cli as cli

FILES = {*RUN_TABLES, "workbook.xlsx", "run.json"}


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def _broken_writer(*_args, **_kwargs):
    raise KeyboardInterrupt("Ctrl-C while writing the workbook")


def test_interrupted_write_leaves_no_folder_and_no_temp(tmp_path, monkeypatch):
    monkeypatch.setattr(outputs, "write_workbook", _broken_writer)
    target = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        run_solve(RunSpec(inputs=DATA / "greedy", out=target))
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_force_replaces_only_after_the_new_run_is_complete(tmp_path, monkeypatch):
    target = tmp_path / "run"
    run_solve(RunSpec(inputs=DATA / "greedy", out=target))
    before = digest(target)
    monkeypatch.setattr(outputs, "write_workbook", _broken_writer)
    with pytest.raises(KeyboardInterrupt):
        run_solve(RunSpec(inputs=DATA / "ramp", out=target, force=True))
    assert digest(target) == before, "the old run is untouched when the new one fails"
    assert leftovers(tmp_path) == []


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signals_at_any_moment_leave_a_complete_run_or_none(tmp_path, sig):
    """Interrupt real runs at spread-out moments: each ends with the whole folder or nothing."""
    command = [sys.executable, "-m", "allocator.cli", "solve", "--plots", "--out"]
    start = time.perf_counter()  # moments spread over a whole run, however fast this machine is
    subprocess.run([*command, str(tmp_path / "timed")], cwd=ROOT, capture_output=True, check=True)
    whole = time.perf_counter() - start
    shutil.rmtree(tmp_path / "timed")
    outcomes = set()
    for k, share in enumerate((0.2, 0.35, 0.5, 0.65, 0.8, 0.95, 1.1)):
        target = tmp_path / f"run{k}"
        proc = subprocess.Popen(
            [*command, str(target)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONFAULTHANDLER": "1"},  # a fatal error says where it was
        )
        time.sleep(share * whole)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
        assert "Traceback" not in err
        if target.exists():
            assert {p.name for p in target.iterdir()} >= FILES, "a run folder is always whole"
            outcomes.add("complete")
        else:
            # 130 from our handler; death by the signal itself only if it landed while Python
            # was still starting, before any of allocator's code ran
            assert proc.returncode in (130, -signal.SIGINT, -sig), (share, err[-3000:])
            outcomes.add("none")
        assert leftovers(tmp_path) == []
    assert "none" in outcomes, "at least one interruption landed before the rename"


def test_output_folder_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "run"
    target.write_text("not a folder")
    res = cli("solve", "--inputs", DATA / "greedy", "--out", target)
    assert res.returncode == 2
    assert "is a file, not a folder" in res.stderr
    assert target.read_text() == "not a folder"


def test_two_runs_give_byte_identical_tables(tmp_path, baseline_run):
    assert cli("solve", "--out", tmp_path / "b").returncode == 0  # the bundled dataset
    a, b = digest(baseline_run), digest(tmp_path / "b")  # this session's first baseline run
    csvs = [n for n in a if n.endswith(".csv")]
    assert sorted(csvs) == sorted([*RUN_TABLES, "shares.csv"])  # the baseline has shares.csv
    assert {n: a[n] for n in csvs} == {n: b[n] for n in csvs}


def test_check_against_reports_identical_then_every_difference(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA / "greedy", data)
    run = tmp_path / "run"
    assert cli("solve", "--inputs", data, "--out", run).returncode == 0
    same = cli("solve", "--check-against", run)
    assert same.returncode == 0, same.stderr
    assert "identical" in same.stdout
    pools = data / "pools.csv"
    pools.write_text(pools.read_text().replace("public,p1,120", "public,p1,110"))
    changed = cli("solve", "--check-against", run)
    assert changed.returncode == 1
    assert "input pools.csv changed" in changed.stderr
    assert "allocation.csv: differs" in changed.stderr
    assert "shadow_prices.csv" in changed.stderr


def test_numerics_warning_names_the_rows_before_solving(tmp_path, baseline_solve):
    data = tmp_path / "data"
    shutil.copytree(DATA / "greedy", data)
    programs = data / "programs.csv"
    programs.write_text(
        programs.read_text().replace("60,0,10", "60,0,1e-7").replace("100,0,6", "100,0,6e5")
    )
    res = cli("solve", "--inputs", data, "--out", tmp_path / "r")
    assert res.returncode == 0
    assert "warning: jobs objective coefficients span 1e-07" in res.stderr
    assert "invest(a,public,2025)" in res.stderr
    assert "invest(b,public,2025)" in res.stderr
    baseline = baseline_solve[1]  # `solve --inputs BASELINE`
    assert "warning" not in baseline.stderr


def test_an_error_raised_because_a_signal_landed_in_it_counts_as_an_interrupt():
    """Ctrl-C or SIGTERM inside a compiled module's initialisation surfaces as an ImportError or
    SystemError caused by the KeyboardInterrupt: still an interrupt (exit 130), not a crash."""
    from allocator.cli.interrupts import caused_by_interrupt

    def failing_import():
        try:
            raise KeyboardInterrupt("signal 15")
        except KeyboardInterrupt as exc:
            raise SystemError("initialization of _core failed") from exc

    with pytest.raises(SystemError) as caught:
        failing_import()
    assert caused_by_interrupt(caught.value)
    assert not caused_by_interrupt(ValueError("a real error"))


def test_an_interrupt_inside_a_weakref_callback_is_delivered_not_printed():
    """A signal whose KeyboardInterrupt lands in a weakref callback is "unraisable": Python
    printed "Exception ignored ... Traceback" and ran on. The hook delivers it to the main
    thread instead, where the run unwinds (no traceback, exit 130)."""
    import types

    from allocator.cli.interrupts import unraisable

    args = types.SimpleNamespace(exc_value=KeyboardInterrupt("signal 15"), exc_type=None)

    def deliver() -> None:
        unraisable(args)  # returns: the interrupt is never raised inside the hook itself
        for _ in range(2000):  # raised in the main thread a moment later
            time.sleep(0.001)

    with pytest.raises(KeyboardInterrupt):
        deliver()
