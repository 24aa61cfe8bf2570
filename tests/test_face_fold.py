"""Task p3 (issue 30, the extra LPs): a large face's fixed columns folded into the rows' bounds
(`heldface.Face.fold`, `solver/folding.py`) hold the same face: on the data sets with ties,
folding every face (the size and share thresholds set to fold at once) gives the same plan, the
same ties count and the same tie classes as the whole face does (the classes' ranges to 10
significant digits: their LPs end in other last bits)."""

from __future__ import annotations

import highspy
import numpy as np
import pytest

from allocator.data.inputs import load_inputs
from allocator.solver import folding, heldface
from allocator.solver.compile import build_lp
from allocator.solver.passes import optimum
from conftest import BASELINE, DATA, hand_face

INF = highspy.kHighsInf


def test_a_folded_face_reads_back_as_the_whole_face():
    """x1 fixed at 2 (lower = upper), x2 in [0, 5], x3 in [0, 1]; rows x1 + x2 <= 6 and
    x1 + x3 = 2.5. Folded, HiGHS holds x2 and x3 with x2 <= 4 and x3 = 0.5; maximising x2 reads
    back over the three columns as (2, 4, 0.5), the rows' activities as 6 and 2.5."""
    face = hand_face([([1, 1, 0], -INF, 6), ([1, 0, 1], 2.5, 2.5)], [2, 0, 0], [2, 5, 1])
    face.matrix = face.columns()
    face.solve(np.zeros(3))
    h, folded = folding.fold(
        face.matrix, face.bounds, face.highs.getBasis(), face.highs.getOptions()
    )
    face.highs, face.folded, face.point = h, folded, None
    assert (h.getNumCol(), h.getNumRow()) == (2, 2)
    assert h.getLp().row_upper_ == pytest.approx([4, 0.5])
    got = face.solve(np.array([0.0, 1.0, 0.0]))
    assert got is not None
    assert got.tolist() == [2.0, 4.0, 0.5]
    assert face.solution("row_value").tolist() == [6.0, 2.5]
    assert face.solution("col_dual")[0] == 0.0  # a folded column: no dual, nothing to narrow


@pytest.mark.parametrize(
    "folder",
    [BASELINE, DATA / "ties", DATA / "mga", DATA / "core", DATA / "budgets"],
    ids=lambda p: p.name,
)
def test_folding_every_face_gives_the_same_plan_ties_and_classes(monkeypatch, folder):
    folds = []
    original = folding.fold

    def counted(*args, **kwargs):
        folds.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(folding, "fold", counted)
    monkeypatch.setattr(heldface, "FOLD_FROM", 0)
    monkeypatch.setattr(heldface, "FOLD_SHARE", 1.0)  # fold wherever a column is fixed
    got = {}
    for fold in (True, False):
        monkeypatch.setattr(heldface, "FOLD", fold)
        lp, _ = build_lp(load_inputs(folder), "soft")
        got[fold] = optimum(lp, "jobs", ranging=False, ties=True)
    on, off = got[True], got[False]
    assert folds  # the folded LPs ran
    assert on.ties == off.ties
    assert _rounded(on.tie_classes) == _rounded(off.tie_classes)
    assert np.allclose(on.x, off.x, rtol=1e-9, atol=1e-9)


def _rounded(classes):
    """Tie classes with each number to 10 significant digits: the ranges' LPs on a folded face
    end in other last bits (on the baseline 1e-15 relative: 1800 against 1800.0000000000005)."""
    if isinstance(classes, dict):
        return {k: _rounded(v) for k, v in classes.items()}
    if isinstance(classes, list):
        return [_rounded(v) for v in classes]
    return float(f"{classes:.10g}") if isinstance(classes, float) else classes
