"""Findings of the review of today's changes (14ca60c..HEAD), each reproducible.

Every test here failed on the reviewed code (first as an xfail(strict=True), the mark dropped
with the fix): it says what a planner reads and what a re-solve, `allocator solve` on the moved
data or a hand calculation gives.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from conftest import BASELINE, run_cli


def _price_rows(run: Path) -> dict[str, dict[str, str]]:
    """shadow_prices.csv of a run folder, by constraint name."""
    with open(run / "shadow_prices.csv", newline="", encoding="utf-8") as f:
        return {r["constraint"]: r for r in csv.DictReader(f)}


# The cuts the baseline's list says end where no plan is feasible, and those past whose end only
# today's least target shortfall cannot be kept: (row, --set cell, budget or level as given).
PAST_ENDS = [
    ("budget(ecosystem,phase3)", "pools.ecosystem/phase3.budget_musd", "no plan"),
    ("budget(korea,phase3)", "pools.korea/phase3.budget_musd", "no plan"),
    ("budget(rnd,phase3)", "pools.rnd/phase3.budget_musd", "shortfall rises"),
]


@pytest.mark.parametrize(("row", "cell", "past"), PAST_ENDS)
def test_what_lies_past_a_cuts_end_is_what_allocator_solve_gives(
    baseline_solve, tmp_path, row, cell, past
):
    """The terminal said rnd phase3's cut held '-5.3 jobs per musd for 5,587.46 musd, then no
    plan is feasible', where `allocator solve --set pools.rnd/phase3.budget_musd=2900` is
    optimal (515,587 jobs): the infeasibility held only with today's least target shortfall
    kept. Now 'then the least target shortfall rises' there, and 'then no plan is feasible'
    only where a solve on the data moved 100 musd past the end finds no plan."""
    run, ran = baseline_solve
    got = _price_rows(run)[row]
    assert got["one_sided"] == f"re-solved; down: then {past}"
    said = " ".join(ran.stdout.split())
    words = {
        "no plan": "no plan is feasible",
        "shortfall rises": "the least target shortfall rises",
    }
    end = float(got["down_holds_for"])
    assert f"for {end:,.6g} musd, then {words[past]}): " in said
    if past == "no plan":  # the whole budget: past it a budget below 0, which no data holds
        assert end == float(got["rhs"])
        return
    moved = float(got["rhs"]) - end - 100.0
    res = run_cli("solve", "--inputs", BASELINE, "--set", f"{cell}={moved:.6f}", "--out",
                  tmp_path / "past")  # fmt: skip
    assert res.exit_code == 0, res.stderr

    def least(folder: Path) -> float:
        record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        return float(record["outcomes"]["least_weighted_target_shortfall"])

    assert least(tmp_path / "past") > least(run) + 1e-6


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory):
    """`allocator sweep --samples 2 --seed 1` on the baseline: (folder, what it printed)."""
    out = tmp_path_factory.mktemp("review") / "sweep"
    ran = run_cli("sweep", "--inputs", BASELINE, "--samples", "2", "--seed", "1", "--out", out)
    assert ran.exit_code == 0, ran.stderr
    return out, ran.stdout


def test_the_sweep_calls_its_middle_sample_p50_not_median(small_sweep):
    """`allocator sweep --samples 4 --seed 1` prints 'jobs: median 546,387 (P5 ..., P95 ...)'
    for the fixed plan; sweep_plan.csv's four plan_jobs are 543,730.1, 546,386.7, 575,528.8
    and 579,841.7, whose median is 560,957.8 (statistics.median, numpy.median, a spreadsheet's
    MEDIAN). Here with 2 samples (the same rule: the lower one, not their mean). Either the
    number is the median or the word is 'P50'."""
    import re
    import statistics

    out, stdout = small_sweep
    with open(out / "sweep_plan.csv", newline="", encoding="utf-8") as f:
        jobs = [float(r["plan_jobs"]) for r in csv.DictReader(f)]
    assert "median" not in stdout  # the word for the middle value is 'P50': a sample reached
    said = re.search(r"^  jobs: P50 ([0-9,.]+) \(P5 ([0-9,.]+), P95 ([0-9,.]+)\)", stdout, re.M)
    assert said is not None, stdout
    p50, p5, p95 = (float(g.replace(",", "")) for g in said.groups())
    low = sorted(jobs)
    # inverted_cdf: the sample at ceil(q n) of the sorted n (2 samples: the lower for P5, P50)
    assert (p5, p50, p95) == pytest.approx((low[0], low[0], low[1]), abs=0.51)
    assert p50 != pytest.approx(statistics.median(jobs), abs=1.0)  # no mean of the two called so


def test_actuals_under_an_ended_phases_floor_are_refused_by_the_actuals_file(
    baseline_run, tmp_path
):
    """Actuals to 2028 that spent nothing on semiconductor_assembly in phase1 (2025-2027, over):
    groups.csv row 13 asks at least 800 musd there. What was spent cannot be re-planned, so
    (as for a cap or a group's max since 000f32a and 4caf931) the actuals are refused in one line
    naming their file (exit 2); the reviewed code solves and reports an infeasible plan (exit 1)
    whose fix is to lower the floor or raise a budget."""
    actuals = tmp_path / "actuals.csv"
    actuals.write_text(
        "program,pool,year,spent_musd\nmanufacturing_zones,infrastructure,2025,10\n",
        encoding="utf-8",
    )
    ran = run_cli(
        "replan", baseline_run, "--as-of", "2028", "--actuals", actuals, "--out", tmp_path / "rp"
    )
    assert ran.exit_code == 2, (ran.exit_code, ran.stderr[:300])
    (line,) = ran.stderr.strip().splitlines()
    assert line.startswith(
        f"error: {actuals}, column 'spent_musd': the actuals give program "
        "semiconductor_assembly 0 musd in phase1, less than its min_musd 800"
    )
    assert "phase1 has ended by --as-of 2028" in line
    assert not (tmp_path / "rp").exists()


def test_replan_of_a_two_stage_run_with_actuals_as_approved_costs_nothing(tmp_path):
    """tests/data/two_stage's model file decides p1 now; its run's allocation.csv holds p1 only
    (a 50, b 50 in 2025). Actuals that spent exactly that, --as-of 2025, make replan say 'The
    deviations up to 2025 cost 65.7455 direct jobs' (315.745 expected jobs of the two-stage
    plan minus 250 of a one-stage re-plan) and 'Money moved against the approved plan after
    2025: 50 musd' (p2 counted as approved at 0). Nothing deviated: the cost is 0, or the run is
    refused as one replan cannot compare with (exit 2)."""
    from conftest import ROOT

    run = tmp_path / "run"
    solved = run_cli("solve", ROOT / "tests/data/two_stage/model.yaml", "--out", run)
    assert solved.exit_code == 0, solved.stderr
    actuals = tmp_path / "actuals.csv"
    actuals.write_text(
        "program,pool,year,spent_musd\na,public,2025,50\nb,public,2025,50\n", encoding="utf-8"
    )
    ran = run_cli("replan", run, "--as-of", "2025", "--actuals", actuals, "--out", tmp_path / "rp")
    assert ran.exit_code == 2, ran.stdout[:400]
    (line,) = ran.stderr.strip().splitlines()
    assert "is a two-stage plan (--decide-now)" in line
    assert "Fix: replan a run of allocator solve without --decide-now" in line
    assert not (tmp_path / "rp").exists()


def test_sweep_of_a_run_solved_with_set_samples_the_data_the_run_was_solved_on(tmp_path):
    """`allocator solve --set pools.rnd/phase3.budget_musd=2900` plans 515,587 jobs on an rnd
    budget of 2,900. `allocator sweep --plan RUN` samples the dataset without that cell
    (sweep.json sets: [], its nominal plan 545,334 jobs on the 8,500 budget), where `core RUN`
    takes the run's sets (c84edfb). The sweep of RUN holds RUN's cells set."""
    run = tmp_path / "run"
    cell = "pools.rnd/phase3.budget_musd"
    solved = run_cli("solve", "--inputs", BASELINE, "--set", f"{cell}=2900", "--out", run)
    assert solved.exit_code == 0, solved.stderr
    out = tmp_path / "sweep"
    ran = run_cli("sweep", "--plan", run, "--samples", "2", "--seed", "1", "--out", out)
    assert ran.exit_code == 0, ran.stderr
    sweep = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert cell in json.dumps(sweep.get("sets")), sweep.get("sets")


def test_a_comma_datasets_small_percent_survives_export_inputs(tmp_path):
    """tests/data/shares with number_style comma and today_pct 0,4% solves; its workbook from
    `allocator export-inputs` holds '0.4%' in shares!C2 and `solve --inputs` on it exits 2:
    'c3.xlsx, sheet shares, cell C2, ... '0.4' is not a number in a known unit'. 2b5e705 says
    the sign is written 'so its workbook loads again'."""
    import shutil

    from conftest import ROOT

    data = tmp_path / "data"
    shutil.copytree(ROOT / "tests/data/shares", data)
    (data / "settings.csv").write_text("setting,value\nnumber_style,comma\n", encoding="utf-8")
    shares = data / "shares.csv"
    shares.write_text(
        shares.read_text(encoding="utf-8").replace("cu,2026,40,", 'cu,2026,"0,4%",'),
        encoding="utf-8",
    )
    first = run_cli("solve", "--inputs", data, "--out", tmp_path / "csv_run")
    assert first.exit_code == 0, first.stderr
    book = tmp_path / "data.xlsx"
    wrote = run_cli("export-inputs", book, "--inputs", data)
    assert wrote.exit_code == 0, wrote.stderr
    again = run_cli("solve", "--inputs", book, "--out", tmp_path / "book_run")
    assert again.exit_code == 0, again.stderr


def test_what_was_spent_is_written_with_thousands_separators(baseline_run, tmp_path):
    """replan's 'Spent up to YEAR (the actuals)' printed 22506.6391472 musd, the one number of
    its summary without separators; to the digit still (12 significant, as the CSVs)."""
    with open(baseline_run / "allocation.csv", newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["year"] == "2025"]
    actuals = tmp_path / "actuals.csv"
    lines = [f"{r['program']},{r['pool']},2025,{r['invest_musd']}" for r in rows]
    actuals.write_text("program,pool,year,spent_musd\n" + "\n".join(lines) + "\n")
    total = sum(float(r["invest_musd"]) for r in rows)
    assert total >= 1000
    ran = run_cli(
        "replan", baseline_run, "--as-of", "2025", "--actuals", actuals, "--out", tmp_path / "rp"
    )
    assert ran.exit_code == 0, ran.stderr
    assert f"Spent up to 2025 (the actuals): {total:,.12g} musd." in ran.stdout


def test_a_refused_amount_past_a_limit_shows_the_excess():
    """875.0001 musd against a ramp of 875 was said 'gets 875 musd up to this row, more than
    ...': the excess was invisible. The total is said to 12 significant digits."""
    from types import SimpleNamespace

    from allocator.errors import InputError
    from allocator.studies import actuals

    row = SimpleNamespace(line=3)
    with pytest.raises(InputError) as got:
        actuals._past(row, "actuals.csv", "program a", 875.0001, 875.0, "more than its ramp")
    assert "program a gets 875.0001 musd up to this row, more than its ramp" in str(got.value)


def test_sweep_of_a_run_whose_dataset_is_gone_says_so(tmp_path):
    """`sweep --plan RUN` samples RUN's dataset; when it is not found, the sweep stops in one
    line with the fix (it swept the bundled baseline instead, in silence)."""
    from conftest import copy_dataset

    data = copy_dataset(BASELINE, tmp_path / "data")
    run = tmp_path / "run"
    solved = run_cli("solve", "--inputs", data, "--out", run)
    assert solved.exit_code == 0, solved.stderr
    data.rename(tmp_path / "moved")
    out = tmp_path / "sweep"
    ran = run_cli("sweep", "--plan", run, "--samples", "2", "--out", out)
    assert ran.exit_code == 2, ran.stdout[:300]
    (line,) = ran.stderr.strip().splitlines()
    assert str(data) in line
    assert "--inputs" in line
    assert not out.exists()
