"""Ranging beside the face's tie LP (solver/beside.py, issue 30): on a large LP solved for
`allocator solve` (the plan's instance let go), HiGHS's ranging runs in a thread while the main
thread is inside the tie LP's run(), and the solution is the one the serial path computes, value
for value. `Beside` itself: a job let go by the next run(), or run where no run() came.
"""

from __future__ import annotations

import shutil
import sys
import threading
from pathlib import Path

import highspy
import numpy as np
import pandas as pd
import pytest

from allocator.data.inputs import load_inputs
from allocator.model.measures import FINAL
from allocator.solver import beside, overlap
from allocator.solver.beside import Beside
from allocator.solver.compile import build_lp
from allocator.solver.highs import new_highs
from allocator.solver.results import solve_lp
from conftest import ROOT


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    """A bench/generate.py dataset a little over `overlap.MIN_NONZEROS` (as test_overlap's)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    folder = tmp_path_factory.mktemp("beside") / "large"
    generate(folder, 250, 6, 12, 8, 3, targets=5, seed=1)
    return folder


@pytest.fixture(scope="module")
def short(large, tmp_path_factory) -> Path:
    """`large` with its targets 50 times higher: soft targets fall short, so the price of the
    targets is taken (after the thread) and the listed rates re-solve both passes (in it)."""
    folder = tmp_path_factory.mktemp("beside") / "short"
    shutil.copytree(large, folder)
    targets = pd.read_csv(folder / "targets.csv")
    targets["value"] *= 50
    targets.to_csv(folder / "targets.csv", index=False)
    return folder


def _solve(folder: Path, targets: str):
    """`solve_lp` as `allocator solve` calls it (the plan's instance let go after ranging)."""
    lp, _ = build_lp(load_inputs(folder), targets, None, FINAL)
    return solve_lp(lp, "jobs", keep_solver=False)


class _Watch:
    """`Highs.getRanging` wrapped: the name of the thread of each call."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.ranging: list[str] = []
        ranging = highspy.Highs.getRanging

        def watched(h, *args, **kwargs):
            self.ranging.append(threading.current_thread().name)
            return ranging(h, *args, **kwargs)

        monkeypatch.setattr(highspy.Highs, "getRanging", watched)


def test_ranging_runs_in_the_thread(large, monkeypatch):
    """In the thread the tie LP's run() lets go (`test_a_job_is_let_go_by_the_next_run`); how
    much of it overlaps that run() is the scheduler's, measured in bench/README.md, not here."""
    watch = _Watch(monkeypatch)
    sol = _solve(large, "off")
    assert sol.solver["ties"]  # the face has ties: the tie LP ran
    assert watch.ranging == [beside.THREAD]
    assert beside.THREAD not in {t.name for t in threading.enumerate()}  # joined


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(a.columns, b.columns, check_exact=True)
    pd.testing.assert_frame_equal(a.rows, b.rows, check_exact=True)
    assert a.totals == b.totals
    assert a.objective_value == b.objective_value
    assert a.solver["ties"] == b.solver["ties"]
    assert a.solver["tie_classes"] == b.solver["tie_classes"]


@pytest.mark.parametrize("soft", [False, True])
def test_the_solution_is_the_serial_one(large, short, monkeypatch, soft):
    """Soft targets that fall short too: the listed rates' re-solves run in the thread, the
    price of the targets after it."""
    watch = _Watch(monkeypatch)
    folder, targets = (short, "soft") if soft else (large, "off")
    monkeypatch.setattr(overlap, "ENABLED", False)  # no overlap: everything in the main thread
    serial = _solve(folder, targets)
    monkeypatch.setattr(overlap, "ENABLED", True)
    threaded = _solve(folder, targets)
    assert watch.ranging == ["MainThread", beside.THREAD]
    assert threaded.solver["ties"]
    if soft:
        assert threaded.totals["weighted_shortfall"] > 0
        assert "objective_without_targets" in threaded.totals
    assert threaded.rows["re_solved"].any()  # listed rates re-solved in the thread
    _same(serial, threaded)


def _lp() -> highspy.Highs:
    """max x s.t. x <= 2 (one row), 0 <= x <= 5."""
    h = new_highs()
    h.addVar(0.0, 5.0)
    h.changeColCost(0, 1.0)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.addRow(-highspy.kHighsInf, 2.0, 1, np.array([0], dtype=np.int32), np.array([1.0]))
    return h


def _where() -> str:
    return threading.current_thread().name


def test_a_job_is_let_go_by_the_next_run():
    ran = threading.Event()

    def where() -> str:
        ran.set()
        return _where()

    h, job = _lp(), Beside(where)
    with job.at_run(h):
        assert not ran.wait(0.05)  # the thread waits for the run
        h.run()
        assert ran.wait(60)  # let go by the run, before `result` is asked
    assert "run" not in vars(h)  # HiGHS's own run() again
    assert job.result() == beside.THREAD
    assert h.getInfo().objective_function_value == 2.0


def test_a_job_no_run_let_go_still_runs():
    h, job = _lp(), Beside(_where)
    with job.at_run(h):
        pass  # an LP an exact test skipped
    assert "run" not in vars(h)
    assert job.result() == beside.THREAD


def test_without_at_run_the_job_runs_here():
    assert Beside(_where).result() == "MainThread"


def test_the_jobs_error_is_raised_by_result():
    def fails() -> None:
        raise ValueError("ranging failed")

    h, job = _lp(), Beside(fails)
    with job.at_run(h):
        h.run()
    with pytest.raises(ValueError, match="ranging failed"):
        job.result()


def test_an_abandoned_job_never_starts():
    calls: list[int] = []
    h, job = _lp(), Beside(lambda: calls.append(1))
    with job.at_run(h):
        job.abandon()  # the face failed before its run()
    assert calls == []
    assert beside.THREAD not in {t.name for t in threading.enumerate()}
