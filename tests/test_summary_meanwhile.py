"""`allocator solve` renders its terminal summary while the workbook's process still writes
(issue 30, budget e: the parent otherwise waits idle), and prints it once the folder is written:
the same bytes as rendering it after, in a child or in series; an error while rendering fails
nothing the serial order would not."""

from __future__ import annotations

from pathlib import Path

import pytest

import allocator.cli.commands as commands
from allocator.errors import UsageError
from allocator.report import parallel
from allocator.runs.solve import solve
from conftest import BASELINE, run_cli

pytestmark = pytest.mark.filterwarnings(  # Python 3.12+ warns on a fork beside xdist's thread
    "ignore:This process .* is multi-threaded:DeprecationWarning"
)


def _forked(monkeypatch) -> None:
    monkeypatch.setattr(parallel, "_only_thread", lambda: True)
    monkeypatch.delenv(parallel.SERIAL_ENV, raising=False)
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 2)


def _spy(monkeypatch, out: Path) -> list[tuple[bool, bool]]:
    """Wrap the summary's rendering: each call records (the run folder exists yet, the
    run has its folder yet)."""
    seen: list[tuple[bool, bool]] = []
    real = commands.run_summary_text

    def spied(run):
        seen.append((out.exists(), run.folder is not None))
        return real(run)

    monkeypatch.setattr(commands, "run_summary_text", spied)
    return seen


def test_the_summary_is_rendered_before_the_folder_is_written_and_printed_as_after(
    tmp_path, monkeypatch
):
    _forked(monkeypatch)
    seen = _spy(monkeypatch, tmp_path / "run")
    early = run_cli("solve", "--inputs", BASELINE, "--out", tmp_path / "run")
    assert early.exit_code == 0, early.stderr
    assert seen == [(False, False)], "rendered once, before the folder was in place"

    def broken(run):
        raise RuntimeError("not rendered early")

    monkeypatch.setattr(commands, "run_summary_text", broken)  # rendered after, as before
    late = run_cli("solve", "--inputs", BASELINE, "--out", tmp_path / "run", "--force")
    assert late.exit_code == 0, late.stderr
    assert early.stdout == late.stdout
    assert early.stdout.count("Optimal") == 1
    assert "Wrote " in early.stdout.splitlines()[-1]
    assert "545,334 direct jobs in 2040" in early.stdout.splitlines()[0]


def test_in_series_it_is_rendered_after_the_workbook_and_prints_the_same(tmp_path, monkeypatch):
    monkeypatch.setenv(parallel.SERIAL_ENV, "1")
    seen = _spy(monkeypatch, tmp_path / "run")
    serial = run_cli("solve", "--inputs", BASELINE, "--out", tmp_path / "run")
    assert serial.exit_code == 0, serial.stderr
    assert seen == [(False, False)]
    _forked(monkeypatch)
    forked = run_cli("solve", "--inputs", BASELINE, "--out", tmp_path / "run", "--force")
    assert forked.stdout == serial.stdout


def test_json_renders_no_summary(tmp_path, monkeypatch):
    seen = _spy(monkeypatch, tmp_path / "run")
    res = run_cli("solve", "--inputs", BASELINE, "--out", tmp_path / "run", "--json")
    assert res.exit_code == 0
    assert seen == []
    assert res.stdout.lstrip().startswith("{")


@pytest.mark.parametrize("serial", [False, True])
def test_an_error_of_meanwhile_fails_the_run_and_leaves_no_folder(tmp_path, monkeypatch, serial):
    if serial:
        monkeypatch.setenv(parallel.SERIAL_ENV, "1")
    else:
        _forked(monkeypatch)
    called = []

    def meanwhile(run):
        called.append(run.solution.objective_value)
        raise UsageError("cannot render. Fix: none")

    with pytest.raises(UsageError, match="cannot render"):
        solve(inputs=BASELINE, out=tmp_path / "run", meanwhile=meanwhile)
    assert called
    assert round(called[0]) == 545_334
    assert not (tmp_path / "run").exists()
    assert list(tmp_path.iterdir()) == []
