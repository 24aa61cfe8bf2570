"""What a fixed plan delivers under uncertainty (issue 27, point 1), against hand calculations.

tests/data/fixed_plan: one pool of US$100 million (2025-2026), programs x (1 job and US$2
million exports per US$ million, cap 100) and y (3 jobs, US$1 million exports, cap 100), one
export market of 300 with a 50% share reachable. The nominal plan puts all 100 into y: 300 jobs,
100 of exports. In a sample with y's jobs rate j, y's exports rate e, budget b and market m, the
plan's money is cut to b where b < 100, and it delivers j * min(100, b) jobs and
min(e * min(100, b), m / 2) exports, whatever re-optimising would do.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from allocator.cli.commands import app
from allocator.studies.fixedplan import evaluate, nominal_x
from allocator.studies.sweep import SampleModel, load_uncertain
from conftest import BASELINE, DATA

FIXED = DATA / "fixed_plan"
FORESIGHT = "with perfect foresight (each sample re-optimised)"
runner = CliRunner()


def sweep(*args):
    """`allocator sweep --serial ARGS` in this process: (exit code, output)."""
    res = runner.invoke(app, ["sweep", "--serial", *map(str, args)])
    return res.exit_code, res.output


@pytest.fixture(scope="module")
def model():
    inp, params = load_uncertain(str(FIXED), None)
    return SampleModel(inp, params, "jobs", "soft")


def at(model, **given):
    """The sample with these values (by parameter label), the others at their nominal."""
    values = {p.label: p.nominal for p in model.params}
    values |= {k.replace("__", ":"): v for k, v in given.items()}
    return np.array([values[p.label] for p in model.params])


def test_nominal_plan_delivers_its_own_outcome(model):
    plan = nominal_x(model)
    got = evaluate(model, plan, at(model))
    assert got["plan_jobs"] == pytest.approx(300)
    assert got["plan_exports_musd"] == pytest.approx(100)
    assert got["money_cut_musd"] == 0


def test_halved_jobs_rate_halves_the_outcome(model):
    got = evaluate(model, nominal_x(model), at(model, **{"programs:y:jobs_per_musd": 1.5}))
    assert got["plan_jobs"] == pytest.approx(150)  # 100 * 1.5: the plan is not moved to x
    assert got["plan_jobs@2026"] == pytest.approx(150)
    assert got["money_cut_musd"] == 0


def test_budget_below_the_plan_cuts_its_money(model):
    values = at(model, **{"pools:public/p1:budget_musd": 60, "programs:y:jobs_per_musd": 1.5})
    got = evaluate(model, nominal_x(model), values)
    assert got["money_cut_musd"] == pytest.approx(40)  # 100 planned, 60 to spend
    assert got["plan_jobs"] == pytest.approx(90)  # 60 * 1.5
    assert got["plan_exports_musd"] == pytest.approx(60)  # 60 * 1, below the market's 150


def test_smaller_market_caps_the_plans_exports(model):
    values = at(model, **{"markets:/cat/2026:market_musd": 100})
    got = evaluate(model, nominal_x(model), values)
    assert got["plan_exports_musd"] == pytest.approx(50)  # 50% of 100, not the capacity 100
    assert got["plan_jobs"] == pytest.approx(300)


@pytest.fixture(scope="module")
def fixed_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("fixed") / "s"
    code, text = sweep("--inputs", FIXED, "--samples", 40, "--seed", 3, "--out", out)
    assert code == 0, text
    return out, text


def test_every_sample_matches_the_hand_rule(fixed_sweep):
    out, _ = fixed_sweep
    s = pd.read_csv(out / "sweep.csv")
    p = pd.read_csv(out / "sweep_plan.csv")
    assert list(p["sample"]) == list(s["sample"]) == list(range(40))
    spent = np.minimum(100.0, s["pools:public/p1:budget_musd"])
    assert p["money_cut_musd"].to_numpy() == pytest.approx((100.0 - spent).to_numpy(), abs=1e-6)
    jobs = s["programs:y:jobs_per_musd"] * spent
    assert p["plan_jobs"].to_numpy() == pytest.approx(jobs.to_numpy(), rel=1e-9)
    exports = np.minimum(
        s["programs:y:exports_per_musd"] * spent, 0.5 * s["markets:/cat/2026:market_musd"]
    )
    assert p["plan_exports_musd"].to_numpy() == pytest.approx(exports.to_numpy(), rel=1e-9)
    assert (p["money_cut_musd"] > 0).any()
    assert (p["money_cut_musd"] == 0).any()


def test_fixed_plan_never_beats_perfect_foresight(fixed_sweep):
    out, _ = fixed_sweep
    s = pd.read_csv(out / "sweep.csv")
    p = pd.read_csv(out / "sweep_plan.csv")
    assert (p["plan_jobs"] <= s["jobs"] + 1e-6).all()
    assert (p["plan_jobs"] < s["jobs"] - 1).any()  # re-optimising moves money to x somewhere
    summary = pd.read_csv(out / "sweep_summary.csv").set_index("item")
    assert summary.loc["plan jobs", "p50"] <= summary.loc["jobs", "p50"]


def test_baseline_fixed_median_at_most_perfect_foresight(tmp_path):
    out = tmp_path / "b"
    code, text = sweep("--inputs", BASELINE, "--samples", 16, "--out", out)
    assert code == 0, text
    summary = pd.read_csv(out / "sweep_summary.csv").set_index("item")
    assert summary.loc["plan jobs", "p50"] <= summary.loc["jobs", "p50"]
    assert summary.loc["plan links_broken", "max"] == 0  # the link rule cut what broke them


def test_summary_and_terminal_are_labelled(fixed_sweep):
    out, text = fixed_sweep
    summary = pd.read_csv(out / "sweep_summary.csv").set_index("item")
    assert summary.loc["jobs", "basis"] == FORESIGHT
    assert summary.loc["exports_musd", "basis"] == FORESIGHT
    assert summary.loc["program y", "basis"] == FORESIGHT
    assert summary.loc["plan jobs", "basis"].startswith("this plan (nominal plan)")
    lines = text.splitlines()
    first = next(k for k, line in enumerate(lines) if line.startswith("  jobs: P50 "))
    assert lines[first - 1].startswith("This plan (nominal plan, fixed: not re-optimised)")
    fixed = ("  jobs: P50 ", "  exports_musd: P50 ")
    foresight = [line for line in lines if " P50 " in line and not line.startswith(fixed)]
    assert foresight
    assert all(FORESIGHT in line for line in foresight)
    assert first < lines.index(next(x for x in lines if FORESIGHT in x))
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f"jobs {FORESIGHT}: P50" in html
    assert "Jobs of this plan" in html


def test_plan_from_a_run_folder(tmp_path):
    run = tmp_path / "run"
    res = runner.invoke(
        app, ["solve", "--inputs", str(FIXED), "--objective", "exports", "--out", str(run)]
    )
    assert res.exit_code == 0, res.output
    planned = pd.read_csv(run / "allocation.csv").groupby("program")["invest_musd"].sum()
    assert planned.to_dict() == pytest.approx({"x": 50, "y": 50})  # 150 of exports, the most jobs
    out = tmp_path / "s"
    code, text = sweep("--inputs", FIXED, "--samples", 10, "--plan", run, "--out", out)
    assert code == 0, text
    s, p = pd.read_csv(out / "sweep.csv"), pd.read_csv(out / "sweep_plan.csv")
    spent = np.minimum(100.0, s["pools:public/p1:budget_musd"])
    # both programs' money scaled by the same factor to the budget
    jobs = 0.5 * (s["programs:x:jobs_per_musd"] + s["programs:y:jobs_per_musd"]) * spent
    assert p["plan_jobs"].to_numpy() == pytest.approx(jobs.to_numpy(), rel=1e-9)
    assert json.loads((out / "sweep.json").read_text())["plan"] == f"plan of {run}"
    assert f"This plan (plan of {run}" in text.replace("\n", "")


def test_resume_with_another_plan_is_refused(tmp_path, fixed_sweep):
    run = tmp_path / "run"
    res = runner.invoke(app, ["solve", "--inputs", str(FIXED), "--out", str(run)])
    assert res.exit_code == 0, res.output
    out = tmp_path / "s"
    assert sweep("--inputs", FIXED, "--samples", 4, "--out", out)[0] == 0
    before = (out / "sweep_plan.csv").read_bytes()
    code, text = sweep("--inputs", FIXED, "--samples", 4, "--plan", run, "--out", out, "--resume")
    assert code == 2
    assert "--plan run " in text
    assert "the sweep's nominal" in text
    assert (out / "sweep_plan.csv").read_bytes() == before


def test_plan_without_allocation_is_one_line(tmp_path):
    (tmp_path / "empty").mkdir()
    out = tmp_path / "s"
    code, text = sweep(
        "--inputs", FIXED, "--samples", 4, "--plan", tmp_path / "empty", "--out", out
    )
    assert code == 2
    assert "has no allocation.csv" in text
    assert "Traceback" not in text
    assert not out.exists()


@pytest.mark.parametrize("kind", ["cvar", "worst-case"])
def test_risk_says_what_the_nominal_plan_expects(kind, tmp_path):
    """--risk: the nominal plan (y 100) fixed in every scenario expects 100 * the mean of y's
    sampled jobs rate; the robust plan's own expectation is one plan's, not re-optimised."""
    from allocator.runs.solve import plan, robust_spec
    from allocator.runs.spec import RunSpec

    opts = RunSpec(inputs=FIXED, risk=kind, scenarios=8, seed=2)
    hand = [100 * sc["y"][0] for sc in robust_spec(plan(opts).inputs, opts).scenarios]
    args = ["solve", "--inputs", str(FIXED), "--risk", kind, "--scenarios", "8", "--seed", "2"]
    res = runner.invoke(app, [*args, "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    risk = json.loads((tmp_path / "r" / "run.json").read_text(encoding="utf-8"))["risk"]
    assert risk["nominal_plan_expected_jobs"] == pytest.approx(np.mean(hand), rel=1e-9)
    assert risk["nominal_plan_worst_jobs"] == pytest.approx(min(hand), rel=1e-9)
    text = " ".join(res.output.split())
    assert f"the nominal plan, fixed, expects {np.mean(hand):,.0f} jobs" in text
    assert "not re-optimised per scenario" in text
