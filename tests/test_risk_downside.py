"""Issue 17, risk that is only upside: the bundled ranges carry the downside the seeds imply, a
CVaR cap changes the plan, the terminal says what the cap does, the sweep shows the nominal plan.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import percentileofscore

from allocator.data.inputs import load_inputs
from allocator.data.uncertainty import params_of
from allocator.runs.solve import plan, robust_spec
from allocator.runs.spec import RunSpec
from conftest import BASELINE
from conftest import run_cli as cli

SEEDS = {
    "000_35e8c22fbada50e2.txt",
    "001_cd1028a36bfb6643.txt",
    "002_b6a9aceacfef9af5.txt",
    "003_f2bcb1276c52c9f0.txt",
}


# --- the tail shortfall, hand-solved ----------------------------------------------------------


@pytest.mark.parametrize(
    ("beta", "expected"),
    [
        (0.6, (10 + 7) / 2),  # the worst 40% of 5 scenarios: 2 of them
        (0.5, (10 + 7 + 0.5 * 3) / 2.5),  # 2.5 scenarios: half of the third worst counts
        (0.0, (10 - 5 + 3 + 7 + 0) / 5),  # beta 0: the mean shortfall
        (0.8, 10.0),  # the worst one
    ],
)
def test_tail_shortfall_is_the_mean_of_the_worst_share(beta, expected):
    from allocator.report.risk import tail_shortfall

    assert tail_shortfall(np.array([10.0, -5.0, 3.0, 7.0, 0.0]), beta) == pytest.approx(expected)


def test_tail_shortfall_is_negative_when_even_the_tail_beats_the_reference():
    from allocator.report.risk import tail_shortfall

    assert tail_shortfall(np.array([-10.0, -4.0, -2.0, -8.0]), 0.5) == pytest.approx(-3.0)


# --- (e) every bundled range has a source and a reason; the downside is there -------------------


def _rows():
    with (BASELINE / "uncertainty.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r["ref"])
def test_each_bundled_range_cites_a_source_and_gives_its_reason(row):
    source = row["source"].strip()
    assert source, row["ref"]
    if source.lower() == "assumption":
        assert len(row["assumption"].strip()) > 20, f"{row['ref']}: an assumption needs a reason"
    else:
        assert source.split(",")[0] in SEEDS, f"{row['ref']}: source names no seed file"
        assert len(row["derivation"].strip()) > 20, f"{row['ref']}: how the range follows"


def test_bundled_ranges_reach_below_the_data_where_the_seeds_imply_it():
    """Partner money that may not arrive, jobs ratios borrowed from one average, markets that
    may be smaller: each kind has ranges whose low end is below the value in the data."""
    params = params_of(load_inputs(BASELINE))
    below = {(p.table, p.column) for p in params if p.low < p.nominal - 1e-9}
    assert ("pools", "budget_musd") in below
    assert ("programs", "jobs_per_musd") in below
    assert ("markets", "market_musd") in below
    korea = [p for p in params if p.table == "pools" and p.row.pool == "korea"]
    assert len(korea) == 3
    assert all(p.low < p.nominal < p.high for p in korea)
    borrowed = {"aerospace_components", "advanced_materials", "supplier_professional_services"}
    for p in params:
        if p.column == "jobs_per_musd" and p.row.program in borrowed:
            # the sector ratios of seed 000 (new jobs, issue 25) run from 5 (mining processing,
            # (60,000 - 20,000) / 8,000) to 14 (electronics, (75,000 - 5,000) / 5,000)
            assert (p.low, p.high) == pytest.approx((5.0, 14.0), abs=1e-4)


# --- (a) the CVaR cap shapes the baseline plan -------------------------------------------------


@pytest.fixture(scope="module")
def caps():
    """The baseline's robust plan with no cap, a loose cap and a tight one (50 scenarios)."""
    return {
        cap: plan(RunSpec(inputs=BASELINE, risk="cvar", cvar_cap=cap))
        for cap in (None, 20_000.0, 9_000.0)
    }


def _funding(run):
    return run.tables["allocation"].groupby("program")["invest_musd"].sum()


def _recomputed_tail(run):
    """The tail shortfall from allocation.csv and the scenarios, not from the LP's rows."""
    spec = robust_spec(run.inputs, RunSpec(inputs=BASELINE, risk="cvar"))
    year = run.inputs.last_milestone
    inp = run.inputs
    sector = {p.program: p.sector for p in inp.programs}
    base = {b.member: b.value for b in inp.base if b.kind == "jobs"}
    jobs = []
    for sc in spec.scenarios:  # levels (issue 25): the base, and each scenario's own tranches
        full: dict[str, float] = dict.fromkeys(base, 0.0)
        for r in run.tables["allocation"].itertuples():
            rate, lag = sc[r.program]
            if r.year <= year - lag:
                full[sector[r.program]] = full.get(sector[r.program], 0.0) + rate * r.invest_musd
        total = sum(base.values())
        for name, new in full.items():
            share = 1.0
            for t in sorted(
                (t for t in inp.tranches if t.member == name), key=lambda t: t.from_level
            ):
                new -= (share - t.share) * max(0.0, base.get(name, 0.0) + full[name] - t.from_level)
                share = t.share
            total += new
        jobs.append(total)
    worst = sorted(jobs)[: round(0.1 * len(jobs))]
    return spec.reference - sum(worst) / len(worst)


def test_two_caps_give_two_plans_and_the_tighter_one_has_a_price(caps):
    loose, tight = caps[20_000.0], caps[9_000.0]
    differ = (_funding(loose).sub(_funding(tight), fill_value=0.0)).abs()
    assert differ.max() > 100.0  # musd moved between programs, not a rounding
    assert tight.info["risk"]["price_of_risk"] > 1e-4
    assert loose.info["risk"]["price_of_risk"] == 0
    assert tight.solution.objective_value < loose.solution.objective_value
    # the plan with no cap has a tail shortfall between the two caps: 9,000 binds, 20,000 not
    # (issue 25: with the base, increments and the wider borrowed ratios the free plan's tail is
    # about 10,100, and a cap below about 8,500 is infeasible)
    free = caps[None].info["risk"]["tail_shortfall_jobs"]
    assert 9_000.0 < free < 20_000.0


def test_the_tail_shortfall_reached_is_recorded_and_agrees_with_the_allocation(caps):
    for cap, run in caps.items():
        risk = run.info["risk"]
        assert risk["tail_shortfall_jobs"] == pytest.approx(_recomputed_tail(run), abs=1e-3)
        assert risk["tail_scenarios"] == pytest.approx(5.0)
        state = {None: "none", 20_000.0: "slack", 9_000.0: "binding"}[cap]
        assert risk["cap_state"] == state
    assert caps[9_000.0].info["risk"]["tail_shortfall_jobs"] == pytest.approx(9_000.0, abs=1e-3)


# --- (b) the terminal says what the cap does ------------------------------------------------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--cvar-cap", "20000"], "CVaR cap 20,000 jobs is slack: the tail shortfall reached is "),
        ([], "No CVaR cap (--cvar-cap not given): the plan maximises expected jobs over the "),
        (["--cvar-cap", "9000"], "CVaR cap 9,000 jobs binds: the tail shortfall reached is 9,000"),
    ],
    ids=["slack", "no-cap", "binding"],
)
def test_the_terminal_says_whether_the_cap_binds_and_shows_the_tail(tmp_path, args, words):
    out = tmp_path / "run"
    res = cli("solve", "--risk", "cvar", *args, "--out", out)
    assert res.returncode == 0, res.stderr
    assert words in res.stdout
    risk = json.loads((out / "run.json").read_text(encoding="utf-8"))["risk"]
    tail = f"{risk['tail_shortfall_jobs']:,.0f} jobs (expected shortfall against the nominal"
    assert tail in res.stdout
    assert "in the worst 10% of scenarios, 5 of 50" in res.stdout
    assert "1e+12" not in res.stderr  # no cap is no row bound, not a huge number
    if risk["cap_state"] != "binding":
        assert f"below {risk['tail_shortfall_jobs']:,.0f} jobs" in res.stdout


# --- (c), (d) the sweep shows the nominal plan; its P5 lies below it ---------------------------


@pytest.fixture(scope="module")
def baseline_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep") / "s"
    res = cli("sweep", "--serial", "--samples", 200, "--seed", 0, "--out", folder)
    assert res.returncode == 0, res.stderr
    return folder, res


def test_the_sweep_records_the_nominal_plan_and_where_it_sits(baseline_sweep):
    folder, res = baseline_sweep
    nominal = plan(RunSpec(inputs=BASELINE))
    jobs, exports = nominal.solution.objective_value, nominal.solution.totals["exports@2040"]
    record = json.loads((folder / "sweep.json").read_text(encoding="utf-8"))["nominal"]
    assert record["jobs"] == pytest.approx(jobs)
    assert record["exports_musd"] == pytest.approx(exports)
    summary = pd.read_csv(folder / "sweep_summary.csv").set_index("item")
    samples = pd.read_csv(folder / "sweep.csv")
    for item, value in (("jobs", jobs), ("exports_musd", exports)):
        assert summary.loc[item, "nominal"] == pytest.approx(value)
        at = percentileofscore(samples[item], value, kind="mean")
        assert summary.loc[item, "nominal_percentile"] == pytest.approx(at)
    at_jobs = summary.loc["jobs", "nominal_percentile"]
    assert 0 < at_jobs < 50  # the samples now reach below the nominal plan
    base = summary.loc["jobs", "existing_before_plan"]  # the baseline's 63,000 (base.csv)
    split = f" ({base:,.0f} existing before the plan + {jobs - base:,.0f} new)"
    assert (
        f"nominal plan (every number as given): {jobs:,.0f} jobs{split}, at percentile "
        f"{at_jobs:.0f} of the re-optimised samples" in res.stdout
    )
    # money from 100 up to one decimal, as the report's tables (test_agree_surfaces)
    assert f"nominal plan (every number as given): {exports:,.1f} US$ million per year" in (
        res.stdout
    )
    png = folder / "sweep.png"
    assert png.is_file()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_sweeps_p5_of_jobs_lies_below_the_nominal_plan(baseline_sweep):
    folder, _ = baseline_sweep
    summary = pd.read_csv(folder / "sweep_summary.csv").set_index("item")
    assert summary.loc["jobs", "p5"] < summary.loc["jobs", "nominal"]
    assert summary.loc["exports_musd", "p5"] < summary.loc["exports_musd", "nominal"]


def test_the_sweep_chart_marks_the_nominal_plan(tmp_path, monkeypatch):
    """plot_sweep draws one more labelled point, the nominal plan, with its percentiles."""
    import matplotlib.axes

    from allocator.report.studyplots import plot_sweep

    seen = []
    real = matplotlib.axes.Axes.scatter

    def spy(self, *args, **kwargs):
        seen.append(kwargs.get("label", ""))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(matplotlib.axes.Axes, "scatter", spy)
    sweep = pd.DataFrame(
        {"status": ["optimal"] * 4, "jobs": [10.0, 20.0, 30.0, 40.0], "exports_musd": [1, 2, 3, 4]}
    )
    sweep.attrs["nominal"] = {"jobs": 25.0, "exports_musd": 4.0}
    plot_sweep(sweep, tmp_path / "s.png", "t")
    assert (tmp_path / "s.png").is_file()
    assert seen[-1] == (
        "nominal plan: 25 jobs, 4 US$ million per year "
        "(P50 of the samples' jobs, P88 of their exports)"
    )


def test_the_terminal_says_when_the_nominal_plan_itself_did_not_solve(capsys):
    from allocator.cli.render import show_sweep

    table = pd.DataFrame({"status": ["optimal", "optimal"], "jobs": [1.0, 2.0]})
    table.attrs["nominal"] = {"status": "infeasible", "jobs": None, "exports_musd": None}
    summary = pd.DataFrame(
        [{"item": "jobs", "unit": "jobs", "samples": 2, "p5": 1.0, "p50": 1.5, "p95": 2.0}]
    )
    show_sweep(summary, table)
    text = capsys.readouterr().out
    assert "nominal plan (every number as given): infeasible, so the samples cannot" in text
    assert (
        "jobs with perfect foresight (each sample re-optimised): P5 1, P50 2, P95 2 jobs (2 "
        in text
    )
    assert "at percentile" not in text


def test_a_nominal_plan_that_cannot_be_solved_is_recorded_not_raised(tmp_path):
    """On Dask the samples of such a dataset fail one by one and are counted; the nominal plan
    solved after them must not turn that into an error of the whole sweep."""
    import shutil

    from allocator.studies.sweeprun import nominal_plan
    from conftest import DATA

    data = tmp_path / "data"
    shutil.copytree(DATA / "sweep", data)
    programs = data / "programs.csv"
    lines = programs.read_text().splitlines()
    lines[0] = lines[0].replace("cap_musd,", "cap_musd,floor_musd,")
    lines[1:] = [line.replace(",100,0,", ",100,45,0,", 1) for line in lines[1:]]
    programs.write_text("\n".join(lines) + "\n")  # floors 45 + 45 above the budget of 80
    pools = data / "pools.csv"
    pools.write_text(pools.read_text().replace("public,p1,100", "public,p1,80"))
    spec = {"inputs": str(data), "objective": "jobs", "targets": "soft", "model_file": None}
    params = params_of(load_inputs(data))
    got = nominal_plan(spec, [p.nominal for p in params])
    assert got == {
        "status": "infeasible",
        "objective": None,
        "jobs": None,
        "exports_musd": None,
        "targets_missed": None,
    }
