"""Task g2 (hunt28 findings 2, 3): a re-plan's and a two-stage plan's headline say how many of
their jobs exist before the plan, as `allocator solve` does: terminal, report.html, the
workbook's sheet of the terminal's numbers and --json (`base_and_new`, solve's field)."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA, run_cli, sheet_by_quantity

BASE = (
    "kind,dimension,member,year,value,source\n"
    "jobs,sector,s1,2024,500,t\njobs,sector,s2,2024,300,t\n"
)
"""800 jobs existing before the plan (s1 500, s2 300)."""

TWO_STAGE = ("--decide-now", "p1", "--scenarios", "4")


def with_base(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    (dst / "base.csv").write_text(BASE, encoding="utf-8")
    return dst


def headline_of(run: Path) -> str:
    """report.html's headline paragraph, as visible text."""
    page = (run / "report.html").read_text(encoding="utf-8")
    found = re.search(r'<p class="headline" id="headline">(.*?)</p>', page, flags=re.S)
    assert found, "no headline"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())


def replanned(tmp_path: Path, data: Path, *extra: str) -> Any:
    run = tmp_path / "run"
    if not run.exists():  # the approved run, solved once
        res = run_cli("solve", "--inputs", data, "--out", run)
        assert res.exit_code == 0, res.stderr
    out = tmp_path / ("re" + "".join(extra).replace("-", ""))
    args = ("replan", run, "--as-of", "2026", "--actuals", data / "actuals.csv", "--out", out)
    res = run_cli(*args, *extra)
    assert res.exit_code == 0, res.stderr
    return res, out


def test_the_replan_says_existing_and_new_on_the_terminal_page_and_json(tmp_path):
    """tests/data/replan with 800 jobs existing. By hand (hunt28): re-planned a 60 (10 jobs per
    musd), c 120 (8), b 120 (5): 600 + 960 + 600 = 2,160 new jobs in 2030, 2,960 in all; in 2026
    a's 600, in 2028 600 + 960 + b's 20 x 5 = 1,660. Approved: 1,000 + 960 + 400 = 2,360 new."""
    data = with_base(DATA / "replan", tmp_path / "data")
    res, out = replanned(tmp_path, data)
    first = res.stdout.splitlines()[0]
    said = (
        ": 2,960 direct jobs in 2030 (800 existing before the plan + 2,160 new); the approved "
        "plan: 3,160 direct jobs in 2030 (800 existing + 2,360 new)."
    )
    assert said in first, first
    assert said in " ".join(html.unescape((out / "report.html").read_text()).split())
    assert "(800 existing before the plan + 2,160 new)" in headline_of(out)
    res, _ = replanned(tmp_path, data, "--json")
    doc = json.loads(res.stdout)
    assert doc["base_and_new"] == {
        "jobs_2026": {"base": 800, "new": 600},
        "jobs_2028": {"base": 800, "new": 1660},
        "jobs_2030": {"base": 800, "new": 2160},
    }
    assert doc["approved_base_and_new"]["jobs_2030"] == {"base": 800, "new": 2360}
    assert doc["lines"][0].endswith(said), doc["lines"][0]
    facts = json.loads((out / "run.json").read_text())["replan"]
    assert facts["base_and_new"]["jobs_2030"] == {"base": 800, "new": 2160}
    rows = sheet_by_quantity(out, "replan_summary")
    assert rows["re-planned objective: existing before the plan"]["number"] == 800
    assert rows["re-planned objective: new"]["number"] == 2160
    assert rows["approved objective: new"]["number"] == 2360


def test_a_replan_without_a_base_says_the_level_alone(tmp_path):
    res, out = replanned(tmp_path, DATA / "replan")
    assert "existing" not in res.stdout
    first = res.stdout.splitlines()[0]
    assert ": 2,160 direct jobs in 2030; the approved plan: 2,360 direct jobs in 2030." in first
    assert "base_and_new" not in json.loads((out / "run.json").read_text())["replan"]
    assert not any("existing" in q for q in sheet_by_quantity(out, "replan_summary"))


def test_an_approved_run_of_another_base_keeps_its_own_existing_jobs(tmp_path):
    """base.csv changed after the approved run (s1 500 -> 700): the approved plan's existing
    jobs are its own outcomes.csv's (800), the re-plan's the dataset's now (1,000)."""
    data = with_base(DATA / "replan", tmp_path / "data")
    run = tmp_path / "run"
    assert run_cli("solve", "--inputs", data, "--out", run).exit_code == 0
    (data / "base.csv").write_text(BASE.replace("500", "700"), encoding="utf-8")
    out = tmp_path / "re"
    res = run_cli("replan", run, "--as-of", "2026", "--actuals", data / "actuals.csv", "--out", out)
    assert res.exit_code == 0, res.stderr
    first = res.stdout.splitlines()[0]
    assert "3,160 direct jobs in 2030 (1,000 existing before the plan + 2,160 new)" in first
    assert "approved plan: 3,160 direct jobs in 2030 (800 existing + 2,360 new)" in first


def two_stage(tmp_path: Path, data: Path, name: str, *extra: str) -> tuple[Any, Path]:
    out = tmp_path / name
    res = run_cli("solve", "--inputs", data, *TWO_STAGE, *extra, "--out", out)
    assert res.exit_code == 0, res.stderr
    return res, out


def test_the_two_stage_headline_says_existing_and_new_on_average(tmp_path):
    """tests/data/two_stage with 800 jobs existing: every scenario's level is 800 above the same
    run without base.csv (hunt28), so the expected new jobs are that run's expected objective
    (a re-solve: 335.954), shown 336, adding up with 800 to the headline's 1,136."""
    data = with_base(DATA / "two_stage", tmp_path / "data")
    res, _ = two_stage(tmp_path, DATA / "two_stage", "plain", "--json")
    new = json.loads(res.stdout)["objective"]["value"]
    assert new == pytest.approx(335.954, abs=1e-3)
    res, out = two_stage(tmp_path, data, "based")
    said = (
        "1,136 expected direct jobs in 2026 over 4 scenarios, p1 now (800 existing before the "
        "plan + 336 new on average)"
    )
    assert said in res.stdout.splitlines()[0], res.stdout.splitlines()[0]
    assert said in headline_of(out)
    rows = sheet_by_quantity(out, "two_stage")
    assert rows["expected objective: existing before the plan"]["number"] == 800
    assert rows["expected objective: existing before the plan"]["shown"] == "800"
    assert rows["expected objective: new on average"]["number"] == pytest.approx(new, rel=1e-9)
    assert rows["expected objective: new on average"]["shown"] == "336"
    res, _ = two_stage(tmp_path, data, "json", "--json")
    doc = json.loads(res.stdout)
    assert doc["objective"]["value"] == pytest.approx(800 + new, rel=1e-9)
    parts = doc["base_and_new"]
    assert list(parts) == ["jobs_2026"]
    assert parts["jobs_2026"]["base"] == 800
    assert parts["jobs_2026"]["new"] == pytest.approx(new, rel=1e-9)


def test_a_two_stage_plan_without_a_base_or_measured_over_the_path_says_no_split(tmp_path):
    """No base: the level alone, no base_and_new. --measure cumulative: the headline is
    job-years, not a level, so (as solve) no split; --json still splits each year's level."""
    res, out = two_stage(tmp_path, DATA / "two_stage", "plain")
    assert "existing" not in res.stdout
    assert "existing" not in headline_of(out)
    assert "base_and_new" not in json.loads((out / "run.json").read_text())["two_stage"]
    data = with_base(DATA / "two_stage", tmp_path / "data")
    res, out = two_stage(tmp_path, data, "path", "--measure", "cumulative", "--json")
    doc = json.loads(res.stdout)
    assert doc["base_and_new"]["jobs_2026"]["base"] == 800
    res, out = two_stage(tmp_path, data, "path2", "--measure", "cumulative")
    assert "existing" not in res.stdout.splitlines()[0]
    assert "existing" not in headline_of(out)


def test_an_edited_approved_outcomes_table_is_not_quoted(tmp_path):
    """The approved run's outcomes.csv edited since allocator wrote it (run.json records other
    bytes): its numbers may be the user's, so the approved plan's parts are not said; the
    re-plan, which does not rest on them, goes on and says its own."""
    data = with_base(DATA / "replan", tmp_path / "data")
    run = tmp_path / "run"
    assert run_cli("solve", "--inputs", data, "--out", run).exit_code == 0
    table = run / "outcomes.csv"
    table.write_text(table.read_text().replace(",500,", ",900,"), encoding="utf-8")
    res, _ = replanned(tmp_path, data)
    first = res.stdout.splitlines()[0]
    assert "(800 existing before the plan + 2,160 new); the approved plan: 3,160 " in first
    assert first.endswith("the approved plan: 3,160 direct jobs in 2030."), first
