"""The study commands' numbers obey what they claim, re-checked by independent code.

Each study (frontier, alternatives, core, two-stage, replan, compare, sweep) reports numbers
whose meaning implies facts a reader can check from the written tables alone: a frontier point
is feasible and undominated, an alternative is within its slack, EVPI and VSS are not negative,
a re-plan from the approved plan's own spending gives that plan back. Small datasets, one run
per study shared by its tests (module-scoped fixtures).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import DATA, ROOT, run_cli

TOL = 1e-6
"""Absolute tolerance on money and outcomes re-computed from written tables (solver noise)."""


def _run(*args: object) -> None:
    res = run_cli(*args)
    assert res.exit_code == 0, res.stderr + res.stdout


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(1.0, abs(a), abs(b))


# --- frontier -------------------------------------------------------------------------------

KINK_PROGRAMS = """program,sector,export_category,first_year,last_year,cap_musd,lag_years,\
jobs_per_musd,exports_per_musd,source
x,s1,cat,2025,2026,40,0,1,4,test
y,s2,cat,2025,2026,40,0,2,2,test
z,s3,cat,2025,2026,40,0,4,1,test
"""
"""Three programs trading jobs for exports at 1:4, 2:2 and 4:1 under a 100 musd budget: a
frontier with a kink at 240 musd of exports (slopes -0.5 then -2 jobs per musd)."""


@pytest.fixture(scope="module")
def kink(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """(dataset, frontier.csv) of the kinked dataset traced at 7 points (one on the kink)."""
    base = tmp_path_factory.mktemp("kink")
    data = base / "data"
    data.mkdir()
    for name in ("eligibility", "milestones", "phases", "pools"):
        (data / f"{name}.csv").write_text((DATA / "exports" / f"{name}.csv").read_text())
    (data / "programs.csv").write_text(KINK_PROGRAMS)
    (data / "markets.csv").write_text(
        "export_category,year,market_musd,max_share,source\ncat,2026,1000,100%,test\n"
    )
    _run("frontier", "--inputs", data, "--points", 7, "--out", base / "run")
    return data, pd.read_csv(base / "run" / "frontier.csv")


def _slopes(frame: pd.DataFrame) -> np.ndarray:
    return np.diff(frame["y_value"].to_numpy()) / np.diff(frame["x_value"].to_numpy())


def _rates_on_segments(frame: pd.DataFrame) -> None:
    """Each point's rate is the slope of a segment it lies on: between the slope to its right
    neighbour and the slope from its left one (a concave frontier's slopes fall along x)."""
    slopes, rates = _slopes(frame), frame["rate"].to_numpy()
    assert np.isnan(rates[-1])
    assert frame["rate_end"].iloc[-1] == "no plan has more"
    for k, rate in enumerate(rates[:-1]):  # the x-best end: no plan has more x
        left = slopes[k - 1] if k > 0 else np.inf
        right = slopes[k] if k < len(slopes) else -np.inf
        assert right - 1e-6 <= rate <= left + 1e-6, (k + 1, rate, left, right)


def test_frontier_points_ordered_and_undominated(kink):
    _, f = kink
    x, y = f["x_value"].to_numpy(), f["y_value"].to_numpy()
    assert len(f) == 7
    assert (np.diff(x) >= -TOL).all()
    assert (np.diff(y) <= TOL).all()
    for i in range(len(f)):
        for j in range(len(f)):
            better = x[j] >= x[i] - TOL and y[j] >= y[i] - TOL
            assert not (better and (x[j] > x[i] + TOL or y[j] > y[i] + TOL)), (i, j)


def test_frontier_points_feasible_and_reach_their_numbers(kink):
    """Re-derived from each point's money by sector (one program a sector): within caps and the
    100 musd budget, the jobs and exports it buys are the point's y and x."""
    data, f = kink
    programs = pd.read_csv(data / "programs.csv").set_index("sector")
    for _, row in f.iterrows():
        money = pd.Series({s: row[f"{s}_musd"] for s in programs.index})
        assert (money >= -TOL).all()
        assert (money <= programs["cap_musd"] + TOL).all()
        assert money.sum() <= 100 + TOL
        assert row["x_value"] >= row["epsilon"] - TOL
        jobs = float((money * programs["jobs_per_musd"]).sum())
        exports = float((money * programs["exports_per_musd"]).sum())
        assert _rel(jobs, row["y_value"]) < 1e-9
        assert _rel(exports, row["x_value"]) < 1e-9


def test_frontier_rates_are_slopes_of_segments(kink):
    _, f = kink
    _rates_on_segments(f)
    assert sorted(set(f["rate"].dropna().round(9))) == [-2.0, -0.5]


@pytest.fixture(scope="module")
def scarce(tmp_path_factory) -> pd.DataFrame:
    """frontier.csv of docs/workflow.md's example (public capital held to $20B)."""
    out = tmp_path_factory.mktemp("scarce") / "run"
    _run("frontier", ROOT / "models" / "scarce_public_money.yaml", "--out", out)
    return pd.read_csv(out / "frontier.csv")


def test_scarce_frontier_rates_are_slopes_of_segments(scarce):
    assert len(scarce) == 11
    _rates_on_segments(scarce)


def test_workflow_doc_quotes_the_rate_column_with_its_sign(scarce):
    """docs/workflow.md quotes frontier.csv's `rate` at the points near 44,800 and 45,300 musd
    and at the last two: the numbers it prints are the column's, sign included (more exports
    cost jobs: the rate is negative)."""
    text = " ".join((ROOT / "docs" / "workflow.md").read_text().split())
    quoted = re.search(
        r"`rate` \(.*?\) is (-?[\d.]+)(?: jobs)? at the points of .*? and (-?[\d.]+) at", text
    )
    assert quoted, "the sentence quoting frontier.csv's rate is gone from docs/workflow.md"
    rates = scarce["rate"].to_numpy()
    assert np.isnan(rates[10])  # the last point: no plan has more exports
    for value, rows in ((float(quoted[1]), [7, 8]), (float(quoted[2]), [9])):
        assert all(round(rates[k], 2) == value for k in rows), (value, rates[rows])


# --- alternatives ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def alternatives(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("alt") / "run"
    _run("alternatives", "--inputs", DATA / "mga", "--alternatives", 2, "--out", out)
    return out


def test_alternatives_ranges_hold_the_optimum_and_the_bound(alternatives):
    ranges = pd.read_csv(alternatives / "ranges.csv")
    assert (ranges["min_musd"] <= ranges["optimum_musd"] + TOL).all()
    assert (ranges["optimum_musd"] <= ranges["max_musd"] + TOL).all()
    run = json.loads((alternatives / "run.json").read_text())
    opt, slack = run["objective"]["optimum"], run["slack"]
    assert opt == 500
    assert run["objective"]["bound"] == pytest.approx(opt - slack * abs(opt))
    ends = ranges[["objective_at_min", "objective_at_max"]].to_numpy()
    assert (ends >= run["objective"]["bound"] - TOL).all()
    assert (ends <= opt + TOL).all()


def test_alternative_plans_feasible_and_within_slack(alternatives):
    """Each alternative-<k>'s allocation, re-priced from programs.csv: within the budget and
    caps, and its jobs at least the held bound and at most the optimum."""
    programs = pd.read_csv(DATA / "mga" / "programs.csv").set_index("program")
    run = json.loads((alternatives / "run.json").read_text())
    for k, alt in enumerate(run["alternatives"], start=1):
        plan = pd.read_csv(alternatives / f"alternative-{k}" / "allocation.csv")
        money = plan.groupby("program")["invest_musd"].sum()
        assert (money >= -TOL).all()
        assert money.sum() <= 100 + TOL
        assert (money <= programs.loc[money.index, "cap_musd"] + TOL).all()
        jobs = float((money * programs.loc[money.index, "jobs_per_musd"]).sum())
        assert jobs == pytest.approx(alt["objective"], abs=1e-6)
        assert run["objective"]["bound"] - TOL <= jobs <= run["objective"]["optimum"] + TOL


def test_alternative_plans_differ_from_each_other(tmp_path):
    """`--alternatives K` writes plans that differ from each other: on tests/data/mga the third
    Hop-Skip-Jump plan would repeat the second (every member it funds was funded before, so
    its LP is the second's), so two are written and the terminal and run.json say so."""
    out = tmp_path / "alt"
    res = run_cli("alternatives", "--inputs", DATA / "mga", "--alternatives", 3, "--out", out)
    assert res.exit_code == 0, res.stderr
    folders = sorted(out.glob("alternative-*"))
    plans = [pd.read_csv(f / "allocation.csv")["invest_musd"].tolist() for f in folders]
    assert len({tuple(p) for p in plans}) == len(plans) == 2
    run = json.loads((out / "run.json").read_text())
    assert run["alternatives_asked"] == 3
    assert len(run["alternatives"]) == 2
    assert "2 of the 3 alternatives asked" in " ".join(res.stdout.split())


# --- core -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def core(tmp_path_factory) -> dict[int, pd.DataFrame]:
    """core.csv of tests/data/core with 8 samples and with none."""
    base = tmp_path_factory.mktemp("core")
    tables = {}
    for n in (8, 0):
        _run("core", "--inputs", DATA / "core", "--samples", n, "--out", base / f"s{n}")
        tables[n] = pd.read_csv(base / f"s{n}" / "core.csv").set_index("member")
        counts = json.loads((base / f"s{n}" / "run.json").read_text())["counts"]
        t = tables[n]
        assert (t["plans_counted"] == counts["plans_counted"]).all()
        assert (
            counts["plans_counted"] == counts["samples_optimal"] + counts["alternatives_distinct"]
        )
        assert sum(counts["classes"].values()) == len(t)
        listed = t["class"].value_counts().to_dict()
        assert all(counts["classes"][c] == listed.get(c, 0) for c in counts["classes"])
    return tables


def test_core_shares_counts_and_classes(core):
    for n, t in core.items():
        assert t["share_funded"].between(0, 1).all()
        assert (t["plans_counted"] == t["samples_counted"] + t["alternatives_counted"]).all()
        assert (t["plans_funded"] == t["samples_funded"] + t["alternatives_funded"]).all()
        assert (t["samples_counted"] == n).all()
        share = t["plans_funded"] / t["plans_counted"]
        assert np.allclose(t["share_funded"], share, atol=1e-6)
        assert (t.loc[t["class"] == "core", "share_funded"] == 1).all()
        assert (t.loc[t["class"] == "exterior", "plans_funded"] == 0).all()
        inner = t[t["class"] == "borderline"]
        assert ((inner["plans_funded"] > 0) & (inner["share_funded"] < 1)).all()
        assert ((t["min_musd"] <= t["p50_musd"]) & (t["p50_musd"] <= t["max_musd"])).all()


def test_core_near_optimal_plans_do_not_depend_on_samples(core):
    """The near-optimal plans counted are the same with samples as without them."""
    cols = ["alternatives_funded", "alternatives_counted"]
    assert core[8][cols].sort_index().equals(core[0][cols].sort_index())
    assert set(core[0]["class"]) <= {"core", "borderline", "exterior"}


# --- two-stage ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_stage(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("two")
    runs = {}
    for method in ("equivalent", "hedging"):
        out = base / method
        _run("solve", "--inputs", DATA / "two_stage", "--decide-now", "p1", "--scenarios", 8,
             "--two-stage-method", method, "--out", out)  # fmt: skip
        runs[method] = out
    return runs


def test_two_stage_values_ordered(two_stage):
    """wait-and-see >= here-and-now >= nominal decide-now on average (a maximisation), and
    wait-and-see >= here-and-now in every scenario (perfect foresight cannot do worse)."""
    for out in two_stage.values():
        s = pd.read_csv(out / "two_stage_scenarios.csv")
        assert (s["wait_and_see"] >= s["here_and_now"] - TOL).all()
        mean = s.mean(numeric_only=True)  # the unit column is text
        assert mean["wait_and_see"] >= mean["here_and_now"] - TOL
        assert mean["here_and_now"] >= mean["nominal_decide_now"] - TOL


def test_two_stage_decide_now_plan_one_for_all_scenarios(two_stage):
    """allocation.csv holds the decide-now phase only (one plan for every scenario), later
    phases are the adapting ones, and hedging's consensus equals the equivalent's plan."""
    plans = {}
    for method, out in two_stage.items():
        alloc = pd.read_csv(out / "allocation.csv")
        assert set(alloc["phase"]) == {"p1"}
        assert set(pd.read_csv(out / "later_plans.csv")["phase"]) == {"p2"}
        plans[method] = alloc.set_index(["program", "pool", "year"])["invest_musd"].sort_index()
    assert np.allclose(plans["hedging"], plans["equivalent"], atol=1e-4)
    means = [
        pd.read_csv(o / "two_stage_scenarios.csv")["here_and_now"].mean()
        for o in two_stage.values()
    ]
    assert means[0] == pytest.approx(means[1], abs=1e-3)


# --- replan ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def approved(tmp_path_factory) -> tuple[Path, Path]:
    """(approved run of tests/data/replan, actuals = its own spending up to 2026)."""
    base = tmp_path_factory.mktemp("replan")
    _run("solve", "--inputs", DATA / "replan", "--out", base / "run")
    alloc = pd.read_csv(base / "run" / "allocation.csv")
    spent = alloc[alloc["year"] <= 2026].rename(columns={"invest_musd": "spent_musd"})
    spent[["program", "pool", "year", "spent_musd"]].to_csv(base / "actuals.csv", index=False)
    return base / "run", base / "actuals.csv"


@pytest.mark.parametrize("extra", [(), ("--max-change", "0%"), ("--least-change",)])
def test_replan_from_own_spending_gives_the_plan_back(approved, tmp_path, extra):
    run, actuals = approved
    out = tmp_path / "re"
    _run("replan", run, "--as-of", 2026, "--actuals", actuals, *extra, "--out", out)
    key = ["program", "pool", "year", "phase"]
    a = pd.read_csv(run / "allocation.csv").set_index(key)["invest_musd"].sort_index()
    b = pd.read_csv(out / "allocation.csv").set_index(key)["invest_musd"].sort_index()
    assert a.index.equals(b.index)
    assert np.allclose(a, b, atol=1e-9)


def test_replan_keeps_spent_money_and_program_totals_at_zero_change(approved, tmp_path):
    """Other actuals with --max-change 0%: every actual is in the plan as spent, nothing else
    before the as-of year, and each program's money after it is the approved money."""
    run, _ = approved
    out = tmp_path / "re"
    actuals = DATA / "replan" / "actuals.csv"
    _run("replan", run, "--as-of", 2026, "--actuals", actuals, "--max-change", "0%", "--out", out)
    plan = pd.read_csv(out / "allocation.csv")
    before = plan[plan["year"] <= 2026].set_index(["program", "pool", "year"])["invest_musd"]
    spent = pd.read_csv(actuals).set_index(["program", "pool", "year"])["spent_musd"]
    assert before.astype(float).sort_index().equals(spent.astype(float).sort_index())
    ok = pd.read_csv(run / "allocation.csv")
    after = [p[p["year"] > 2026].groupby("program")["invest_musd"].sum() for p in (ok, plan)]
    assert np.allclose(
        *(s.reindex(sorted(set(after[0].index) | set(after[1].index)), fill_value=0) for s in after)
    )


# --- compare --------------------------------------------------------------------------------


def test_compare_run_with_itself_shows_no_difference(approved, tmp_path):
    run, _ = approved
    _run("compare", run, run, "--out", tmp_path / "cmp")
    table = pd.read_csv(tmp_path / "cmp" / "compare.csv")
    a, b = table.columns[-2:]
    assert len(table) > 5
    assert table[a].equals(table[b])
    assert "largest differences" not in set(table["section"])


# --- sweep ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("sweep")
    _run("sweep", "--inputs", DATA / "sweep", "--samples", 8, "--out", base / "sw")
    _run("solve", "--inputs", DATA / "sweep", "--out", base / "solve")
    return base / "sw", base / "solve"


def test_sweep_percentiles_ordered_and_nominal_is_solve(sweep):
    sw, solve = sweep
    summary = pd.read_csv(sw / "sweep_summary.csv").set_index("item")
    rows = summary.dropna(subset=["p5", "p50", "p95"])
    assert len(rows) > 4
    assert ((rows["p5"] <= rows["p50"] + TOL) & (rows["p50"] <= rows["p95"] + TOL)).all()
    total = pd.read_csv(solve / "outcomes.csv").query("dimension == 'total'").iloc[-1]
    assert summary.loc["jobs", "nominal"] == pytest.approx(total["jobs"], rel=1e-12)
    assert summary.loc["exports_musd", "nominal"] == pytest.approx(total["exports_musd"], rel=1e-12)
    plan = pd.read_csv(sw / "sweep_plan.csv")
    again = pd.read_csv(sw / "sweep.csv")
    assert (plan["plan_jobs"] <= again["jobs"] + TOL).all()  # a fixed plan never beats foresight


def test_replan_zero_change_limits_totals_not_moves(approved, tmp_path):
    """--max-change 0% holds each program's total after the as-of year, not where in those years
    it goes: run.json's money moved (recomputed here by program, pool and phase) is not 0 on
    tests/data/replan, so the option's help must not promise that nothing moves."""
    run, _ = approved
    out = tmp_path / "re"
    actuals = DATA / "replan" / "actuals.csv"
    _run("replan", run, "--as-of", 2026, "--actuals", actuals, "--max-change", "0%", "--out", out)
    key = ["program", "pool", "phase"]
    old, new = (
        pd.read_csv(f / "allocation.csv").query("year > 2026").groupby(key)["invest_musd"].sum()
        for f in (run, out)
    )
    moved = (new.sub(old, fill_value=0)).abs().sum()
    assert moved == pytest.approx(
        json.loads((out / "run.json").read_text())["replan"]["moved_musd"]
    )
    assert moved > 1
    help_text = " ".join(run_cli("replan", "--help").stdout.replace("│", " ").split())
    assert "total" in help_text.split("--max-change", 1)[1].split("--least-change")[0]


def test_sweep_nominal_percentile_words_count_who_reaches_less(tmp_path):
    """On tests/data/two_stage no plan exports: the nominal plan's 0 and every sample's 0 tie.
    The percentile counts ties half (50), but the words say how many samples reach less: none."""
    out = tmp_path / "sw"
    res = run_cli("sweep", "--inputs", DATA / "two_stage", "--samples", 5, "--out", out)
    assert res.exit_code == 0, res.stderr
    samples = pd.read_csv(out / "sweep.csv")
    assert (samples["exports_musd"] == 0).all()
    text = " ".join(res.stdout.split())
    line = text.split("exports_musd with perfect foresight", 1)[1].split("failed samples")[0]
    assert "percentile 50 of the re-optimised samples" in line
    assert "(0% of them reach less, 100% the same)" in line
    jobs = text.split("jobs with perfect foresight", 1)[1].split("exports_musd")[0]
    nominal = pd.read_csv(out / "sweep_summary.csv").set_index("item").loc["jobs", "nominal"]
    below = (samples["jobs"] < nominal).mean()
    assert f"({below:.0%} of them reach less)" in jobs


def test_compare_of_run_folders_claims_no_settings_of_its_own(tmp_path):
    """Run folders are read, not solved: the report's settings line must not state compare's
    defaults (objective jobs, targets soft) as the settings of plans solved otherwise."""
    run = tmp_path / "run"
    _run("solve", "--inputs", DATA / "sweep", "--objective", "exports", "--targets", "off",
         "--out", run)  # fmt: skip
    _run("compare", run, run, "--out", tmp_path / "cmp")
    page = (tmp_path / "cmp" / "report.html").read_text()
    assert "objective (exports)" in page
    assert "Settings: objective jobs" not in page
