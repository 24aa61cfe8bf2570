"""What-if at meeting speed: `--set` and `allocator replan`, hunted at their edges.

tests/data/replan is solved by hand (tests/test_replan.py): three phases of 100 musd of one pool
`public` (carry over); a (10 jobs/musd, cap 100) runs in phase 1 only, c (8 jobs/musd, cap
120) from 2027, b (5 jobs/musd) takes the rest. The approved plan: a 100 in 2025; c 100 in 2027
and 20 in 2029; b 80 in 2029. tests/data/greedy: one pool `public` p1 120; a (cap 60, 10
jobs/musd), b (cap 100, 6), c (cap 100, 2): 960 jobs. All in-process (CliRunner).
"""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import invoke

DATA = Path(__file__).resolve().parent / "data"
REPLAN = DATA / "replan"
GREEDY = DATA / "greedy"
HEADER = "program,pool,year,spent_musd\n"


@pytest.fixture(scope="module")
def approved(tmp_path_factory) -> Path:
    """The approved plan: `allocator solve` on tests/data/replan (read it, never write it)."""
    out = tmp_path_factory.mktemp("approved") / "run"
    res = invoke("solve", "--inputs", REPLAN, "--out", out)
    assert res.exit_code == 0, res.output
    return out


def replan(run: Path, out: Path, actuals: Path, as_of: int = 2026):
    """`allocator replan RUN --actuals ACTUALS --as-of AS_OF --out OUT` in this process."""
    return invoke("replan", run, "--actuals", actuals, "--as-of", as_of, "--out", out)


def one_line_error(res, out: Path, *words: str) -> str:
    """The one line of a refused command (exit 2, nothing written) holding every word."""
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    for w in words:
        assert w in lines[0], lines[0]
    assert not out.exists()
    return lines[0]


def actuals_file(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "act.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


# --- replan: the actuals ---------------------------------------------------------------------


def test_actuals_year_past_the_horizon_is_not_told_to_move_the_as_of_year(approved, tmp_path):
    """2040 is after the plan's last year (2030): --as-of 2040 cannot fix it (the as-of year
    must leave years to re-plan), so the message says the year is outside the plan."""
    act = actuals_file(tmp_path, "a,public,2025,10\nb,public,2040,5\n")
    line = one_line_error(
        replan(approved, tmp_path / "re", act), tmp_path / "re", "act.csv", "row 3", "'year'"
    )
    assert "2025-2030" in line
    assert "--as-of 2040" not in line


@pytest.mark.parametrize(
    ("rows", "as_of", "words"),
    [
        # c's cap is 120: 130 in 2027 passes it (the pool has 100 + 100 carried in phase 2)
        ("c,public,2027,130\n", 2027, ["row 2", "'spent_musd'", "cap_musd 120", "programs.csv"]),
        # over two rows: the row at which the running total passes is named
        (
            "c,public,2027,70\nb,public,2027,5\nc,public,2027,60\n",
            2027,
            ["row 4", "'spent_musd'", "cap_musd 120"],
        ),
    ],
)
def test_actuals_past_a_program_cap_are_one_line_naming_the_row(
    approved, tmp_path, rows, as_of, words
):
    act = actuals_file(tmp_path, rows)
    one_line_error(replan(approved, tmp_path / "re", act, as_of), tmp_path / "re", *words)


def test_spent_money_in_replan_csv_adds_up_to_the_actuals_exactly(approved, tmp_path):
    """Phase 1 is spent: replan.csv's re-planned money of a and b there is what the actuals
    say, to the digit (not rounded to 6 decimals: 1.0000004 + 1.0000004 is 2.0000008, where
    rounded rows would show 1 + 1)."""
    act = actuals_file(
        tmp_path, "a,public,2025,1.0000004\nb,public,2026,0.6000002\nb,public,2025,0.4000002\n"
    )
    res = replan(approved, tmp_path / "re", act)
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "re" / "replan.csv").read_text())))
    spent = {r["program"]: r["replanned_musd"] for r in rows if r["phase"] == "phase1"}
    assert spent == {"a": "1.0000004", "b": "1.0000004"}
    total = math.fsum(float(v) for v in spent.values())
    assert total == math.fsum([1.0000004, 0.6000002, 0.4000002])
    said = json.loads((tmp_path / "re" / "run.json").read_text())["replan"]["actuals"]
    assert said["spent_musd"] == total
    assert "Spent up to 2026 (the actuals): 2.0000008 musd." in res.stdout
    assert (
        "Spent up to 2026 (the actuals): 2.0000008 musd."
        in (tmp_path / "re" / "report.html").read_text()
    )


def test_replan_with_the_approved_spending_returns_the_approved_plan(approved, tmp_path):
    """Nothing changed: the actuals are the approved plan's money up to 2026 (a 100 in 2025),
    so the re-plan is the approved plan, byte for byte in its tables, at no cost."""
    act = actuals_file(tmp_path, "a,public,2025,100\n")
    res = replan(approved, tmp_path / "re", act)
    assert res.exit_code == 0, res.output
    for name in ("allocation.csv", "allocation_by_phase.csv", "outcomes.csv", "budgets.csv"):
        assert (tmp_path / "re" / name).read_bytes() == (approved / name).read_bytes(), name
    said = json.loads((tmp_path / "re" / "run.json").read_text())["replan"]
    assert (said["cost_of_deviations"], said["moved_musd"]) == (0, 0)
    text = (tmp_path / "re" / "replan.csv").read_text()
    changes = [r["change_musd"] for r in csv.DictReader(io.StringIO(text))]
    assert set(changes) == {"0"}


# --- replan: an approved plan edited by hand ---------------------------------------------------


def _edited(approved: Path, tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the approved run with the first `old` of allocation.csv replaced by `new`."""
    copy = tmp_path / "edited"
    shutil.copytree(approved, copy)
    path = copy / "allocation.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text, text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        # 80 written as 80.000: read 80 with a decimal point, 80000 with a thousands point
        (",80\n", ",80.000\n", ["row 3", "'invest_musd'", "80.000"]),
        (",80\n", ',"80,000"\n', ["row 3", "'invest_musd'", "80,000"]),
        (",80\n", ",8_0\n", ["row 3", "'invest_musd'", "8_0"]),
        (",80\n", ",-80\n", ["row 3", "'invest_musd'", "-80"]),
        # a program, a year the dataset does not have: its money would count as moved
        ("b,,s2", "zz,,s2", ["row 3", "'program'", "zz"]),
        ("2029,phase3,80", "2040,phase3,80", ["row 3", "'year'", "2040"]),
    ],
)
def test_an_edited_approved_plan_is_refused_by_row_and_column(approved, tmp_path, old, new, words):
    copy = _edited(approved, tmp_path, old, new)
    act = actuals_file(tmp_path, "a,public,2025,60\n")
    res = replan(copy, tmp_path / "re", act)
    one_line_error(res, tmp_path / "re", "allocation.csv", *words)


def test_an_approved_plan_without_a_column_names_it(approved, tmp_path):
    copy = tmp_path / "edited"
    shutil.copytree(approved, copy)
    path = copy / "allocation.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    gone = rows[0].index("pool")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([r[:gone] + r[gone + 1 :] for r in rows])
    path.write_text(buf.getvalue(), encoding="utf-8")
    act = actuals_file(tmp_path, "a,public,2025,60\n")
    one_line_error(replan(copy, tmp_path / "re", act), tmp_path / "re", "no column 'pool'")


# --- --set: what was changed, and the bytes of an edited copy ---------------------------------


def edit_cell(folder: Path, table: str, key: str, column: str, value: str) -> None:
    """Write `value` into the one CSV cell of `folder` that `TABLE.KEY.COLUMN` names, as a
    planner would edit the file (a key column the file lacks is an empty part)."""
    from allocator.data.cellrefs import KEYS

    path = folder / f"{table}.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    head = rows[0]
    hits = [
        r for r in rows[1:]
        if [r[head.index(k)].strip() if k in head else "" for k in KEYS[table]] == key.split("/")
    ]  # fmt: skip
    assert len(hits) == 1, (table, key)
    if column not in head:  # an optional column the file leaves out
        for r in rows:
            r.append(column if r is head else "")
    hits[0][head.index(column)] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _without_settings(html: bytes) -> bytes:
    """report.html without its settings paragraph (which lists the cells set)."""
    start = html.index(b'<p class="muted" id="settings">')
    return html[:start] + html[html.index(b"</p>", start) :]


def _run_json(path: Path) -> dict[str, object]:
    """run.json without what names the spec, the files read and the time taken, nor the
    digest of report.html (whose settings line lists the cells set)."""
    info = json.loads(path.read_text())
    for name in ("options", "spec", "timings_s", "inputs", "cells_set"):
        info.pop(name, None)
    info["written_by"]["sha256"].pop("report.html")
    return info


def same_bytes_as_edited(source: Path, cell: str, tmp_path: Path) -> tuple[list[str], Any]:
    """`allocator solve --set CELL` on a copy of `source` and a solve of a copy with that cell
    edited write the same bytes but run.json's record of the spec and report.html's settings
    line (both runs read a folder `data` from their own working folder, so every path is the
    same). Returns the files written and the result of the run with the set (its folder
    tmp_path/set/out; the edited copy's tmp_path/edited/out)."""
    address, value = cell.split("=", 1)
    table, rest = address.split(".", 1)
    key, column = rest.rsplit(".", 1)
    one, two = tmp_path / "set", tmp_path / "edited"
    for where in (one, two):
        shutil.copytree(source, where / "data")
    edit_cell(two / "data", table, key, column, value)
    a = invoke("solve", "--inputs", "data", "--set", cell, "--out", "out", cwd=one)
    b = invoke("solve", "--inputs", "data", "--out", "out", cwd=two)
    assert (a.exit_code, b.exit_code) == (0, 0), a.output + b.output
    names = sorted(p.name for p in (one / "out").iterdir())
    assert names == sorted(p.name for p in (two / "out").iterdir())
    for name in names:
        x, y = (one / "out" / name).read_bytes(), (two / "out" / name).read_bytes()
        if name == "report.html":
            x, y = _without_settings(x), _without_settings(y)
        if name == "run.json":
            assert _run_json(one / "out" / name) == _run_json(two / "out" / name)
            continue
        assert x == y, name
    return names, a


@pytest.mark.parametrize(
    ("dataset", "cell"),
    [
        ("greedy", "pools.public/p1.budget_musd=0.15B"),
        ("greedy", "programs.a.max_annual_share=25%"),
        ("targets", "targets.jobs/sector/s2/2026.value=0.1K"),
        ("exports", "markets./cat/2026.max_share=0.3"),
        ("enable", "links.zone_plant.ratio=2.5"),
        ("risk", "exposures.a/tech.weight=50%"),
    ],
)
def test_a_set_gives_the_bytes_of_the_dataset_with_that_cell_edited(tmp_path, dataset, cell):
    """Both runs read a folder `data` from their own working folder, so every path is the
    same; only run.json's record of the spec and the report's settings line differ."""
    same_bytes_as_edited(DATA / dataset, cell, tmp_path)


def test_terminal_run_json_and_report_say_each_cell_old_and_new(tmp_path):
    """A model file's set then two --sets, one of them on the same cell: each change is said
    with the value before it and after it, in the dataset's order (table, row, column; a cell
    set twice in the order applied), so the order of the sets never changes the bytes."""
    shutil.copytree(GREEDY, tmp_path / "inputs" / "greedy")
    model = tmp_path / "m.yaml"
    model.write_text("dataset: inputs/greedy\nset:\n  - pools.public/p1.budget_musd=150\n")
    run = tmp_path / "run"
    res = invoke("solve", model, "--set", "programs.a.cap_musd=0.08B",
                 "--set", "pools.public/p1.budget_musd=200", "--out", run)  # fmt: skip
    assert res.exit_code == 0, res.output
    said = [
        "programs.a.cap_musd from 60 to 80 (--set)",
        f"pools.public/p1.budget_musd from 120 to 150 ({model}: set[0])",
        "pools.public/p1.budget_musd from 150 to 200 (--set)",
    ]
    assert "cells set: " + "; ".join(said) in " ".join(res.stdout.split())
    cells = json.loads((run / "run.json").read_text())["cells_set"]
    assert [(c["cell"], c["old"], c["new"], c["value"]) for c in cells] == [
        ("programs.a.cap_musd", 60, 80, "0.08B"),
        ("pools.public/p1.budget_musd", 120, 150, "150"),
        ("pools.public/p1.budget_musd", 150, 200, "200"),
    ]
    html = (run / "report.html").read_text()
    for words in said:
        assert words in html, words
    doc = invoke("solve", "--inputs", GREEDY, "--set", "programs.a.cap_musd=80", "--json",
                 "--out", tmp_path / "json")  # fmt: skip
    assert json.loads(doc.stdout)["cells_set"] == [
        {"cell": "programs.a.cap_musd", "origin": "--set", "value": "80", "old": 60, "new": 80}
    ]


def test_a_set_on_a_workbook_dataset_names_the_sheet_and_cell(tmp_path):
    """As a broken cell of the workbook is named (sheet, cell, row, column); a good set gives
    the plan of the cell edited (budget 150: 1,140 jobs)."""
    book = tmp_path / "plan.xlsx"
    assert invoke("export-inputs", book, "--inputs", GREEDY).exit_code == 0
    run = tmp_path / "run"
    bad = invoke("solve", "--inputs", book, "--set", "pools.public/p1.budget_musd=1_000",
                 "--out", run)  # fmt: skip
    one_line_error(bad, run, "plan.xlsx, sheet pools, cell C2, row 2, column 'budget_musd'",
                   "'1_000' has an underscore")  # fmt: skip
    res = invoke("solve", "--inputs", book, "--set", "pools.public/p1.budget_musd=150", "--json",
                 "--out", run)  # fmt: skip
    assert json.loads(res.stdout)["objective"]["value"] == 1140


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        # a column of the table that holds no number: not "unknown"
        # (a yes/no column such as carry_over is set: tests/test_set_everywhere.py)
        (
            "pools.public/p1.source=x",
            ["column 'source' of pools.csv is text, not a number", "edit pools.csv"],
        ),
        ("programs.a.sector=s2", ["column 'sector' of programs.csv is text, not a number"]),
        # a table of the data dictionary whose numbers a set does not change: not "unknown"
        # (base, tranches and shares are set: tests/test_set_everywhere.py)
        (
            "facts.budget.value=5",
            ["facts.csv has numbers, but --set changes only", "edit facts.csv"],
        ),
    ],
)
def test_a_column_or_table_set_cannot_change_is_named_as_such(tmp_path, cell, words):
    res = invoke("solve", "--inputs", GREEDY, "--set", cell, "--out", tmp_path / "run")
    line = one_line_error(res, tmp_path / "run", *words)
    assert "unknown" not in line


@pytest.mark.parametrize(
    ("cell", "new"),
    [("programs.a.max_annual_share=", 1), ("programs.c.floor_musd=", 0)],
)
def test_an_empty_value_is_read_as_an_empty_cell(tmp_path, cell, new):
    """a's ramp at 25% (15 a year, 30 in all) and a floor of 30 on c: a 30 x 10 + c 30 x 2 +
    b 60 x 6 = 720 jobs. Either cell emptied as the CSV's empty cell reads (no ramp: a 60; no
    floor: c 0) gives 840 (a 60 x 10 + c 30 x 2 + b 30 x 6, or a 30 x 10 + b 90 x 6)."""
    sets = ["--set", "programs.a.max_annual_share=25%", "--set", "programs.c.floor_musd=30"]
    res = invoke("solve", "--inputs", GREEDY, *sets, "--set", cell, "--json",
                 "--out", tmp_path / "run")  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    emptied = [c for c in doc["cells_set"] if c["cell"] == cell.removesuffix("=")][-1]
    assert (emptied["value"], emptied["new"]) == ("", new)
    assert doc["objective"]["value"] == 840


def test_an_empty_value_of_a_required_cell_is_refused(tmp_path):
    res = invoke("solve", "--inputs", GREEDY, "--set", "pools.public/p1.budget_musd=",
                 "--out", tmp_path / "run")  # fmt: skip
    one_line_error(res, tmp_path / "run", "pools.csv row 2, column 'budget_musd'", "empty")


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("programs.A.cap_musd=5", ["names no row of programs.csv", "did you mean a?"]),
        ("pools.PUBLIC/p1.budget_musd=5", ["no row has pool 'PUBLIC'", "did you mean public?"]),
        ("pools.public/ p1.budget_musd=5", ["no row has phase ' p1'", "did you mean p1?"]),
    ],
)
def test_a_key_in_another_case_or_with_spaces_is_refused_with_the_row_it_means(
    tmp_path, cell, words
):
    """Ids are matched exactly (the dataset refuses two ids that differ only in case), so a
    key that differs in case or spaces names no row, and the message names the one it means."""
    res = invoke("solve", "--inputs", GREEDY, "--set", cell, "--out", tmp_path / "run")
    one_line_error(res, tmp_path / "run", *words)


VALUES = ["nan", "inf", "1e999", "1_000", "0x10", " 5 ", "+5", "5.", ".5", "-0", "50%", "1,000",
          "1.000", "1,000.5", "１２", "5e2", "$5", "0.1B", "1 000", "−5", "abc"]  # fmt: skip


def _read_either(load):
    """The value `load()` gives, or the reason the number rule refused it."""
    from allocator.errors import InputError, UsageError

    try:
        return load()
    except (InputError, UsageError) as exc:
        text = str(exc)
        return text[text.index("'", text.index("column")) :].split(". Fix")[0].split(": ", 1)[1]


CASES = [
    *((None, "cap_musd", v) for v in VALUES),
    *(("comma", "cap_musd", v) for v in ("1.000", "1,000", "1,5", "1.000,5", "1,000.5")),
    *((None, "lag_years", v) for v in ("1.0", "1e0", "-0", "1,0", "+1", "1.5")),
    *((None, "max_annual_share", v) for v in ("50%", "50", "0.5", "150%", "-0", ".5")),
]


@pytest.mark.parametrize(("style", "column", "value"), CASES)
def test_a_set_value_reads_as_the_dataset_cell_would(tmp_path, style, column, value):
    """Each text: the same number as the CSV cell holding it, or refused for the same reason."""
    from allocator.data.cellset import apply_set, parse_set
    from allocator.data.inputs import load_inputs

    folder = tmp_path / "data"
    shutil.copytree(GREEDY, folder)
    if style:
        (folder / "settings.csv").write_text(f"setting,value\nnumber_style,{style}\n")
    cell = f"programs.b.{column}={value}"
    by_set = _read_either(
        lambda: getattr(apply_set(load_inputs(folder), parse_set(cell)).programs[1], column)
    )
    edit_cell(folder, "programs", "b", column, value)
    by_csv = _read_either(lambda: getattr(load_inputs(folder).programs[1], column))
    assert by_set == by_csv


def test_an_approved_plan_with_a_row_given_twice_is_refused(approved, tmp_path):
    """allocator writes one row per program, pool and year: a row pasted twice by hand would
    double the approved money in silence."""
    copy = tmp_path / "edited"
    shutil.copytree(approved, copy)
    path = copy / "allocation.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, lines[2]]) + "\n", encoding="utf-8")
    act = actuals_file(tmp_path, "a,public,2025,60\n")
    one_line_error(replan(copy, tmp_path / "re", act), tmp_path / "re",
                   "allocation.csv, row 6", "(b, public, 2029)", "row 3")  # fmt: skip


def test_actuals_past_a_group_cap_are_one_line_naming_the_row(tmp_path):
    """A cap of 50 on sector s1 (program a) over the horizon: a spent 60 cannot be re-planned
    (it was an infeasible plan, exit 1, several lines)."""
    data = tmp_path / "data"
    shutil.copytree(REPLAN, data)
    (data / "groups.csv").write_text(
        "dimension,member,phase,max_musd,source\nsector,s1,all,50,hand-solved\n"
        "pool,public,phase1,200,hand-solved\n"
    )
    run = tmp_path / "approved"
    assert invoke("solve", "--inputs", data, "--out", run).exit_code == 0
    act = actuals_file(tmp_path, "b,public,2025,5\na,public,2025,30\na,public,2026,30\n")
    said = "sector s1 (all) gets 60 musd up to this row, more than its max_musd 50"
    res = replan(run, tmp_path / "re", act)
    one_line_error(
        res, tmp_path / "re", "act.csv", "row 4", "'spent_musd'", said, "groups.csv row 2"
    )
