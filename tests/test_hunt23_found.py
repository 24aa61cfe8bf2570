"""Findings of hunt23. Each test is a strict xfail that fails today for the reason it names and
asserts what a correct program gives (by hand, or by `allocator solve --set` re-solves); drop the
mark with the fix."""

from __future__ import annotations

import pytest

from conftest import BASELINE, run_cli

STYLE_FIX = "declare the dataset's number style"


@pytest.mark.parametrize(
    "args",
    [
        ("solve", "--risk", "cvar", "--scenarios", "5", "--cvar-cap", "1.500"),
        ("solve", "--objective", "weighted", "--weights", "jobs=1.000,exports=1"),
        ("alternatives", "--slack", "1.500%"),
    ],
)
def test_an_options_ambiguous_number_offers_only_fixes_that_work(tmp_path, args):
    """inputs/README.md: "Model files (YAML strings) and command-line options have no dataset:
    they are read undeclared". `allocator solve --risk cvar --cvar-cap 1.500` on the baseline
    (which declares `number_style,point`) is refused: "'1.500' reads as 1.5 with a decimal point
    or 1500 with a thousands point. Fix: write 1.5 or 1500, or declare the dataset's number
    style (settings.csv: number_style, point or comma)". The dataset already declares it; the
    second fix does nothing (`--discount-rate 0,05` says it right: "options take the point
    whatever the dataset's number style"). Likewise --weights and --slack (and a model file's
    `weights: {jobs: "1.000"}`)."""
    res = run_cli(*args, "--inputs", BASELINE, "--out", tmp_path / "run")
    assert res.exit_code == 2, res.stderr
    assert "reads as" in res.stderr, res.stderr  # the ambiguity is what is refused
    assert STYLE_FIX not in res.stderr, res.stderr


def test_slacks_ambiguity_fix_offers_only_a_slack_the_option_takes(tmp_path):
    """`allocator alternatives --slack 1.500%`: "'1.500%' reads as 1.5% with a decimal point or
    1500% with a thousands point (a share of 0.015 or 15). Fix: write 1.5% or 1500%, ...";
    `--slack 1500%` then: "--slack 15.0 is the share of the optimum that may be given up, in
    [0, 1)". The fix should name 1.5% alone and say why 1500% is no slack."""
    res = run_cli("alternatives", "--slack", "1.500%", "--out", tmp_path / "run")
    assert res.exit_code == 2, res.stderr
    fix = res.stderr.split("Fix:", 1)[-1]
    assert "write 1.5% " in fix, res.stderr  # 1.5% alone is offered
    assert "or 1500%" not in fix, res.stderr
    assert "1500% is no --slack" in fix, res.stderr  # and why the other reading is none


def test_an_exported_workbooks_validation_takes_a_base_year_before_the_plan(tmp_path):
    """tests/data/base_levels with base.csv's s1 row measured in 2020 (before the 2025-2026
    plan): `allocator solve` takes it (1,550 jobs, as with 2025), and so does `solve --inputs
    book.xlsx` after `allocator export-inputs`. But the workbook's `base` sheet holds cell D2 =
    2020 under a data validation `whole between 2025 and 2026` ("Use a year from 2025 to 2026
    (sheet phases)", error style stop): Excel's Circle Invalid Data marks the dataset's own value
    and refuses it when a planner types it. data/bookwriter.py `_validation` gives every
    `year` column the horizon; a base's year may lie before it (it says when what exists was
    counted)."""
    import shutil

    import openpyxl
    from openpyxl.worksheet.cell_range import CellRange

    from conftest import DATA

    data = tmp_path / "data"
    shutil.copytree(DATA / "base_levels", data)
    base = data / "base.csv"
    base.write_text(base.read_text(encoding="utf-8").replace(",2025,500,", ",2020,500,"))
    book = tmp_path / "book.xlsx"
    assert run_cli("export-inputs", "--inputs", data, book).exit_code == 0
    solved = run_cli("solve", "--inputs", book, "--out", tmp_path / "run", "--json")
    assert solved.exit_code == 0, solved.stderr  # the reader takes a base year of 2020
    sheet = openpyxl.load_workbook(book)["base"]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 4).value == 2020)
    for rule in sheet.data_validations.dataValidation:
        if any((row, 4) in list(CellRange(str(c)).cells) for c in rule.sqref.ranges):
            low, high = int(rule.formula1), int(rule.formula2 or rule.formula1)
            assert low <= 2020 <= high, (rule.sqref, rule.formula1, rule.formula2)


def test_an_exported_workbooks_lists_take_the_rows_a_planner_adds(tmp_path):
    """`allocator export-inputs` on the baseline: the programs sheet has 33 programs (rows 2-34)
    and its validations run to row 535, room for new programs. markets!A2:A507 and
    exposures!A2:A549 take a program from the list `programs!$A$2:$A$34` with error style stop,
    so a planner who adds program `new_line` in programs row 35 and then gives it a market or a
    risk exposure is told "Use a program of sheet programs" and cannot enter it, although
    `solve --inputs` would read it. data/bookwriter.py `_validation`: the list's source should
    run as far as the source sheet's own room (row 535), where Excel ignores blank cells."""
    import openpyxl

    book = tmp_path / "book.xlsx"
    assert run_cli("export-inputs", "--inputs", BASELINE, book).exit_code == 0
    wb = openpyxl.load_workbook(book)

    def room(sheet: str) -> int:
        """The last row the sheet's own validations cover: where it invites new entries."""
        rules = wb[sheet].data_validations.dataValidation
        return max(r.max_row for rule in rules for r in rule.sqref.ranges)

    short = []
    for ws in wb:
        for rule in ws.data_validations.dataValidation:
            source = rule.formula1 or ""
            if rule.type != "list" or "!" not in source or rule.errorStyle not in (None, "stop"):
                continue
            sheet, cells = source.lstrip("=").split("!")
            end = int(cells.rsplit("$", 1)[1])
            if end < room(sheet):
                short.append(f"{ws.title}!{rule.sqref}: {source} (the sheet's room: {room(sheet)})")
    assert not short, short


def test_report_refuses_to_rebuild_from_an_edited_table(tmp_path):
    """`allocator solve --inputs tests/data/greedy --out RUN`, then a hand edit of
    allocation_by_phase.csv (program a: 60 -> 600 musd, past its cap of 60 and the budget of
    120) and `allocator report RUN`: "Wrote RUN/report.html", exit 0, and the page's
    "Allocation by phase and sector" reads s1 660 while its money line says spent 120. A link in
    place of a table is refused ("a file of someone else's would go onto the page"), and the
    edited report.html itself is refused by its digest; a table whose bytes run.json does not
    record is someone else's numbers as well. report/rebuild.py `_tables`: refuse (or name)
    a table whose SHA-256 is not the one `written_by.sha256` records, leaving the page as it
    was."""
    from conftest import DATA

    run = tmp_path / "run"
    assert run_cli("solve", "--inputs", DATA / "greedy", "--out", run).exit_code == 0
    table = run / "allocation_by_phase.csv"
    text = table.read_text(encoding="utf-8")
    assert "\na,,s1,60,60," in text
    table.write_text(text.replace("\na,,s1,60,60,", "\na,,s1,600,600,"), encoding="utf-8")
    page = (run / "report.html").read_bytes()
    res = run_cli("report", run)
    assert res.exit_code == 2, res.stdout
    assert "allocation_by_phase.csv" in res.stderr, res.stderr
    assert (run / "report.html").read_bytes() == page


@pytest.mark.parametrize("cell", ["1e0", "1e1"])
def test_a_lag_written_with_an_exponent_is_read_as_its_whole_value(tmp_path, cell):
    """inputs/README.md: "One rule holds for every number, in a CSV cell, a model file ... or a
    command-line option"; `1e3` is listed among the writings that keep working; "years and lags
    are whole numbers (`2.7` is refused, never truncated)". tests/data/greedy with programs.csv
    lag_years '1e1': "'1e1' is not a whole number. Fix: write a whole number such as 0, 1 or 2",
    exit 2; '1.0' is taken as 1 (and `--set programs.a.lag_years=1.0` too). pydantic's int
    parsing of the cell text (data/cellwords.py `int_parsing`) decides, not the number rule
    (data/numbers.py): a whole value written with an exponent should read as that value, or be
    refused for the exponent, never called "not a whole number"."""
    from conftest import DATA, copy_dataset

    data = copy_dataset(DATA / "greedy", tmp_path / "data")
    programs = data / "programs.csv"
    text = programs.read_text(encoding="utf-8")
    programs.write_text(text.replace("a,s1,2025,2026,60,0,10", f"a,s1,2025,2026,60,{cell},10"))
    res = run_cli("solve", "--inputs", data, "--out", tmp_path / "run")
    assert f"'{cell}' is not a whole number" not in res.stderr, res.stderr


def test_compare_names_a_run_folders_table_edited_since_allocator_wrote_it(tmp_path):
    """The report finding above, in `allocator compare RUN_A RUN_B` (studies/compare.py, which
    reads each run folder's allocation.csv): program a's 60 musd edited to 600 in RUN_A; compare
    prints "total investment 660" and "s1 / p1 660" for RUN_A, exit 0, nothing on stderr about
    the edit. It should refuse the edited table (or at least name it on stderr), as `--force`
    does ("it holds allocation.csv, changed since allocator wrote it")."""
    from conftest import DATA

    greedy = DATA / "greedy"
    first, second = tmp_path / "a", tmp_path / "b"
    assert run_cli("solve", "--inputs", greedy, "--out", first).exit_code == 0
    assert run_cli("solve", "--inputs", greedy, "--out", second).exit_code == 0
    table = first / "allocation.csv"
    text = table.read_text(encoding="utf-8")
    assert "\na,,s1,,,,public,2025,p1,60\n" in text
    table.write_text(text.replace(",p1,60\n", ",p1,600\n", 1), encoding="utf-8")
    res = run_cli("compare", first, second)  # run folders: no --inputs (task fe)
    assert "allocation.csv" in res.stderr, (res.exit_code, res.stdout)


def test_an_infeasible_plans_error_line_names_a_fix_that_works(tmp_path):
    """`allocator solve --inputs tests/data/targets --targets hard --json`: the conflict is
    program_cap(c) (100 musd at 2 jobs per musd: 200 jobs) against the s2 target of 500 jobs
    (explain: "raise program_cap(c) by 20 musd ... lower target(jobs,sector,s2,2026) by 260
    jobs"). The error line (stderr, and `error` of the JSON document a script reads) says
    "no allocation meets every floor, budget and cap at once. Fix: lower a floor or a minimum,
    or raise a budget"; `--set pools.public/p1.budget_musd=1000000` gives the same error. The
    line is fixed text in solver/passes.py `_raise_unless_optimal`; its fix should come from the
    diagnosis (the conflicting rows' kinds: a cap to raise, a target to lower)."""
    import json

    from conftest import DATA

    res = run_cli(
        "solve", "--inputs", DATA / "targets", "--targets", "hard", "--json", "--out", tmp_path
    )
    assert res.exit_code == 1, res.stderr
    line = json.loads(res.stdout)["error"]
    assert "raise a budget" not in line, line
    assert "target" in line, line
