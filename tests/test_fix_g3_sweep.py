"""A sweep's job levels say how many of their jobs exist before the plan (base.csv) and what the
plan adds (hunt28 finding 6, sweep's part): sweep_summary.csv's `existing_before_plan`, the
terminal's lines and report.html's headline.

tests/data/base_levels: 800 jobs exist before the plan (base.csv, s1 500 and s2 300, in 2025),
a makes 10 jobs per musd (drawn here from 8 to 12), b 4; budget 120 in 2025-2026, caps 100; the
target, s2's 600 jobs in 2026, needs b = (600 - 300) / 4 = 75, and a takes the other 45. The
plan is the same in every sample (a's rate moves neither the target nor the budget), so in a
sample drawing k jobs per musd for a the plan's level is 800 + 45 k + 300 jobs in 2026, of which
800 exist before the plan in every sample: the base is no uncertain number.
"""

from __future__ import annotations

import csv
import html
import re
import shutil
from pathlib import Path

import pytest

from conftest import DATA, run_cli

UNCERTAIN_A = "ref,low,high,distribution,source\nprograms:a:jobs_per_musd,8,12,uniform,t\n"


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _page_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<script.*?</script>|<style.*?</style>", "", text, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


def _data(tmp: Path, base: bool = True) -> Path:
    data = tmp / "data"
    shutil.copytree(DATA / "base_levels", data)
    (data / "uncertainty.csv").write_text(UNCERTAIN_A, encoding="utf-8")
    if not base:
        (data / "base.csv").unlink()
        # without the 300 existing in s2, b needs 600 / 4 = 150 > its cap: keep the target met
        targets = "kind,dimension,member,year,value,source\njobs,sector,s2,2026,300,t\n"
        (data / "targets.csv").write_text(targets, encoding="utf-8")
    return data


def _whole(x: float) -> str:
    return f"{int(x + 0.5):,}"


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("g3sweep")
    out = tmp / "out"
    res = run_cli("sweep", "--inputs", _data(tmp), "--samples", "10", "--out", out)
    assert res.exit_code == 0, res.stderr
    return out, res.stdout


def test_the_samples_are_the_base_plus_the_plans_new_jobs(swept):
    """By hand, sample by sample: 800 + 45 k + 300 jobs, re-optimised and fixed alike."""
    out, _ = swept
    plan = {r["sample"]: r for r in _rows(out / "sweep_plan.csv")}
    for r in _rows(out / "sweep.csv"):
        k = float(r["programs:a:jobs_per_musd"])
        assert float(r["jobs"]) == pytest.approx(800 + 45 * k + 300)
        assert float(plan[r["sample"]]["plan_jobs@2026"]) == pytest.approx(800 + 45 * k + 300)


def test_sweep_summary_says_the_existing_part_of_each_level(swept):
    out, _ = swept
    summary = {r["item"]: r for r in _rows(out / "sweep_summary.csv")}
    for item in ("plan jobs", "plan jobs@2026", "jobs"):
        assert float(summary[item]["existing_before_plan"]) == 800, item
        assert float(summary[item]["p50"]) > 1400, item  # a level: 800 + 45 k + 300
    for item in ("plan exports_musd", "plan exports_musd@2026", "exports_musd"):
        assert float(summary[item]["existing_before_plan"]) == 0, item  # no exports base
    for item in ("plan money_cut_musd", "plan jobs_short", "targets_missed", "program a"):
        assert summary[item]["existing_before_plan"] == "", item  # not a level


def test_the_terminal_says_the_base_and_the_new_percentiles(swept):
    out, stdout = swept
    summary = {r["item"]: r for r in _rows(out / "sweep_summary.csv")}
    lines = stdout.splitlines()
    plan = summary["plan jobs"]
    p5, p50, p95 = (float(plan[c]) for c in ("p5", "p50", "p95"))
    (line,) = [x for x in lines if x.startswith("  jobs: P50")]
    assert f"P50 {_whole(p50)} (P5 {_whole(p5)}, P95 {_whole(p95)}) jobs" in line, line
    new = f"new P50 {_whole(p50 - 800)} (P5 {_whole(p5 - 800)}, P95 {_whole(p95 - 800)})"
    assert "800 existing before the plan" in line, line
    assert new in line, line
    (line,) = [x for x in lines if x.startswith("  jobs with perfect foresight")]
    assert "800 existing before the plan" in line, line
    assert "new P5" in line, line
    (line,) = [x for x in lines if "nominal plan (every number as given): 1,550 jobs" in x]
    assert "(800 existing before the plan + 750 new)" in line, line  # as solve says it
    (line,) = [x for x in lines if x.startswith("  exports_musd: P50")]
    assert "existing" not in line, line  # no exports base: nothing to split


def test_the_page_headline_says_the_base(swept):
    out, _ = swept
    page = _page_text(out / "report.html")
    headline = page[page.index("Jobs of this plan") : page.index("Sweep ")]
    assert headline.count("800 existing before the plan") == 2, headline


def test_a_cumulative_sweep_counts_the_base_in_every_year(tmp_path):
    """--measure cumulative: job-years over 2025-2026. The base counts from its year (2025) in
    both years: 1,600 existing job-years; the plan spends in 2025 (money productive earlier
    counts more years), so its new job-years are 2 x (45 k + 300). At the milestone the
    level's base is 800."""
    out = tmp_path / "out"
    args = ("--samples", "5", "--measure", "cumulative", "--out", out)
    res = run_cli("sweep", "--inputs", _data(tmp_path), *args)
    assert res.exit_code == 0, res.stderr
    for r in _rows(out / "sweep.csv"):
        k = float(r["programs:a:jobs_per_musd"])
        assert float(r["jobs"]) == pytest.approx(1600 + 2 * (45 * k + 300))
    summary = {r["item"]: r for r in _rows(out / "sweep_summary.csv")}
    assert summary["jobs"]["unit"] == "job-years"
    assert float(summary["jobs"]["existing_before_plan"]) == 1600
    assert float(summary["plan jobs"]["existing_before_plan"]) == 1600
    assert float(summary["plan jobs@2026"]["existing_before_plan"]) == 800
    assert "1,600 existing before the plan" in res.stdout, res.stdout


def test_a_sweep_without_a_base_says_no_split(tmp_path):
    out = tmp_path / "out"
    res = run_cli("sweep", "--inputs", _data(tmp_path, base=False), "--samples", "5", "--out", out)
    assert res.exit_code == 0, res.stderr
    assert "existing" not in res.stdout, res.stdout
    summary = {r["item"]: r for r in _rows(out / "sweep_summary.csv")}
    assert float(summary["jobs"]["existing_before_plan"]) == 0
