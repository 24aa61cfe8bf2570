"""One plan at the optimum, whichever command reports it.

`allocator solve` breaks ties on its optimal face by one rule (docs/outputs.md, 'Ties': money
in proportion to caps among interchangeable programs). Every other command that shows "the
optimum" or "this plan" of a solve shows that same allocation, to the bit: the optimum column
of `allocator alternatives` (and the optimum among `allocator core`'s near-optimal plans), the
end plans of `allocator frontier`, the nominal plan a sweep fixes, `serve`'s first page, a
re-plan whose actuals are the approved plan's own spending, and a comparison of a run folder
with a fresh solve.

tests/one_plan/twins: one year, budget 100, exports capped at 150 by the market. x and x2 make
1 job and 2 US$ million of exports per US$ million (caps 60 and 120), y and y2 make 3 jobs and
1 (caps 100 and 50). The jobs-best plan puts the 100 into y and y2, the exports-best one 50
into x and x2 and 50 into y and y2 (150 of exports, 200 jobs): each twin pair is
interchangeable, so each split is the tie rule's, in proportion to the caps (y 66.67, y2 33.33
at the jobs end; x 16.67, x2 33.33, y 33.33, y2 16.67 at the exports end).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from allocator.data.inputs import load_inputs
from allocator.model.measures import FINAL
from allocator.solver.compile import build_lp
from allocator.solver.frontier import trace_frontier
from allocator.solver.results import snap_plan
from allocator.studies.alternatives import held_model, tasks_of
from conftest import BASELINE, run_cli, solved

TWINS = Path(__file__).resolve().parent / "one_plan" / "twins"
KEY = ["program", "pool", "year"]


def _invest(lp, x) -> dict[str, float]:
    """The investment columns of plan `x` of `lp`, snapped as solve's tables, by name."""
    plan = snap_plan(lp, x)[0]
    return {lp.col_names[j]: plan[j] for j, f in enumerate(lp.col_family) if f == "invest"}


def _solve_invest(folder: Path, objective: str = "jobs", targets: str = "soft") -> dict:
    """The investment columns of `allocator solve`'s plan, as its tables hold them, by name."""
    sol = solved(str(folder), objective, targets)[1]
    cols = sol.columns[sol.columns["family"] == "invest"]
    return dict(zip(cols["variable"], cols["value"], strict=True))


def _by_program(plan: dict[str, float], lp) -> dict[str, float]:
    names = {n: lp.col_index[j][0] for j, n in enumerate(lp.col_names)}
    out: dict[str, float] = {}
    for name, value in plan.items():
        out[names[name]] = out.get(names[name], 0.0) + value
    return out


def test_alternatives_optimum_is_the_solves_plan_on_the_baseline():
    inp = load_inputs(BASELINE)
    model = held_model(inp, "jobs", "soft", FINAL, 0.02, "program")
    assert _invest(model.lp, model.opt.x) == _solve_invest(BASELINE)
    optimum = {t["member"]: t["optimum"] for t in tasks_of(model, list(model.members))}
    assert optimum["advanced_materials"] == pytest.approx(5340.9, abs=1e-9)  # solve's, not 2,830.2


def test_alternatives_csv_optimum_column_equals_solves_allocation(tmp_path, baseline_run):
    out = tmp_path / "alt"
    done = run_cli("alternatives", "--inputs", BASELINE, "--by", "sector", "--out", out)
    assert done.exit_code == 0, done.stderr
    ranges = pd.read_csv(out / "ranges.csv").set_index("member")["optimum_musd"]
    alloc = pd.read_csv(baseline_run / "allocation.csv")
    by_sector = alloc.groupby("sector")["invest_musd"].sum()
    for sector, money in ranges.items():
        assert money == pytest.approx(by_sector.get(sector, 0.0), rel=1e-12, abs=1e-6), sector
    assert "tie rule" in json.loads((out / "run.json").read_text())["objective"]["plan"]


def test_alternatives_of_a_weighted_plan_hold_the_runs_weights():
    """A weighted run's optimum is the one of its own weights, not of 0.5 / 0.5."""
    weights = {"jobs": 0.1, "exports": 0.9}
    inp = load_inputs(TWINS)
    model = held_model(inp, "weighted", "soft", FINAL, 0.0, "program", weights=weights)
    from allocator.pipeline import solve_inputs

    sol, _ = solve_inputs(inp, "weighted", weights)
    cols = sol.columns[sol.columns["family"] == "invest"]
    assert _invest(model.lp, model.opt.x) == dict(zip(cols["variable"], cols["value"], strict=True))
    assert model.held.optimum == pytest.approx(sol.objective_value, rel=1e-12)


@pytest.mark.parametrize("targets", ["soft", "off"])
def test_frontier_ends_are_the_solves_plans(targets):
    inp = load_inputs(TWINS)
    lp, _ = build_lp(inp, targets, measure=FINAL)
    points = trace_frontier(lp, "exports", "jobs", 3)
    reached = [v for p in points for v in (p.x_value, p.y_value)]
    assert reached == pytest.approx([100, 300, 125, 250, 150, 200])
    jobs_end, exports_end = _invest(lp, points[0].x), _invest(lp, points[-1].x)
    assert jobs_end == _solve_invest(TWINS, "jobs", targets)
    assert exports_end == _solve_invest(TWINS, "exports", targets)
    assert _by_program(exports_end, lp) == pytest.approx(
        {"x": 50 / 3, "x2": 100 / 3, "y": 100 / 3, "y2": 50 / 3}
    )


def test_frontier_of_one_point_is_the_solves_plan_on_the_baseline():
    inp = load_inputs(BASELINE)
    lp, _ = build_lp(inp, "soft", measure=FINAL)
    (point,) = trace_frontier(lp, "exports", "jobs", 3)
    assert _invest(lp, point.x) == _solve_invest(BASELINE)


def test_frontier_csv_sectors_equal_solves_allocation(tmp_path, baseline_run):
    out = tmp_path / "f"
    done = run_cli("frontier", "--inputs", BASELINE, "--points", 2, "--out", out)
    assert done.exit_code == 0, done.stderr
    row = pd.read_csv(out / "frontier.csv").iloc[0]
    alloc = pd.read_csv(baseline_run / "allocation.csv")
    for sector, money in alloc.groupby("sector")["invest_musd"].sum().items():
        assert row[f"{sector}_musd"] == pytest.approx(money, rel=1e-12, abs=1e-9), sector
    assert "tie rule" in json.loads((out / "run.json").read_text())["plans"]


def test_core_counts_the_solves_plan_among_its_near_optimal_plans():
    from allocator.studies.core import CoreSettings, CoreStudy, alternative_plans
    from allocator.studies.corerun import Serial

    study = CoreStudy(str(BASELINE), None, (), "jobs", "soft", FINAL, {})
    inp = load_inputs(BASELINE)
    plans, _, _ = alternative_plans(study, CoreSettings(by="program", slack=0.02), Serial(), inp)
    tables = solved(str(BASELINE))[2]
    total = tables["allocation_by_phase"].set_index("program")["total_musd"]
    names = sorted(p.program for p in inp.programs)
    want = np.array([round(float(total.get(p, 0.0)), 6) for p in names])
    assert any(np.allclose(row, want, rtol=1e-12, atol=1e-6) for row in plans)


def test_sweeps_nominal_plan_is_the_solves_plan():
    from allocator.studies.fixedplan import nominal_x
    from allocator.studies.sweep import SampleModel, load_uncertain

    inp, params = load_uncertain(str(BASELINE), None)
    model = SampleModel(inp, params, "jobs", "soft", FINAL, {})
    x = nominal_x(model)
    lp = model.lp
    mine = {lp.col_names[j]: x[j] for j, f in enumerate(lp.col_family) if f == "invest"}
    theirs = _solve_invest(BASELINE)
    assert {n: v for n, v in mine.items() if v} == {n: v for n, v in theirs.items() if v}


def test_serves_first_page_is_the_solves_plan(held):
    # serve answers with the numbers solve's CSV tables write (12 significant digits, `%.12g`):
    # its held instance's last bits depend on the edits before (docs/serve.md)
    brief = held.answer().brief
    total = solved(str(BASELINE))[2]["allocation_by_phase"].set_index("program")["total_musd"]
    assert brief.programs == {str(p): float(f"{v:.12g}") for p, v in total.items()}


def test_replan_with_the_approved_spending_is_the_solves_plan(tmp_path, baseline_run):
    alloc = pd.read_csv(baseline_run / "allocation.csv")
    spent = alloc[alloc["year"] <= 2027][[*KEY, "invest_musd"]]
    spent.rename(columns={"invest_musd": "spent_musd"}).to_csv(tmp_path / "a.csv", index=False)
    out = tmp_path / "re"
    done = run_cli(
        "replan", baseline_run, "--as-of", 2027, "--actuals", tmp_path / "a.csv", "--out", out
    )
    assert done.exit_code == 0, done.stderr
    again = pd.read_csv(out / "allocation.csv")
    pd.testing.assert_frame_equal(again, alloc)


def test_compare_of_a_run_and_a_fresh_solve_finds_no_difference(tmp_path, baseline_run):
    out = tmp_path / "cmp"
    done = run_cli("compare", baseline_run, "jobs", "--inputs", BASELINE, "--out", out)
    assert done.exit_code == 0, done.stderr
    table = pd.read_csv(out / "compare.csv")
    assert not (table["section"] == "largest differences").any()
