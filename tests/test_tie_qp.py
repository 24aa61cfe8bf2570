"""Issue 30, task qp: the tie rule's QP (`ties.split_by_caps`) is posed on the programs' totals,
with a diagonal Hessian, in an instance of its own without the face's fixed columns, and gives
the same totals as the former QP on the columns (one dense Hessian triangle a program on the
face's own instance, kept here as the reference)."""

from __future__ import annotations

from pathlib import Path

import highspy
import numpy as np
import pytest

from allocator.data.inputs import load_inputs
from allocator.solver import programcols, ties
from allocator.solver.compile import build_lp
from allocator.solver.heldface import Face
from allocator.solver.passes import optimum
from allocator.solver.status import Status, status_of
from conftest import BASELINE, DATA, hand_face

INF = highspy.kHighsInf


def _column_hessian(
    face: Face, programs: dict[str, np.ndarray], caps: dict[str, float]
) -> highspy.HighsHessian:
    """The former Hessian (before task qp): sum_p (money of p)^2 / cap_p over the face's
    columns, one dense lower triangle per program, scaled so its entries are at least 2."""
    n = len(face.cols)
    scale = max(caps.values(), default=1.0)
    col, row, value = [], [], []
    for p, cols in programs.items():
        local = np.sort(programcols.face_local(face, cols))
        at, below = np.triu_indices(len(local))
        col.append(local[at])
        row.append(local[below])
        value.append(np.full(len(at), 2.0 * scale / caps[p]))
    col, row, value = (np.concatenate([*v, np.zeros(0)]) for v in (col, row, value))
    order = np.argsort(col, kind="stable")
    hess = highspy.HighsHessian()
    hess.dim_ = n
    hess.format_ = highspy.HessianFormat.kTriangular
    counts = np.bincount(col[order].astype(int), minlength=n)
    hess.start_ = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    hess.index_ = row[order].astype(np.int32)
    hess.value_ = value[order].astype(float)
    return hess


def _column_split(
    face: Face, programs: dict[str, np.ndarray], caps: dict[str, float]
) -> np.ndarray:
    """The former rule's QP on the face's own instance: the face's columns' values."""
    h = face.highs
    n = len(face.cols)
    h.changeObjectiveSense(highspy.ObjSense.kMinimize)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.zeros(n))
    h.passHessian(_column_hessian(face, programs, caps))
    h.setOptionValue("qp_regularization_value", 0.0)
    h.run()
    assert status_of(h) is Status.OPTIMAL
    got = np.array(h.getSolution().col_value)
    empty = highspy.HighsHessian()
    empty.dim_ = n
    empty.start_ = np.zeros(n + 1, dtype=np.int32)
    h.passHessian(empty)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    return got


def _totals(plan: np.ndarray, programs: dict[str, np.ndarray]) -> dict[str, float]:
    return {p: float(plan[cols].sum()) for p, cols in programs.items()}


@pytest.mark.parametrize("folder", [DATA / "ties", BASELINE], ids=["ties", "baseline"])
def test_the_totals_equal_those_of_the_qp_on_the_columns(monkeypatch, folder: Path):
    """On the same settled face, the QP on the totals and the former QP on the columns give
    every program the same money, within HiGHS's tolerances (measured: 1e-15 relative)."""
    seen = {}
    rule = ties.split_by_caps

    def both(face, programs, caps, x, *rest):
        got = rule(face, programs, caps, x, *rest)  # first: the reference changes the face's state
        reference = face.held.copy()
        reference[face.cols] = _column_split(face, programs, caps)
        seen["new"], seen["old"] = _totals(got, programs), _totals(reference, programs)
        return got

    monkeypatch.setattr(ties, "split_by_caps", both)
    lp, _ = build_lp(load_inputs(folder), "soft")
    got = optimum(lp, "jobs", ranging=False, ties=True)
    assert got.tie_classes
    new, old = seen["new"], seen["old"]
    assert new.keys() == old.keys()
    for p in new:
        assert new[p] == pytest.approx(old[p], rel=1e-9, abs=1e-9), p
    moved = [p for p, plan in _totals(got.x, programcols.program_columns(lp)).items() if plan]
    assert len(moved) > 1


def test_the_rule_passes_one_diagonal_hessian_outside_thehand_face(monkeypatch):
    """The QP's Hessian has one entry a program in the rule, each on the diagonal, and it goes
    to an instance of the QP's own: the face's instance never holds a Hessian."""
    passed = []
    original = highspy.Highs.passHessian

    def spy(self, hessian, *rest):
        passed.append((self, np.array(hessian.start_), np.array(hessian.index_)))
        return original(self, hessian, *rest)

    faces = []
    rule = ties.split_by_caps

    def keep(face, *args):
        faces.append(face.highs)
        return rule(face, *args)

    monkeypatch.setattr(highspy.Highs, "passHessian", spy)
    monkeypatch.setattr(ties, "split_by_caps", keep)
    lp, _ = build_lp(load_inputs(BASELINE), "soft")
    optimum(lp, "jobs", ranging=False, ties=True)
    (face,) = faces
    filled = [(h, start, index) for h, start, index in passed if len(index)]
    (qp, start, index) = filled[0]
    assert len(filled) == 1
    assert qp is not face
    column = np.repeat(np.arange(len(start) - 1), np.diff(start))
    assert np.array_equal(index, column)  # the diagonal only
    programs = [c for c in programcols.program_columns(lp).values() if c.size]
    assert len(index) <= len(programs)
    assert qp.getNumCol() == len(start) - 1


def test_three_programs_with_caps_one_two_three_split_600_as_100_200_300():
    """a, b, c with caps 1,000, 2,000 and 3,000 share 600 that can move freely (two columns
    each, one row holds their sum); c's third column is held at 50 on the face, and counts in
    its money: 100, 200 and 300, whatever split the face started from."""
    face = hand_face([([1, 1, 1, 1, 1, 1, 1], 600, 600)], [0] * 6 + [50], [INF] * 6 + [50])
    face.solve(np.array([1.0, 0, 0, 0, 0, 0, 0]))  # a vertex: a takes all it can
    programs = {"a": np.array([0, 1]), "b": np.array([2, 3]), "c": np.array([4, 5, 6])}
    caps = {"a": 1000.0, "b": 2000.0, "c": 3000.0}
    got = ties.split_by_caps(face, programs, caps, np.zeros(7))
    totals = _totals(got, programs)
    assert totals == pytest.approx({"a": 100.0, "b": 200.0, "c": 300.0}, abs=1e-7)
    assert got[6] == 50.0


def test_fewer_than_two_members_make_no_class_and_read_no_matrix(monkeypatch):
    """No class without two members: the face's matrix (a copy of 0.57 M entries at 1e6, read
    as Python lists) is not read for nothing."""
    face = hand_face([([1, 1], 0, 4)], [0, 0], [3, 3])

    def refuse(self):
        raise AssertionError("the face's matrix was read")

    monkeypatch.setattr(highspy.Highs, "getLp", refuse)
    member = ties.Member("a", 0.0, 3.0, 1.0)
    assert ties._classes(face, [], {}) == []
    assert ties._classes(face, [member], {"a": np.array([0])}) == []


def test_a_face_with_every_column_fixed_keeps_its_values():
    """Nothing can move: the rule returns the face's fixed values (no QP over no columns)."""
    face = hand_face([([1, 1], 0, 10)], [2, 3], [2, 3])
    got = ties.split_by_caps(face, {"a": np.array([0]), "b": np.array([1])}, {"a": 1.0, "b": 1.0},
                             np.full(2, np.nan))  # fmt: skip
    assert got.tolist() == [2.0, 3.0]
