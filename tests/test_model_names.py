"""model.lp and model.mps name every row and column as the tables do, whether written from a
solution's read-only view (what `allocator solve --write-model` does) or from a compiled LP
whose own instance holds no names (`compile._handed_off`: issue 30, ~80 ms at 1e6 nonzeros)."""

from __future__ import annotations

import highspy

from allocator.data.inputs import load_inputs
from allocator.model.solution import LPView
from allocator.solver.compile import build_lp, write_model
from allocator.solver.highs import new_highs
from conftest import BASELINE


def _names(path) -> tuple[list[str], list[str]]:
    h = new_highs()
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    held = h.getLp()
    return list(held.row_names_), list(held.col_names_)


def test_model_files_carry_every_name_from_either_source(tmp_path) -> None:
    lp, _ = build_lp(load_inputs(BASELINE), "off")
    held = lp.highs.getLp()
    assert list(held.col_names_) == []  # the plan's instance: no names handed over
    view = LPView.of(lp)
    (tmp_path / "view").mkdir()
    (tmp_path / "plan").mkdir()
    write_model(view, lp.costs["jobs"], tmp_path / "view")
    write_model(lp, lp.costs["jobs"], tmp_path / "plan")
    for kind in ("view", "plan"):
        for name in ("model.lp", "model.mps"):
            rows, cols = _names(tmp_path / kind / name)
            if name == "model.lp":  # HiGHS's LP reader numbers columns as they first appear
                rows, cols = sorted(rows), sorted(cols)
                assert (rows, cols) == (sorted(lp.row_names), sorted(lp.col_names)), kind
            else:
                assert (rows, cols) == (lp.row_names, lp.col_names), kind
    assert (tmp_path / "view" / "model.lp").read_bytes() == (
        tmp_path / "plan" / "model.lp"
    ).read_bytes()
    assert "budget(" in (tmp_path / "plan" / "model.lp").read_text()
