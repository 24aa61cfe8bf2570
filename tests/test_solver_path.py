"""Our hand-off (standard-form compiler -> highspy) against Pyomo's own contrib HiGHS interface."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest
from pyomo.contrib.solver.common.factory import SolverFactory

from allocator.inputs import load_inputs
from allocator.model import build_model
from allocator.solve import name_of
from conftest import BASELINE, DATA, solved


def _contrib(folder):
    m, _ = build_model(load_inputs(folder), targets="off")
    m.obj_exports.deactivate()
    res = SolverFactory("highs").solve(m)
    duals = {
        name_of(
            c.parent_component().name, c.index() if isinstance(c.index(), tuple) else (c.index(),)
        ): v
        for c, v in res.solution_loader.get_duals().items()
    }
    return pyo.value(m.obj_jobs), duals


@pytest.mark.parametrize("folder", [DATA / "greedy", DATA / "ramp", DATA / "lag", BASELINE])
def test_same_optimum_as_pyomo_contrib_highs(folder):
    value, _ = _contrib(folder)
    _, sol, _ = solved(str(folder), "jobs", "off")
    assert sol.objective_value == pytest.approx(value, rel=1e-9)


@pytest.mark.parametrize("case", ["greedy", "ramp", "lag"])
def test_same_duals_row_by_row_on_non_degenerate_cases(case):
    _, duals = _contrib(DATA / case)
    _, sol, _ = solved(str(DATA / case), "jobs", "off")
    ours = dict(zip(sol.rows["constraint"], sol.rows["shadow_price"], strict=True))
    assert set(ours) == set(duals)
    for name, dual in duals.items():
        assert ours[name] == pytest.approx(dual, abs=1e-9), name
