"""Issue 24: numbers and identifiers in datasets. A number the point and the comma conventions
read differently (1.200, 1,200) is refused unless the dataset declares its number style; the same
number written two ways is the same float; names that a spreadsheet would run as a formula are
refused; a long name is cut in messages. Corpus cases of the same rules: tests/broken/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from allocator.cli.commands import app
from allocator.data.applyoverrides import apply_overrides
from allocator.data.bookwriter import write_inputs_workbook
from allocator.data.inputs import load_inputs
from allocator.data.modelfile import Override
from allocator.data.numbers import parse_count, parse_money, parse_share
from allocator.errors import InputError, UsageError
from conftest import BASELINE, DATA

GREEDY = DATA / "greedy"
PROGRAMS = GREEDY / "programs.csv"


def dataset(tmp_path: Path, program_a: str | None = None, **files: str) -> Path:
    """tests/data/greedy with program a's row replaced and some files added (name -> text)."""
    folder = tmp_path / "inputs"
    shutil.copytree(GREEDY, folder)
    if program_a is not None:
        lines = PROGRAMS.read_text().splitlines()
        lines[1] = program_a
        (folder / "programs.csv").write_text("\n".join(lines) + "\n")
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text)
    return folder


def check(folder: Path) -> str:
    """The one error line of `allocator check` on `folder` (exit code 2, no traceback)."""
    result = CliRunner().invoke(app, ["check", "--inputs", str(folder)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def row_a(cap: str = "60", jobs: str = "10", name: str | None = None) -> str:
    """Program a's programs.csv row with its cap and jobs_per_musd cells as written."""
    if name is None:
        return f"a,s1,2025,2026,{cap},0,{jobs},hand-solved test case"
    return f"a,s1,2025,2026,{cap},0,{jobs},hand-solved test case,{name}"


def program_a(inp) -> object:
    return next(p for p in inp.programs if p.program == "a")


# --- 1. a number read two ways -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "readings"),
    [
        ("1.200", ("1.2 with a decimal point", "1200 with a thousands point")),
        ('"1,200"', ("1200 with a thousands comma", "1.2 with a decimal comma")),
        ('"12,345"', ("12345 with a thousands comma", "12.345 with a decimal comma")),
        # in US$ million: 3.5 or 3,500 billion (it said 3.5 or 3500, the scale dropped)
        ("3.500B", ("3500 with a decimal point", "3500000 with a thousands point")),
    ],
)
def test_a_number_the_two_styles_read_differently_is_refused_naming_both(tmp_path, cell, readings):
    line = check(dataset(tmp_path, row_a(cap=cell)))
    assert "programs.csv, row 2, column 'cap_musd'" in line
    assert all(r in line for r in readings), line
    assert "declare the dataset's number style" in line


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1200", 1200.0),
        ("1,200.5", 1200.5),
        ("3.5B", 3500.0),
        ("0.25", 0.25),
        ("1.5", 1.5),
        ("0.125", 0.125),
        ("1,200,000", 1_200_000.0),
        ("$800M", 800.0),
        ("12.3456", 12.3456),
    ],
)
def test_numbers_one_style_alone_can_read_keep_working_undeclared(text, value):
    assert parse_money(text) == value


def test_a_grouped_number_may_not_lead_with_zero():
    with pytest.raises(ValueError, match="not a number"):
        parse_money("0,123")  # was 123: neither 0.123 nor a grouping


def test_a_dataset_that_declares_the_comma_style_reads_1_200_as_1200(tmp_path):
    style = "setting,value\nnumber_style,comma\n"
    folder = dataset(tmp_path, row_a(cap="1.200", jobs='"2,5"'), settings=style)
    inp = load_inputs(folder)
    assert (program_a(inp).cap_musd, program_a(inp).jobs_per_musd) == (1200.0, 2.5)
    assert inp.number_style == "comma"
    assert "settings.csv" in inp.file_hashes


def test_a_dataset_that_declares_the_point_style_reads_1_200_as_1_2(tmp_path):
    style = "setting,value\nnumber_style,point\n"
    inp = load_inputs(dataset(tmp_path, row_a(cap='"1,200"', jobs="1.200"), settings=style))
    assert (program_a(inp).cap_musd, program_a(inp).jobs_per_musd) == (1200.0, 1.2)
    assert inp.number_style == "point"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("setting,value\nnumber_style,european\n", "settings.csv, row 2, column 'value'"),
        ("setting,value\nstyle,point\n", "settings.csv, row 2, column 'setting'"),
        ("setting,value\nnumber_style,point\nnumber_style,comma\n", "settings.csv, row 3"),
    ],
)
def test_a_bad_settings_file_is_refused_by_row_and_column(tmp_path, text, expected):
    assert check(dataset(tmp_path, settings=text)).startswith(f"error: {expected}")


def test_a_plain_number_column_follows_the_same_rule(tmp_path):
    risks = "risk,first_year,last_year,budget_musd,coverage,source\nr,2025,2026,10,31.875,x\n"
    line = check(dataset(tmp_path, risks=risks))
    assert "risks.csv, row 2, column 'coverage'" in line
    assert "31.875 with a decimal point or 31875 with a thousands point" in line


def test_the_bundled_dataset_declares_the_point_style():
    inp = load_inputs(BASELINE)
    assert inp.number_style == "point"
    assert next(r for r in inp.risks if r.coverage == 31.875)


def _book(tmp_path: Path, style: str | None = None, **cells: object) -> Path:
    """tests/data/greedy as a workbook, program a's cells (column name -> value) replaced and
    a settings sheet when `style` is given."""
    path = tmp_path / "plan.xlsx"
    write_inputs_workbook(load_inputs(GREEDY), path)
    book = load_workbook(path)
    sheet = book["programs"]
    header = [c.value for c in sheet[1]]
    for column, value in cells.items():
        sheet.cell(row=2, column=header.index(column) + 1, value=value)
    if style is not None:
        settings = book.create_sheet("settings")
        settings.append(["setting", "value"])
        settings.append(["number_style", style])
    book.save(path)
    return path


def test_a_workbook_text_cell_follows_the_same_rule(tmp_path):
    with pytest.raises(InputError, match=r"sheet programs, cell \w+2.*1\.2 with a decimal point"):
        load_inputs(_book(tmp_path, cap_musd="1.200"))


def test_a_workbook_declares_its_style_in_a_settings_sheet(tmp_path):
    inp = load_inputs(_book(tmp_path, "comma", cap_musd="1.200", jobs_per_musd="2,5"))
    assert (program_a(inp).cap_musd, program_a(inp).jobs_per_musd) == (1200.0, 2.5)
    assert inp.number_style == "comma"


@pytest.mark.parametrize("style", [None, "point", "comma"])
def test_a_workbook_number_cell_is_read_exactly_in_every_style(tmp_path, style):
    inp = load_inputs(_book(tmp_path, style, jobs_per_musd=31.875, cap_musd=1.5))
    assert (program_a(inp).jobs_per_musd, program_a(inp).cap_musd) == (31.875, 1.5)


def test_a_workbook_keeps_the_declared_style_when_written_and_read_back(tmp_path):
    style = "setting,value\nnumber_style,comma\n"
    inp = load_inputs(dataset(tmp_path, row_a(cap="1.200"), settings=style))
    write_inputs_workbook(inp, tmp_path / "back.xlsx")
    again = load_inputs(tmp_path / "back.xlsx")
    assert (again.number_style, program_a(again).cap_musd) == ("comma", 1200.0)


# --- 2. the same number written two ways is the same float ---------------------------------------


@pytest.mark.parametrize(
    ("percent", "share"), [("2.57%", "0.0257"), ("0.7%", "0.007"), ("14.3%", "0.143")]
)
def test_a_share_written_as_percent_is_the_same_float(percent, share):
    assert parse_share(percent) == parse_share(share) == float(share)


@pytest.mark.parametrize(
    ("scaled", "plain", "parse"),
    [("3.3B", "3300", parse_money), ("0.7K", "0.0007", parse_money), ("1.1K", "1100", parse_count)],
)
def test_a_scaled_number_is_the_same_float_as_written_out(scaled, plain, parse):
    assert parse(scaled) == parse(plain) == float(plain)


def test_a_dataset_gives_the_same_rows_whichever_way_a_share_is_written(tmp_path):
    header = PROGRAMS.read_text().splitlines()[0] + ",max_annual_share"
    rows = [f"{row_a()},{s}" for s in ("2.57%", "0.0257")]
    a, b = (
        load_inputs(dataset(tmp_path / str(i), programs=f"{header}\n{row}\n"))
        for i, row in enumerate(rows)
    )
    assert program_a(a).max_annual_share == program_a(b).max_annual_share == 0.0257


# --- 3. the message of a number past the limits --------------------------------------------------


@pytest.mark.parametrize(
    ("value", "words"), [(1e300, "is above the maximum"), (1e-70, "is too small to tell from 0")]
)
def test_a_workbook_number_past_the_limits_says_so(tmp_path, value, words):
    with pytest.raises(InputError) as info:
        load_inputs(_book(tmp_path, cap_musd=value))
    assert words in str(info.value)
    assert "characters" not in str(info.value)


# --- 4. names a spreadsheet would run as a formula -----------------------------------------------


@pytest.mark.parametrize("name", ["=HYPERLINK(1)", "+1", "-cmd", "@SUM(A1)"])
def test_a_name_that_starts_like_a_formula_is_refused(tmp_path, name):
    header = PROGRAMS.read_text().splitlines()[0] + ",name"
    programs = f"{header}\n{row_a(name=name)}\n"
    line = check(dataset(tmp_path, programs=programs))
    assert line.startswith("error: programs.csv, row 2, column 'name': ")
    assert "formula" in line


def test_a_link_member_that_starts_like_a_formula_is_refused(tmp_path):
    links = (
        "link,enabler_dimension,enabler,dependent_dimension,dependent,quantity,ratio,source\n"
        "l1,program,=a,program,b,capital,1,x\n"
    )
    line = check(dataset(tmp_path, links=links))  # a member is an identifier (links.py)
    assert line.startswith("error: links.csv, row 2, column 'enabler': '=a'")


def test_a_model_file_name_that_starts_like_a_formula_is_refused():
    inp = load_inputs(GREEDY)
    with pytest.raises(UsageError, match="unknown pool '=cmd'"):
        apply_overrides(inp, [Override(exclude_pool="=cmd")], "m.yaml")


# --- 5. a long name is cut in messages -----------------------------------------------------------


def test_a_long_name_in_an_override_is_cut_in_the_message():
    inp = load_inputs(GREEDY)
    with pytest.raises(UsageError) as info:
        apply_overrides(inp, [Override(exclude_pool="x" * 2_000_000)], "m.yaml")
    message = str(info.value)
    assert len(message) < 400
    assert "'" + "x" * 60 + "...' (2,000,000 characters)" in message


def test_run_json_states_the_declared_number_style(tmp_path):
    folder = dataset(tmp_path, settings="setting,value\nnumber_style,comma\n")
    result = CliRunner().invoke(
        app, ["solve", "--inputs", str(folder), "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 0, result.output
    run = json.loads((tmp_path / "r" / "run.json").read_text())
    assert run["inputs"]["number_style"] == "comma"


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ("setting,value\nnumber_style,comma\n", "numbers: comma style (settings.csv)"),
        (None, "numbers: undeclared (settings.csv gives none"),
    ],
)
def test_the_summary_and_the_report_state_the_number_style(tmp_path, settings, words):
    """Issue 24: the declared style is said in the summary and the report, not only run.json."""
    folder = dataset(tmp_path, settings=settings) if settings else dataset(tmp_path)
    result = CliRunner().invoke(
        app, ["solve", "--inputs", str(folder), "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 0, result.output
    assert words in result.stdout
    assert words in (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
