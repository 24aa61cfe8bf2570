"""A fixed plan evaluated in a sample counts outcomes as levels (issue 25's base and tranches):
the nominal plan, evaluated at the numbers as given, delivers what its own solve reports."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.studies.fixedplan import evaluate, nominal_x
from allocator.studies.sweep import SampleModel, load_uncertain
from conftest import BASELINE


@pytest.fixture(scope="module")
def baseline():
    """The baseline's sample model, the nominal plan's full LP solution and its evaluation at
    the nominal numbers (base levels and a tranche per sector)."""
    inp, params = load_uncertain(str(BASELINE), None)
    model = SampleModel(inp, params, "jobs", "soft")
    x = nominal_x(model)
    got = evaluate(model, x, np.array([p.nominal for p in params]))
    return model, x, got


def test_nominal_plan_at_nominal_numbers_gives_the_solves_levels(baseline):
    model, x, got = baseline
    assert {"base", "excess"} <= set(model.lp.col_family)  # the case under test
    for name, cost in model.lp.costs.items():
        kind, _, year = name.partition("@")
        if kind in ("jobs", "exports") and year:
            column = f"plan_{'jobs' if kind == 'jobs' else 'exports_musd'}@{year}"
            assert got[column] == pytest.approx(float(cost @ x), rel=1e-9, abs=1e-6), column
    assert got["plan_jobs"] == pytest.approx(float(model.lp.costs["jobs"] @ x), rel=1e-9)


def test_nominal_plan_misses_only_the_targets_its_solve_misses(baseline):
    model, x, got = baseline
    short = [j for j, f in enumerate(model.lp.col_family) if f == "shortfall" and x[j] > 1e-6]
    jobs_short = sum(x[j] for j in short if model.lp.col_index[j][0] == "jobs")
    # and the 3 processing shares solve lists (shares.csv, weight 0: no LP rows, no shortfall
    # columns): copper, gold and silver in 2040 (tests/test_study_rules.py counts all 17)
    assert got["targets_missed"] == len(short) + 3
    assert got["jobs_short"] == pytest.approx(jobs_short, rel=1e-9, abs=1e-6)


def test_risk_counts_a_fixed_plan_in_the_scenarios_as_levels(monkeypatch, tmp_path):
    """`nominal_in_scenarios` given the robust plan itself must give that plan's own expected
    and worst jobs (its scenarios' rows: the base and each scenario's tranche terms counted)."""
    from typer.testing import CliRunner

    import allocator.report.risk as risk
    from allocator.cli.commands import app
    from allocator.report.risk import nominal_in_scenarios, scenario_jobs

    seen = {}

    def own_plan(sol, nominal):
        seen["own"] = nominal_in_scenarios(sol, sol)
        seen["jobs"] = scenario_jobs(sol)
        return nominal_in_scenarios(sol, nominal)

    monkeypatch.setattr(risk, "nominal_in_scenarios", own_plan)  # runs.solve imports it late
    args = ["solve", "--risk", "cvar", "--scenarios", "10", "--out", str(tmp_path / "run")]
    assert CliRunner().invoke(app, args).exit_code == 0
    assert seen["own"]["nominal_plan_expected_jobs"] == pytest.approx(seen["jobs"].mean(), 1e-9)
    assert seen["own"]["nominal_plan_worst_jobs"] == pytest.approx(seen["jobs"].min(), 1e-9)
