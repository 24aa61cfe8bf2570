"""Studies that use the run's own plan, objective and weights: the sweep's nominal plan is
solve's, `core RUN` holds the run's weights, `compare` records what it compared, `sweep --plan
RUN` takes RUN's objective, and the sweep's percentiles are values some sample reached."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import DATA, run_cli

SWEEP = DATA / "sweep"
FIXED = DATA / "fixed_plan"
TWO_STAGE = DATA / "two_stage"


def ok(*args: object) -> str:
    """`allocator ARGS` in this process, exit 0 asserted: what it printed."""
    res = run_cli(*args)
    assert res.exit_code == 0, res.stdout + res.stderr
    return res.stdout


def lag_dataset(tmp_path: Path) -> Path:
    """tests/data/lag with its program a's lag uncertain (0 to 3 years): the sweep's LP is built
    at the widest lags, solve's at the lags as given."""
    folder = tmp_path / "lag"
    shutil.copytree(DATA / "lag", folder)
    (folder / "uncertainty.csv").write_text(
        "ref,low,high,distribution,source\nprograms:a:lag_years,0,3,uniform,test range\n",
        encoding="utf-8",
    )
    return folder


# --- 1. the sweep's nominal plan is solve's plan ----------------------------------------------


@pytest.mark.parametrize("dataset", ["sweep", "lag"])
def test_nominal_plan_is_solves_plan(tmp_path, dataset):
    """The nominal plan fixed in every sample is the allocation `allocator solve` writes: the
    sweep's plan rows equal those of the same sweep with `--plan` solve's run folder."""
    folder = SWEEP if dataset == "sweep" else lag_dataset(tmp_path)
    run = tmp_path / "run"
    ok("solve", "--inputs", folder, "--out", run)
    ok("sweep", "--inputs", folder, "--samples", 3, "--serial", "--out", tmp_path / "nominal")
    ok(
        "sweep", "--inputs", folder, "--samples", 3, "--serial", "--plan", run,
        "--objective", "jobs", "--out", tmp_path / "run-plan",
    )  # fmt: skip
    nominal = pd.read_csv(tmp_path / "nominal" / "sweep_plan.csv")
    solved = pd.read_csv(tmp_path / "run-plan" / "sweep_plan.csv")
    pd.testing.assert_frame_equal(nominal, solved)
    record = json.loads((tmp_path / "nominal" / "sweep.json").read_text(encoding="utf-8"))
    assert "allocator solve" in record["nominal_plan"]


def test_nominal_plan_columns_equal_solves_allocation(tmp_path):
    """`fixed_plan` (the plan the workers receive) is solve's allocation.csv, column by column."""
    from allocator.studies.sweep import fixed_plan, model_for

    folder = lag_dataset(tmp_path)
    run = tmp_path / "run"
    ok("solve", "--inputs", folder, "--out", run)
    spec = {"inputs": str(folder), "model_file": None, "objective": "jobs", "targets": "soft"}
    x = np.asarray(fixed_plan(spec))
    lp = model_for(spec)[0].lp
    got = {lp.col_index[j]: x[j] for j, f in enumerate(lp.col_family) if f == "invest"}
    table = pd.read_csv(run / "allocation.csv")
    want = {(r.program, r.pool, int(r.year)): r.invest_musd for r in table.itertuples()}
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in want.items() if v}


def test_sweep_of_a_two_stage_model_file_says_its_plan_differs(tmp_path):
    """A model file with decide_now: `allocator solve` gives a two-stage plan; the sweep's
    nominal plan is the single-stage one, and the sweep says so (terminal and sweep.json)."""
    out = tmp_path / "s"
    res = run_cli("sweep", TWO_STAGE / "model.yaml", "--samples", 2, "--serial", "--out", out)
    assert res.exit_code == 0, res.stdout + res.stderr
    said = " ".join((res.stdout + res.stderr).split())
    assert "decide_now" in said
    assert "not the two-stage plan" in said
    record = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert "not the two-stage plan" in record["nominal_plan"]


# --- 2. core of a weighted run holds the run's weights ----------------------------------------


def test_core_of_a_weighted_run_uses_its_weights(tmp_path):
    """`allocator core RUN` of a `solve --objective weighted --weights jobs=0.9,exports=0.1` run
    gives the core.csv of `core --objective weighted --weights jobs=0.9,exports=0.1`, says the
    weights, and differs from the default weights' (so the weights were used)."""
    run = tmp_path / "run"
    weights = "jobs=0.9,exports=0.1"
    ok("solve", "--inputs", FIXED, "--objective", "weighted", "--weights", weights, "--out", run)
    common = ("--samples", 0, "--slack", "0")
    text = ok("core", run, *common, "--out", tmp_path / "of-run")
    ok(
        "core", "--inputs", FIXED, "--objective", "weighted", "--weights", weights, *common,
        "--out", tmp_path / "explicit",
    )  # fmt: skip
    ok("core", "--inputs", FIXED, "--objective", "weighted", *common, "--out", tmp_path / "even")
    of_run = pd.read_csv(tmp_path / "of-run" / "core.csv")
    explicit = pd.read_csv(tmp_path / "explicit" / "core.csv")
    even = pd.read_csv(tmp_path / "even" / "core.csv")
    pd.testing.assert_frame_equal(of_run, explicit)
    assert not of_run.equals(even)
    assert "weights jobs 0.9, exports 0.1" in " ".join(text.split())
    info = json.loads((tmp_path / "of-run" / "run.json").read_text(encoding="utf-8"))
    assert info["settings"]["weights"] == {"jobs": 0.9, "exports": 0.1}
    assert info["settings"]["run"] == str(run)


# --- 3. compare's run.json says what was compared ---------------------------------------------


def test_compare_of_run_folders_records_them(tmp_path):
    """Two run folders of another dataset: run.json names the folders and their datasets (from
    their own run.json), and no spec of the default dataset."""
    first, second = tmp_path / "jobs", tmp_path / "exports"
    ok("solve", "--inputs", FIXED, "--out", first)
    ok("solve", "--inputs", FIXED, "--objective", "exports", "--out", second)
    out = tmp_path / "cmp"
    ok("compare", first, second, "--out", out)
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    compared = info["compared"]
    assert [c["folder"] for c in compared] == [str(first), str(second)]
    assert {c["inputs"] for c in compared} == {str(FIXED)}
    assert [c["objective"] for c in compared] == ["jobs", "exports"]
    assert "peru2040" not in json.dumps(info.get("spec"))


# --- 4. sweep --plan RUN takes RUN's objective -------------------------------------------------


def test_sweep_plan_takes_the_runs_objective(tmp_path):
    """An exports run's plan is swept under exports unless --objective says otherwise; the
    sweep says which objective and why."""
    run = tmp_path / "run"
    ok("solve", "--inputs", FIXED, "--objective", "exports", "--out", run)
    text = ok("sweep", "--inputs", FIXED, "--samples", 2, "--serial", "--plan", run,
              "--out", tmp_path / "own")  # fmt: skip
    record = json.loads((tmp_path / "own" / "sweep.json").read_text(encoding="utf-8"))
    assert record["objective"] == "exports"
    assert "objective exports (the objective of --plan" in " ".join(text.split())
    plan = pd.read_csv(tmp_path / "own" / "sweep_plan.csv")
    assert plan["plan_objective"].to_numpy() == pytest.approx(plan["plan_exports_musd"])
    text = ok("sweep", "--inputs", FIXED, "--samples", 2, "--serial", "--plan", run,
              "--objective", "jobs", "--out", tmp_path / "given")  # fmt: skip
    record = json.loads((tmp_path / "given" / "sweep.json").read_text(encoding="utf-8"))
    assert record["objective"] == "jobs"
    assert "objective jobs (--objective" in " ".join(text.split())


# --- 5. percentiles are values some sample reached ---------------------------------------------


def hand_folder(tmp_path: Path) -> Path:
    """A sweep folder by hand: 5 optimal samples; program x funds nothing in one of them."""
    folder = tmp_path / "hand"
    folder.mkdir()
    jobs = [100, 140, 120, 180, 160]
    rows = ["sample,status,objective,jobs,exports_musd,message,p"]
    rows += [f"{k},optimal,{j},{j},{2 * j},,1" for k, j in enumerate(jobs)]
    (folder / "sweep.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    money = [0, 50, 60, 70, 80]
    rows = ["sample,program,invest_musd"] + [f"{k},x,{m}" for k, m in enumerate(money)]
    (folder / "sweep_programs.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def test_percentiles_of_five_samples_are_observed_values(tmp_path):
    """numpy's linear P5 of 0, 50, 60, 70, 80 is 10 (no sample funds x with 10); the empirical
    quantile (inverted CDF) gives P5 0, P50 60, P95 80, and jobs 100, 140, 180."""
    from allocator.studies.sweepsummary import summarise

    summary = summarise(hand_folder(tmp_path)).set_index("item")
    assert summary.loc["program x", ["p5", "p50", "p95"]].tolist() == [0, 60, 80]
    assert summary.loc["jobs", ["p5", "p50", "p95"]].tolist() == [100, 140, 180]
    assert summary.loc["exports_musd", ["p5", "p50", "p95"]].tolist() == [200, 280, 360]


def test_every_surface_shows_observed_percentiles(tmp_path):
    """A real 5-sample sweep: every P5/P50/P95 in sweep_summary.csv is a value of its column in
    the samples, and the terminal and report.html show those same numbers."""
    out = tmp_path / "s"
    text = " ".join(
        ok("sweep", "--inputs", FIXED, "--samples", 5, "--serial", "--out", out).split()
    )
    summary = pd.read_csv(out / "sweep_summary.csv").set_index("item")
    samples = pd.read_csv(out / "sweep.csv")
    plan = pd.read_csv(out / "sweep_plan.csv")
    seen = {
        "jobs": samples["jobs"],
        "exports_musd": samples["exports_musd"],
        "plan jobs": plan["plan_jobs"],
        "plan exports_musd": plan["plan_exports_musd"],
    }
    for item, values in seen.items():
        for q in ("p5", "p50", "p95"):
            assert summary.loc[item, q] in set(values), (item, q)
    assert "percentiles: inverted_cdf" in " ".join(
        (out / "report.html").read_text(encoding="utf-8").split()
    )
    from allocator.report.rounding import cell

    jobs = summary.loc["jobs"]
    assert f"P5 {cell(jobs.p5, 'jobs')}, P50 {cell(jobs.p50, 'jobs')}, P95" in text
    html = (out / "report.html").read_text(encoding="utf-8")
    from allocator.report.studyhtml import shown_amount

    mine = summary.loc["plan jobs"]
    assert f"P5 {shown_amount(mine.p5, 'jobs')}, P95 {shown_amount(mine.p95, 'jobs')}" in html
