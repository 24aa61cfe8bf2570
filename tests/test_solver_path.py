"""One model read one way: the records `build_model` makes are the model; the hand-off
(`compile_lp`) concatenates them, and their Pyomo view (`to_pyomo`) compiled by Pyomo's own
standard-form compiler (`compile_pyomo`) gives the same LP. Our solve against Pyomo's contrib
HiGHS interface on that view."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.contrib.solver.common.factory import SolverFactory

from allocator.data.inputs import load_inputs
from allocator.model.build import build_model
from allocator.model.constraints import Robust
from allocator.model.families import name_of
from allocator.model.linear import to_pyomo
from allocator.solver.compile import CompiledLP, compile_lp, compile_pyomo
from allocator.solver.results import solve_lp
from conftest import BASELINE, DATA, solved


def _contrib(folder):
    m = to_pyomo(build_model(load_inputs(folder), targets="off")[0])
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


def _assert_same_lp(a: CompiledLP, b: CompiledLP) -> None:
    assert a.col_names == b.col_names
    assert a.row_names == b.row_names
    assert a.col_family == b.col_family
    assert a.row_family == b.row_family
    assert a.matrix.same_as(b.matrix)
    for attr in ("col_lower", "col_upper", "row_lower", "row_upper"):
        assert np.array_equal(getattr(a, attr), getattr(b, attr)), attr
    assert list(a.costs) == list(b.costs)
    for name in a.costs:
        assert np.array_equal(a.costs[name], b.costs[name]), name


@pytest.mark.parametrize(
    "folder",
    [*(DATA / c for c in ("greedy", "ramp", "lag", "exports", "risk", "targets")), BASELINE],
)
@pytest.mark.parametrize("targets", ["soft", "off"])
def test_records_give_the_same_lp_as_their_pyomo_view_through_pyomos_compiler(folder, targets):
    model, _ = build_model(load_inputs(folder), targets)
    _assert_same_lp(compile_lp(model), compile_pyomo(to_pyomo(model)))


@pytest.mark.parametrize("kind", ["cvar", "worst-case"])
def test_robust_records_with_scalar_rows_and_columns_give_the_same_lp_too(kind):
    inp = load_inputs(BASELINE)
    rates = (1.0, 2.0, 3.0)
    scenarios = tuple(dict.fromkeys((p.program for p in inp.programs), (r, 0)) for r in rates)
    robust = Robust(kind, scenarios, 0.5, 100.0 if kind == "cvar" else None)
    model, _ = build_model(inp, "soft", robust)
    _assert_same_lp(compile_lp(model), compile_pyomo(to_pyomo(model)))


def test_a_hand_edited_pyomo_model_goes_through_the_explicit_path():
    model, _ = build_model(load_inputs(BASELINE), "off")
    m = to_pyomo(model)
    k = next(iter(m.budget))
    x = list(m.invest.values())
    m.budget[k].set_value((None, 2 * x[0] + 3 * x[1], 5.0))
    m.extra_col = pyo.Var(bounds=(0.0, 3.0))
    m.extra = pyo.Constraint(expr=m.extra_col + x[2] <= 9.0)
    edited, unedited = compile_pyomo(m), compile_lp(model)
    assert edited.col_names == [*unedited.col_names, "extra_col"]
    assert edited.row_names == [*unedited.row_names, "extra"]
    dense = _dense(edited)
    assert dense[0, :3].tolist() == [2.0, 3.0, 0.0]
    assert not dense[0, 3:].any()
    assert edited.row_upper[0] == 5.0
    assert dense[-1, [2, -1]].tolist() == [1.0, 1.0]
    assert dense[-1].sum() == 2.0
    assert np.array_equal(dense[1:-1, :-1], _dense(unedited)[1:])  # every other row as built
    assert edited.highs.getNumRow() == len(edited.row_names)  # handed to HiGHS as edited


def _dense(lp: CompiledLP) -> np.ndarray:
    a = lp.matrix
    out = np.zeros(a.shape)
    out[a.indices, a.col_of_entry] = a.data
    return out


def test_a_hand_written_pyomo_model_solves_through_the_explicit_path():
    m = pyo.ConcreteModel()
    a, b = ("a", "public", 2025), ("b", "public", 2025)
    m.invest = pyo.Var([a, b], bounds=(0, None))
    m.budget = pyo.Constraint(
        [("public", "p1")], rule=lambda m, *_: 2 * m.invest[a] + m.invest[b] <= 4
    )
    m.obj_jobs = pyo.Objective(expr=m.invest[a] + 3 * m.invest[b], sense=pyo.maximize)
    m.obj_exports = pyo.Objective(expr=m.invest[a], sense=pyo.maximize)
    sol = solve_lp(compile_pyomo(m), "jobs")
    assert sol.objective_value == pytest.approx(12.0)
    assert sol.rows["constraint"].tolist() == ["budget(public,p1)"]
    assert sol.rows["shadow_price"].tolist() == pytest.approx([3.0])


def test_the_solve_path_does_not_load_pyomo():
    code = (
        "import sys; from allocator.data.inputs import load_inputs; "
        "from allocator.solver.compile import build_lp; "
        "from allocator.solver.results import solve_lp; "
        f"solve_lp(build_lp(load_inputs({str(DATA / 'greedy')!r}), 'soft')[0], 'jobs'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pyomo'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
