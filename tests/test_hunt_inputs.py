"""Input-side reliability bugs found by a hostile hunt: each test reproduces one that the corpus
(tests/broken), test_cli_hostile, test_workbook_hostile and test_reliability missed.

All run in-process (conftest's `invoke`) on a copy of tests/data/greedy: `a` (10 jobs per US$
million, cap 60), `b` (6, cap 100), `c` (2, cap 100) and one pool of 120; the greedy plan funds
a 60 and b 60 (960 jobs). Every refusal is one line on stderr, exit 2, and writes nothing.
"""

from __future__ import annotations

import re
import shutil
import warnings
import zipfile
from pathlib import Path

import pytest

from allocator.errors import InputError
from conftest import DATA, invoke

GREEDY = DATA / "greedy"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
GROUP_CAP = "dimension,member,phase,max_musd,source\nprogram,a,all,10,hand-solved test case\n"
"""groups.csv holding a cap of 10 on program a: the plan then funds a 10, b 100, c 10."""


def dataset(tmp_path: Path, **files: str) -> Path:
    """tests/data/greedy with `files` (name -> text, `/` in a name as written) laid over it."""
    folder = tmp_path / "in"
    shutil.copytree(GREEDY, folder)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    return folder


def one_line_refusal(res, start: str) -> str:
    """The one line of a refusal (exit 2, no traceback, `start` after 'error: ')."""
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert res.exit_code == 2, res.output
    lines = ANSI.sub("", res.stderr).splitlines()  # splitlines: also at U+2028 and U+2029
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: " + start), lines[0]
    assert "Fix: " in lines[0], lines[0]
    return lines[0]


def refused_everywhere(folder: Path, tmp_path: Path, start: str) -> str:
    """`check`, `solve` and `export-inputs` each refuse `folder` in one line and write nothing."""
    line = one_line_refusal(invoke("check", "--inputs", folder), start)
    run, book = tmp_path / "run", tmp_path / "x.xlsx"
    one_line_refusal(invoke("solve", "--inputs", folder, "--out", run), start)
    one_line_refusal(invoke("export-inputs", book, "--inputs", folder), start)
    assert not run.exists()
    assert not book.exists()
    return line


# --- Bug: a line or paragraph separator in a quoted value broke the one-line message ----------


@pytest.mark.parametrize("separator", ["\u2028", "\u2029"])
def test_a_line_separator_in_a_cell_is_escaped_in_the_message(tmp_path, separator):
    """`6<U+2028>0` in cap_musd: printable() escaped control (Cc) and format (Cf) characters but
    not the line (Zl) and paragraph (Zp) separators, so the message came out as two lines."""
    programs = (GREEDY / "programs.csv").read_text().replace(",60,", f",6{separator}0,")
    folder = dataset(tmp_path, **{"programs.csv": programs})
    line = refused_everywhere(folder, tmp_path, "programs.csv, row 2, column 'cap_musd': '6")
    assert f"'6\\u{ord(separator):04x}0' is not a number" in line


def test_a_line_separator_in_a_set_is_escaped_in_the_message(tmp_path):
    res = invoke("check", "--inputs", GREEDY, "--set", "programs.a.cap_musd=6\u20280")
    assert "'6\\u20280' is not a number" in one_line_refusal(res, "--set 'programs.a.cap_musd=6")


# --- Bug: a table file whose name is not exactly the table's was ignored in silence ----------


def test_the_group_cap_is_read_from_groups_csv(tmp_path):
    """The control: groups.csv's cap of 10 on a holds (a 10, b 100, c 10)."""
    folder = dataset(tmp_path, **{"groups.csv": GROUP_CAP})
    res = invoke("solve", "--inputs", folder, "--out", tmp_path / "run")
    assert res.exit_code == 0, res.output
    lines = (tmp_path / "run" / "allocation.csv").read_text().splitlines()
    funded = [f"{x.split(',')[0]}={x.split(',')[-1]}" for x in lines[1:]]
    assert funded == ["a=10", "b=100", "c=10"]


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("Groups.csv", "groups.csv"),  # read on Windows and macOS, ignored on Linux
        ("groups.CSV", "groups.csv"),
        ("GROUPS.csv", "groups.csv"),
        ("groups.csv ", "groups.csv"),
        ("group.csv", "groups.csv"),  # a near miss: the cap was dropped in silence
        ("Settings.csv", "settings.csv"),
    ],
)
def test_a_table_file_named_almost_as_the_table_is_refused(tmp_path, name, table):
    """Groups.csv beside the tables: Linux ignored it and funded a 60 (its cap of 10 dropped), a
    case-insensitive disk read it: the same folder, two plans. It is refused, naming both."""
    text = GROUP_CAP if table == "groups.csv" else "setting,value\nnumber_style,point\n"
    folder = dataset(tmp_path, **{name: text})
    line = refused_everywhere(folder, tmp_path, f"{name}: ")
    assert f"rename it to {table}" in line


def test_a_case_twin_of_a_present_table_is_refused_too(tmp_path):
    """programs.csv and Programs.csv side by side: one folder of two datasets on Linux, and on a
    case-insensitive disk they cannot both exist."""
    programs = (GREEDY / "programs.csv").read_text()
    folder = dataset(tmp_path, **{"Programs.csv": programs})
    line = refused_everywhere(folder, tmp_path, "Programs.csv: ")
    assert "programs.csv" in line.split(": ", 2)[2]


@pytest.mark.parametrize(
    "name", ["actuals.csv", "notes.csv", "~$programs.csv", ".~lock.programs.csv#", "programs.bak"]
)
def test_other_files_in_the_folder_are_still_left_alone(tmp_path, name):
    """Files that are not a table's near miss (replan's actuals, notes, a spreadsheet's lock
    file while the table is open) are no part of the dataset, as before."""
    folder = dataset(tmp_path, **{name: "x\n"})
    res = invoke("check", "--inputs", folder)
    assert res.exit_code == 0, res.output


# --- Bug: a workbook number cell was read by Python's float(), laxer than the file format -----


def book_parts(tmp_path: Path) -> dict[str, bytes]:
    """The parts of tests/data/greedy written as a workbook (export-inputs): README, phases,
    milestones, programs (xl/worksheets/sheet4.xml), pools, eligibility."""
    from allocator.data.bookwriter import write_inputs_workbook
    from allocator.data.inputs import load_inputs

    book = tmp_path / "greedy.xlsx"
    write_inputs_workbook(load_inputs(GREEDY), book)
    with zipfile.ZipFile(book) as z:
        return {n: z.read(n) for n in z.namelist()}


def write_book(path: Path, parts: list[tuple[str, bytes]]) -> Path:
    """A workbook of `parts` in this order (a name may repeat: a crafted archive)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of a repeated name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in parts:
                z.writestr(name, data)
    return path


PROGRAMS_PART = "xl/worksheets/sheet4.xml"
A_CAP = b'<c r="E2"><v>60</v></c>'
"""Cell E2 of sheet programs: a's cap_musd, 60."""


def greedy_book(tmp_path: Path, cap: str) -> Path:
    """The greedy workbook whose number cell E2 of sheet programs (a's cap_musd, 60) holds
    `cap` as written in the file (`<v>cap</v>`)."""
    parts = book_parts(tmp_path)
    assert parts[PROGRAMS_PART].count(A_CAP) == 1
    parts[PROGRAMS_PART] = parts[PROGRAMS_PART].replace(
        A_CAP, f'<c r="E2"><v>{cap}</v></c>'.encode()
    )
    return write_book(tmp_path / "plan.xlsx", list(parts.items()))


@pytest.mark.parametrize("cap", ["1_000", "\u0661\u0662", "\uff16\uff10", "6_0", "60\u00a0"])
def test_a_number_cell_the_file_format_does_not_allow_is_refused(tmp_path, cap):
    """`<v>1_000</v>`: float() read 1000 (and Arabic-Indic or fullwidth digits as 12 or 60),
    where the format allows only an xsd:double (digits 0-9, a point, an exponent) and another
    reader stops at the underscore: one cell, two numbers. It is refused by sheet and cell."""
    book = greedy_book(tmp_path, cap)
    res = invoke("check", "--inputs", book)
    line = one_line_refusal(res, "plan.xlsx, sheet programs, cell E2")
    assert "which is not a number" in line


@pytest.mark.parametrize(("cap", "jobs"), [("60", "960"), ("6E1", "960"), (" 6.0e+1 ", "960")])
def test_a_number_cell_as_excel_writes_it_is_read(tmp_path, cap, jobs):
    """The control: what Excel writes (digits, a point, an exponent) reads as before."""
    res = invoke("solve", "--inputs", greedy_book(tmp_path, cap), "--out", tmp_path / "run")
    assert res.exit_code == 0, res.output
    assert jobs in res.stdout


# --- Bug: two spellings of one name that differ only in case were two names, in silence -----

SECTOR_CAP = "dimension,member,phase,max_musd,source\nsector,s1,all,70,hand-solved test case\n"
"""A cap of 70 on sector s1 (a and b): the plan funds a 60, b 10, c 50."""


def test_a_sector_spelt_in_another_case_is_refused(tmp_path):
    """b's sector written `S1`: it left the s1 cap of 70 (a 60 and b 60 funded, 120 > 70), and a
    spreadsheet's filters and lookups, which ignore case, show it inside s1."""
    programs = (GREEDY / "programs.csv").read_text().replace("b,s1,", "b,S1,")
    folder = dataset(tmp_path, **{"programs.csv": programs, "groups.csv": SECTOR_CAP})
    line = refused_everywhere(folder, tmp_path, "programs.csv, row 3, column 'sector': 'S1' ")
    assert "differs from 's1' (row 2) only in case" in line


def test_programs_named_alike_but_for_case_are_refused(tmp_path):
    programs = (GREEDY / "programs.csv").read_text() + "A,s2,2025,2026,5,0,1,x\n"
    folder = dataset(tmp_path, **{"programs.csv": programs})
    line = refused_everywhere(folder, tmp_path, "programs.csv, row 5, column 'program': 'A' ")
    assert "differs from 'a' (row 2) only in case" in line


def test_a_pool_spelt_in_two_cases_is_refused(tmp_path):
    """`Korea` in phase p1 and `korea` in p2 were two pools: a carry-over of one never reached
    the other."""
    phases = "phase,first_year,last_year,source\np1,2025,2025,x\np2,2026,2026,x\n"
    pools = "pool,phase,budget_musd,source\nKorea,p1,60,x\nkorea,p2,60,x\n"
    eligibility = "pool,program,source\nKorea,*,x\nkorea,*,x\n"
    files = {"phases.csv": phases, "pools.csv": pools, "eligibility.csv": eligibility}
    line = refused_everywhere(dataset(tmp_path, **files), tmp_path, "pools.csv, row 3, column")
    assert "'korea' differs from 'Korea' (row 2) only in case" in line


def test_the_sector_cap_holds_when_every_row_spells_the_sector_alike(tmp_path):
    """The control: the cap of 70 on s1 funds a 60, b 10 and c 50."""
    folder = dataset(tmp_path, **{"groups.csv": SECTOR_CAP})
    res = invoke("solve", "--inputs", folder, "--out", tmp_path / "run")
    assert res.exit_code == 0, res.output
    lines = (tmp_path / "run" / "allocation.csv").read_text().splitlines()
    funded = [f"{x.split(',')[0]}={x.split(',')[-1]}" for x in lines[1:]]
    assert funded == ["a=60", "b=10", "c=50"]


# --- Bug: a YAML integer with a leading 0 is octal to YAML 1.1 readers, decimal to allocator --


def model_file(tmp_path: Path, text: str) -> Path:
    """A model file beside a copy of tests/data/greedy (`dataset: greedy`)."""
    shutil.copytree(GREEDY, tmp_path / "greedy")
    path = tmp_path / "m.yaml"
    path.write_text("dataset: greedy\n" + text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text", ["010", "+010", "00"])
def test_a_model_file_integer_with_a_leading_zero_is_refused(tmp_path, text):
    """`time_limit_s: 010`: PyYAML (YAML 1.1) reads 8, a YAML 1.2 reader and allocator 10; the
    same file, two time limits. It is refused with its line, as 0x10 and 1:30 are."""
    path = model_file(tmp_path, f"solver:\n  time_limit_s: {text}\n")
    res = invoke("solve", path, "--out", tmp_path / "run")
    line = one_line_refusal(res, f"{path} at line 3: not a valid model file ('{text}' ")
    assert "leading 0" in line
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("text", ["0", "1", "0.5", "-0"])
def test_a_model_file_integer_without_a_leading_zero_is_read(tmp_path, text):
    """The control: 0, 1, 0.5 and -0 are one number to every reader."""
    path = model_file(tmp_path, f"measure: discounted\ndiscount_rate: {text}\n")
    res = invoke("check", "--inputs", tmp_path / "greedy")
    assert res.exit_code == 0
    from allocator.data.modelfile import load_model_file

    model, _ = load_model_file(path)
    assert model.discount_rate == float(text)


# --- Bug: uncertainty.csv bounds were read as money whatever the cell, and without its limits --

SWEEP = DATA / "sweep"
SWEEP_PROGRAMS = (
    "program,sector,export_category,first_year,last_year,cap_musd,lag_years,jobs_per_musd,"
    "exports_per_musd,source\n"
    "x,s1,cat,2025,2026,100,0,1,2,test\n"
    "y,s2,cat,2025,2026,100,1,1.5K,1,test\n"
)
"""tests/data/sweep with y's jobs_per_musd written 1.5K (1,500 jobs: a count cell)."""


def sweep_dataset(tmp_path: Path, row: str) -> Path:
    """tests/data/sweep with SWEEP_PROGRAMS and `row` as its one uncertainty.csv row."""
    folder = tmp_path / "in"
    shutil.copytree(SWEEP, folder)
    (folder / "programs.csv").write_text(SWEEP_PROGRAMS, encoding="utf-8")
    text = f"ref,low,high,distribution,source\n{row},uniform,test\n"
    (folder / "uncertainty.csv").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("bounds", "low", "high"),
    [("1K,2000", 1000.0, 2000.0), ("1000,2K", 1000.0, 2000.0), ("-20%,+20%", 1200.0, 1800.0)],
)
def test_a_bound_is_read_in_the_unit_of_its_cell(tmp_path, bounds, low, high):
    """`1K` for a jobs_per_musd bound (a count, as the cell is): read as money it was 0.001, a
    range from 0.001 to 2000 that held the value 1500, so the sweep drew near-zero jobs."""
    from allocator.data.inputs import load_inputs
    from allocator.data.uncertainty import params_of

    folder = sweep_dataset(tmp_path, f"programs:y:jobs_per_musd,{bounds}")
    [param] = params_of(load_inputs(folder))
    assert (param.low, param.high) == (low, high)


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ("pools:public/p1:budget_musd,60,1e300", "'1e300' is above the maximum 1e+09"),
        ("programs:y:lag_years,0,1e300", "'1e300' is above the maximum 50"),
        ("programs:y:lag_years,0,+1e300%", "'+1e300%' is above the maximum 50"),
        ("programs:y:jobs_per_musd,1K,2M", "'2M' is above the maximum 1e+06"),
        ("programs:y:lag_years,0,2M", "'2M' is not a value or a relative change"),
    ],
)
def test_a_bound_past_the_limits_of_its_cell_is_refused(tmp_path, row, words):
    """A budget of 1e300 or a lag of 1e300 years passed into the sweep's samples, where the cell
    itself refuses anything past its plausibility limit; a lag has no unit, so `2M` is no lag."""
    res = invoke("check", "--inputs", sweep_dataset(tmp_path, row))
    line = one_line_refusal(res, "uncertainty.csv, row 2, column 'high': ")
    assert words in line


# --- Bug: a crafted workbook that two readers read two ways was read the last way, in silence --


def test_a_part_stored_twice_in_the_archive_is_refused(tmp_path):
    """Two xl/worksheets/sheet4.xml in one archive (a's cap 60, then 10): Python's zipfile reads
    the last, another unzipper the first: the same file, two plans."""
    parts = book_parts(tmp_path)
    second = parts[PROGRAMS_PART].replace(A_CAP, b'<c r="E2"><v>10</v></c>')
    book = write_book(tmp_path / "plan.xlsx", [*parts.items(), (PROGRAMS_PART, second)])
    line = one_line_refusal(invoke("check", "--inputs", book), "plan.xlsx, the archive: ")
    assert f"holds two parts named {PROGRAMS_PART}" in line


def test_a_sheet_named_twice_is_refused(tmp_path):
    """Two sheets named programs (the second a copy with a's cap 10): the last was read as the
    table, the first ignored; Excel repairs such a file by renaming one."""
    parts = book_parts(tmp_path)
    parts["xl/worksheets/sheet9.xml"] = parts[PROGRAMS_PART].replace(
        A_CAP, b'<c r="E2"><v>10</v></c>'
    )
    rels = "xl/_rels/workbook.xml.rels"
    kind = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
    extra = b'<Relationship Id="rId99" Type="' + kind + b'" Target="worksheets/sheet9.xml"/>'
    parts[rels] = parts[rels].replace(b"</Relationships>", extra + b"</Relationships>")
    sheet = b'<sheet name="programs" sheetId="99" r:id="rId99"/>'
    main = "xl/workbook.xml"
    parts[main] = parts[main].replace(b"</sheets>", sheet + b"</sheets>")
    book = write_book(tmp_path / "plan.xlsx", list(parts.items()))
    line = one_line_refusal(invoke("check", "--inputs", book), "plan.xlsx, sheet programs: ")
    assert "two sheets are named programs" in line


def test_two_settings_sheets_are_refused(tmp_path):
    """`settings` (point) and `settings ` (comma; Excel tells sheet names apart by spaces, not by
    case): the first was read, and the number style decides whether 1.200 is 1.2 or 1200."""
    from openpyxl import load_workbook

    book = write_book(tmp_path / "plan.xlsx", list(book_parts(tmp_path).items()))
    wb = load_workbook(book)
    for name, style in (("settings", "point"), ("settings ", "comma")):
        ws = wb.create_sheet(name)
        ws.append(["setting", "value"])
        ws.append(["number_style", style])
    wb.save(book)
    line = one_line_refusal(invoke("check", "--inputs", book), "plan.xlsx, sheet settings : ")
    assert "two sheets are named settings ('settings', 'settings ')" in line


# --- Bug: a whole-number cell (a lag, a year) skipped the number style: 1.000 was 1 anyway ----

COMMA = "setting,value\nnumber_style,comma\n"


def with_lag(tmp_path: Path, lag: str, **files: str) -> Path:
    """tests/data/greedy with a's lag_years written `lag` (quoted, so a comma stays in it)."""
    programs = (GREEDY / "programs.csv").read_text()
    programs = programs.replace("\na,s1,2025,2026,60,0,", f'\na,s1,2025,2026,60,"{lag}",')
    return dataset(tmp_path, **{"programs.csv": programs, **files})


def test_an_ambiguous_whole_number_is_refused_as_a_money_cell_is(tmp_path):
    """lag_years `1.000`, undeclared: 1 with a decimal point, 1000 with a thousands point. A money
    cell is refused so; the lag was read as 1."""
    folder = with_lag(tmp_path, "1.000")
    line = refused_everywhere(folder, tmp_path, "programs.csv, row 2, column 'lag_years': ")
    assert "'1.000' reads as 1 with a decimal point or 1000 with a thousands point" in line


def test_a_whole_number_follows_the_declared_comma_style(tmp_path):
    """In a comma-style dataset `1.000` is 1000: past a lag's limit of 50, not a lag of 1."""
    folder = with_lag(tmp_path, "1.000", **{"settings.csv": COMMA})
    line = refused_everywhere(folder, tmp_path, "programs.csv, row 2, column 'lag_years': ")
    assert "'1.000' is above the maximum 50" in line


@pytest.mark.parametrize(("lag", "settings"), [("2,0", COMMA), ("2.0", None), ("2", COMMA)])
def test_a_whole_number_in_the_declared_style_is_read(tmp_path, lag, settings):
    """The control: `2,0` in the comma style and `2.0` in the point style are a lag of 2."""
    from allocator.data.inputs import load_inputs

    files = {"settings.csv": settings} if settings else {}
    inp = load_inputs(with_lag(tmp_path, lag, **files))
    assert [p.lag_years for p in inp.programs] == [2, 0, 0]


def test_a_set_of_a_whole_number_follows_the_same_rule(tmp_path):
    res = invoke("check", "--inputs", GREEDY, "--set", "programs.a.lag_years=1.000")
    line = one_line_refusal(res, "--set 'programs.a.lag_years=1.000': programs.csv row 2")
    assert "reads as 1 with a decimal point or 1000 with a thousands point" in line


def test_a_cell_stored_twice_in_a_sheet_is_refused(tmp_path):
    """`<c r="E2">` twice in sheet programs (60, then 10): the last was read in silence; Excel
    calls such a file corrupt, and another reader may keep the first."""
    parts = book_parts(tmp_path)
    parts[PROGRAMS_PART] = parts[PROGRAMS_PART].replace(A_CAP, A_CAP + b'<c r="E2"><v>10</v></c>')
    book = write_book(tmp_path / "plan.xlsx", list(parts.items()))
    line = one_line_refusal(invoke("check", "--inputs", book), "plan.xlsx, sheet programs, cell E2")
    assert "the cell appears twice in the sheet" in line


def test_a_model_file_binary_value_is_refused(tmp_path):
    """`exclude_program: !!binary YQ==`: the safe loader decodes base64 to bytes, which the
    schema took as the text `a`: a change the file does not show. Refused with its line."""
    path = model_file(tmp_path, "overrides:\n  - exclude_program: !!binary YQ==\n")
    res = invoke("solve", path, "--out", tmp_path / "run")
    line = one_line_refusal(res, f"{path} at line 3: not a valid model file (")
    assert "!!binary" in line
    assert not (tmp_path / "run").exists()


# --- Bug: one cell given two ranges (a * row and its own) was drawn twice, one range dropped ---


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        (
            ["programs:*:jobs_per_musd,-50%,+50%", "programs:y:jobs_per_musd,-10%,+10%"],
            "programs:y:jobs_per_musd has a range on row 2 already (programs:*:jobs_per_musd)",
        ),
        (
            ["pools:public/p1:budget_musd,60,140", "pools:*/p1:budget_musd,-10%,+10%"],
            "pools:public/p1:budget_musd has a range on row 2 already (pools:public/p1:budget",
        ),
    ],
)
def test_a_cell_given_two_ranges_is_refused(tmp_path, rows, words):
    """`programs:*:jobs_per_musd` and `programs:y:jobs_per_musd`: y was sampled twice, and the
    sampled dataset kept the draw of whichever row came last: one range dropped in silence."""
    folder = sweep_dataset(tmp_path, rows[0])
    text = (folder / "uncertainty.csv").read_text() + rows[1] + ",uniform,test\n"
    (folder / "uncertainty.csv").write_text(text, encoding="utf-8")
    line = one_line_refusal(invoke("check", "--inputs", folder), "uncertainty.csv, row 3, column")
    assert words in line


# --- Bug: a number format that divides by 1,000 showed one number and gave another ----------


def book_with_format(tmp_path: Path, value: float, code: str) -> Path:
    """The greedy workbook with a's cap_musd (sheet programs, E2) `value` formatted `code`."""
    from openpyxl import load_workbook

    book = write_book(tmp_path / "plan.xlsx", list(book_parts(tmp_path).items()))
    wb = load_workbook(book)
    cell = wb["programs"]["E2"]
    cell.value, cell.number_format = value, code
    wb.save(book)
    return book


@pytest.mark.parametrize("code", ["#,##0,", '0.0,,"M"', '#,##0,"K";-#,##0,"K"', "0,\\K"])
def test_a_number_format_that_scales_is_refused(tmp_path, code):
    """60,000 formatted `#,##0,` shows 60 (thousands) in Excel; it was read as 60,000 US$ million,
    a cap a thousand times the one on screen. Refused by cell, with the format."""
    book = book_with_format(tmp_path, 60000, code)
    line = one_line_refusal(invoke("check", "--inputs", book), "plan.xlsx, sheet programs, cell E2")
    assert "divides the number by 1,000" in line


@pytest.mark.parametrize("code", ["#,##0", "0.00", "General", '0" musd"', "#,##0.0_);(#,##0.0)"])
def test_a_number_format_that_does_not_scale_is_read(tmp_path, code):
    """The control: thousands separators, decimals and unit text show the number itself."""
    book = book_with_format(tmp_path, 60, code)
    res = invoke("solve", "--inputs", book, "--out", tmp_path / "run")
    assert res.exit_code == 0, res.output
    assert "960" in res.stdout


# --- Bug: export-inputs cut a text longer than a workbook cell holds, in silence --------------


def test_export_refuses_a_text_longer_than_a_workbook_cell(tmp_path):
    """A 40,000-character name: xlsxwriter keeps 32,767 characters and says so only in its
    return code, so the workbook read back was another dataset. Refused, nothing written."""
    programs = (GREEDY / "programs.csv").read_text().replace("program,", "program,name,", 1)
    programs = programs.replace("\na,", "\na," + "N" * 40_000 + ",")
    programs = programs.replace("\nb,", "\nb,,").replace("\nc,", "\nc,,")
    folder = dataset(tmp_path, **{"programs.csv": programs})
    book = tmp_path / "x.xlsx"
    res = invoke("export-inputs", book, "--inputs", folder)
    line = one_line_refusal(res, "programs.csv, row 2, column 'name': ")
    assert "40,000 characters, more than a workbook cell holds (32,767)" in line
    assert not book.exists()
    assert invoke("check", "--inputs", folder).exit_code == 0  # the CSV dataset itself is sound


# --- Bug: `targets: off`, as the help writes it, was YAML 1.1's false and refused -------------


@pytest.mark.parametrize(("line", "field", "value"), [
    ("targets: off", "targets", "off"),
    ("name: no", "name", "no"),
    ("name: On", "name", "On"),
    ("description: yes", "description", "yes"),
])  # fmt: skip
def test_yaml_11_booleans_are_the_words_they_are(tmp_path, line, field, value):
    """`targets: off` (a documented value): PyYAML reads off, on, yes and no as booleans (YAML
    1.1; YAML 1.2 reads them as text), so the file was refused with "Input should be 'off'"."""
    from allocator.data.modelfile import load_model_file

    model, _ = load_model_file(model_file(tmp_path, line + "\n"))
    assert getattr(model, field) == value


def test_a_yaml_true_is_still_refused_where_text_is_expected(tmp_path):
    """The control: `true` is a boolean in both YAML versions, and no name."""
    path = model_file(tmp_path, "name: true\n")
    one_line_refusal(invoke("solve", path, "--out", tmp_path / "run"), f"{path}: name: ")


# --- Bug: a --set on a workbook dataset named a CSV file the dataset does not have ------------


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        (
            "programs.a.cap_musd=abc",
            "plan.xlsx, sheet programs, cell E2, row 2, column 'cap_musd': 'abc'",
        ),
        (
            "programs.a.floor_musd=70",
            "plan.xlsx, sheet programs, cell P2, row 2, column 'floor_musd'",
        ),
        ("programs.zz.cap_musd=7", "the key 'zz' names no row of plan.xlsx, sheet programs"),
    ],
)
def test_a_set_on_a_workbook_names_the_sheet(tmp_path, cell, words):
    """`--inputs plan.xlsx --set programs.a.cap_musd=abc` said `programs.csv row 2`: there is no
    programs.csv to open. The message names the workbook and sheet, as the loader's do."""
    book = write_book(tmp_path / "plan.xlsx", list(book_parts(tmp_path).items()))
    line = one_line_refusal(invoke("check", "--inputs", book, "--set", cell), f"--set '{cell}': ")
    assert words in line
    assert ".csv" not in line


def test_a_set_that_breaks_a_rule_across_sheets_names_the_sheet(tmp_path):
    """A set the row accepts but the dataset does not (a window past the horizon): the message
    said `programs.csv, row 2` and `covered by phases.csv` of a workbook dataset."""
    book = write_book(tmp_path / "plan.xlsx", list(book_parts(tmp_path).items()))
    cell = "programs.a.last_year=2030"
    line = one_line_refusal(
        invoke("check", "--inputs", book, "--set", cell), f"after --set '{cell}'"
    )
    assert "plan.xlsx, sheet programs, cell " in line  # the cell, as the loader names it
    assert ", row 2, column 'last_year': last_year 2030 is outside" in line
    assert "covered by sheet phases" in line
    assert ".csv" not in line


# --- Bug: a number formatted as a percent showed 60% and was read as 0.6 in any column --------


def test_a_percent_cell_outside_a_share_column_is_refused(tmp_path):
    """a's cap 0.6 formatted 0%: Excel shows 60%, the cap was read as 0.6 US$ million; the CSV
    cell 60% is refused for money. The cell is read as the text Excel shows, so it is too."""
    book = book_with_format(tmp_path, 0.6, "0%")
    line = one_line_refusal(invoke("check", "--inputs", book), "plan.xlsx, sheet programs, cell E2")
    assert "'60%' is not a number in a known unit" in line


@pytest.mark.parametrize(("value", "code"), [(0.25, "0%"), (0.0257, "0.00%"), (0.1234, "0.0%")])
def test_a_percent_cell_in_a_share_column_is_the_same_share(tmp_path, value, code):
    """The control: max_annual_share 25% is the share 0.25 (the same float as typed)."""
    from openpyxl import load_workbook

    from allocator.data.inputs import load_inputs

    book = write_book(tmp_path / "plan.xlsx", list(book_parts(tmp_path).items()))
    wb = load_workbook(book)
    ws = wb["programs"]
    at = [c.value for c in ws[1]].index("max_annual_share") + 1  # export-inputs writes it
    for row, share in ((2, value), (3, 1), (4, 1)):
        ws.cell(row, at, share).number_format = code
    wb.save(book)
    assert [p.max_annual_share for p in load_inputs(book).programs] == [value, 1, 1]


# --- Bug: a small dataset whose plan is huge ran out of memory in a traceback ----------------


def test_a_plan_past_the_size_limit_is_refused_before_it_is_built(tmp_path):
    """60 programs over 1900-2200 and 120 pools: 2.2 million program-pool-years from 30 KB of
    CSV. A dataset of that shape (4,000 programs, 5 pools) ended in MemoryError after 3 GB; it
    is refused by `check` as by `solve`, in one line, before the LP is built."""
    phases = "phase,first_year,last_year,source\np1,1900,2200,x\n"
    pools = "pool,phase,budget_musd,source\n" + "".join(f"q{k},p1,10,x\n" for k in range(120))
    eligibility = "pool,program,source\n" + "".join(f"q{k},*,x\n" for k in range(120))
    programs = "program,sector,first_year,last_year,cap_musd,lag_years,jobs_per_musd,source\n"
    programs += "".join(f"p{i},s1,1900,2200,60,0,10,x\n" for i in range(60))
    files = {
        "phases.csv": phases, "pools.csv": pools, "eligibility.csv": eligibility,
        "programs.csv": programs, "milestones.csv": "year,source\n2200,x\n",
    }  # fmt: skip
    line = refused_everywhere(dataset(tmp_path, **files), tmp_path, "programs.csv: the plan has ")
    assert "2,167,200 program-pool-years" in line
    assert "more than the limit of 2,000,000" in line


@pytest.mark.parametrize(("limit", "refused"), [(6, False), (5, True)])
def test_the_size_limit_counts_windows_times_eligible_pools(tmp_path, monkeypatch, limit, refused):
    """greedy: 3 programs x 2 years x 1 pool = 6 program-pool-years, at the limit or past it."""
    from allocator.data import sizes
    from allocator.data.inputs import load_inputs

    monkeypatch.setattr(sizes, "MAX_PLAN_CELLS", limit)
    if refused:
        with pytest.raises(InputError, match="the plan has 6 program-pool-years"):
            load_inputs(GREEDY)
    else:
        assert len(load_inputs(GREEDY).programs) == 3


# --- Bug: links.csv could make the check quadratic and the LP unbounded -----------------------


def links_dataset(tmp_path: Path, pairs: int, dependents: int, last_year: int) -> Path:
    """`pairs` links, each from its own enabler z<k> to `dependents` programs of its own sector
    (no cycle, no program on two sides), one pool for all, years 2025 to `last_year`."""
    folder = tmp_path / "links"
    folder.mkdir()
    programs = ["program,sector,first_year,last_year,cap_musd,lag_years,jobs_per_musd,source"]
    links = ["link,enabler_dimension,enabler,dependent_dimension,dependent,quantity,ratio,source"]
    for k in range(pairs):
        programs.append(f"z{k},e{k},2025,{last_year},10,0,0,x")
        programs += [f"p{k}x{i},d{k},2025,{last_year},10,0,1,x" for i in range(dependents)]
        links.append(f"l{k},program,z{k},sector,d{k},capital,2,x")
    files = {
        "phases.csv": f"phase,first_year,last_year,source\np1,2025,{last_year},x\n",
        "milestones.csv": f"year,source\n{last_year},x\n",
        "pools.csv": "pool,phase,budget_musd,source\npublic,p1,100,x\n",
        "eligibility.csv": "pool,program,source\npublic,z0,x\n",  # one program: few cells
        "programs.csv": "\n".join(programs) + "\n",
        "links.csv": "\n".join(links) + "\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_links_past_the_size_limit_are_refused(tmp_path):
    """5,000 links naming 100 programs each over 16 years (400 KB of CSV) made 53 million
    nonzeros and a MemoryError after 99 s; here 60 links x 176 years x 200 programs."""
    folder = links_dataset(tmp_path, pairs=60, dependents=199, last_year=2200)
    res = invoke("check", "--inputs", folder)
    line = one_line_refusal(res, "links.csv: the links name 2,112,000 program-years")
    assert "more than the limit of 2,000,000" in line


def test_many_links_are_checked_in_bounded_time(tmp_path):
    """6,000 small links: the unknown-member check went over every program for every link and
    the cycle check over every pair of links (65 s for 5,000); both are now linear. A process
    with a generous timeout, so a quadratic check fails the test rather than hangs it."""
    import subprocess
    import sys

    folder = links_dataset(tmp_path, pairs=6_000, dependents=1, last_year=2026)
    res = subprocess.run(
        [sys.executable, "-m", "allocator.cli", "check", "--inputs", str(folder)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr


def test_risk_cover_past_the_size_limit_is_refused(tmp_path):
    """Each risk_cover row sums the exposed investment up to its year: 50 programs exposed to
    2,000 risks over 301 years asked numpy for 17 GB (a traceback after 45 s). Here 10 programs,
    120 pools and 60 risks over 1900-2200: 6.5 billion terms from 20 KB of CSV."""
    phases = "phase,first_year,last_year,source\np1,1900,2200,x\n"
    pools = "pool,phase,budget_musd,source\n" + "".join(f"q{k},p1,10,x\n" for k in range(120))
    eligibility = "pool,program,source\n" + "".join(f"q{k},*,x\n" for k in range(120))
    programs = "program,sector,first_year,last_year,cap_musd,lag_years,jobs_per_musd,source\n"
    programs += "".join(f"p{i},s1,1900,2200,60,0,10,x\n" for i in range(10))
    risks = "risk,first_year,last_year,budget_musd,coverage,source\n"
    risks += "".join(f"r{k},1900,2200,10,2,x\n" for k in range(60))
    exposures = "program,risk,weight,source\n"
    exposures += "".join(f"p{i},r{k},1,x\n" for i in range(10) for k in range(60))
    files = {
        "phases.csv": phases, "pools.csv": pools, "eligibility.csv": eligibility,
        "programs.csv": programs, "milestones.csv": "year,source\n2200,x\n",
        "risks.csv": risks, "exposures.csv": exposures,
    }  # fmt: skip
    line = refused_everywhere(dataset(tmp_path, **files), tmp_path, "exposures.csv: the risks' ")
    assert "6,523,272,000 terms" in line
    assert "more than the limit of 20,000,000" in line


def test_tranche_rows_past_the_size_limit_are_refused(tmp_path):
    """A tranche row for every year sums its sector's jobs: 5,000 tranches of one 200-program
    sector over 301 years ran out of 3 GB in 10 s. Here 10 programs, 120 pools, 10 tranches."""
    phases = "phase,first_year,last_year,source\np1,1900,2200,x\n"
    pools = "pool,phase,budget_musd,source\n" + "".join(f"q{k},p1,10,x\n" for k in range(120))
    eligibility = "pool,program,source\n" + "".join(f"q{k},*,x\n" for k in range(120))
    programs = "program,sector,first_year,last_year,cap_musd,lag_years,jobs_per_musd,source\n"
    programs += "".join(f"p{i},s1,1900,2200,60,0,10,x\n" for i in range(10))
    tranches = "kind,dimension,member,from_level,share,source\n"
    tranches += "".join(f"jobs,sector,s1,{(k + 1) * 100},0.5,x\n" for k in range(10))
    files = {
        "phases.csv": phases, "pools.csv": pools, "eligibility.csv": eligibility,
        "programs.csv": programs, "milestones.csv": "year,source\n2200,x\n",
        "tranches.csv": tranches,
    }  # fmt: skip
    line = refused_everywhere(dataset(tmp_path, **files), tmp_path, "tranches.csv: the tranche ")
    assert "1,087,212,000 terms" in line
    assert "more than the limit of 20,000,000" in line


def test_outcome_rows_past_the_size_limit_are_refused(tmp_path):
    """Each milestone's jobs sum the investment productive by then: 450,000 program-pool-years
    with a milestone every year for 301 years asked numpy for 136 million entries and ran out of
    4 GB. Here 10 programs and 120 pools (361,200) with 301 milestones."""
    phases = "phase,first_year,last_year,source\np1,1900,2200,x\n"
    pools = "pool,phase,budget_musd,source\n" + "".join(f"q{k},p1,10,x\n" for k in range(120))
    eligibility = "pool,program,source\n" + "".join(f"q{k},*,x\n" for k in range(120))
    programs = "program,sector,first_year,last_year,cap_musd,lag_years,jobs_per_musd,source\n"
    programs += "".join(f"p{i},s1,1900,2200,60,0,10,x\n" for i in range(10))
    milestones = "year,source\n" + "".join(f"{y},x\n" for y in range(1900, 2201))
    files = {
        "phases.csv": phases, "pools.csv": pools, "eligibility.csv": eligibility,
        "programs.csv": programs, "milestones.csv": milestones,
    }  # fmt: skip
    line = refused_everywhere(dataset(tmp_path, **files), tmp_path, "milestones.csv: the outcome ")
    assert "108,721,200 terms (361,200 program-pool-years times 301 milestones)" in line


# --- Bug: Excel's `sep=,` first line was taken for the header, with a misleading fix ---------


@pytest.mark.parametrize("hint", ["sep=,", "sep=;", "SEP=,"])
def test_an_excel_separator_hint_line_is_named(tmp_path, hint):
    """`sep=;` above the header (Excel writes and reads it): the message said the columns are
    separated by semicolons (they are not) or that `sep=` is an unknown column."""
    programs = hint + "\r\n" + (GREEDY / "programs.csv").read_text()
    folder = dataset(tmp_path, **{"programs.csv": programs})
    line = refused_everywhere(folder, tmp_path, "programs.csv, row 1: ")
    assert f"the first line '{hint}' is Excel's separator hint, not the header" in line
    assert "delete the first line" in line
