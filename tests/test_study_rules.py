"""The studies' numbers, one rule each: every study percentile or median is read by the sweep's
one helper (a value some scenario reached), `sweep --plan RUN` takes RUN's recorded options,
targets missed are counted alike by solve and the sweep, and `core RUN` says what it studies."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from allocator.report.studyhtml import PERCENTILE_METHOD
from conftest import DATA, run_cli

FIXED = DATA / "fixed_plan"


def _later_model(plans: list[float]) -> tuple[object, object, object]:
    """A one-column stand-in for later_plans: one later-phase investment, its money by scenario."""
    lp = SimpleNamespace(col_family=["invest"], col_index=[("P1", "pool", 2031)])
    inp = SimpleNamespace(phase_of_year={2031: "later"})
    result = SimpleNamespace(plans=np.array(plans, dtype=float).reshape(-1, 1))
    return inp, SimpleNamespace(lp=lp), result


def test_later_plans_percentiles_are_scenario_values():
    """5 scenarios, one funds 0 and four 10: P5 is 0 (a scenario's money), never numpy's
    interpolated 2; the median of 4 scenarios 0, 0, 10, 10 is 0, never 5."""
    from allocator.runs.twostagetables import later_plans

    inp, model, result = _later_model([0, 10, 10, 10, 10])
    row = later_plans(inp, model, result, ["later"]).iloc[0]
    assert (row["p5_musd"], row["p50_musd"], row["p95_musd"]) == (0.0, 10.0, 10.0)
    inp, model, result = _later_model([0, 10, 0, 10])
    row = later_plans(inp, model, result, ["later"]).iloc[0]
    assert row["p50_musd"] == 0.0


def test_two_stage_says_the_percentile_method(tmp_path):
    """A --decide-now run says the sweep's method where the sweep does: run.json's two_stage
    block (`percentiles`, as sweep.json's) and its words for later_plans.csv."""
    run = tmp_path / "run"
    _ok("solve", "--inputs", DATA / "two_stage", "--decide-now", "p1", "--scenarios", 5,
        "--out", run)  # fmt: skip
    block = json.loads((run / "run.json").read_text(encoding="utf-8"))["two_stage"]
    assert block["percentiles"] == PERCENTILE_METHOD
    assert PERCENTILE_METHOD in block["later_phases"]


def test_core_median_is_a_plan_value():
    """core.csv's median over 2 good plans funding 0 and 10 is one of them (0), never 5."""
    from allocator.studies.core import CoreSettings, GoodPlans, core_table

    plans = GoodPlans(
        members=["P1"],
        names={},
        samples=np.array([[0.0], [10.0]]),
        alternatives=np.zeros((0, 1)),
        sample_status={},
        drawn=2,
        range_lps=0,
        objective={},
    )
    row = core_table(plans, CoreSettings()).iloc[0]
    assert row["p50_musd"] == 0.0


# --- 2. sweep --plan RUN takes every option RUN's run.json records ------------------------------


def _ok(*args: object) -> str:
    """`allocator ARGS` in this process, exit 0 asserted: what it printed, on one line."""
    res = run_cli(*args)
    assert res.exit_code == 0, res.stderr
    return " ".join(res.stdout.split())


def _sweep_record(folder: Path) -> dict:
    return json.loads((folder / "sweep.json").read_text(encoding="utf-8"))


def test_sweep_plan_takes_the_runs_measure_and_targets(tmp_path):
    """A run solved for exports, cumulative, hard targets: its plan is swept under all three
    (sweep.json's record) and the sweep says so in one line; an option typed wins and is said."""
    run = tmp_path / "run"
    _ok("solve", "--inputs", FIXED, "--objective", "exports", "--measure", "cumulative",
        "--targets", "hard", "--out", run)  # fmt: skip
    text = _ok("sweep", "--inputs", FIXED, "--samples", 1, "--serial", "--plan", run,
               "--out", tmp_path / "own")  # fmt: skip
    record = _sweep_record(tmp_path / "own")
    assert (record["objective"], record["measure"], record["targets"]) == (
        "exports",
        "cumulative",
        "hard",
    )
    line = next(t for t in text.split("Sweeping")[1:])
    assert "measure cumulative (its run.json)" in line
    assert "targets hard (its run.json)" in line
    text = _ok("sweep", "--inputs", FIXED, "--samples", 1, "--serial", "--plan", run,
               "--measure", "final", "--out", tmp_path / "given")  # fmt: skip
    record = _sweep_record(tmp_path / "given")
    assert (record["measure"], record["targets"]) == ("final", "hard")
    assert "measure final (--measure)" in text


# --- 3. one count of targets missed: targets.csv rows and shares.csv milestones ----------------


def _solve_missed(tables: dict) -> int:
    """The targets `allocator solve` lists as not reached: targets.csv's and shares.csv's."""
    out, shares = tables["outcomes"], tables["shares"]
    jobs = int((out["jobs_shortfall"].fillna(0) > 1e-6).sum())
    exports = int((out["exports_shortfall_musd"].fillna(0) > 1e-6).sum())
    return jobs + exports + int((shares["share_shortfall_pct"] > 1e-6).sum())


def test_nominal_plan_misses_what_solve_lists(baseline_dir):
    """The baseline's nominal plan evaluated at the data as given (no LP) misses exactly the 17
    targets solve lists: 14 of targets.csv and 3 processing shares (weight 0, no LP rows)."""
    from allocator.studies.fixedplan import evaluate
    from allocator.studies.sweep import model_for, solved_plan
    from conftest import solved

    spec = {"inputs": str(baseline_dir), "model_file": None, "objective": "jobs"}
    model, _ = model_for(spec | {"targets": "soft", "sets": []})
    got = evaluate(model, solved_plan(model), np.array([p.nominal for p in model.params]))
    assert _solve_missed(solved(str(baseline_dir))[2]) == 17
    assert got["targets_missed"] == 17


# --- 4. core RUN says what it studies, and its report.html its objective ---------------------


CORE = DATA / "core"


def _core_run(tmp_path: Path, **spec: object) -> Path:
    """A weighted solve of tests/data/core whose run.json records `spec` on top (a --risk or
    --decide-now run's record: core reads only its spec)."""
    run = tmp_path / "run"
    _ok("solve", "--inputs", CORE, "--objective", "weighted", "--weights",
        "jobs=0.9,exports=0.1", "--out", run)  # fmt: skip
    info = json.loads((run / "run.json").read_text(encoding="utf-8"))
    info["spec"] |= spec
    (run / "run.json").write_text(json.dumps(info), encoding="utf-8")
    return run


def test_core_of_a_decide_now_run_says_it_studies_the_plain_plan(tmp_path):
    """core RUN of a --decide-now (or --risk) run says in one line that it studies the plain
    plan of RUN's options; a plain run gets no such line."""
    run = _core_run(tmp_path, decide_now="p1")
    res = run_cli("core", run, "--samples", 0, "--out", tmp_path / "core")
    assert res.exit_code == 0, res.stderr
    said = " ".join((res.stdout + res.stderr).split())
    assert "--decide-now p1" in said
    assert "plain plan" in said
    info = json.loads((tmp_path / "core" / "run.json").read_text(encoding="utf-8"))
    assert "plain plan" in info["settings"]["studied"]
    risky = _core_run(tmp_path / "r", risk="cvar")
    res = run_cli("core", risky, "--samples", 0, "--out", tmp_path / "core_r")
    assert "--risk cvar" in " ".join((res.stdout + res.stderr).split())
    plain = run_cli("core", CORE, "--samples", 0, "--out", tmp_path / "core_p")
    assert "plain plan" not in plain.stdout + plain.stderr


def test_core_report_states_its_objective_and_weights(tmp_path):
    """core's report.html says the objective held, with its weights, as the terminal does."""
    run = _core_run(tmp_path)
    res = run_cli("core", run, "--samples", 0, "--out", tmp_path / "core")
    assert "weighted (weights jobs 0.9, exports 0.1)" in res.stdout
    page = (tmp_path / "core" / "report.html").read_text(encoding="utf-8")
    assert "weighted (weights jobs 0.9, exports 0.1) &gt;=" in page


def test_resume_refuses_a_sweep_that_counted_targets_missed_otherwise():
    """A sweep of a dataset with shares.csv made before shares were counted in targets_missed
    is not extended (its samples would mix two counts): the fingerprint records the count's
    rule and the refusal names it; a dataset without shares.csv keeps its fingerprint."""
    from allocator.studies.sweepfolder import differences, fingerprint

    spec = {"objective": "jobs", "targets": "soft", "model_file": None}
    plain = fingerprint(spec, 2, 0, {"programs.csv": "a"}, [])
    assert "targets_missed" not in plain["experiment"]
    now = fingerprint(spec, 2, 0, {"programs.csv": "a", "shares.csv": "b"}, [])
    before = {**now, "experiment": dict(now["experiment"])}
    before["experiment"].pop("targets_missed")
    said = " ".join(differences(before, now))
    assert "targets_missed counts" in said
    assert "shares.csv" in said
