"""Issue 30, task mem2: the tie rule's LPs read the face's matrix from the plan's own
(`CompiledLP.matrix`, the face's columns only), not from HiGHS's copy (`Highs.getLp`: every
entry of the face handed over as Python lists, 0.57 M at 1e6 nonzeros), and what they build
from it is the same to the last bit. The face's HiGHS instance is released around the rule
(`ties.renew`: HiGHS's own clearSolver keeps its memory) with the same plan, bit for bit."""

from __future__ import annotations

from pathlib import Path

import highspy
import numpy as np
import pytest

from allocator.solver import facelp, programcols, ties
from conftest import BASELINE, DATA, settled_face


def _face(monkeypatch: pytest.MonkeyPatch, folder: Path):
    """The settled face `tie_classes` gets on `folder` (jobs), its LP, and the plan there."""
    return settled_face(monkeypatch, folder)


def _refuse_highs_matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self):
        raise AssertionError("the face's matrix was read from HiGHS")

    monkeypatch.setattr(highspy.Highs, "getLp", refuse)


@pytest.mark.parametrize("folder", [DATA / "ties", BASELINE], ids=["ties", "baseline"])
def test_the_rule_qp_is_cut_from_the_plans_matrix_to_the_last_bit(monkeypatch, folder: Path):
    """The QP's LP over the face's free columns (`facelp.free_lp`) built from the plan's matrix is
    the one built from HiGHS's copy, every array equal, and HiGHS's copy is not read."""
    lp, face, _ = _face(monkeypatch, folder)
    reference, free_ref = facelp.free_lp(face)
    with monkeypatch.context() as m:
        _refuse_highs_matrix(m)
        got, free = facelp.free_lp(face, lp)
    assert np.array_equal(free, free_ref)
    assert free.size
    assert (got.num_col_, got.num_row_) == (reference.num_col_, reference.num_row_)
    for name in ("col_lower_", "col_upper_", "row_lower_", "row_upper_"):
        assert np.array_equal(getattr(got, name), getattr(reference, name)), name
    for name in ("start_", "index_", "value_"):
        mine, theirs = getattr(got.a_matrix_, name), getattr(reference.a_matrix_, name)
        assert np.array_equal(mine, theirs), name


def test_the_rule_reads_no_matrix_from_highs_and_keeps_its_plan(monkeypatch):
    """On the baseline (a tie class of 13 programs), the rule's plan with the matrix cut from
    the plan's is the one from HiGHS's copy, bit for bit; HiGHS's copy is never read."""
    lp, face, x = _face(monkeypatch, BASELINE)
    programs, caps = programcols.program_columns(lp), programcols.program_caps(lp)
    reference = ties.split_by_caps(face, programs, caps, x)
    with monkeypatch.context() as m:
        _refuse_highs_matrix(m)
        got = ties.split_by_caps(face, programs, caps, x, lp)
    assert np.array_equal(got, reference)
    assert not np.array_equal(got, x)  # the rule moved money: the QP ran


def test_the_classes_are_read_from_the_plans_matrix(monkeypatch):
    """The tie classes joined through the plan's matrix are those joined through HiGHS's copy
    (the baseline's one class), and HiGHS's copy is not read."""
    lp, face, x = _face(monkeypatch, BASELINE)
    programs = programcols.program_columns(lp)
    members = ties._ranges(face, programs, x)
    reference = ties._classes(face, members, programs)
    with monkeypatch.context() as m:
        _refuse_highs_matrix(m)
        got = ties._classes(face, members, programs, lp)
    assert got == reference
    assert got
    assert all(len(group) > 1 for group in got)


def test_a_row_beside_the_plans_makes_the_face_read_from_highs(monkeypatch):
    """A face with a row the plan's matrix does not hold (the frontier's epsilon row) is not
    the plan's columns cut out: its matrix is read from HiGHS, as before."""
    lp, face, _ = _face(monkeypatch, DATA / "ties")
    n = len(face.cols)
    face.highs.addRow(-highspy.kHighsInf, 1e6, n, np.arange(n, dtype=np.int32), np.ones(n))
    lower, upper = face.bounds["row"]
    face.bounds["row"] = (np.append(lower, -highspy.kHighsInf), np.append(upper, 1e6))
    assert facelp.face_matrix(face, lp) is None
    got, _ = facelp.free_lp(face, lp)
    assert got.num_row_ == face.highs.getNumRow()


def _lp_arrays(h: highspy.Highs) -> dict[str, np.ndarray]:
    model = h.getLp()
    a = model.a_matrix_
    out = {n: np.array(getattr(model, n)) for n in ("col_cost_", "col_lower_", "col_upper_")}
    out |= {n: np.array(getattr(model, n)) for n in ("row_lower_", "row_upper_")}
    return out | {n: np.array(getattr(a, n)) for n in ("start_", "index_", "value_")}


@pytest.mark.parametrize("cut", [True, False], ids=["plans-matrix", "highs-copy"])
def test_renewing_the_face_releases_its_instance_and_keeps_its_lp(monkeypatch, cut: bool):
    """`renew` is a `clearSolver` that frees: the face's instance (HiGHS's own clear keeps its
    memory: 32 MB at 1e6) is released, a new one holds the same LP, options and no basis."""
    import weakref

    lp, face, _ = _face(monkeypatch, BASELINE)
    face.highs.setOptionValue("simplex_iteration_limit", 123_456)
    before, old = _lp_arrays(face.highs), weakref.ref(face.highs)
    sense = face.highs.getObjectiveSense()
    ties.renew(face, lp if cut else None)
    assert old() is None
    after = _lp_arrays(face.highs)
    assert before.keys() == after.keys()
    for name, values in before.items():
        assert np.array_equal(values, after[name]), name
    assert face.highs.getObjectiveSense() == sense
    assert face.highs.getOptionValue("simplex_iteration_limit")[1] == 123_456
    assert not face.highs.getBasis().valid


@pytest.mark.parametrize("folder", [DATA / "ties", BASELINE], ids=["ties", "baseline"])
def test_the_rule_on_renewed_instances_is_the_rule_on_a_cleared_one(monkeypatch, folder: Path):
    """`tie_classes` renews the face's instance before the rule and after it (`renew`); its
    plan and classes are those of the face's own instance cleared (`clearSolver`, as before),
    bit for bit, and the instance the face held before the rule is released."""
    import weakref

    lp, face, x = _face(monkeypatch, folder)
    old = weakref.ref(face.highs)
    got, classes = ties.tie_classes(lp, face, x)
    assert old() is None
    lp, face, x = _face(monkeypatch, folder)
    monkeypatch.setattr(ties, "renew", lambda face, lp=None: face.highs.clearSolver())
    reference, reference_classes = ties.tie_classes(lp, face, x)
    assert np.array_equal(got, reference)
    assert classes == reference_classes
    assert classes
