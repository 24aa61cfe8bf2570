"""Issue 30, task tie3: the Python around the tie rule's LPs (`solver/ties.py`) does less, and
what it finds is the same to the last bit. Each function rewritten is pinned here on a small
hand-made case or on the ties and baseline datasets (the rule's plan and classes as the code
before the rewrite gave them), so a wrong rewrite fails."""

from __future__ import annotations

import gc
import hashlib
import json
from pathlib import Path
from types import SimpleNamespace

import highspy
import numpy as np
import pytest

from allocator.model.sparse import CscMatrix
from allocator.solver import facelp, programcols, renewal, ties
from allocator.solver.columns import Columns
from allocator.solver.spending import spending_order
from conftest import BASELINE, DATA, settled_face

TIES = DATA / "ties"
PINNED = Path(__file__).resolve().parent / "ties_python"
INF = highspy.kHighsInf


def _tiny_lp() -> SimpleNamespace:
    """Eight columns, seven rows. Rows 1, 3, 4, 5, 6 are `program_cap` rows of b (cap 120:
    columns 0, 3, 4), a (60: 1, 2), u (uncapped: 5), z (cap 0: 6) and e (30, no column); rows
    0 and 2 (a budget, a group) hold columns of every program; column 7 is in no cap row."""
    entries = [(0, c) for c in range(8)] + [(2, c) for c in (0, 2, 5, 6)]
    entries += [(1, 0), (1, 3), (1, 4), (3, 1), (3, 2), (4, 5), (5, 6)]
    rows, cols = zip(*entries, strict=True)
    return SimpleNamespace(
        matrix=CscMatrix.from_triplets(rows, cols, np.ones(len(rows)), (7, 8)),
        col_names=[f"c{j}" for j in range(8)],
        row_family=["budget", "program_cap", "group", *["program_cap"] * 4],
        row_index=[("public",), ("b",), ("g",), ("a",), ("u",), ("z",), ("e",)],
        row_upper=np.array([90.0, 120.0, 50.0, 60.0, INF, 0.0, 30.0]),
    )


def test_program_columns_are_read_from_each_programs_cap_row():
    """Each program's columns in column order, programs in the order of their cap rows; a
    program with a cap row and no column has none; columns outside every cap row are no
    program's."""
    got = programcols.program_columns(_tiny_lp())
    assert list(got) == ["b", "a", "u", "z", "e"]
    assert {p: c.tolist() for p, c in got.items()} == {
        "b": [0, 3, 4],
        "a": [1, 2],
        "u": [5],
        "z": [6],
        "e": [],
    }
    assert all(c.dtype.kind == "i" for c in got.values())


def test_program_caps_weigh_an_uncapped_program_as_the_largest_finite_cap():
    """Uncapped (infinite) and zero caps weigh as the largest finite cap (120); no finite cap
    at all weighs 1."""
    lp = _tiny_lp()
    assert programcols.program_caps(lp) == {
        "b": 120.0,
        "a": 60.0,
        "u": 120.0,
        "z": 120.0,
        "e": 30.0,
    }
    lp.row_upper = np.array([90.0, INF, 50.0, 0.0, INF, 0.0, INF])
    assert programcols.program_caps(lp) == dict.fromkeys("bauze", 1.0)


def test_each_programs_columns_are_found_on_the_face_at_once():
    """`face_locals`: each program's columns that the face holds, as positions in the face's LP
    (`face_local` of each program, one search for all)."""
    face = SimpleNamespace(cols=np.array([2, 5, 7, 9, 12]))
    programs = {
        "p": np.array([1, 2, 9]),
        "q": np.array([3, 4]),
        "r": np.array([5, 7, 12]),
        "s": np.array([], dtype=int),
        "t": np.array([13]),
    }
    got = programcols.face_locals(face, programs)
    assert [g.tolist() for g in got] == [[0, 3], [], [1, 2, 4], [], []]
    assert [g.tolist() for g in got] == [
        programcols.face_local(face, c).tolist() for c in programs.values()
    ]


def test_values_are_split_into_pieces_of_the_counts_given():
    """`split_counts`: consecutive pieces, empty ones kept; no counts, no pieces."""
    got = programcols.split_counts(np.arange(6), np.array([2, 0, 3, 1]))
    assert [g.tolist() for g in got] == [[0, 1], [], [2, 3, 4], [5]]
    assert programcols.split_counts(np.arange(0), np.array([], dtype=int)) == []


def _face(monkeypatch: pytest.MonkeyPatch, folder: Path):
    """The settled face `tie_classes` gets on `folder` (jobs), its LP, and the plan there."""
    return settled_face(monkeypatch, folder)


def test_the_members_least_and_most_on_the_ties_dataset(monkeypatch):
    """a (cap 60) and b (cap 120) share 90 musd: a 0 to 60, b 30 to 90, at the plan's money."""
    lp, face, x = _face(monkeypatch, TIES)
    programs = programcols.program_columns(lp)
    got = ties._ranges(face, programs, x)
    plan = {p: float(x[c].sum()) for p, c in programs.items()}
    assert got == [
        ties.Member("a", 0.0, 60.0, plan["a"]),
        ties.Member("b", 30.0, 90.0, plan["b"]),
    ]


def _digest(x: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(x, dtype=float).tobytes()).hexdigest()[:16]


@pytest.mark.parametrize("name", ["ties", "baseline"])
def test_the_rules_plan_and_classes_are_those_before_the_rewrite(monkeypatch, name: str):
    """The rule's plan (every column, bit for bit) and its classes (every low, high and plan
    to the last bit: JSON floats) on the ties dataset and on the baseline (one class of 20
    programs), as `tie_classes` gave them before issue 30's third session."""
    want = json.loads((PINNED / f"{name}.json").read_text())
    lp, face, x = _face(monkeypatch, {"ties": TIES, "baseline": BASELINE}[name])
    got, classes = ties.tie_classes(lp, face, x)
    added = ("money_low", "money_high")  # each class's total range (task l4): two more LPs
    assert [{k: v for k, v in c.items() if k not in added} for c in classes] == want["classes"]
    assert all(c["money_low"] <= c["money"] + 1e-6 <= c["money_high"] + 2e-6 for c in classes)
    assert _digest(got) == want["plan"]  # the LPs after the rule leave its plan as it was


def test_the_rule_cuts_no_matrix_when_the_face_keeps_its_own(monkeypatch):
    """The face keeps the matrix it handed HiGHS (`Face.matrix`): the rule's QP, its classes
    and the renewed instances take it, neither cut again from the plan's nor read from HiGHS."""
    lp, face, x = _face(monkeypatch, BASELINE)

    def refuse(*_args, **_kwargs):
        raise AssertionError("the face's matrix was built again")

    for name in ("face_entries", "cut"):
        monkeypatch.setattr(renewal, name, refuse)
        monkeypatch.setattr(facelp, name, refuse)
    monkeypatch.setattr(Columns, "of", refuse)
    monkeypatch.setattr(highspy.Highs, "getLp", refuse)
    got, classes = ties.tie_classes(lp, face, x)
    assert _digest(got) == json.loads((PINNED / "baseline.json").read_text())["plan"]
    assert len(classes) == 1


def test_the_kept_matrix_is_the_one_cut_from_the_plans(monkeypatch):
    """What `_face_matrix` gives from the face's kept matrix is what cutting the plan's gave."""
    lp, face, _ = _face(monkeypatch, BASELINE)
    found = facelp.face_entries(face, lp)
    assert found is not None
    want = facelp.cut(lp, face.cols, *found)
    got = facelp.face_matrix(face, lp)
    assert got is not None
    for mine, theirs in zip(got, want, strict=True):
        assert np.array_equal(mine, theirs)
        assert mine.dtype == theirs.dtype


def test_least_other_money_leaves_the_faces_bounds_as_they_were(monkeypatch):
    """The investments held at the split for one LP, then every column's bounds in HiGHS as
    before, and the plan's investments unchanged."""
    lp, face, x = _face(monkeypatch, BASELINE)
    picked = ties.split_by_caps(
        face, programcols.program_columns(lp), programcols.program_caps(lp), x, lp
    )
    n = len(face.cols)
    before = face.highs.getCols(n, np.arange(n, dtype=np.int32))[3:5]
    got = ties.least_other_money(face, lp, picked)
    after = face.highs.getCols(n, np.arange(n, dtype=np.int32))[3:5]
    assert all(np.array_equal(b, a) for b, a in zip(before, after, strict=True))
    invest = np.array([f == "invest" for f in lp.col_family])
    assert np.array_equal(got[invest], picked[invest])
    assert not np.array_equal(got, picked)  # the LP moved risk mitigation or carried money


def test_spending_order_leaves_the_garbage_collector_nothing_to_do():
    """30,000 investment columns: no object the collector tracks is made one a column (a
    `zip(*keys)` made 30,000 iterators: some 40 collections, each walking the whole heap)."""
    keys = [(f"p{j % 997:04d}", f"pool{j % 7}", 2025 + j % 14) for j in range(30_000)]
    lp = SimpleNamespace(col_family=["invest"] * len(keys), col_index=keys, col_names=keys)
    runs = []

    def count(phase: str, _info: dict) -> None:
        runs.append(phase)

    gc.collect()
    gc.callbacks.append(count)
    try:
        got = spending_order(lp)
    finally:
        gc.callbacks.remove(count)
    assert runs.count("start") <= 1
    assert got.min() > 1.0
    assert np.unique(got).size == 997 * 14  # a weight for each (program, pool, year) met
