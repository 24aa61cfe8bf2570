"""Findings of hunt28 (numbers a planner quotes: base levels, decide now / adapt later, the
frontier's rates, slides). Each test is a strict xfail that fails today for the reason it names
and asserts what a correct program gives (by hand, or by re-solves); drop the mark with the fix."""

from __future__ import annotations

import csv
import html
import re
import shutil
from pathlib import Path

import pytest

from conftest import DATA, run_cli

BASE = (
    "kind,dimension,member,year,value,source\n"
    "jobs,sector,s1,2024,500,t\njobs,sector,s2,2024,300,t\n"
)
"""800 jobs existing before the plan (s1 500, s2 300), measured before the plan starts."""


def with_base(src: Path, dst: Path) -> Path:
    """A copy of a tests/data dataset with BASE's 800 existing jobs."""
    shutil.copytree(src, dst)
    (dst / "base.csv").write_text(BASE, encoding="utf-8")
    return dst


def page_text(path: Path) -> str:
    """report.html's visible text, whitespace collapsed."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<script.*?</script>|<style.*?</style>", "", text, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_a_frontier_less_side_that_ends_at_the_least_x_says_no_plan_has_less(tmp_path):
    """`allocator frontier --inputs tests/data/base_levels --x shortfall --y jobs --points 3`.
    By hand: the target (s2 600 jobs in 2026, 300 existing) needs b = 75 musd; with b = 20 and
    a = 100 the plan has 1,880 jobs at the most shortfall, 220 / 600 = 0.3667. Point 1 (0.3667,
    1,880): one unit less shortfall costs 900 jobs for 0.3667 units; past that the shortfall
    would be below 0: no plan has LESS shortfall. frontier.csv writes 'then no plan has more'
    (there are plans with more shortfall: point 1's own `rate` side holds for any amount)."""
    out = tmp_path / "fr"
    res = run_cli(
        "frontier", "--inputs", DATA / "base_levels", "--x", "shortfall", "--y", "jobs",
        "--points", "3", "--out", out,
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    first = rows(out / "frontier.csv")[0]
    assert float(first["x_value"]) == pytest.approx(220 / 600)
    assert float(first["y_value"]) == pytest.approx(1880)
    assert float(first["rate_less"]) == pytest.approx(-900)
    assert float(first["rate_less_holds_for"]) == pytest.approx(220 / 600)
    assert first["rate_end"] == "any amount"  # more shortfall: plans exist, 0 jobs per unit
    assert first["rate_less_end"] != "then no plan has more", first["rate_less_end"]
    assert "less" in first["rate_less_end"], first["rate_less_end"]


def test_the_replan_terminal_headline_says_how_many_jobs_exist_before_the_plan(tmp_path):
    """tests/data/replan with 800 jobs existing (base.csv s1 500, s2 300, in 2024). Approved:
    a 100 (10 jobs/musd), c 120 (8), b 80 (5): 1,000 + 960 + 400 = 2,360 new, 3,160 in 2030,
    which `allocator solve` heads "(800 existing before the plan + 2,360 new)". Actuals spend 60
    on a: re-planned 600 + 960 + 600 = 2,160 new, 2,960 in all. The replan page says so; the
    terminal says "2,960 direct jobs in 2030" only."""
    data = with_base(DATA / "replan", tmp_path / "data")
    run = tmp_path / "run"
    res = run_cli("solve", "--inputs", data, "--out", run)
    assert res.exit_code == 0, res.stderr
    assert "(800 existing before the plan + 2,360 new)" in res.stdout
    out = tmp_path / "re"
    res = run_cli("replan", run, "--as-of", "2026", "--actuals", data / "actuals.csv", "--out", out)
    assert res.exit_code == 0, res.stderr
    assert "(800 existing before the plan + 2,160 new)" in page_text(out / "report.html")
    headline = res.stdout.splitlines()[0]
    assert "2,960 direct jobs in 2030" in headline, headline
    assert "800 existing" in headline, headline


def test_the_two_stage_headline_says_how_many_jobs_exist_before_the_plan(tmp_path):
    """tests/data/two_stage with 800 jobs existing (base.csv): the expected level is 800 + the
    new jobs; every scenario's here-and-now in two_stage_scenarios.csv is exactly 800 above the
    same run without base.csv. The headline, "1,136 expected direct jobs in 2026 over 4
    scenarios", never says that 800 of them exist before the plan, on the terminal or the page,
    though `allocator solve` without --decide-now says "(800 existing before the plan + ...)"."""
    data = with_base(DATA / "two_stage", tmp_path / "data")
    plain, based = tmp_path / "plain", tmp_path / "based"
    res0 = run_cli(
        "solve", "--inputs", DATA / "two_stage", "--decide-now", "p1", "--scenarios", "4",
        "--out", plain,
    )  # fmt: skip
    assert res0.exit_code == 0, res0.stderr
    res = run_cli(
        "solve", "--inputs", data, "--decide-now", "p1", "--scenarios", "4", "--out", based
    )
    assert res.exit_code == 0, res.stderr
    for a, b in zip(
        rows(plain / "two_stage_scenarios.csv"), rows(based / "two_stage_scenarios.csv"),
        strict=True,
    ):  # fmt: skip
        assert float(b["here_and_now"]) - float(a["here_and_now"]) == pytest.approx(800)
    headline = res.stdout.splitlines()[0]
    assert "1,136 expected direct jobs in 2026" in headline, headline
    assert "800 existing" in headline, headline
    assert "800 existing" in page_text(based / "report.html")


def test_compare_says_how_many_of_its_jobs_exist_before_the_plan(tmp_path):
    """`allocator compare jobs exports --inputs tests/data/base_levels`: both plans reach 1,550
    jobs in 2026, 800 of them existing before the plan (base.csv) and 750 new (a 45 x 10 + b
    75 x 4), as `allocator solve` says. compare.csv has one outcome row, "total jobs in 2026",
    and nowhere the 800 existing or the 750 new: a planner quotes 1,550 as the plan's jobs."""
    out = tmp_path / "cmp"
    res = run_cli("compare", "jobs", "exports", "--inputs", DATA / "base_levels", "--out", out)
    assert res.exit_code == 0, res.stderr
    table = rows(out / "compare.csv")
    total = [r for r in table if r["metric"] == "total jobs in 2026"]
    assert [float(total[0]["jobs"]), float(total[0]["exports"])] == [1550, 1550]
    existing = [r for r in table if "existing" in r["metric"]]
    assert existing, [r["metric"] for r in table]
    assert float(existing[0]["jobs"]) == 800


def test_a_frontier_less_side_never_holds_past_an_x_of_zero(tmp_path):
    """`allocator frontier --inputs tests/data/exports --points 3` (jobs against exports). By
    hand: x makes 1 job and 2 musd of exports per musd, y 3 jobs and 1 musd; budget 100, the
    market 150 musd. The jobs-best plan puts 100 in y: 300 jobs, 100 musd of exports (point 1).
    Fewer exports keep 300 jobs, but only down to 0 musd of exports: 100 musd less at most
    (no plan exports less than nothing), as point 3 of the shortfall frontier says of x = 0
    ("no plan has less"). frontier.csv: rate_less 0, rate_less_holds_for empty (inf), "any
    amount"."""
    out = tmp_path / "fr"
    res = run_cli("frontier", "--inputs", DATA / "exports", "--points", "3", "--out", out)
    assert res.exit_code == 0, res.stderr
    first = rows(out / "frontier.csv")[0]
    assert (float(first["x_value"]), float(first["y_value"])) == (100, 300)
    assert float(first["rate_less"]) == 0
    assert first["rate_less_end"] != "any amount", first
    assert first["rate_less_holds_for"] != "", first
    assert float(first["rate_less_holds_for"]) == pytest.approx(100)


UNCERTAIN_A = "ref,low,high,distribution,source\nprograms:a:jobs_per_musd,8,12,uniform,t\n"
"""a's 10 jobs per musd drawn from 8 to 12 (sweep's samples)."""


@pytest.mark.parametrize(
    "command",
    [
        "sweep",
        "frontier",
    ],
)
def test_a_studys_job_levels_say_how_many_jobs_exist_before_the_plan(tmp_path, command):
    """tests/data/base_levels (800 jobs existing, base.csv), a's jobs per musd uncertain from 8
    to 12. By hand the plan is a 45, b 75 in every sample (b's 75 meets s2's target, a takes
    the rest): jobs = 800 + 45 x k_a + 300, so sweep's P50 of 1,543 jobs and the frontier's
    1,550 jobs at its one point are levels with 800 existing jobs in them. `allocator solve`
    says "(800 existing before the plan + 750 new)"; these say only the level."""
    data = tmp_path / "data"
    shutil.copytree(DATA / "base_levels", data)
    (data / "uncertainty.csv").write_text(UNCERTAIN_A, encoding="utf-8")
    args = ["--samples", "10"] if command == "sweep" else ["--points", "3"]
    res = run_cli(command, "--inputs", data, *args, "--out", tmp_path / "out")
    assert res.exit_code == 0, res.stderr
    assert "1,5" in res.stdout, res.stdout  # the level: 1,543 (P50) or 1,550
    assert "800 existing" in res.stdout, res.stdout
