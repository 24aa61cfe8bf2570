"""`allocator replan`: re-planning the later years from what was actually spent.

The dataset tests/data/replan is solved by hand. Three phases of 100 musd of one pool (carry
over allowed); a (10 jobs/musd) runs in phase 1 only, cap 100; c (8 jobs/musd) runs from 2027,
cap 120; b (5 jobs/musd) takes the rest. The approved plan: a 100 in phase 1, c 100 in phase 2
and 20 in phase 3, b 80 in phase 3: 2,360 jobs in 2030.

Phase 1 spent only 60 on a (actuals.csv). The 40 left carry forward: c 120 (its cap) and b 120
in phases 2 and 3: 600 + 960 + 600 = 2,160 jobs; the deviation cost 200 jobs. Jobs at the
milestones make phase 2 take as much as it can: c 120 and b 20 in phase 2, b 100 in phase 3.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import allocator.cli  # noqa: F401 - registers every command on the app
from allocator.cli.commands import app

DATA = Path(__file__).resolve().parent / "data" / "replan"
HEADER = "program,pool,year,spent_musd\n"


def invoke(*args: object):
    """`allocator ARGS` in this process."""
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def approved(tmp_path_factory) -> Path:
    """The approved plan: `allocator solve` on the replan dataset."""
    out = tmp_path_factory.mktemp("approved") / "run"
    res = invoke("solve", "--inputs", DATA, "--out", out)
    assert res.exit_code == 0, res.output
    return out


def replan(approved: Path, out: Path, *extra: object, actuals: Path = DATA / "actuals.csv"):
    return invoke("replan", approved, "--actuals", actuals, "--as-of", 2026, "--out", out, *extra)


def by_phase(folder: Path) -> dict[tuple[str, str], tuple[float, float, float]]:
    """replan.csv as (program, phase) -> (approved, re-planned, change)."""
    import pandas as pd

    t = pd.read_csv(folder / "replan.csv")
    return {
        (r.program, r.phase): (r.approved_musd, r.replanned_musd, r.change_musd)
        for r in t.itertuples()
    }


def test_underspent_phase1_moves_money_forward(approved, tmp_path):
    res = replan(approved, tmp_path / "re")
    assert res.exit_code == 0, res.output
    got = by_phase(tmp_path / "re")
    assert got[("a", "phase1")] == (100, 60, -40)
    assert got[("b", "phase2")] == (0, 20, 20)
    assert got[("b", "phase3")] == (80, 100, 20)
    assert got[("c", "phase2")] == (100, 120, 20)
    assert got[("c", "phase3")] == (20, 0, -20)
    info = json.loads((tmp_path / "re" / "run.json").read_text())
    assert info["objective"]["value"] == pytest.approx(2160)
    assert info["replan"]["approved_objective"] == pytest.approx(2360)
    assert info["replan"]["cost_of_deviations"] == pytest.approx(200)
    assert "200 direct jobs in 2030" in " ".join(res.output.split())
    for name in ("allocation.csv", "shadow_prices.csv", "budgets.csv", "report.html"):
        assert (tmp_path / "re" / name).is_file()
    page = (tmp_path / "re" / "report.html").read_text()
    again = replan(tmp_path / "re", tmp_path / "again")  # a re-plan is no solve run to re-plan
    assert again.exit_code == 2
    assert "written by allocator replan" in " ".join(again.output.split())
    assert "Approved and re-planned" in page
    assert "200" in page


def test_straddling_phase_keeps_spending_so_far(approved, tmp_path):
    """As of 2027, phase 2 is half spent: c's 30 in 2027 stays and phase 2 is re-optimised
    around it (a's 60 in phase 1 as before, so the same optimum)."""
    actuals = tmp_path / "actuals.csv"
    actuals.write_text(HEADER + "a,public,2025,60\nb,public,2027,30\n")
    res = invoke(
        "replan", approved, "--actuals", actuals, "--as-of", 2027, "--out", tmp_path / "re"
    )
    assert res.exit_code == 0, res.output
    got = by_phase(tmp_path / "re")
    assert got[("b", "phase2")][1] >= 30 - 1e-9
    assert got[("c", "phase2")][1] == pytest.approx(110)  # 140 - b's 30 already spent
    info = json.loads((tmp_path / "re" / "run.json").read_text())
    assert info["objective"]["value"] == pytest.approx(2160)


@pytest.mark.parametrize(
    ("limit", "objective", "b_later"), [("10%", 2000, 88), ("30musd", 2110, 110)]
)
def test_churn_limit_binds_and_is_reported(approved, tmp_path, limit, objective, b_later):
    res = replan(approved, tmp_path / "re", "--max-change", limit)
    assert res.exit_code == 0, res.output
    got = by_phase(tmp_path / "re")
    assert got[("b", "phase2")][1] + got[("b", "phase3")][1] == pytest.approx(b_later)
    info = json.loads((tmp_path / "re" / "run.json").read_text())
    assert info["objective"]["value"] == pytest.approx(objective)
    assert "replan_change(b)" in info["replan"]["binding_new"]
    assert "replan_change(b)" in res.output


def test_least_change_moves_the_least_money(approved, tmp_path):
    res = replan(approved, tmp_path / "re", "--least-change")
    assert res.exit_code == 0, res.output
    got = by_phase(tmp_path / "re")
    assert got[("c", "phase2")][1] == pytest.approx(100)
    assert got[("c", "phase3")][1] == pytest.approx(20)
    assert got[("b", "phase2")][1] == pytest.approx(40)
    assert got[("b", "phase3")][1] == pytest.approx(80)
    info = json.loads((tmp_path / "re" / "run.json").read_text())
    assert info["objective"]["value"] == pytest.approx(2160)
    assert info["replan"]["moved_musd"] == pytest.approx(40)


def _same_run(one: Path, two: Path) -> None:
    names = sorted(p.name for p in one.iterdir())
    assert names == sorted(p.name for p in two.iterdir())
    for name in names:
        if name != "run.json":
            assert (one / name).read_bytes() == (two / name).read_bytes(), name
    a, b = (json.loads((f / "run.json").read_text()) for f in (one, two))
    for info in (a, b):
        info.pop("timings_s")
        info["replan"].pop("actuals")
    assert a == b


def test_reruns_and_shuffled_actuals_give_the_same_bytes(approved, tmp_path):
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text(HEADER + "a,public,2026,20\na,public,2025,35\na,public,2026,5\n")
    for name, actuals in (("one", DATA / "actuals.csv"), ("two", DATA / "actuals.csv")):
        assert replan(approved, tmp_path / name, actuals=actuals).exit_code == 0
    assert replan(approved, tmp_path / "three", actuals=shuffled).exit_code == 0
    _same_run(tmp_path / "one", tmp_path / "two")
    _same_run(tmp_path / "one", tmp_path / "three")


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ("a,public,2025,90\na,public,2026,30\n", ["row 3", "spent_musd", "budget"]),
        ("aa,public,2025,10\n", ["row 2", "program", "did you mean a"]),
        ("a,publik,2025,10\n", ["row 2", "pool", "did you mean public"]),
        ("a,public,2025,10\nb,public,2027,5\n", ["row 3", "year", "2026"]),
        ("a,public,2025,ten\n", ["row 2", "spent_musd"]),
        ("a,public,2025,1.200\n", ["row 2", "spent_musd"]),
    ],
)
def test_bad_actuals_exit_2_naming_file_row_column(approved, tmp_path, rows, words):
    actuals = tmp_path / "bad.csv"
    actuals.write_text(HEADER + rows)
    res = replan(approved, tmp_path / "re", actuals=actuals)
    assert res.exit_code == 2, res.output
    said = " ".join(res.output.split())
    assert "bad.csv" in said
    for word in words:
        assert word in said
    assert "Traceback" not in said
    assert not (tmp_path / "re").exists()


def test_missing_column_and_not_a_solve_run(approved, tmp_path):
    actuals = tmp_path / "bad.csv"
    actuals.write_text("program,pool,year\na,public,2025\n")
    res = replan(approved, tmp_path / "re", actuals=actuals)
    assert res.exit_code == 2
    assert "spent_musd" in res.output
    assert "bad.csv" in res.output
    not_run = tmp_path / "not-run"
    not_run.mkdir()
    res = replan(not_run, tmp_path / "re")
    assert res.exit_code == 2
    assert "run.json" in res.output
    assert not (tmp_path / "re").exists()
    copied = tmp_path / "copied"
    shutil.copytree(approved, copied)
    (copied / "allocation.csv").write_text("program,pool,year,invest_musd\na,public,x,1\n")
    res = replan(copied, tmp_path / "re")
    assert res.exit_code == 2
    assert "allocation.csv, row 2" in " ".join(res.output.split())
    (copied / "allocation.csv").unlink()
    res = replan(copied, tmp_path / "re")
    assert res.exit_code == 2
    assert "allocation.csv" in res.output
    for limit in ("10", "-5%", "lots%"):
        res = replan(approved, tmp_path / "re", "--max-change", limit)
        assert res.exit_code == 2, limit
        assert "--max-change" in res.output
    assert not (tmp_path / "re").exists()


def test_actuals_sheet_of_the_input_workbook(tmp_path):
    """A dataset workbook may hold an `actuals` sheet: solve ignores it, replan reads it when
    --actuals is not given (the same plan as from the CSV), and names its cells in errors."""
    from openpyxl import load_workbook

    book = tmp_path / "plan.xlsx"
    assert invoke("export-inputs", book, "--inputs", DATA).exit_code == 0
    wb = load_workbook(book)
    sheet = wb.create_sheet("actuals")
    for row in (("program", "pool", "year", "spent_musd"), ("a", "public", 2025, 35)):
        sheet.append(row)
    sheet.append(("a", "public", 2026, 25))
    wb.save(book)
    res = invoke("solve", "--inputs", book, "--out", tmp_path / "approved")
    assert res.exit_code == 0, res.output
    res = invoke("replan", tmp_path / "approved", "--as-of", 2026, "--out", tmp_path / "re")
    assert res.exit_code == 0, res.output
    assert by_phase(tmp_path / "re")[("b", "phase3")] == (80, 100, 20)
    sheet["D3"] = "lots"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    res = invoke(
        "replan", tmp_path / "approved", "--actuals", bad, "--as-of", 2026, "--out", tmp_path / "x"
    )
    assert res.exit_code == 2
    assert not (tmp_path / "x").exists()
    said = " ".join(res.output.split())
    assert "sheet actuals, cell D3" in said
    assert "spent_musd" in said


def test_spending_stays_in_the_year_it_was_spent(tmp_path):
    """Job-years count each year's jobs: a's 60 spent in 2026 makes 600 jobs in 2026-2030, not
    in 2025 as well. Before, only the phase's sum was fixed and the re-plan moved the 60 back
    to 2025, crediting the past with 600 job-years it never had (8,840 instead of 8,240)."""
    approved = tmp_path / "approved"
    args = ("--inputs", DATA, "--measure", "cumulative", "--out", approved)
    assert invoke("solve", *args).exit_code == 0
    actuals = tmp_path / "late.csv"
    actuals.write_text(HEADER + "a,public,2026,60\n")
    res = replan(approved, tmp_path / "re", actuals=actuals)
    assert res.exit_code == 0, res.output
    import pandas as pd

    alloc = pd.read_csv(tmp_path / "re" / "allocation.csv")
    a = {int(r.year): r.invest_musd for r in alloc[alloc.program == "a"].itertuples()}
    assert a.get(2025, 0) == 0
    assert a[2026] == pytest.approx(60)
    info = json.loads((tmp_path / "re" / "run.json").read_text())
    assert info["objective"]["value"] == pytest.approx(8240)


def test_rows_of_the_same_program_pool_and_year_are_added_and_said(approved, tmp_path):
    """Two rows a,public,2025 add up (two payments), and the terminal and run.json say which
    were added: a row typed twice by mistake is not counted twice in silence."""
    actuals = tmp_path / "twice.csv"
    actuals.write_text(HEADER + "a,public,2025,10\na,public,2026,5\na,public,2025,10\n")
    res = replan(approved, tmp_path / "re", actuals=actuals)
    assert res.exit_code == 0, res.output
    said = " ".join(res.output.split())
    assert "rows 2 and 4 (a, public, 2025) added up to 20" in said
    info = json.loads((tmp_path / "re" / "run.json").read_text())
    assert info["replan"]["actuals"]["added_up"] == [
        {"program": "a", "pool": "public", "year": 2025, "rows": [2, 4], "spent_musd": 20.0}
    ]
    assert by_phase(tmp_path / "re")[("a", "phase1")][1] == pytest.approx(25)


def test_json_is_one_document_also_for_an_error(approved, tmp_path):
    """--json as solve and core have it: one document on stdout, the error too (before: no such
    option)."""
    res = replan(approved, tmp_path / "re", "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["status"] == "done"
    assert doc["folder"] == str(tmp_path / "re")
    assert doc["cost_of_deviations"] == pytest.approx(200)
    assert {"program": "a", "phase": "phase1"}.items() <= doc["table"][0].items()
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "aa,public,2025,10\n")
    res = replan(approved, tmp_path / "x", "--json", actuals=bad)
    assert res.exit_code == 2
    doc = json.loads(res.stdout)
    assert doc["status"] == "error"
    assert "did you mean a" in doc["error"]
    assert not (tmp_path / "x").exists()


def test_a_run_solved_with_risk_is_refused(tmp_path):
    """An approved --risk worst-case run: its objective is the worst scenario's jobs (2,167.5),
    the re-plan solved the nominal LP (2,160) and called the difference the cost of the
    deviations (7.5 jobs) - two objectives compared as one. Refused, exit 2, nothing written."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (data / "uncertainty.csv").write_text(
        "ref,low,high,distribution,source\nprograms:b:jobs_per_musd,-50%,+50%,uniform,test\n"
    )
    approved = tmp_path / "approved"
    res = invoke("solve", "--inputs", data, "--risk", "worst-case", "--out", approved)
    assert res.exit_code == 0, res.output
    res = replan(approved, tmp_path / "re")
    assert res.exit_code == 2, res.output
    said = " ".join(res.output.split())
    assert "--risk worst-case" in said
    assert "Fix:" in said
    assert not (tmp_path / "re").exists()


def test_a_weighted_run_is_refused(tmp_path):
    """--objective weighted: the index is scaled to the best plans each LP can reach, so the
    re-plan rescaled it to what the actuals leave (0.5 both) and said the deviations cost 0
    while jobs in 2030 fell from 2,360 to 2,160. Refused, exit 2, nothing written."""
    approved = tmp_path / "approved"
    res = invoke("solve", "--inputs", DATA, "--objective", "weighted", "--out", approved)
    assert res.exit_code == 0, res.output
    res = replan(approved, tmp_path / "re")
    assert res.exit_code == 2, res.output
    said = " ".join(res.output.split())
    assert "weighted" in said
    assert "Fix:" in said
    assert not (tmp_path / "re").exists()


@pytest.mark.parametrize(("year", "money"), [("2025", ""), ("2025", "nan"), ("2025.5", "1")])
def test_an_approved_plan_with_an_empty_or_odd_cell_is_refused(approved, tmp_path, year, money):
    """An allocation.csv edited to an empty or NaN invest_musd, or a year that is not whole: one
    line naming the file and row (the money was NaN in the approved plan, the year truncated)."""
    copied = tmp_path / "copied"
    shutil.copytree(approved, copied)
    lines = (copied / "allocation.csv").read_text().splitlines()
    head = lines[0].split(",")
    cells = lines[1].split(",")
    cells[head.index("year")], cells[head.index("invest_musd")] = year, money
    (copied / "allocation.csv").write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]))
    res = replan(copied, tmp_path / "re")
    assert res.exit_code == 2, res.output
    assert "allocation.csv, row 2" in " ".join(res.output.split())
    assert not (tmp_path / "re").exists()
