"""Issue 29 point 3 in the studies: frontier, alternatives, sweep, the sweep's fixed plan and the
core index snap solver noise as `allocator solve` does (`solver.results.snap`/`snap_plan`), so
the same value reads the same in solve's and the study's tables: the baseline's
manufacturing_zones money (the exact vertex 17,000 / 5.666667 = 2,999.99982353) reads 3,000
there too. A genuine value (market development's 2,231.389147...) is left as it is."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from allocator.data.inputs import load_inputs
from allocator.runs.spec import RunSpec
from conftest import BASELINE

ZONES = "manufacturing_zones"
MARKET = 2231.389147  # export_market_development's money: data, not noise (6 decimals)


@functools.cache
def _inputs():
    return load_inputs(str(BASELINE))


@functools.cache
def _held():
    from allocator.studies.alternatives import held_model

    return held_model(_inputs(), "jobs", "soft", RunSpec().measured(), 0.02, "program")


@functools.cache
def _sample_model():
    from allocator.studies.sweep import SampleModel, load_uncertain

    inp, params = load_uncertain(str(BASELINE), None)
    spec = RunSpec()
    return SampleModel(inp, params, "jobs", "soft", spec.measured(), {}), params


def test_the_frontier_table_shows_the_snapped_money_by_sector():
    from allocator.runs.frontier import trace

    table, *_ = trace(_inputs(), RunSpec(), 2, "exports", "jobs")
    # manufacturing_zones is the only infrastructure program
    assert len(table)
    assert set(table["infrastructure_musd"]) == {3000.0}
    assert table["market_development_musd"].iloc[0] == pytest.approx(MARKET, abs=1e-6)
    assert table["market_development_musd"].iloc[0] != round(MARKET)  # not snapped to 2,231


def test_the_alternatives_ranges_show_the_snapped_optimum_and_ends():
    from allocator.studies.alternatives import ranges_table, solve_members

    rows = solve_members(_held(), [ZONES, "export_market_development"])
    table = ranges_table("program", rows, "jobs").set_index("member")
    zones = table.loc[ZONES]
    assert (zones["optimum_musd"], zones["min_musd"], zones["max_musd"]) == (3000, 3000, 3000)
    assert zones["width_musd"] == 0
    market = table.loc["export_market_development"]
    assert market["optimum_musd"] == pytest.approx(MARKET, abs=1e-6)
    assert market["optimum_musd"] != round(MARKET)
    assert market["max_musd"] == 2800  # its pool's budget, exactly


def test_the_core_index_totals_are_snapped():
    from allocator.studies.core import totals

    model = _held()
    columns = [model.members[ZONES], model.members["export_market_development"]]
    zones, market = totals(model.opt.x, columns, model.lp)
    assert zones == 3000.0
    assert market == pytest.approx(MARKET, abs=1e-6)
    assert market != round(MARKET)
    assert totals(np.array([2999.99, 1e-13]), [np.array([0]), np.array([1])]) == [2999.99, 0.0]


def test_a_sweep_sample_and_the_fixed_plan_show_the_snapped_money():
    from allocator.studies.fixedplan import nominal_x

    model, params = _sample_model()
    got = model.solve(np.array([p.nominal for p in params]))
    assert got["status"] == "optimal"
    assert got["programs"][ZONES] == 3000.0
    assert got["programs"]["export_market_development"] == pytest.approx(MARKET, abs=1e-6)
    assert got["programs"]["export_market_development"] != round(MARKET)
    x = nominal_x(model)
    lp = model.lp
    zones = [
        j for j, f in enumerate(lp.col_family) if f == "invest" and lp.col_index[j][0] == ZONES
    ]
    assert float(x[zones].sum()) == 3000.0
