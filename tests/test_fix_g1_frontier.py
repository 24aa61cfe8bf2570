"""The frontier's "one less" side (hunt28 findings 1, 5 and 6's frontier part): what lies past a
less side that ends where x can fall no further, that end found where the re-solves of the
epsilon row never find it (x below the least any plan reaches: the row no longer binds), and the
job levels said with the jobs that exist before the plan (base.csv)."""

from __future__ import annotations

import csv
import html
import re
import shutil
from pathlib import Path

import highspy
import numpy as np
import openpyxl
import pytest

from allocator.data.inputs import load_inputs
from allocator.solver.compile import build_lp
from conftest import DATA, run_cli


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def page_text(path: Path) -> str:
    """report.html's visible text, whitespace collapsed."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<script.*?</script>|<style.*?</style>", "", text, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


def sheet(book: Path, name: str = "frontier") -> list[dict[str, object]]:
    """A workbook sheet's rows by header (the header's unit in brackets dropped)."""
    got = list(openpyxl.load_workbook(book)[name].iter_rows(values_only=True))
    head = [str(h).split(" (")[0] for h in got[0]]
    return [dict(zip(head, r, strict=True)) for r in got[1:] if r[0] is not None]


def flat(text: str) -> str:
    """The terminal's text with its table borders and wrapping taken out."""
    return re.sub(r"\s+", " ", re.sub(r"[│┃┏┓┗┛┡┩└┘━─┳┻╇┼┬┴]", " ", text))


def frontier(tmp_path: Path, data: Path, *args: object) -> tuple[Path, str]:
    out = tmp_path / "fr"
    res = run_cli(
        "frontier", "--inputs", data, *args, "--points", "3", "--out", out,
        env={"COLUMNS": "400"},  # each side's words on one line of the table
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    return out, res.stdout


def least(data: Path, name: str, fixed: float) -> bool:
    """Whether a plan of `data`'s LP (soft targets, no hold) has `name` (a cost vector's value)
    exactly `fixed`: the re-solve that confirms how far x can fall."""
    lp, _ = build_lp(load_inputs(data), "soft")
    h, cost = lp.highs, lp.costs[name]
    nz = np.flatnonzero(cost).astype(np.int32)
    h.addRow(fixed, fixed, len(nz), nz, cost[nz])
    h.run()
    return h.getModelStatus() == highspy.HighsModelStatus.kOptimal


def test_a_less_side_that_ends_where_x_is_least_says_no_plan_has_less_everywhere(tmp_path):
    """base_levels, shortfall against jobs (hunt28 finding 1): less shortfall costs 900 jobs per
    unit down to a shortfall of 0 (point 1: 0.3667 of it, point 2: 0.1833); past that no plan
    has LESS shortfall. The more side keeps its words."""
    out, said = frontier(tmp_path, DATA / "base_levels", "--x", "shortfall", "--y", "jobs")
    table = rows(out / "frontier.csv")
    for r, amount in zip(table[:2], (220 / 600, 110 / 600), strict=True):
        assert float(r["rate_less"]) == pytest.approx(-900)
        assert float(r["rate_less_holds_for"]) == pytest.approx(amount)
        assert r["rate_less_end"] == "then no plan has less"
    assert table[0]["rate_end"] == "any amount"
    assert table[2]["rate_less_end"] == "no plan has less"
    book = sheet(out / "workbook.xlsx")
    assert [r["rate_less_end"] for r in book] == [r["rate_less_end"] for r in table]
    words = (
        "-900 jobs per unit of weighted shortfall, for 0.1833 weighted shortfall, "
        "then no plan has less"
    )
    assert words in page_text(out / "report.html")
    assert words in flat(said)
    assert "no plan has more" not in flat(said) + page_text(out / "report.html")
    assert [float(r["y_base"]) for r in table] == [800] * 3  # base.csv: s1 500, s2 300
    based = (
        "direct jobs in 2026 (jobs) include 800 existing before the plan (base.csv) at every "
        "point, and 750 to 1,080 new"  # 1,550 to 1,880 jobs
    )
    assert based in flat(said)
    assert "D" + based[1:] in page_text(out / "report.html")  # a sentence there


def test_the_less_side_of_the_y_best_plan_holds_only_as_far_as_x_can_fall(tmp_path):
    """tests/data/exports (hunt28 finding 5): the jobs-best plan (300 jobs, 100 musd of exports)
    keeps its jobs with fewer exports, down to 0 musd of exports: 100 musd, then no plan has
    less (a re-solve with exports fixed at 0 is feasible, at a hair below 0 not). Points 2 and
    3 keep their rates (2 jobs per musd less, to the kink at 100 musd)."""
    out, said = frontier(tmp_path, DATA / "exports")
    table = rows(out / "frontier.csv")
    first = table[0]
    assert (float(first["x_value"]), float(first["y_value"])) == (100, 300)
    assert float(first["rate_less"]) == 0
    assert float(first["rate_less_holds_for"]) == pytest.approx(100)
    assert first["rate_less_end"] == "then no plan has less"
    assert least(DATA / "exports", "exports", 100 - 100)
    assert not least(DATA / "exports", "exports", 100 - 100 - 1e-3)
    got = [
        (float(r["rate_less"]), float(r["rate_less_holds_for"]), r["rate_less_end"]) for r in table
    ]
    assert got[1:] == [(2, 25, ""), (2, 50, "")]
    words = "0 jobs per musd of exports, for 100 musd of exports, then no plan has less"
    assert words in flat(said)
    assert words in page_text(out / "report.html")
    assert "any amount" not in flat(said)


def test_a_less_side_of_jobs_ends_at_the_least_jobs_a_plan_has(tmp_path):
    """base_levels, jobs against exports: jobs as x. The exports-best plan is the jobs plan
    (1,550 jobs); fewer jobs keep its exports down to the least jobs a plan holding the least
    target shortfall has; the re-solve of the least (an LP of its own here) confirms the amount
    frontier.csv states for the less side."""
    out, _ = frontier(tmp_path, DATA / "base_levels", "--x", "jobs", "--y", "exports")
    first = rows(out / "frontier.csv")[0]
    assert first["rate_less_end"] == "then no plan has less", first
    amount = float(first["rate_less_holds_for"])
    lp, _ = build_lp(load_inputs(DATA / "base_levels"), "soft")
    h, cost = lp.highs, lp.costs["shortfall"]
    h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.run()
    held = h.getInfo().objective_function_value  # minus the least shortfall
    nz = np.flatnonzero(cost).astype(np.int32)
    h.addRow(held - 1e-9, highspy.kHighsInf, len(nz), nz, cost[nz])
    jobs = lp.costs["jobs"]
    h.changeColsCost(len(jobs), np.arange(len(jobs), dtype=np.int32), jobs)
    h.changeObjectiveSense(highspy.ObjSense.kMinimize)
    h.run()
    fewest = h.getInfo().objective_function_value
    assert amount == pytest.approx(float(first["x_value"]) - fewest)
    assert fewest >= 800  # never below the jobs that exist before the plan


BASE = (
    "kind,dimension,member,year,value,source\n"
    "jobs,sector,s1,2024,500,t\njobs,sector,s2,2024,300,t\n"
)


def test_the_frontier_says_how_many_of_its_jobs_exist_before_the_plan(tmp_path):
    """tests/data/base_levels (800 jobs existing): one plan, best for both, of 1,550 jobs, 800
    existing and 750 new (a 45 x 10 + b 75 x 4); frontier.csv's y_base says the 800, the
    terminal and report.html say them in words, the workbook's sheet has the column."""
    data = tmp_path / "data"
    shutil.copytree(DATA / "base_levels", data)
    (data / "base.csv").write_text(BASE, encoding="utf-8")
    out, said = frontier(tmp_path, data)
    table = rows(out / "frontier.csv")
    assert [float(r["y_value"]) for r in table] == [1550]
    assert [float(r["y_base"]) for r in table] == [800]
    assert [float(r["x_base"]) for r in table] == [0]
    words = "direct jobs in 2026: 1,550 jobs (800 existing before the plan + 750 new; base.csv)."
    assert words in flat(said)
    assert "D" + words[1:] in page_text(out / "report.html")  # a sentence there
    assert [r["y_base"] for r in sheet(out / "workbook.xlsx")] == [800]


def test_a_frontier_without_a_base_says_no_existing_level(tmp_path):
    """tests/data/exports has no base.csv: y_base and x_base are 0, no words of a base."""
    out, said = frontier(tmp_path, DATA / "exports")
    table = rows(out / "frontier.csv")
    assert {(r["x_base"], r["y_base"]) for r in table} == {("0", "0")}
    assert "existing" not in said
    assert "existing" not in page_text(out / "report.html")
