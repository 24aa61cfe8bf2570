"""Compare says how many of each plan's jobs and exports exist before the plan (base.csv) and
how many the plan adds, per milestone, on every surface: the terminal, compare.csv,
compare.xlsx and report.html (hunt28 finding 4).

tests/data/exports with a base: 1,000 jobs in sector s1 and 20 musd a year of exports in the
category cat exist before the plan. By hand (x: 1 job and 2 musd of exports per musd, y: 3 and
1; budget 100; the market holds the exports level, base + new, to 150):

- the jobs plan puts 100 in y: 300 new jobs (1,300 in all), 100 musd of new exports (120).
- the exports plan fills the market: 2x + y = 150 - 20 = 130 new, x + y <= 100, the most jobs
  x + 3y = 390 - 5x at x = 30, y = 70: 240 new jobs (1,240), 130 new exports (150).

`allocator solve` says the same split: "1,300 direct jobs in 2026 (1,000 existing before the
plan + 300 new)" and "150 US$ million of exports in 2026 (20 existing before the plan + 130
new)".
"""

from __future__ import annotations

import csv
import html
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from conftest import DATA, run_cli

BASE = (
    "kind,dimension,member,year,value,source\n"
    "jobs,sector,s1,2025,1000,t\nexports,export_category,cat,2025,20,t\n"
)

EXPECTED = {
    "total jobs in 2026": ("jobs", 1300, 1240),
    "jobs in 2026 existing before the plan (base.csv)": ("jobs", 1000, 1000),
    "new jobs in 2026 (the plan's)": ("jobs", 300, 240),
    "total exports in 2026": ("US$ million per year", 120, 150),
    "exports in 2026 existing before the plan (base.csv)": ("US$ million per year", 20, 20),
    "new exports in 2026 (the plan's)": ("US$ million per year", 100, 130),
}
"""Each outcome row of the comparison: its unit, the jobs plan's value, the exports plan's."""


def _data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA / "exports", data)
    (data / "base.csv").write_text(BASE, encoding="utf-8")
    return data


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _page_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<script.*?</script>|<style.*?</style>", "", text, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("g3cmp")
    out = tmp / "cmp"
    res = run_cli("compare", "jobs", "exports", "--inputs", _data(tmp), "--out", out)
    assert res.exit_code == 0, res.stderr
    return out, res.stdout


def test_compare_csv_splits_each_milestone_into_existing_and_new(compared):
    out, _ = compared
    table = [r for r in _rows(out / "compare.csv") if r["section"] == "outcomes"]
    got = {
        r["metric"]: (r["unit"], float(r["jobs"]), float(r["exports"]))
        for r in table
        if r["metric"] in EXPECTED
    }
    assert got == EXPECTED
    metrics = [r["metric"] for r in table]
    # each level is followed by its two parts, the level first as solve's headline gives it
    at = metrics.index("total jobs in 2026")
    assert metrics[at : at + 3] == list(EXPECTED)[:3]
    at = metrics.index("total exports in 2026")
    assert metrics[at : at + 3] == list(EXPECTED)[3:]
    dominated = next(r for r in table if r["metric"].startswith("dominated by"))
    assert (dominated["jobs"], dominated["exports"]) == ("0", "0")  # each plan best at one


def test_compare_terminal_page_and_workbook_show_the_split(compared):
    out, stdout = compared
    flat = re.sub(r"[│┃\s]+", " ", stdout)
    # the new rows are on the terminal: their values in the plans' columns
    assert re.search(r"jobs 1,000 1,000", flat), stdout
    assert re.search(r"jobs 300 240", flat), stdout
    assert re.search(r"US\$ million per year 100 130", flat), stdout
    assert "existing before the plan" in flat, stdout
    page = _page_text(out / "report.html")
    for metric, (unit, a, b) in EXPECTED.items():
        assert f"outcomes {metric} {unit} {a:,} {b:,}" in page, metric
    # the headline splits each plan's objective in 2026 as solve's headline does
    assert "jobs: 1,300 jobs (1,000 existing before the plan + 300 new)" in page, page[:600]
    assert "exports: 150 musd of exports (20 existing before the plan + 130 new)" in page
    sheet = openpyxl.load_workbook(out / "compare.xlsx")["compare"]
    cells = {
        row[1]: (row[2], row[3], row[4])
        for row in sheet.iter_rows(min_row=2, values_only=True)
        if row[1] in EXPECTED
    }
    assert cells == EXPECTED


def test_compare_of_a_run_folder_reads_its_split(tmp_path):
    """A run folder's outcomes.csv (jobs_base, jobs_new) gives the same split as a plan solved
    by compare itself."""
    data = _data(tmp_path)
    run = tmp_path / "run"
    res = run_cli("solve", "--inputs", data, "--objective", "exports", "--out", run)
    assert res.exit_code == 0, res.stderr
    assert "(20 existing before the plan + 130 new)" in res.stdout
    out = tmp_path / "cmp"
    res = run_cli("compare", "jobs", run, "--inputs", data, "--out", out)
    assert res.exit_code == 0, res.stderr
    got = {r["metric"]: (r["jobs"], r["run"]) for r in _rows(out / "compare.csv")}
    for metric, (_unit, a, b) in EXPECTED.items():
        assert tuple(map(float, got[metric])) == (a, b), metric


def test_compare_without_a_base_adds_no_rows(tmp_path):
    """A dataset without base.csv: every job and export is new; the table stays as before."""
    out = tmp_path / "cmp"
    res = run_cli("compare", "jobs", "exports", "--inputs", DATA / "exports", "--out", out)
    assert res.exit_code == 0, res.stderr
    metrics = [r["metric"] for r in _rows(out / "compare.csv")]
    assert "total jobs in 2026" in metrics
    assert not [m for m in metrics if "existing" in m or m.startswith("new ")], metrics
