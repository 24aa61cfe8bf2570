"""Issue 30, peak memory: a solve whose caller reads nothing of the plan's HiGHS instance
afterwards (`pipeline.solve_inputs`, so `allocator solve`) lets it go once ranging is done and
the face has its basis (`solve_lp(keep_solver=False)`, `passes.release_solver`): the instance's
model, factors and solution (about 110 MB at 1e6 nonzeros, 345 -> 274 MB peak) are not held
through the face's LPs. Every number is the same as with the instance kept; the price of soft
targets that fall short is taken before it goes; a weighted goal, whose costs are re-read from
the instance after the solve, keeps it."""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd
import pytest

from allocator.data.inputs import load_inputs
from allocator.data.modelfile import load_dataset, load_model_file
from allocator.pipeline import solve_inputs
from allocator.solver import passes
from allocator.solver.compile import build_lp
from allocator.solver.results import solve_lp
from conftest import BASELINE, ROOT

PINNED = ROOT / "models" / "scarce_all_public_lines.yaml"  # soft targets fall short


def _both(inp, targets: str, goal: str):
    """The solution with the instance kept and let go, and the second LP."""
    kept = solve_lp(build_lp(inp, targets)[0], goal)
    lp, _ = build_lp(inp, targets)
    gone = solve_lp(lp, goal, keep_solver=False)
    return kept, gone, lp


def _same(a, b) -> None:
    assert a.objective_value == b.objective_value
    pd.testing.assert_frame_equal(a.columns, b.columns)
    pd.testing.assert_frame_equal(a.rows, b.rows)
    assert a.totals == b.totals
    assert a.solver == b.solver


def test_the_plan_instance_is_let_go_with_every_number_the_same() -> None:
    """The baseline without soft targets: the instance is gone after the solve (any use says
    so), nothing else holds it (a weak reference dies), and the allocation, duals, ranges,
    one-sided rates, ties and solver facts are those of the solve that kept it."""
    inp = load_inputs(BASELINE)
    lp, _ = build_lp(inp, "off")
    ref = weakref.ref(lp.highs)
    gone = solve_lp(lp, "jobs", keep_solver=False)
    assert ref() is None
    with pytest.raises(RuntimeError, match="released after its last use"):
        lp.highs.getNumRow()
    kept = solve_lp(build_lp(inp, "off")[0], "jobs")
    _same(kept, gone)
    assert gone.solver["ties"]  # the baseline has ties: the face's LPs ran after the release
    assert np.isfinite(gone.rows["gain_per_unit_up"]).any()


@pytest.mark.parametrize("scenario", ["baseline", "pinned"])
def test_a_shortfall_is_priced_before_it_goes(scenario: str) -> None:
    """Soft targets that fall short (the baseline's, and a model file's where holding them
    costs over 1,000 jobs): the price of the targets (`objective_without_targets`) re-solves
    on the instance; it is taken before the instance goes, to the same bits."""
    if scenario == "pinned":
        mf, dataset = load_model_file(PINNED)
        inp = load_dataset(dataset, mf.overrides, str(PINNED))
    else:
        inp = load_inputs(BASELINE)
    kept, gone, lp = _both(inp, "soft", "jobs")
    _same(kept, gone)
    assert gone.totals["weighted_shortfall"] > 0
    costs = 1000 if scenario == "pinned" else 0  # the baseline's targets cost no jobs
    assert gone.totals["objective_without_targets"] >= gone.objective_value + costs
    with pytest.raises(RuntimeError):
        lp.highs.getNumCol()


def test_a_weighted_goal_keeps_it() -> None:
    """A weighted goal's cost vector is re-read from the instance after the solve (the LP
    view's `weighted` costs), so it is kept."""
    kept, gone, lp = _both(load_inputs(BASELINE), "off", "weighted")
    _same(kept, gone)
    assert lp.highs.getNumCol() == len(lp.col_names)


def test_allocator_solve_lets_it_go(monkeypatch: pytest.MonkeyPatch) -> None:
    """`solve_inputs` (what `allocator solve` runs) asks for the release: once per solve."""
    calls: list[int] = []
    real = passes.release_solver

    def spy(lp):
        calls.append(lp.matrix.nnz)
        real(lp)

    monkeypatch.setattr(passes, "release_solver", spy)
    sol, _ = solve_inputs(load_inputs(BASELINE), "jobs", None, "off")
    assert calls == [sol.solver["nonzeros"]]


def test_the_labels_are_built_beside_the_face_once_the_instance_is_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the overlap on (as on a large LP) and the instance let go, the tables' label jobs
    are released right after the release, before the face's LPs, so they are built while those
    LPs run (GIL released); the solution is the same as with the overlap off."""
    from allocator.solver import overlap

    monkeypatch.setattr(overlap, "MIN_NONZEROS", 0)
    events: list[str] = []
    real_release, real_face = passes.release_solver, passes.efficient_face
    real_go = overlap.Overlap.release

    def release(lp):
        events.append("instance let go")
        real_release(lp)

    def go(self):
        events.append("labels released")
        real_go(self)

    def face(*args, **kwargs):
        events.append("face")
        return real_face(*args, **kwargs)

    monkeypatch.setattr(passes, "release_solver", release)
    monkeypatch.setattr(overlap.Overlap, "release", go)
    monkeypatch.setattr(passes, "efficient_face", face)
    inp = load_inputs(BASELINE)
    lp, _ = build_lp(inp, "off")
    got = solve_lp(lp, "jobs", keep_solver=False)
    assert events[:3] == ["instance let go", "labels released", "face"]
    monkeypatch.setattr(overlap, "ENABLED", False)
    _same(solve_lp(build_lp(inp, "off")[0], "jobs"), got)
