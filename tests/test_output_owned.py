"""Issue 24, outputs: files the user owns are never overwritten (export-inputs --force, report),
report.html is replaced atomically, tables are read back as written (a program named `NA` stays
`NA`), free text reaches CSV neutralised and workbooks as strings (formula injection), no negative
zero in any written table, and a full disk inside xlsxwriter is one line."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter.workbook
from openpyxl import Workbook, load_workbook

from allocator.report.write import write_csv, write_workbook
from allocator.runs.solve import solve as run_solve
from allocator.runs.spec import RunSpec
from allocator.studies.compare import compare, load_run, write_compare
from conftest import DATA, ROOT, invoke

FORMULA = '=HYPERLINK("http://x.example","y")'
# Names may not start like a formula (an input error, tests/test_number_style.py); free text such
# as `source` may, and reaches the exported workbook.
PROGRAMS = f"""program,name,sector,first_year,last_year,cap_musd,lag_years,jobs_per_musd,source
NA,Program NA,None,2025,2026,60,0,10,"{FORMULA.replace('"', '""')}"
null,Program null,NA,2025,2026,100,0,6,@SUM(1+1)*cmd|' /C calc'!A0
c,Program c,s2,2025,2026,100,0,2,test
"""
POOLS = """pool,phase,budget_musd,source
public,p1,120,test
spare,p1,-0,test
"""
ELIGIBILITY = """pool,program,source
public,*,test
spare,*,test
"""


def one_line(res) -> str:
    """The single stderr line of a refused command (exit 2, no traceback)."""
    assert res.exit_code == 2, (res.output, res.exception)
    assert "Traceback" not in res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="module")
def odd_dataset(tmp_path_factory) -> Path:
    """The greedy case with programs `NA` and `null`, sectors `None` and `NA`, sources that a
    spreadsheet would run as formulas, and a second pool with a budget of -0."""
    folder = tmp_path_factory.mktemp("odd") / "data"
    shutil.copytree(DATA / "greedy", folder)
    (folder / "programs.csv").write_text(PROGRAMS, encoding="utf-8")
    (folder / "pools.csv").write_text(POOLS, encoding="utf-8")
    (folder / "eligibility.csv").write_text(ELIGIBILITY, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def odd_run(odd_dataset: Path, tmp_path_factory) -> Path:
    """A solve of `odd_dataset`, written once; copy it before writing into it."""
    out = tmp_path_factory.mktemp("odd-run") / "run"
    run_solve(RunSpec(inputs=odd_dataset, out=out))
    return out


@pytest.fixture
def run_copy(odd_run: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(odd_run, copy)
    return copy


# 1. export-inputs --force replaces only a workbook allocator wrote


def test_export_force_will_not_replace_a_users_own_workbook(tmp_path: Path) -> None:
    mine = tmp_path / "mine.xlsx"
    book = Workbook()
    book.active["A1"] = "my own numbers"
    book.save(mine)
    before = mine.read_bytes()
    line = one_line(invoke("export-inputs", mine, "--inputs", DATA / "greedy", "--force"))
    assert f"{mine} will not be replaced" in line
    assert "not a workbook allocator wrote" in line
    assert "Fix:" in line
    assert mine.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.xlsx"]


def test_export_force_will_not_replace_a_workbook_marked_by_someone_else(tmp_path: Path) -> None:
    mine = tmp_path / "mine.xlsx"
    book = xlsxwriter.Workbook(str(mine))
    book.set_custom_property("written_by", "someone else")
    book.add_worksheet().write_string(0, 0, "mine")
    book.close()
    before = mine.read_bytes()
    one_line(invoke("export-inputs", mine, "--inputs", DATA / "greedy", "--force"))
    assert mine.read_bytes() == before


def test_export_force_replaces_its_own_workbook_and_marks_it(tmp_path: Path) -> None:
    plan = tmp_path / "plan.xlsx"
    assert invoke("export-inputs", plan, "--inputs", DATA / "greedy").exit_code == 0
    first = plan.read_bytes()
    res = invoke("export-inputs", plan, "--inputs", DATA / "enable", "--force")
    assert res.exit_code == 0, res.output
    assert plan.read_bytes() != first
    props = {p.name: p.value for p in load_workbook(plan).custom_doc_props}
    assert props == {"written_by": "allocator"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


def test_export_on_a_full_disk_keeps_the_old_workbook_and_leaves_nothing(tmp_path, monkeypatch):
    plan = tmp_path / "plan.xlsx"
    assert invoke("export-inputs", plan, "--inputs", DATA / "greedy").exit_code == 0
    before = plan.read_bytes()
    monkeypatch.setattr(xlsxwriter.workbook.Workbook, "_store_workbook", _no_space)
    line = one_line(invoke("export-inputs", plan, "--inputs", DATA / "enable", "--force"))
    assert f"cannot write OUT_FILE {plan}: the disk is full (Errno 28)" in line
    assert plan.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


# 2. report rebuilds only an allocator run's page, atomically


def test_report_will_not_overwrite_the_page_of_a_folder_allocator_did_not_write(run_copy):
    info = json.loads((run_copy / "run.json").read_text())
    del info["written_by"]
    (run_copy / "run.json").write_text(json.dumps(info))
    (run_copy / "report.html").write_text("<p>my own report</p>")
    line = one_line(invoke("report", run_copy))
    assert f"{run_copy} is not a run folder allocator wrote" in line
    assert "Fix:" in line
    assert (run_copy / "report.html").read_text() == "<p>my own report</p>"


def test_report_on_a_full_disk_keeps_the_old_page_and_leaves_nothing(run_copy: Path) -> None:
    """A real write error: the process may write files of at most 2,000 bytes (RLIMIT_FSIZE),
    so the new page cannot be written in full."""
    page = run_copy / "report.html"
    old = page.read_bytes()
    assert len(old) > 4000
    code = (
        "import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
        "resource.setrlimit(resource.RLIMIT_FSIZE, (2000, resource.RLIM_INFINITY)); "
        "from allocator.cli import main; sys.argv = ['allocator', 'report', sys.argv[1]]; main()"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    res = subprocess.run(
        [sys.executable, "-c", code, str(run_copy)],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    assert res.stderr.strip().count("\n") == 0, res.stderr
    assert f"cannot write RUN_DIR {page}" in res.stderr
    assert page.read_bytes() == old
    assert hidden(run_copy) == []


# 3. report on a damaged folder: one line


@pytest.mark.parametrize(
    ("name", "text"),
    [("allocation_by_phase.csv", ""), ("outcomes.csv", 'dimension,year\n"total,2026\n')],
)
def test_report_on_a_damaged_table_is_one_line(run_copy: Path, name: str, text: str) -> None:
    before = (run_copy / "report.html").read_bytes()
    (run_copy / name).write_text(text)
    line = one_line(invoke("report", run_copy))
    assert name in line
    assert "Fix:" in line
    assert (run_copy / "report.html").read_bytes() == before
    assert hidden(run_copy) == []


def test_report_on_a_table_that_lost_a_column_is_one_line(run_copy: Path) -> None:
    (run_copy / "outcomes.csv").write_text("year,jobs\n2026,1\n")
    line = one_line(invoke("report", run_copy))
    assert f"{run_copy}: its tables and run.json do not make a report" in line
    assert "'dimension'" in line


def test_report_on_a_run_json_that_is_a_list_is_one_line(run_copy: Path) -> None:
    (run_copy / "run.json").write_text("[1, 2]")
    line = one_line(invoke("report", run_copy))
    assert str(run_copy) in line


def test_report_reads_only_the_tables_allocator_wrote(run_copy: Path, odd_run: Path) -> None:
    """An empty or malformed CSV the user added to a run folder is not one of its tables."""
    (run_copy / "notes.csv").write_text("")
    (run_copy / "more.csv").write_bytes(b'a,b\n"1,\x00\n')
    (run_copy / "report.html").unlink()
    res = invoke("report", run_copy)
    assert res.exit_code == 0, res.output
    assert (run_copy / "report.html").read_bytes() == (odd_run / "report.html").read_bytes()


# 4. names that pandas would read as missing


def test_report_keeps_programs_and_sectors_named_na_null_and_none(run_copy, odd_run):
    (run_copy / "report.html").unlink()
    assert invoke("report", run_copy).exit_code == 0
    page = (run_copy / "report.html").read_text(encoding="utf-8")
    allocation = page.split("<h2>Allocation by phase and sector</h2>")[1].split("<h2>")[0]
    assert re.findall(r"<tr><td>([^<]*)</td>", allocation) == ["NA", "None", "s2", "total"]
    assert (run_copy / "report.html").read_bytes() == (odd_run / "report.html").read_bytes()


def test_compare_keeps_programs_named_na_and_null(odd_run: Path) -> None:
    view = load_run(odd_run)
    assert sorted(view.tables["allocation_by_phase"]["program"]) == ["NA", "c", "null"]
    assert sorted(set(view.tables["allocation"]["sector"])) == ["NA", "None"]


# 5. formula injection


def test_csv_text_that_a_spreadsheet_would_run_is_neutralised(tmp_path: Path) -> None:
    texts = [FORMULA, "+1+2", "-cmd", "@SUM(A1)", "\tx", "plain", "-0.5", "'=kept", "\rx"]
    frame = pd.DataFrame(
        {"name": texts, "value": [-0.5] * 9, "mixed": [-0.5, "-x", *["a"] * 7]}
    ).rename(columns={"value": "=value"})
    write_csv(frame, tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv", keep_default_na=False, dtype=str, nrows=8)
    assert list(back.columns) == ["name", "'=value", "mixed"]
    assert back["name"].tolist() == [
        "'" + FORMULA, "'+1+2", "'-cmd", "'@SUM(A1)", "'\tx", "plain", "-0.5", "'=kept"
    ]  # fmt: skip
    assert back["'=value"].tolist() == ["-0.5"] * 8
    assert back["mixed"].tolist()[:2] == ["-0.5", "'-x"]
    # Python's csv module quotes no CR (pandas reads it as a line end): the raw bytes, then
    assert (tmp_path / "t.csv").read_bytes().endswith(b"\n'\rx,-0.5,a\n")
    assert frame["name"].iloc[0] == FORMULA  # the frame itself is left as it was


def test_the_results_workbook_holds_formula_like_text_as_strings(tmp_path):
    frame = pd.DataFrame({"name": [FORMULA, "@SUM(1+1)*cmd|' /C calc'!A0"], "value": [1.0, 2.0]})
    write_workbook({"allocation": frame}, tmp_path / "workbook.xlsx")
    sheet = load_workbook(tmp_path / "workbook.xlsx")["allocation"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == FORMULA]
    assert cells
    assert all(c.data_type == "s" for c in cells)


def test_compare_neutralises_run_names_and_writes_them_as_strings(odd_run, tmp_path):
    view = load_run(odd_run)
    label = "=cmd|' /C calc'!A0"
    table = compare([replace(view, label=label), replace(view, label="@other")])
    write_compare(table, tmp_path)
    head = (tmp_path / "compare.csv").read_text(encoding="utf-8").splitlines()[0]
    assert head == "section,metric,unit,'=cmd|' /C calc'!A0,'@other"
    sheet = load_workbook(tmp_path / "compare.xlsx")["compare"]
    header = next(sheet.iter_rows(max_row=1))
    said = [(f"{label} (see unit column)", "s"), ("@other (see unit column)", "s")]
    assert [(c.value, c.data_type) for c in header][3:] == said


def test_export_inputs_writes_a_formula_like_name_as_a_string(odd_dataset, tmp_path):
    plan = tmp_path / "plan.xlsx"
    assert invoke("export-inputs", plan, "--inputs", odd_dataset).exit_code == 0
    sheet = load_workbook(plan)["programs"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == FORMULA]
    assert [c.data_type for c in cells] == ["s"]


# 6. no negative zero


NEGATIVE_ZERO = re.compile(r"^-0(\.0*)?(e[+-]?\d+)?$", re.IGNORECASE)


@pytest.mark.parametrize("name", ["budgets.csv", "shadow_prices.csv", "sensitivity.csv"])
def test_no_negative_zero_in_a_csv_table(odd_run: Path, name: str) -> None:
    rows = (odd_run / name).read_text(encoding="utf-8").splitlines()
    cells = [c for row in rows for c in row.split(",")]
    assert "spare" in (odd_run / name).read_text()  # the pool of budget -0 is there
    assert [c for c in cells if NEGATIVE_ZERO.match(c)] == []


def test_no_negative_zero_in_the_workbook_or_the_report(odd_run: Path) -> None:
    with zipfile.ZipFile(odd_run / "workbook.xlsx") as book:
        xml = "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))
    assert re.findall(r"<v>-0(?:\.0*)?</v>", xml) == []
    page = (odd_run / "report.html").read_text(encoding="utf-8")
    assert re.findall(r'>-0<|data-v="-0"', page) == []


def test_csv_writes_negative_zero_as_zero_in_every_kind_of_column(tmp_path: Path) -> None:
    frame = pd.DataFrame({"f": [-0.0], "o": pd.Series([-0.0], dtype=object), "n": [0]})
    write_csv(frame, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text() == "f,o,n\n0,0.0,0\n"


# 7. a full disk inside xlsxwriter


def _no_space(_self) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_inside_xlsxwriter_is_one_line_and_keeps_the_old_run(tmp_path, monkeypatch):
    old = tmp_path / "run"
    run_solve(RunSpec(inputs=DATA / "greedy", out=old))
    before = {p.name: p.read_bytes() for p in old.iterdir()}
    monkeypatch.setattr(xlsxwriter.workbook.Workbook, "_store_workbook", _no_space)
    for target, extra in ((tmp_path / "new", []), (old, ["--force"])):
        res = invoke("solve", "--inputs", DATA / "ramp", "--out", target, *extra)
        line = one_line(res)
        assert f"cannot write --out {target}: the disk is full (Errno 28)" in line
    assert {p.name: p.read_bytes() for p in old.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_the_report_shows_no_negative_zero() -> None:
    from allocator.report.html import table

    page = table(pd.DataFrame({"x": [-0.0, -1e-7], "year": [2030, 2031]}))
    assert re.findall(r'>-0<|data-v="-0"', page) == []
    assert page.count('<td class="n" data-v="0">0</td>') == 1
