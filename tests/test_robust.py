"""Robust plans in the LP: CVaR (Rockafellar-Uryasev) and worst case over sampled scenarios."""

from __future__ import annotations

import pytest

from allocator.data.inputs import load_inputs
from allocator.errors import InfeasibleError
from allocator.runs.solve import plan, robust_spec
from allocator.runs.spec import RunSpec
from conftest import DATA, run_cli

SWEEP = DATA / "robust"


def _plan(**kw):
    return plan(RunSpec(inputs=SWEEP, scenarios=30, seed=4, **kw))


def _scenario_jobs(run, spec):
    """Each scenario's jobs for the plan's allocation, recomputed from allocation.csv."""
    alloc = run.tables["allocation"]
    year = run.inputs.last_milestone
    out = []
    for sc in spec.scenarios:
        total = 0.0
        for r in alloc.itertuples():
            rate, lag = sc[r.program]
            if r.year <= year - lag:
                total += rate * r.invest_musd
        out.append(total)
    return out


def test_loose_cap_gives_the_expected_value_plan():
    ev = _plan(risk="cvar")  # no cap: maximise expected jobs
    spec = robust_spec(load_inputs(SWEEP), RunSpec(inputs=SWEEP, risk="cvar", scenarios=30, seed=4))
    jobs = _scenario_jobs(ev, spec)
    assert ev.solution.objective_value == pytest.approx(sum(jobs) / len(jobs))
    loose = _plan(risk="cvar", cvar_cap=1e9)
    assert loose.solution.objective_value == pytest.approx(ev.solution.objective_value)
    assert loose.info["risk"]["price_of_risk"] == 0


def test_cvar_with_beta_zero_is_the_mean_shortfall():
    """beta = 0: CVaR is the mean shortfall, so the cap holds exactly when expected jobs reach
    reference - cap; just above, the expected-value plan; just below, no plan."""
    ev = _plan(risk="cvar")
    best, ref = ev.solution.objective_value, ev.info["risk"]["reference_jobs"]
    just = _plan(risk="cvar", beta=0.0, cvar_cap=ref - best + 1e-3)
    assert just.solution.objective_value == pytest.approx(best)
    with pytest.raises(InfeasibleError):
        _plan(risk="cvar", beta=0.0, cvar_cap=ref - best - 1.0)


def test_a_binding_cap_has_a_price_and_costs_expected_jobs():
    ev = _plan(risk="cvar")
    ref = ev.info["risk"]["reference_jobs"]
    spec = robust_spec(load_inputs(SWEEP), RunSpec(inputs=SWEEP, risk="cvar", scenarios=30, seed=4))
    jobs = sorted(_scenario_jobs(ev, spec))
    tail = jobs[: len(jobs) // 10 or 1]  # the worst 10%
    unconstrained_cvar = ref - sum(tail) / len(tail)
    tighter = _plan(risk="cvar", cvar_cap=unconstrained_cvar - 5.0)
    assert tighter.info["risk"]["price_of_risk"] > 0
    assert tighter.solution.objective_value < ev.solution.objective_value
    tight_jobs = sorted(_scenario_jobs(tighter, spec))
    tight_tail = tight_jobs[: len(tight_jobs) // 10 or 1]
    assert ref - sum(tight_tail) / len(tight_tail) <= unconstrained_cvar - 5.0 + 1e-6


def test_worst_case_maximises_the_worst_scenario():
    wc = _plan(risk="worst-case")
    spec = robust_spec(
        load_inputs(SWEEP), RunSpec(inputs=SWEEP, risk="worst-case", scenarios=30, seed=4)
    )
    assert wc.solution.objective_value == pytest.approx(min(_scenario_jobs(wc, spec)))
    ev = _plan(risk="cvar")
    assert wc.solution.objective_value >= min(_scenario_jobs(ev, spec)) - 1e-6


@pytest.mark.parametrize(
    ("risk", "family", "unit"),
    [
        # the price of risk, as the robust plan's lines say it (task fd)
        ("cvar", "cvar_cap", "jobs of expected value per job of CVaR cap"),
        ("worst-case", "worst_case", "jobs per job"),
    ],
)
def test_risk_rows_are_priced_in_jobs_per_job(risk, family, unit):
    """Their right-hand sides are jobs, so their prices are jobs per job, not per musd."""
    extra = {"cvar_cap": 1000.0} if risk == "cvar" else {}
    prices = _plan(risk=risk, **extra).tables["shadow_prices"]
    rows = prices[prices["family"] == family]
    assert len(rows) > 0
    assert set(rows["unit"]) == {unit}
    assert set(prices.loc[prices["family"] == "budget", "unit"]) == {"jobs per musd"}


def test_an_infeasible_cvar_cap_is_named_as_the_option_it_is(tmp_path):
    """A CVaR cap no plan can meet: the conflicting set names the cap as the --cvar-cap option
    the user gave, not as "the model's structure, not an input number"."""
    ran = run_cli(
        "solve", "--risk", "cvar", "--cvar-cap", "9000", "--scenarios", "10", "--seed", "3",
        "--out", tmp_path / "run",
    )  # fmt: skip
    assert ran.exit_code == 1, ran.stderr
    (line,) = [x for x in ran.stderr.splitlines() if x.strip().startswith("- cvar_cap:")]
    assert line.endswith("<= 9,000 jobs (the --cvar-cap option)"), line
