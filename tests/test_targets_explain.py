"""Targets (soft, hard, off), the Excel-style ranges, and the explanation of infeasible plans.

targets case: the greedy case (budget 120; a 10 jobs/musd cap 60, b 6 cap 100, c 2 cap 100) with
a jobs target of 500 for sector s2, which only c (2 jobs/musd, cap 100) serves: at most 200.
  off:  a 60, b 60, jobs 960 (as greedy).
  soft: least shortfall first: c 100 (s2 reaches 200, shortfall 300 = 0.6 of the target); then
        jobs with that held: a 20 more -> jobs 200 + 200 = 400. Tolerating more shortfall frees
        c's money for a: 0.01 of weighted shortfall = 5 jobs of s2 = 2.5 musd from c to a
        = +20 jobs, so the shortfall_total price is 2,000 jobs per unit.
  hard: infeasible; the irreducible conflict is {target(jobs,sector,s2,2026), program_cap(c)}.
infeasible case: floors a 60 + b 70 above a budget of 120; the conflict is {budget, both floors},
  and the least relaxation is 10 musd.
"""

from __future__ import annotations

import highspy
import numpy as np
import pytest

from allocator.data.inputs import load_inputs
from allocator.errors import InfeasibleError
from allocator.model.build import build_model
from allocator.pipeline import solve_inputs
from allocator.solver.compile import compile_lp
from allocator.solver.diagnosis import diagnose
from allocator.solver.passes import objective_costs
from allocator.solver.status import Status, status_of
from conftest import BASELINE, DATA, run_cli, solved
from lpcheck import check_duality, check_feasible

TARGETS = DATA / "targets"


def test_targets_off_ignores_them():
    _, sol, _ = solved(str(TARGETS), "jobs", "off")
    assert sol.objective_value == pytest.approx(960)


def test_soft_target_reports_shortfall_and_still_maximises_jobs():
    inp, sol, tables = solved(str(TARGETS), "jobs", "soft")
    assert sol.totals["weighted_shortfall"] == pytest.approx(0.6)
    assert sol.objective_value == pytest.approx(400)
    by_phase = tables["allocation_by_phase"].set_index("program")["total_musd"]
    assert by_phase.to_dict() == pytest.approx({"a": 20, "b": 0, "c": 100})
    out = tables["outcomes"].set_index(["dimension", "member", "year"])
    s2 = out.loc[("sector", "s2", 2026)]
    assert (s2["jobs"], s2["jobs_target"], s2["jobs_shortfall"]) == (200, 500, 300)
    prices = tables["shadow_prices"].set_index("constraint")
    assert prices.loc["shortfall_total", "shadow_price"] == pytest.approx(2000)
    assert prices.loc["shortfall_total", "unit"] == "jobs per unit of weighted shortfall"
    check_duality(sol)
    check_feasible(inp, tables)


def test_hard_target_beyond_reach_is_explained_exactly():
    with pytest.raises(InfeasibleError) as err:
        solve_inputs(load_inputs(TARGETS), "jobs", targets="hard")
    details = "\n".join(err.value.details)
    conflict = [
        line.split(":")[0].strip(" -")
        for line in err.value.details
        if line.startswith("  - ") and "raise" not in line and "lower " not in line[:10]
    ]
    assert sorted(conflict) == ["program_cap(c)", "target(jobs,sector,s2,2026)"]
    assert "targets.csv row 2, column value" in details
    assert "programs.csv row 4, column cap_musd" in details


def _relaxed_is_feasible(folder, targets):
    inp = load_inputs(folder)
    m, _ = build_model(inp, targets)
    lp = compile_lp(m)
    h = lp.highs
    h.changeColsCost(
        len(lp.col_names),
        np.arange(len(lp.col_names), dtype=np.int32),
        objective_costs(lp, "jobs", {}),
    )
    h.run()
    assert status_of(h) is Status.INFEASIBLE
    diag = diagnose(lp)
    assert diag.relaxation, "the relaxation names at least one change"
    for i, side, amount in diag.relaxation:
        lower, upper = lp.row_lower[i], lp.row_upper[i]
        if side == "upper":
            h.changeRowBounds(i, lower, upper + amount)
        else:
            h.changeRowBounds(i, lower - amount, upper)
    h.run()
    return diag, status_of(h) is Status.OPTIMAL, lp


@pytest.mark.parametrize(("folder", "targets"), [(TARGETS, "hard"), (DATA / "infeasible", "off")])
def test_relaxation_makes_the_plan_feasible(folder, targets):
    diag, feasible, _ = _relaxed_is_feasible(folder, targets)
    assert feasible


def test_floors_above_budget_conflict_and_least_relaxation():
    diag, _, lp = _relaxed_is_feasible(DATA / "infeasible", "off")
    names = sorted(lp.row_names[i] for i, _ in diag.rows)
    assert names == ["budget(public,p1)", "program_floor(a)", "program_floor(b)"]
    assert diag.total == pytest.approx(10)
    assert sum(amount for _, _, amount in diag.relaxation) == pytest.approx(10)


def test_explain_command_prints_the_conflict_and_exits_1():
    res = run_cli("explain", "--inputs", DATA / "infeasible")
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    for name in ("budget(public,p1)", "program_floor(a)", "program_floor(b)"):
        assert name in res.stderr
    assert "pools.csv row 2, column budget_musd" in res.stderr
    assert "by 10 musd" in res.stderr


def test_explain_on_a_feasible_plan_says_so():
    res = run_cli("explain", "--inputs", DATA / "greedy")
    assert res.returncode == 0
    assert "feasible" in res.stdout
    assert "nothing to explain" in res.stdout


# --- Excel-style ranges -----------------------------------------------------------------


def _move_rhs(lp, cost, i, delta):
    """Objective after moving row i's active bound by delta (same HiGHS instance, restored)."""
    h = lp.highs
    lower, upper = lp.row_lower[i], lp.row_upper[i]
    if np.isfinite(upper) and upper < highspy.kHighsInf:
        h.changeRowBounds(i, lower, upper + delta)
    else:
        h.changeRowBounds(i, lower + delta, upper)
    h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
    h.run()
    value = h.getInfo().objective_function_value
    h.changeRowBounds(i, lower, upper)
    return value


def test_ranges_of_the_hand_solved_cases():
    _, sol, _ = solved(str(DATA / "greedy"), "jobs", "off")
    rows = sol.rows.set_index("constraint")
    assert rows.loc["budget(public,p1)", ["allowable_increase", "allowable_decrease"]].tolist() == [
        40,
        60,
    ]
    assert rows.loc["program_cap(a)", ["allowable_increase", "allowable_decrease"]].tolist() == [
        60,
        40,
    ]
    _, ramp, _ = solved(str(DATA / "ramp"), "jobs", "off")
    rows = ramp.rows.set_index("constraint")
    assert rows.loc["ramp(a,2025)", ["allowable_increase", "allowable_decrease"]].tolist() == [
        10,
        30,
    ]


def test_ten_largest_shadow_prices_hold_inside_their_range_and_not_beyond():
    inp = load_inputs(BASELINE)
    m, _ = build_model(inp, "off")
    lp = compile_lp(m)
    _, sol, _ = solved(str(BASELINE), "jobs", "off")
    cost = objective_costs(lp, "jobs", {})
    z = sol.objective_value
    rows = sol.rows.assign(size=sol.rows["shadow_price"].abs())
    # rows with a range to test (issue 25's data makes the ten largest prices degenerate: zero
    # ranges on the empty partner pools and the NGF, which the loop below would skip)
    ranged = (rows["allowable_increase"] > 0) | (rows["allowable_decrease"] > 0)
    top = rows[(rows["shadow_price"] != 0) & ranged].sort_values("size", ascending=False).head(10)
    changed_beyond = 0
    for i, r in top.iterrows():
        for delta in (r["allowable_increase"], -r["allowable_decrease"]):
            if not np.isfinite(delta) or delta == 0:
                continue
            inside = _move_rhs(lp, cost, i, 0.5 * delta)
            assert inside - z == pytest.approx(r["shadow_price"] * 0.5 * delta, rel=1e-7, abs=1e-6)
            beyond = _move_rhs(lp, cost, i, 1.5 * delta)
            expected = r["shadow_price"] * 1.5 * delta
            # the value is concave in a right-hand side: past the range, never better than linear
            assert beyond - z <= expected + 1e-6 * max(1, abs(z))
            changed_beyond += beyond - z < expected - 1e-6
    assert changed_beyond >= 3, "past the range the price changes for most binding rows"


def test_objective_coefficient_ranges_hold_inside_and_not_beyond():
    inp = load_inputs(DATA / "greedy")
    m, _ = build_model(inp, "off")
    lp = compile_lp(m)
    _, sol, _ = solved(str(DATA / "greedy"), "jobs", "off")
    cols = sol.columns.set_index("variable")
    cost = objective_costs(lp, "jobs", {})
    h = lp.highs
    for name, delta, expected in (
        ("invest(c,public,2025)", 3.0, 0.0),
        ("invest(b,public,2025)", 3.0, 3.0 * 60),
    ):
        j = lp.col_names.index(name)
        assert cols.loc[name, "allowable_increase"] == pytest.approx(4)
        moved = cost.copy()
        moved[j] += delta
        h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), moved)
        h.run()
        assert h.getInfo().objective_function_value - 960 == pytest.approx(expected)
        moved[j] = cost[j] + 6.0  # beyond the allowable increase of 4: the plan changes
        h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), moved)
        h.run()
        assert h.getInfo().objective_function_value - 960 > (6.0 * cols.loc[name, "value"]) + 1


def test_unbounded_model_gets_its_own_message():
    import pyomo.environ as pyo

    from allocator.errors import UnboundedError
    from allocator.solver.compile import compile_pyomo
    from allocator.solver.results import solve_lp

    m = pyo.ConcreteModel()
    m.invest = pyo.Var(["x"], bounds=(0, None))
    m.budget = pyo.Constraint(expr=m.invest["x"] >= 1)
    m.obj_jobs = pyo.Objective(expr=2 * m.invest["x"], sense=pyo.maximize)
    with pytest.raises(UnboundedError, match="unbounded: the objective can grow without limit"):
        solve_lp(compile_pyomo(m), "jobs")


def test_solve_with_hard_targets_exits_1_with_the_explanation(tmp_path):
    res = run_cli("solve", "--inputs", TARGETS, "--targets", "hard", "--out", tmp_path / "run")
    assert res.returncode == 1
    assert "target(jobs,sector,s2,2026)" in res.stderr
    assert "program_cap(c)" in res.stderr
    assert "smallest change of the rows above" in res.stderr  # inside the conflicting set
    assert not (tmp_path / "run").exists()
