"""Numbers a planner puts on a slide add up (task fc): report.html's milestone table and its
targets tables show a level's existing and new parts rounded so that they add up to the level
shown (`rounding.parts_shown`, the headline's rule), as the terminal and the workbook's summary
sheet say them; outcomes.csv and the workbook's number cells keep the exact numbers."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import openpyxl

from conftest import DATA, run_cli

EXPORTS_BASE = "100.04"
"""cat's exports before the plan (US$ million per year). The market (300 x 50%) holds the level
at 150, so the plan adds 49.96: each part on its own reads 100 and 49.96 (two decimals below
100), 149.96 in all beside a level shown as 150; at the level's decimals (none) by the largest
remainder: 100 (remainder .04) and 50 (remainder .96 takes the missing unit)."""


def _run(tmp_path: Path) -> tuple[Path, str]:
    data = shutil.copytree(DATA / "exports", tmp_path / "exports_base")
    (data / "base.csv").write_text(
        "kind,dimension,member,year,value,source\n"
        f"exports,export_category,cat,2025,{EXPORTS_BASE},fc: sold before the plan\n",
        encoding="utf-8",
    )
    (data / "targets.csv").write_text(
        "kind,dimension,member,year,value,source\n"
        "exports,export_category,cat,2026,200,fc: above the market (150)\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    res = run_cli("solve", "--inputs", data, "--objective", "exports", "--out", out)
    assert res.exit_code == 0, res.stderr
    return out, res.stdout


def _cells(html: str) -> list[str]:
    """The shown texts of a table's number cells, in order."""
    return re.findall(r'<td class="n" data-v="[^"]*">([^<]*)</td>', html)


def test_the_milestone_table_shows_exports_parts_that_add_up(tmp_path):
    out, stdout = _run(tmp_path)
    with (out / "outcomes.csv").open(encoding="utf-8") as f:
        total = next(r for r in csv.DictReader(f) if r["dimension"] == "total")
    # the CSV keeps the exact numbers
    assert float(total["exports_base_musd"]) == float(EXPORTS_BASE)
    assert abs(float(total["exports_new_musd"]) - 49.96) < 1e-6
    # the terminal says the parts at the level's decimals
    line = next(s for s in stdout.splitlines() if s.startswith("  exports ("))
    assert line.endswith("2026 150 (100 existing + 50 new)"), line
    page = (out / "report.html").read_text(encoding="utf-8")
    table = page.split("<h2>Jobs and exports per milestone</h2>")[1].split("</table>")[0]
    head = re.findall(r"<th[^>]*>([^<]*)</th>", table)
    at = {name.split(" (")[0]: i for i, name in enumerate(head)}
    shown = _cells(table)
    assert shown[at["exports"]] == "150"
    assert shown[at["exports existing before the plan"]] == "100"
    assert shown[at["new exports"]] == "50", shown  # 49.96 on its own: 100 + 49.96 != 150


def test_the_targets_table_shows_parts_that_add_up(tmp_path):
    out, _ = _run(tmp_path)
    page = (out / "report.html").read_text(encoding="utf-8")
    table = page.split("<h3>Exports targets")[1].split("</table>")[0]
    head = re.findall(r"<th[^>]*>([^<]*)</th>", table)
    numbers = [h for h in head if h not in ("dimension", "member", "note")]
    row = dict(zip(numbers, _cells(table), strict=True))
    assert row["exports_base_musd"] == "100"
    assert row["exports_new_musd"] == "50", row
    assert row["exports_musd"] == "150"
    assert row["exports_target_musd"] == "200"
    assert row["exports_shortfall_musd"] == "50"


def test_the_workbook_says_what_the_page_shows_and_keeps_the_exact_numbers(tmp_path):
    out, _ = _run(tmp_path)
    book = openpyxl.load_workbook(out / "workbook.xlsx")
    sheet = book["summary"]
    head = [c.value for c in sheet[1]]
    row = {str(h).split(" (")[0]: c.value for h, c in zip(head, sheet[2], strict=True)}
    assert row["existing_before_plan"] == float(EXPORTS_BASE)  # exact, as outcomes.csv
    assert abs(row["new"] - 49.96) < 1e-6
    assert row["shown"] == "150 (100 existing before the plan + 50 new)"


def test_jobs_targets_parts_add_up_to_the_level_shown(tmp_path):
    """hunt 24's run: 800.4 existing + 750.18 new = 1,550.58 jobs in 2026 in all, shown 1,551.
    The total jobs target row of report.html (added: `jobs,total,,2026,1500`) shows 801 + 750
    (each whole on its own: 800 + 750 = 1,550 beside a level of 1,551)."""
    data = shutil.copytree(DATA / "base_levels", tmp_path / "base_levels")
    with (data / "targets.csv").open("a", encoding="utf-8") as f:
        f.write("jobs,total,,2026,1500,fc: a total target\n")
    out = tmp_path / "run"
    res = run_cli(
        "solve", "--inputs", data,
        "--set", "base.jobs/sector/s1.value=500.4",
        "--set", "programs.a.jobs_per_musd=10.0040",
        "--out", out,
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    page = (out / "report.html").read_text(encoding="utf-8")
    table = page.split("<h3>Jobs targets")[1].split("</table>")[0]
    rows = table.split("<tr>")[2:]
    total = next(r for r in rows if "<td>total</td>" in r)
    assert _cells(total)[:4] == ["2026", "801", "750", "1,551"], _cells(total)
