"""Our hand-off (standard-form compiler -> highspy) against Pyomo's own contrib HiGHS interface."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest
from pyomo.contrib.solver.common.factory import SolverFactory

from allocator.families import name_of
from allocator.inputs import load_inputs
from allocator.model import build_model
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


@pytest.mark.parametrize(
    "folder",
    [*(DATA / c for c in ("greedy", "ramp", "lag", "exports", "risk", "targets")), BASELINE],
)
@pytest.mark.parametrize("targets", ["soft", "off"])
def test_direct_reader_gives_the_same_standard_form_as_pyomos_compiler(folder, targets):
    import numpy as np

    from allocator.solve import compile_lp

    inp = load_inputs(folder)
    fast = compile_lp(build_model(inp, targets)[0], direct=True)
    slow = compile_lp(build_model(inp, targets)[0], direct=False)
    assert fast.col_names == slow.col_names
    assert fast.row_names == slow.row_names
    assert fast.matrix.same_as(slow.matrix)
    for attr in ("col_lower", "col_upper", "row_lower", "row_upper"):
        assert np.array_equal(getattr(fast, attr), getattr(slow, attr)), attr
    assert fast.costs.keys() == slow.costs.keys()
    for name in fast.costs:
        assert np.array_equal(fast.costs[name], slow.costs[name]), name


def test_a_model_with_a_non_linear_expression_row_falls_back_to_the_compiler():
    from allocator.solve import _direct_form

    m = pyo.ConcreteModel()
    m.invest = pyo.Var(["x", "y"], bounds=(0, None))
    m.budget = pyo.Constraint(expr=2 * m.invest["x"] + m.invest["y"] <= 4)  # a SumExpression
    m.obj_jobs = pyo.Objective(expr=m.invest["x"], sense=pyo.maximize)
    assert _direct_form(m, list(m.invest.values())) is None


def _edit_a_row(m):
    k = next(iter(m.budget))
    x = list(m.invest.values())
    m.budget[k].set_value((None, 2 * x[0] + 3 * x[1], 5.0))  # not the recorded expression


def _add_a_row(m):
    x = list(m.invest.values())
    m.extra = pyo.Constraint(expr=x[0] + x[2] <= 7.0)


def _add_a_column(m):
    m.extra_col = pyo.Var(bounds=(0.0, 3.0))
    m.extra = pyo.Constraint(expr=m.extra_col + list(m.invest.values())[0] <= 9.0)


@pytest.mark.parametrize("edit", [_edit_a_row, _add_a_row, _add_a_column])
def test_rows_changed_after_build_are_read_from_the_model_not_from_the_recording(edit):
    """The recorded column positions are used only for the very expression they were made for."""
    import numpy as np

    from allocator.solve import compile_lp

    inp = load_inputs(BASELINE)
    fast_m, slow_m = build_model(inp, "off")[0], build_model(inp, "off")[0]
    edit(fast_m)
    edit(slow_m)
    fast, slow = compile_lp(fast_m, direct=True), compile_lp(slow_m, direct=False)
    assert fast.row_names == slow.row_names
    assert fast.col_names == slow.col_names
    assert fast.matrix.same_as(slow.matrix)
    assert np.array_equal(fast.row_upper, slow.row_upper)
    unedited = compile_lp(build_model(inp, "off")[0])
    assert not fast.matrix.same_as(unedited.matrix)  # the edit is in the matrix


def test_a_built_model_is_read_from_its_recording():
    from allocator.solve import _Reader

    m, _ = build_model(load_inputs(BASELINE), "soft")
    order = [v for comp in m.component_objects(pyo.Var) for v in comp.values()]
    read = _Reader(m, order)
    assert read.recorder is not None
    assert all(
        read.recorder.blocks(c.body) is not None for c in m.component_data_objects(pyo.Constraint)
    )
    m.extra_col = pyo.Var()
    assert _Reader(m, [*order, m.extra_col]).recorder is None  # columns changed: walk every row
