"""Issue 30, task ties: exact tests on the optimal face's basis stand in for LPs that could find
nothing (a face that is a single point, a program whose money cannot move on it), and every
result is the same as when every LP runs (`heldface.EXACT` off)."""

from __future__ import annotations

from pathlib import Path

import highspy
import numpy as np
import pytest

from allocator.data.inputs import load_inputs
from allocator.solver import heldface
from allocator.solver.compile import build_lp
from allocator.solver.passes import Optimum, optimum
from conftest import BASELINE, DATA, hand_face

INF = highspy.kHighsInf
FEASIBLE = sorted(
    p for p in DATA.iterdir() if p.is_dir() and p.name not in {"infeasible", "two_conflicts"}
)


def _optimum(
    monkeypatch: pytest.MonkeyPatch, folder: Path, exact: bool, objective: str = "jobs", **kw
) -> Optimum:
    monkeypatch.setattr(heldface, "EXACT", exact)
    monkeypatch.setattr(heldface, "FIXED_SUMS_FROM", 0)  # the basis test on faces of any size
    lp, _ = build_lp(load_inputs(folder), "soft")
    return optimum(lp, objective, ranging=False, **kw)


def test_a_face_is_a_single_point_only_once_no_free_nonbasic_variable_is_left():
    """max x1 + x2, x1 + x2 <= 4, each <= 3: the optima are an edge (x1 from 1 to 3), so not
    one point; once x1 is maximised on it too, the face held is the point (3, 1)."""
    face = hand_face([([1, 1], -INF, 4)], [0, 0], [3, 3])
    face.solve(np.array([1.0, 1.0]))
    face.narrow()
    assert not face.single_point()
    got = face.solve(np.array([1.0, 0.0]))
    face.narrow()
    assert face.single_point()
    assert got == pytest.approx([3, 1])


def test_a_sum_that_cannot_move_is_told_from_one_that_can():
    """x1 + x2 = 5 fixes their sum though each moves; x1 alone moves; x3 + 1.00001 x4 = 2 lets
    x3 + x4 move by about 2e-5 only: an almost-tie that is not zero. The LPs agree."""
    face = hand_face([([1, 1, 0, 0], 5, 5), ([0, 0, 1, 1.00001], 2, 2)], [0] * 4, [5, 5, 2, 2])
    face.solve(np.zeros(4))
    groups = [np.array([0, 1]), np.array([0]), np.array([2, 3])]
    assert face.fixed_sums(groups).tolist() == [True, False, False]
    for group, fixed in zip(groups, face.fixed_sums(groups), strict=True):
        cost = np.zeros(4)
        cost[group] = 1.0
        spread = face.solve(cost)[group].sum() - face.solve(-cost)[group].sum()
        assert (spread < 1e-9) == fixed, group


def test_a_unique_optimum_runs_no_tie_lp(monkeypatch):
    """greedy: after its two passes the face is one point, so the tie LP is not run."""
    on = _optimum(monkeypatch, DATA / "greedy", True, ties=True)
    off = _optimum(monkeypatch, DATA / "greedy", False, ties=True)
    assert (on.ties, off.ties) == (0, 0)
    assert (on.face_solves, off.face_solves) == (2, 3)
    assert "ties: the face is a single point (basis test): no tie LP" in on.trace
    assert np.array_equal(on.x, off.x)


def test_a_real_tie_runs_its_ranges_and_gives_the_same_classes(monkeypatch):
    on = _optimum(monkeypatch, DATA / "ties", True, ties=True)
    off = _optimum(monkeypatch, DATA / "ties", False, ties=True)
    assert on.tie_classes == off.tie_classes
    (cls,) = on.tie_classes
    assert [m["program"] for m in cls["programs"]] == ["a", "b"]
    assert on.face_solves == off.face_solves
    assert np.array_equal(on.x, off.x)


def test_programs_that_cannot_move_skip_their_range_lps_on_the_baseline(monkeypatch):
    """The baseline has a real tie class; the programs the basis rules out run no range LP,
    and the classes, their ranges and the plan are the same to the last bit."""
    on = _optimum(monkeypatch, BASELINE, True, ties=True)
    off = _optimum(monkeypatch, BASELINE, False, ties=True)
    assert on.tie_classes
    assert on.tie_classes == off.tie_classes
    assert on.ties == off.ties
    assert np.array_equal(on.x, off.x)
    (line,) = [t for t in on.trace if t.startswith("tie ranges")]
    ruled_out = int(line.split("; ")[1].split()[0])
    assert ruled_out > 0
    assert on.face_solves < off.face_solves


def test_small_faces_run_their_range_lps_without_scipy(monkeypatch):
    """Below `FIXED_SUMS_FROM` columns the range LPs run (cheaper than importing SciPy's LU):
    the baseline's face asks no basis test, with the same classes."""
    asked = []
    monkeypatch.setattr(heldface.Face, "fixed_sums", lambda *a: asked.append(a))
    monkeypatch.setattr(heldface, "EXACT", True)
    lp, _ = build_lp(load_inputs(BASELINE), "soft")
    got = optimum(lp, "jobs", ranging=False, ties=True)
    assert asked == []
    assert got.tie_classes
    assert not [t for t in got.trace if t.startswith("tie ranges")]


def test_passes_after_a_single_point_are_skipped_and_said(monkeypatch):
    """enable, exports: the face after the first of three passes is one point."""
    on = _optimum(monkeypatch, DATA / "enable", True, "exports", ties=True)
    off = _optimum(monkeypatch, DATA / "enable", False, "exports", ties=True)
    assert "passes 2-3 of 3 skipped: the face after pass 1 is a single point (basis test)" in (
        on.trace
    )
    assert (on.face_solves, off.face_solves) == (1, 4)
    assert np.array_equal(on.x, off.x)


@pytest.mark.parametrize("folder", FEASIBLE, ids=lambda p: p.name)
def test_every_dataset_gives_the_same_results_with_the_tests_on_and_off(monkeypatch, folder):
    for objective in ("jobs", "exports"):
        for kw in ({"ties": True}, {"pick": True}):
            on = _optimum(monkeypatch, folder, True, objective, **kw)
            off = _optimum(monkeypatch, folder, False, objective, **kw)
            assert np.array_equal(on.x, off.x), (objective, kw)
            assert (on.ties, on.tie_classes) == (off.ties, off.tie_classes), (objective, kw)
            assert on.face_solves <= off.face_solves
