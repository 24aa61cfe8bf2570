"""Findings of hunt14: numbers a planner quotes, re-checked by independent code.

Each test fails on today's code (xfail strict) and says the harm in its reason; what it asserts
is what the docs promise, recomputed without the model's code (re-solves of the moved data, or
the written tables added up by hand).
"""

from __future__ import annotations

import json

import pytest

from allocator.solver.highs import new_highs
from conftest import BASELINE, DATA, run_cli


def _solve_json(tmp_path, name, *args):
    """`allocator solve --inputs BASELINE ARGS --json --out tmp/name`: the printed document."""
    res = run_cli("solve", "--inputs", BASELINE, *args, "--json", "--out", tmp_path / name)
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)


def test_a_weighted_runs_one_more_unit_is_what_solve_on_the_moved_data_gives(tmp_path):
    import pandas as pd

    before = _solve_json(tmp_path, "base", "--objective", "weighted")
    # read from shadow_prices.csv (q14): found again, the bests leave no room that buys (the
    # index is 1, both bests reached), so the largest shadow prices list no row at all
    prices = pd.read_csv(tmp_path / "base" / "shadow_prices.csv")
    row = prices.set_index("constraint").loc["program_cap(rare_earths_processing)"]
    after = _solve_json(
        tmp_path,
        "moved",
        "--objective",
        "weighted",
        "--set",
        "programs.rare_earths_processing.cap_musd=2201",  # the cap is 2200: one musd more
    )
    change = after["objective"]["value"] - before["objective"]["value"]
    assert change == pytest.approx(row["gain_of_one_unit_up"], rel=1e-6, abs=1e-9)


def test_one_more_unit_of_a_ramped_cap_is_what_solve_on_the_moved_cap_gives(tmp_path):
    import pandas as pd

    measure = ("--objective", "exports", "--measure", "cumulative")
    before = _solve_json(tmp_path, "base", *measure)
    prices = pd.read_csv(tmp_path / "base" / "shadow_prices.csv")
    row = prices.set_index("constraint").loc["program_cap(semiconductor_assembly)"]
    after = _solve_json(
        tmp_path,
        "moved",
        *measure,
        "--set",
        "programs.semiconductor_assembly.cap_musd=2501",  # the cap is 2500: one musd more
    )
    change = after["objective"]["value"] - before["objective"]["value"]
    assert change == pytest.approx(row["gain_of_one_unit_up"], abs=1e-6)


def test_what_a_musd_of_enabling_capital_is_worth_is_what_a_resolve_gives(tmp_path):
    import re

    import pandas as pd

    measure = ("--objective", "exports", "--measure", "cumulative")
    res = run_cli("solve", "--inputs", BASELINE, *measure, "--out", tmp_path / "base")
    assert res.exit_code == 0, res.stderr
    said = re.search(
        r"market_access_exports:.*?worth ([+-][\d.,]+) musd", " ".join(res.stdout.split())
    )
    worth = float(said.group(1).replace(",", ""))
    plan = pd.read_csv(tmp_path / "base" / "allocation.csv")
    now = float(plan.loc[plan.program == "export_market_development", "invest_musd"].sum())
    before = json.loads((tmp_path / "base" / "run.json").read_text())["objective"]["value"]
    # market_development phase2 leaves 568.6 musd unspent: one more musd is there to be spent
    after = _solve_json(
        tmp_path,
        "moved",
        *measure,
        "--set",
        f"programs.export_market_development.floor_musd={now + 1!r}",
    )
    assert after["objective"]["value"] - before == pytest.approx(worth, abs=0.01)


@pytest.fixture(scope="module")
def two_stage_run(tmp_path_factory):
    """`allocator solve tests/data/two_stage/model.yaml` (decide p1 now): the run folder."""
    out = tmp_path_factory.mktemp("two_stage") / "run"
    res = run_cli("solve", DATA / "two_stage" / "model.yaml", "--out", out)
    assert res.exit_code == 0, res.stderr
    return out


def _header(book, sheet, column):
    """The workbook header cell of `column` on `sheet` (the name and, in brackets, its unit)."""
    import openpyxl

    wb = openpyxl.load_workbook(book, read_only=True)
    try:
        cells = next(wb[sheet].iter_rows(max_row=1, values_only=True))
    finally:
        wb.close()
    return next(c for c in cells if str(c).split(" (")[0] == column)


def test_a_decide_now_price_is_headed_in_its_own_unit(two_stage_run):
    import pandas as pd

    unit = pd.read_csv(two_stage_run / "decide_now_prices.csv")["unit"].iloc[0]
    assert unit == "jobs per musd"
    header = _header(two_stage_run / "workbook.xlsx", "decide_now_prices", "one_more_per_musd")
    assert "US$ million)" not in header


def test_the_two_stage_scenarios_say_their_unit(two_stage_run):
    import pandas as pd

    table = pd.read_csv(two_stage_run / "two_stage_scenarios.csv")
    header = _header(two_stage_run / "workbook.xlsx", "two_stage_scenarios", "here_and_now")
    assert "unit" in table.columns or header.endswith("(jobs)")


def test_an_allowable_increase_keeps_the_written_plan_optimal(tmp_path):
    """Every stated range of an objective coefficient is checked on the run's own model.mps:
    1% inside it the written plan is still optimal (HiGHS finds nothing better); a column the
    tie rule moved holds 0 on one side exactly: 1e-3 past it, a better plan exists (a zero range
    of a column left at the vertex is the basis's, flagged degenerate: the plan may stay
    optimal). The other side of a moved column is empty (not computed), as for
    invest(advanced_materials,rnd,2036), whose basis range (5.3 up) described another optimum."""
    import highspy
    import numpy as np
    import pandas as pd

    run = tmp_path / "run"
    res = run_cli("solve", "--inputs", BASELINE, "--targets", "off", "--write-model", "--out", run)
    assert res.exit_code == 0, res.stderr
    sens = pd.read_csv(run / "sensitivity.csv")
    sens = sens[sens["section"] == "variable"].set_index("name")
    moved = sens.loc["invest(advanced_materials,rnd,2036)"]
    assert moved["allowable_increase"] == 0
    assert np.isnan(moved["allowable_decrease"])
    assert moved["flag"].startswith("tie:")
    plan = pd.read_csv(run / "reduced_costs.csv").set_index("variable")["value"]
    h = new_highs()
    h.readModel(str(run / "model.mps"))
    lp = h.getLp()
    names = list(lp.col_names_)
    x = plan.reindex(names).to_numpy()
    cost0 = np.array(lp.col_cost_)
    sense = -1.0 if lp.sense_ == highspy.ObjSense.kMaximize else 1.0
    checked = 0
    for name, row in sens.iterrows():
        i = names.index(name)
        for side, sign in (("allowable_increase", 1.0), ("allowable_decrease", -1.0)):
            amount = row[side]
            if np.isnan(amount) or amount >= 1e29:
                continue
            step = 0.99 * amount if amount > 0 else 1e-3
            h.changeColCost(i, cost0[i] + sign * step)
            h.setBasis()  # each check from scratch
            h.run()
            best = h.getInfo().objective_function_value
            mine = (cost0 + sign * step * (np.arange(len(names)) == i)) @ x
            if amount > 0:  # inside the range: the plan is still optimal
                assert sense * (best - mine) >= -1e-6 * max(1.0, abs(mine)), (name, side)
            elif str(row["flag"]).startswith("tie:"):  # moved: a better plan just past 0
                assert sense * (mine - best) > 1e-9, (name, side)
            checked += 1
            h.changeColCost(i, cost0[i])
