"""Small LPs solved by hand: allocation, objective, shadow prices and reduced costs.

greedy: budget 120 for a (10 jobs/musd, cap 60), b (6, cap 100), c (2, cap 100).
  Greedy by jobs per musd: a 60, b 60, c 0; jobs 960. The budget is worth b's 6 jobs per musd;
  a's cap is worth 10 - 6 = 4; forcing money into c costs 6 - 2 = 4 jobs per musd.
ramp: budget 100 over 2025-2027; a (10 jobs/musd, cap 100) absorbs 30% of its cap a year.
  a 90 (30 a year), b 10; jobs 940. Budget 4 (b); each year's ramp 10 - 4 = 6; a's cap slack.
lag: early (2025-26) and late (2027-28) budgets of 50; a (10 jobs/musd) is productive 2 years
  after spending, the objective counts 2028. a 50 early, b (5) 50 late; jobs 750. Early budget
  10, late 5; money in a in 2027 costs 5 (never productive by 2028); carrying 1 musd from early
  to late costs 10 - 5 = 5.
exports: budget 100; x (2 musd exports/musd, 1 job), y (1, 3 jobs); category market 300 x 50%.
  Exports: market binds at 150 (dual 1, the only dual solution); among those plans the most jobs
  is x 50, y 50 (2x + y >= 150, x + y <= 100): jobs 200. Jobs: y 100, jobs 300, exports 100.
risk: budget 100; a (10 jobs/musd) fully exposed to a risk with budget 6 covering 5 each: a 30,
  b (4) 70, jobs 580. One more musd of risk budget lets 5 musd move from b to a: 5 x 6 = 30.
"""

from __future__ import annotations

import pytest

from conftest import DATA, solved
from conftest import price as _price
from conftest import total as _total
from lpcheck import check_duality, check_feasible


def _rc(tables, variable):
    return tables["reduced_costs"].set_index("variable").loc[variable, "reduced_cost"]


def test_greedy_fills_best_jobs_per_musd_first():
    _, sol, t = solved(str(DATA / "greedy"))
    assert sol.objective_value == pytest.approx(960)
    assert [_total(t, p) for p in "abc"] == pytest.approx([60, 60, 0])
    assert _price(t, "budget(public,p1)") == (pytest.approx(6), True)
    assert _price(t, "program_cap(a)") == (pytest.approx(4), True)
    assert _price(t, "program_cap(b)") == (0, False)
    assert _rc(t, "invest(c,public,2025)") == pytest.approx(-4)


def test_binding_ramp_spreads_money_and_prices_each_year():
    _, sol, t = solved(str(DATA / "ramp"))
    assert sol.objective_value == pytest.approx(940)
    assert [_total(t, p) for p in "ab"] == pytest.approx([90, 10])
    alloc = t["allocation"]
    a_years = alloc[alloc["program"] == "a"].set_index("year")["invest_musd"]
    assert a_years.to_dict() == pytest.approx({2025: 30, 2026: 30, 2027: 30})
    assert _price(t, "budget(public,p1)") == (pytest.approx(4), True)
    for year in (2025, 2026, 2027):
        assert _price(t, f"ramp(a,{year})") == (pytest.approx(6), True)
    assert _price(t, "program_cap(a)") == (0, False)


def test_lag_moves_money_to_the_early_years():
    _, sol, t = solved(str(DATA / "lag"))
    assert sol.objective_value == pytest.approx(750)
    alloc = t["allocation"]
    a = alloc[alloc["program"] == "a"]
    assert a["invest_musd"].sum() == pytest.approx(50)
    assert a["year"].max() <= 2026, "money in a after 2026 is never productive by 2028"
    assert _total(t, "b") == pytest.approx(50)
    assert _price(t, "budget(public,early)") == (pytest.approx(10), True)
    assert _price(t, "budget(public,late)") == (pytest.approx(5), True)
    assert _rc(t, "invest(a,public,2027)") == pytest.approx(-5)
    assert _rc(t, "carry(public,early)") == pytest.approx(-5)


def test_export_market_binds_and_ties_break_towards_jobs():
    _, sol, t = solved(str(DATA / "exports"), "exports")
    assert sol.objective_value == pytest.approx(150)
    assert [_total(t, p) for p in "xy"] == pytest.approx([50, 50])
    assert sol.totals["jobs"] == pytest.approx(200)
    assert _price(t, "export_market(export_category,cat,2026)") == (pytest.approx(1), True)
    assert _price(t, "budget(public,p1)")[0] == pytest.approx(0)


def test_jobs_plan_reports_the_exports_its_allocation_reaches():
    _, sol, t = solved(str(DATA / "exports"), "jobs")
    assert sol.objective_value == pytest.approx(300)
    assert sol.totals["exports"] == pytest.approx(100)
    out = t["outcomes"].set_index(["dimension", "member"])
    assert out.loc[("total", "all"), "exports_musd"] == pytest.approx(100)
    assert out.loc[("sector", "s2"), "jobs"] == pytest.approx(300)


def test_risk_cover_limits_exposed_investment():
    _, sol, t = solved(str(DATA / "risk"))
    assert sol.objective_value == pytest.approx(580)
    assert [_total(t, p) for p in "ab"] == pytest.approx([30, 70])
    assert _price(t, "risk_budget(tech)") == (pytest.approx(30), True)
    assert _price(t, "budget(public,p1)") == (pytest.approx(4), True)


@pytest.mark.parametrize("case", ["greedy", "ramp", "lag", "exports", "risk"])
@pytest.mark.parametrize("objective", ["jobs", "exports", "weighted"])
def test_duality_and_feasibility(case, objective):
    inp, sol, tables = solved(str(DATA / case), objective)
    check_duality(sol)
    check_feasible(inp, tables)
