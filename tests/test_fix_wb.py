"""Every number of a run's workbook has a unit, and its summary sheet splits the levels into
what existed before the plan and what the plan adds, as `allocator solve` prints them.

- Every sheet of the baseline's workbook.xlsx (openpyxl): a column with a number in it has a
  unit in its header, `name (unit)`; a unit that varies by row says which column holds it,
  `(see unit column)`, and that column is in the sheet. Years (2033) are not quantities.
  The charts sheet: each block's title says its unit (or, with mixed units, each label does).
- The whole-unit gains and losses of one unit more or less room are in the objective's unit:
  jobs for the baseline, the exports' unit under `--objective exports` (run.json's).
- The `summary` sheet: for each milestone, the jobs level with its part that existed before the
  plan and its new part, exactly outcomes.csv's total rows; its text is the terminal's, and
  its numbers, rounded as the terminal shows them, the terminal's.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from allocator.report.book import YEARS
from allocator.report.booksummary import summary_sheet
from allocator.report.bookunits import with_units
from allocator.report.rounding import cell

UNIT = re.compile(r"^(?P<name>.+?) \((?P<unit>[^()]+)\)$")
ORDINALS = (*YEARS, "point", "scenario")
"""Numbers that name a row, not a quantity: a year, a frontier's point, a risk scenario."""
SEE = re.compile(r"see (\S+) column")
NO_COLUMN = "family unit"
"""A unit said by name that no column of the sheet holds."""


def _sheets(run: Path) -> dict[str, list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(run / "workbook.xlsx", read_only=True)
    try:
        return {s.title: list(s.iter_rows(values_only=True)) for s in book.worksheets}
    finally:
        book.close()


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _unitless(rows: list[tuple[Any, ...]]) -> list[str]:
    """The headers of a table sheet's numeric columns that say no unit; and any header that
    points to a unit column the sheet does not have (each `see X column` of it, as in
    `variable: see unit column; constraint: see value_unit column`) or names a unit no column
    holds (`family unit`)."""
    header = [str(h) for h in rows[0]]
    names = [m["name"] if (m := UNIT.match(h)) else h for h in header]
    bad = []
    for j, h in enumerate(header):
        m = UNIT.match(h)
        pointed = SEE.findall(m["unit"]) if m else []
        if any(c not in names for c in pointed) or (m and NO_COLUMN in m["unit"]):
            bad.append(h)
            continue
        if not any(_is_number(r[j]) for r in rows[1:] if j < len(r)) or h in ORDINALS:
            continue
        if m is None:
            bad.append(h)
    return bad


def _chart_titles_without_unit(rows: list[tuple[Any, ...]]) -> list[str]:
    """The charts sheet: a block is a title row, a header row (text in column B) and rows of
    numbers; a title names its unit in brackets, or each header does, or (mixed units) each
    label names its own."""
    bad = []
    for i, row in enumerate(rows[1:], start=1):
        if not (isinstance(row[1], str) and isinstance(rows[i - 1][0], str)):
            continue
        title = str(rows[i - 1][0])
        labels = []
        for below in rows[i + 1 :]:
            if below[0] is None or below[0] == "total":
                break
            labels.append(str(below[0]))
        heads = [h for h in row if h is not None]
        if not UNIT.match(title) and not all(UNIT.match(str(h)) for h in heads):
            bad.append(title)
        elif "unit in its label" in title:
            bad += [label for label in labels if not UNIT.match(label)]
    return bad


def test_every_numeric_column_of_the_baseline_workbook_has_a_unit(baseline_run):
    sheets = _sheets(baseline_run)
    assert {"shares", "Answer", "Sensitivity", "Limits", "charts", "summary"} <= set(sheets)
    missing = {
        name: bad for name, rows in sheets.items() if name != "charts" and (bad := _unitless(rows))
    }
    assert missing == {}
    assert _chart_titles_without_unit(sheets["charts"]) == []


@pytest.mark.parametrize(
    "command",
    [("frontier", "--points", "3"), ("alternatives",)],
    ids=["frontier", "alternatives"],
)
def test_every_numeric_column_of_a_study_workbook_has_a_unit(tmp_path, baseline_dir, command):
    from conftest import run_cli

    out = tmp_path / "run"
    ran = run_cli(*command, "--inputs", baseline_dir, "--out", out)
    assert ran.exit_code == 0, ran.stderr
    sheets = _sheets(out)
    missing = {n: bad for n, rows in sheets.items() if n != "charts" and (bad := _unitless(rows))}
    assert missing == {}
    assert _chart_titles_without_unit(sheets.get("charts", [])) == []


def test_the_walk_finds_a_column_without_a_unit():
    """The check itself: a numeric column with a bare header, or pointing to a column the
    sheet lacks, is found; a year column and a text column are not."""
    rows = [
        ("name", "year", "gain", "rate (see unit column)", "x (jobs)"),
        ("a", 2030, 1.5, 2.0, 3),
    ]
    assert _unitless(rows) == ["gain", "rate (see unit column)"]
    rows = [
        ("name", "slack (family unit)", "low (a: see unit column; b: see value_unit column)"),
        ("a", None, None),  # no number: the header is still read
    ]
    assert _unitless(rows) == [rows[0][1], rows[0][2]]
    rows = [("name", "x (a: see unit column; b: see value_unit column)", "unit", "value_unit")]
    assert _unitless([*rows, ("a", 1.0, "jobs", "musd")]) == []
    charts = [("Money", None), ("sector", "phase1"), ("a", 1.0)]
    assert _chart_titles_without_unit(charts) == ["Money"]
    charts = [("Frontier", None), ("x_value (jobs)", "y_value (jobs)"), (1.0, 2.0)]
    assert _chart_titles_without_unit(charts) == []


def test_a_unit_column_is_pointed_to_only_where_the_sheet_has_it():
    """`see unit column` only in a sheet with that column (as `write.header` does); a header
    that has a unit keeps it; another sheet's column of the same name is left as it is."""
    frame = pd.DataFrame(
        {"variable": ["a"], "lower_limit": [1.0], "objective_at_lower": [2.0],
         "objective_unit": ["jobs"]}
    )  # fmt: skip
    assert with_units("Limits", list(frame.columns), frame, "jobs") == [
        "variable",
        "lower_limit",
        "objective_at_lower (see objective_unit column)",
        "objective_unit",
    ]
    gains = pd.DataFrame({"gain_of_one_unit_up": [1.0], "final_value": [2.0]})
    assert with_units("shadow_prices", ["gain_of_one_unit_up", "final_value"], gains, None) == [
        "gain_of_one_unit_up (objective unit)",
        "final_value",
    ]
    assert with_units("compare", ["final_value"], gains[["final_value"]], "jobs") == ["final_value"]


def _header(rows: list[tuple[Any, ...]], name: str) -> str:
    return next(str(h) for h in rows[0] if str(h).split(" (")[0] == name)


def test_the_baselines_headers_say_the_units_a_planner_reads(baseline_run):
    sheets = _sheets(baseline_run)
    expected = {
        "shadow_prices": {
            "gain_of_one_unit_up": "gain_of_one_unit_up (jobs)",
            "loss_of_one_unit_down": "loss_of_one_unit_down (jobs)",
            "shortfall_change_up": "shortfall_change_up (weighted shortfall)",
            "rhs": "rhs (see holds_for_unit column; a share cap's: musd)",
            "slack": "slack (see holds_for_unit column; a share cap's: musd)",
        },
        "shares": {
            "share_pct": "share_pct (percent)",
            "share_today_pct": "share_today_pct (percent)",
            "share_shortfall_pct": "share_shortfall_pct (percentage points)",
        },
        "Answer": {
            "final_value": "final_value (see unit column)",
            "slack": "slack (see unit column)",
        },
        "reduced_costs": {"value": "value (see value_unit column)"},
        "Limits": {
            "lower_limit": "lower_limit (see unit column)",
            "objective_at_upper": "objective_at_upper (see objective_unit column)",
        },
        "Sensitivity": {
            "final_value": "final_value (see value_unit column)",
            "rhs": "rhs (see value_unit column)",
            "allowable_increase": "allowable_increase (variable: see unit column; "
            "constraint: see value_unit column)",
            "gain_of_one_unit_up": "gain_of_one_unit_up (jobs)",
        },
    }
    for sheet, heads in expected.items():
        for name, head in heads.items():
            assert _header(sheets[sheet], name) == head, (sheet, name)


def test_a_one_musd_gain_is_jobs_per_musd_times_one_musd(baseline_run):
    """The whole-unit gain of the china budget (one musd more room) is its rate, 10.6 jobs per
    musd, times one musd: a number of jobs, as the header says (hand check: the china pool
    funds nothing yet, and its first musd goes at 10.6 jobs per musd)."""
    rows = _sheets(baseline_run)["shadow_prices"]
    table = pd.DataFrame(rows[1:], columns=[str(h).split(" (")[0] for h in rows[0]])
    china = table.set_index("constraint").loc["budget(china,phase1)"]
    assert (china["unit"], china["holds_for_unit"]) == ("jobs per musd", "musd")
    assert china["gain_of_one_unit_up"] == pytest.approx(china["gain_per_unit_up"] * 1.0)
    assert china["gain_of_one_unit_up"] == pytest.approx(10.6)


def test_whole_units_follow_the_objective(solved_run, baseline_dir):
    """Under --objective exports the same columns are in the exports objective's unit."""
    run, _ran = solved_run("--inputs", baseline_dir, "--objective", "exports")
    unit = json.loads((run / "run.json").read_text(encoding="utf-8"))["objective"]["unit"]
    assert unit != "jobs"
    sheets = _sheets(run)
    for sheet in ("shadow_prices", "Sensitivity"):
        assert _header(sheets[sheet], "gain_of_one_unit_up") == f"gain_of_one_unit_up ({unit})"
    answer = sheets["Answer"]
    assert (answer[1][0], answer[1][-1]) == ("objective", unit)
    assert _unitless(sheets["shadow_prices"]) == []


def _summary(run: Path) -> pd.DataFrame:
    rows = _sheets(run)["summary"]
    return pd.DataFrame(rows[1:], columns=[str(h).split(" (")[0] for h in rows[0]])


def test_summary_sheet_is_outcomes_total_rows_split(baseline_run):
    """Each row: the total's existing part, new part and level at a milestone, exactly the
    outcomes sheet's (jobs_base, jobs_new, jobs; outcomes.csv's to its 12 digits);
    existing + new = level."""
    summary = _summary(baseline_run)
    rows = _sheets(baseline_run)["outcomes"]
    sheet = pd.DataFrame(rows[1:], columns=[str(h).split(" (")[0] for h in rows[0]])
    csv = pd.read_csv(baseline_run / "outcomes.csv")
    jobs = summary[summary["outcome"] == "jobs"].set_index("year")
    assert list(jobs.index) == [2030, 2035, 2040]
    assert set(summary["outcome"]) == {"jobs"}  # the baseline states no exports base
    columns = {"existing_before_plan": "jobs_base", "new": "jobs_new", "level": "jobs"}
    for table, same in ((sheet, float.__eq__), (csv, lambda a, b: math.isclose(a, b))):
        total = table[table["dimension"] == "total"].set_index("year")
        for year, row in jobs.iterrows():
            for ours, theirs in columns.items():
                assert same(float(row[ours]), float(total.loc[year, theirs])), (year, ours)
    for _year, row in jobs.iterrows():
        assert math.isclose(row["existing_before_plan"] + row["new"], row["level"])
        assert row["unit"] == "jobs"
    assert jobs.loc[2040, "existing_before_plan"] == 63_000


def test_summary_sheet_says_what_the_terminal_says(baseline_solve):
    """The headline's split and the jobs line's, number for number, from the workbook."""
    run, ran = baseline_solve
    text = ran.stdout
    head = re.search(r"([\d,]+) direct jobs in 2040 (\(([\d,]+) existing before the plan \+ "
                     r"([\d,]+) new\))", text)  # fmt: skip
    assert head is not None, text
    summary = _summary(run).set_index("year")
    row = summary.loc[2040]
    assert row["shown"] == f"{head[1]} {head[2]}"
    shown = [cell(row[c], "jobs") for c in ("level", "existing_before_plan", "new")]
    assert shown == [head[1], head[3], head[4]]
    line = next(s for s in text.splitlines() if s.strip().startswith("jobs (jobs):"))
    for year, level, base, new in re.findall(
        r"(\d{4}) ([\d,]+) \(([\d,]+) existing \+ ([\d,]+) new\)", line
    ):
        row = summary.loc[int(year)]
        shown = [cell(row[c], "jobs") for c in ("level", "existing_before_plan", "new")]
        assert shown == [level, base, new], year


def test_no_summary_sheet_without_a_base(tmp_path):
    """A dataset without base.csv has nothing existing to split off: no summary sheet (the
    terminal prints the levels alone)."""
    from conftest import DATA, run_cli

    out = tmp_path / "run"
    assert run_cli("solve", "--inputs", DATA / "greedy", "--out", out).exit_code == 0
    sheets = _sheets(out)
    assert "summary" not in sheets
    assert "existing" not in run_cli("solve", "--inputs", DATA / "greedy", "--out",
                                      tmp_path / "again").stdout  # fmt: skip


def test_summary_rows_by_hand():
    """Two milestones, a jobs base of 800 and an exports base of 0 (no exports row): the
    levels as outcomes' total rows hold them; under --risk they are the nominal data's."""
    outcomes = pd.DataFrame(
        {
            "dimension": ["sector", "total", "total"],
            "member": ["a", None, None],
            "year": [2030, 2030, 2035],
            "jobs_base": [800.0, 800.0, 800.0],
            "jobs_new": [100.0, 250.5, 750.0],
            "jobs": [900.0, 1050.5, 1550.0],
            "exports_base_musd": [0.0, 0.0, 0.0],
            "exports_new_musd": [1.0, 2.0, 3.0],
            "exports_musd": [1.0, 2.0, 3.0],
        }
    )
    made = summary_sheet({"outcomes": outcomes})
    assert made is not None
    name, _headers, frame = made
    assert name == "summary"
    assert frame.values.tolist() == [
        [
            "jobs",
            2030,
            800.0,
            250.5,
            1050.5,
            "jobs",
            "1,051 (800 existing before the plan + 251 new)",
        ],
        [
            "jobs",
            2035,
            800.0,
            750.0,
            1550.0,
            "jobs",
            "1,550 (800 existing before the plan + 750 new)",
        ],
    ]
    risky = summary_sheet({"outcomes": outcomes, "risk": pd.DataFrame()})
    assert risky is not None
    assert set(risky[2]["outcome"]) == {"jobs (nominal data)"}
    no_base = outcomes.assign(jobs_base=0.0)
    assert summary_sheet({"outcomes": no_base}) is None
