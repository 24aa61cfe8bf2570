"""The overlap (solver/overlap.py): work that needs only the compiled LP (the tables' label
columns, the imports a run makes after the solve) done in a thread while HiGHS solves the main
pass. The tables are the same with it and without it; the work really is done off the main thread
on a problem the rule says is large enough; a failure in the thread surfaces as the serial path's.
"""

from __future__ import annotations

import signal
import sys
import threading
import traceback
from pathlib import Path

import highspy
import pandas as pd
import pytest

from allocator.data.inputs import load_inputs
from allocator.model.measures import FINAL
from allocator.solver import overlap
from allocator.solver import results as solver_results
from allocator.solver.compile import build_lp
from allocator.solver.results import solve_lp
from conftest import BASELINE, DATA, ROOT


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    """A bench/generate.py dataset a little over the rule's size (`overlap.MIN_NONZEROS`)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    folder = tmp_path_factory.mktemp("overlap") / "large"
    # 250 programs, 6 pools, 12 years, 8 sectors, 3 risks: 161,045 nonzeros (targets off)
    generate(folder, 250, 6, 12, 8, 3, targets=5, seed=1)
    return folder


def _solve(folder: Path, targets: str = "off"):
    """`solve_lp` on a fresh build of `folder` (jobs, the final measure): (lp, solution)."""
    lp, _ = build_lp(load_inputs(folder), targets, None, FINAL)
    return lp, solve_lp(lp, "jobs")


class _Labels:
    """`results._labels` wrapped: the name of the thread each call ran in, in order; with
    `fail_off_main`, a call off the main thread raises."""

    def __init__(self, fail_off_main: bool = False, fail_always: bool = False) -> None:
        self.threads: list[str] = []
        self.fail_off_main, self.fail_always = fail_off_main, fail_always
        self.real = solver_results._labels

    def __call__(self, *args, **kwargs):
        here = threading.current_thread()
        self.threads.append(here.name)
        if self.fail_always or (self.fail_off_main and here is not threading.main_thread()):
            raise RuntimeError("labels failed")
        return self.real(*args, **kwargs)


def _same(a, b) -> None:
    """Two solutions' tables and totals are identical, value for value and dtype for dtype."""
    pd.testing.assert_frame_equal(a.columns, b.columns, check_exact=True)
    pd.testing.assert_frame_equal(a.rows, b.rows, check_exact=True)
    assert a.totals == b.totals
    assert a.objective_value == b.objective_value


def test_the_large_dataset_is_over_the_rule(large):
    lp, _ = build_lp(load_inputs(large), "off", None, FINAL)
    assert overlap.MIN_NONZEROS <= lp.matrix.nnz <= 2 * overlap.MIN_NONZEROS
    assert overlap.worth(lp)


def test_the_baseline_is_under_the_rule():
    """A main solve of a few ms: no thread, nothing to gain (notes/ovl.md's measurements)."""
    lp, _ = build_lp(load_inputs(BASELINE), "soft", None, FINAL)
    assert not overlap.worth(lp)


def test_tables_are_identical_with_and_without_the_overlap(large, monkeypatch):
    labels = _Labels()
    monkeypatch.setattr(solver_results, "_labels", labels)
    monkeypatch.setattr(overlap, "ENABLED", False)
    _, serial = _solve(large)
    assert labels.threads == ["MainThread", "MainThread"]  # the switch turns the thread off
    labels.threads.clear()
    monkeypatch.setattr(overlap, "ENABLED", True)
    _, overlapped = _solve(large)
    assert "MainThread" not in labels.threads
    _same(serial, overlapped)


def test_the_labels_are_built_off_the_main_thread_during_the_solve(large, monkeypatch):
    """Columns' and rows' labels both built by the overlap's thread, which is already running
    when HiGHS's first run() starts (started just before it, never after the solve)."""
    labels = _Labels()
    monkeypatch.setattr(solver_results, "_labels", labels)
    alive_at_run: list[bool] = []
    run = highspy.Highs.run

    def watched(self, *args, **kwargs):
        if not alive_at_run:
            alive_at_run.append(any(t.name == overlap.THREAD for t in threading.enumerate()))
        return run(self, *args, **kwargs)

    monkeypatch.setattr(highspy.Highs, "run", watched)
    _solve(large, "soft")
    assert labels.threads == [overlap.THREAD, overlap.THREAD]
    assert alive_at_run == [True]
    assert not [t for t in threading.enumerate() if t.name == overlap.THREAD], "joined"


def test_a_small_problem_starts_no_thread(monkeypatch):
    labels = _Labels()
    monkeypatch.setattr(solver_results, "_labels", labels)
    _solve(DATA / "greedy", "soft")
    assert labels.threads == ["MainThread", "MainThread"]


def test_a_failure_in_the_thread_is_recomputed_in_the_main_thread(monkeypatch):
    """The thread's labels raise: the main thread computes them itself, same tables."""
    monkeypatch.setattr(overlap, "MIN_NONZEROS", 0)  # the mechanism on a small problem
    _, reference = _solve(DATA / "ties", "soft")
    labels = _Labels(fail_off_main=True)
    monkeypatch.setattr(solver_results, "_labels", labels)
    _, recomputed = _solve(DATA / "ties", "soft")
    assert labels.threads == [overlap.THREAD, overlap.THREAD, "MainThread", "MainThread"]
    _same(reference, recomputed)


def test_a_failure_the_serial_path_has_too_surfaces_from_the_solve(monkeypatch):
    """A failure that is not the thread's own is raised, as without the overlap: never lost."""
    monkeypatch.setattr(overlap, "MIN_NONZEROS", 0)
    labels = _Labels(fail_always=True)
    monkeypatch.setattr(solver_results, "_labels", labels)
    with pytest.raises(RuntimeError, match="labels failed"):
        _solve(DATA / "ties", "soft")
    assert labels.threads[:2] == [overlap.THREAD, overlap.THREAD]
    assert labels.threads[2] == "MainThread"


def test_an_error_in_the_solve_stops_and_joins_the_thread(monkeypatch):
    """An infeasible plan raises its own error, after the thread has been joined."""
    from allocator.errors import InfeasibleError

    monkeypatch.setattr(overlap, "MIN_NONZEROS", 0)
    with pytest.raises(InfeasibleError):
        _solve(DATA / "infeasible", "hard")
    assert not [t for t in threading.enumerate() if t.name == overlap.THREAD]


def test_modules_asked_for_after_the_solve_are_imported_by_the_thread(tmp_path, monkeypatch):
    """`importing_after`: a module the caller imports once the plan is solved (the run folder's
    writers) is imported in the overlap's thread; one that fails to import is left to the
    caller's own import, which raises as it would have."""
    (tmp_path / "ovl_probe.py").write_text(
        "import threading\nTHREAD = threading.current_thread().name\n", encoding="utf-8"
    )
    (tmp_path / "ovl_broken.py").write_text("raise ImportError('broken probe')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(overlap, "MIN_NONZEROS", 0)
    with overlap.importing_after(("ovl_probe", "ovl_broken")):
        _solve(DATA / "greedy", "soft")
    try:
        assert sys.modules["ovl_probe"].THREAD == overlap.THREAD
        assert "ovl_broken" not in sys.modules
        with pytest.raises(ImportError, match="broken probe"):
            __import__("ovl_broken")
    finally:
        sys.modules.pop("ovl_probe", None)


def test_signals_are_blocked_in_the_thread(monkeypatch):
    """SIGINT and SIGTERM always land in the main thread (where Python raises them), also while
    the run folder is written with them held there (`report/write.py` `_signals_held`)."""
    monkeypatch.setattr(overlap, "MIN_NONZEROS", 0)
    masks: list[set[int]] = []
    real = solver_results._labels

    def labels(*args, **kwargs):
        masks.append(set(signal.pthread_sigmask(signal.SIG_BLOCK, [])))
        return real(*args, **kwargs)

    monkeypatch.setattr(solver_results, "_labels", labels)
    _solve(DATA / "greedy", "soft")
    assert len(masks) == 2, "columns' and rows' labels, both in the thread"
    assert all({signal.SIGINT, signal.SIGTERM} <= mask for mask in masks)
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])


def test_ctrl_c_during_the_main_solve_stops_and_joins_the_thread(monkeypatch):
    """Ctrl-C while HiGHS solves the objective's pass: KeyboardInterrupt from the solve, as
    without the overlap, and no thread left running."""
    monkeypatch.setattr(overlap, "MIN_NONZEROS", 0)
    run, calls = highspy.Highs.run, []

    def interrupted(self, *args, **kwargs):
        calls.append(threading.current_thread().name)
        names = [f.name for f in traceback.extract_stack()]
        if "optimal_pass" in names and "optimum" in names:  # the objective's pass
            signal.raise_signal(signal.SIGINT)
        return run(self, *args, **kwargs)

    monkeypatch.setattr(highspy.Highs, "run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _solve(DATA / "greedy", "soft")
    assert calls == ["MainThread"]  # greedy has no targets: no least-shortfall pass first
    assert not [t for t in threading.enumerate() if t.name == overlap.THREAD]


def test_ctrl_c_during_a_rates_re_solve_runs_no_restoring_solve(monkeypatch):
    """Ctrl-C while a listed rate is re-solved: KeyboardInterrupt at once, with no further
    HiGHS run to restore the instance (it was one more solve while the user stopped the run)."""
    run, calls = highspy.Highs.run, []

    def interrupted(self, *args, **kwargs):
        names = [f.name for f in traceback.extract_stack()]
        calls.append("listed_rates" in names)
        if calls.count(True) == 10 and calls[-1]:  # a re-solve after some rates were found
            signal.raise_signal(signal.SIGINT)
        return run(self, *args, **kwargs)

    monkeypatch.setattr(highspy.Highs, "run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _solve(BASELINE, "soft")
    assert calls.count(True) == 10, calls
