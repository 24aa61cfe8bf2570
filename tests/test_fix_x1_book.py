"""An exported workbook's data validation is the reader's rule (hunt 23): a base year from 1900
to the first milestone, a phase's years within a year's limits (the phases make the horizon),
max_annual_share above 0, and lists that run as far as the rows their sheet offers for adding
entries. Each edge of a rule is checked against the reader itself (`load_inputs`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from allocator.data.inputs import load_inputs
from allocator.data.rows import MIN_MAGNITUDE
from allocator.errors import InputError
from conftest import BASELINE, DATA, exported_book, header_column, validation_at


def _loads(data: Path) -> bool:
    try:
        load_inputs(data)
    except InputError:
        return False
    return True


def _with_cell(tmp_path: Path, src: Path, file: str, old: str, new: str) -> Path:
    data = tmp_path / f"data{len(list(tmp_path.iterdir()))}"
    shutil.copytree(src, data)
    text = (data / file).read_text(encoding="utf-8")
    assert old in text
    (data / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    return data


def test_a_base_years_validation_is_the_readers_rule(tmp_path):
    """tests/data/base_levels: plan 2025-2026, first milestone 2026. The reader takes a base
    counted in 1900 or 2026 and refuses 1899 and 2027; the workbook's rule is 1900..2026."""
    src = DATA / "base_levels"
    base = exported_book(tmp_path, src)["base"]
    rule = validation_at(base, 2, header_column(base, "year"))
    low, high = int(rule.formula1), int(rule.formula2)
    assert (low, high) == (1900, 2026)
    for year, taken in ((low, True), (high, True), (low - 1, False), (high + 1, False)):
        data = _with_cell(tmp_path, src, "base.csv", "s1,2025,", f"s1,{year},")
        assert _loads(data) is taken, year
    assert rule.errorStyle in (None, "stop")


def test_a_phases_years_take_a_phase_added_after_the_horizon(tmp_path):
    """The phases make the horizon: a planner who adds phase p2 2027-2028 in the phases sheet
    extends it (the reader takes it); the validation allows a year's limits, 1900..2200."""
    src = DATA / "base_levels"
    phases = exported_book(tmp_path, src)["phases"]
    for name in ("first_year", "last_year"):
        rule = validation_at(phases, 3, header_column(phases, name))  # the first row added
        assert (int(rule.formula1), int(rule.formula2)) == (1900, 2200)
    data = _with_cell(
        tmp_path,
        src,
        "phases.csv",
        "p1,2025,2026,hand-solved test case\n",
        "p1,2025,2026,hand-solved test case\np2,2027,2028,extension\n",
    )
    assert load_inputs(data).years[-1] == 2028


def test_the_other_years_keep_the_horizon(tmp_path):
    """A program's window must lie in the horizon (the reader refuses 2027 in base_levels)."""
    src = DATA / "base_levels"
    programs = exported_book(tmp_path, src)["programs"]
    rule = validation_at(programs, 2, header_column(programs, "last_year"))
    assert (int(rule.formula1), int(rule.formula2)) == (2025, 2026)
    data = _with_cell(tmp_path, src, "programs.csv", "a,s1,2025,2026,", "a,s1,2025,2027,")
    assert not _loads(data)


def test_max_annual_shares_validation_refuses_0_as_the_reader_does(tmp_path):
    src = DATA / "ramp"
    programs = exported_book(tmp_path, src)["programs"]
    rule = validation_at(programs, 2, header_column(programs, "max_annual_share"))
    assert rule.type == "decimal"
    assert rule.operator in (None, "between")
    assert (float(rule.formula1), float(rule.formula2)) == (MIN_MAGNITUDE, 1.0)
    assert "0 is refused" in rule.error
    header = (src / "programs.csv").read_text(encoding="utf-8").splitlines()
    at = header[0].split(",").index("max_annual_share")
    cells = header[1].split(",")
    for share, taken in (("0", False), (f"{MIN_MAGNITUDE:g}", True), ("1", True)):
        row = ",".join(cells[:at] + [share] + cells[at + 1 :])
        data = _with_cell(tmp_path, src, "programs.csv", header[1], row)
        assert _loads(data) is taken, share


def test_other_shares_take_0_as_the_reader_does(tmp_path):
    """A market's max_share of 0 is read (no exports to that market): its rule starts at 0."""
    wb = exported_book(tmp_path, BASELINE)
    markets = wb["markets"]
    rule = validation_at(markets, 2, header_column(markets, "max_share"))
    assert (float(rule.formula1), float(rule.formula2)) == (0.0, 1.0)
    lines = (BASELINE / "markets.csv").read_text(encoding="utf-8").splitlines()
    at = lines[0].split(",").index("max_share")
    cells = lines[1].split(",")
    row = ",".join(cells[:at] + ["0"] + cells[at + 1 :])
    assert _loads(_with_cell(tmp_path, BASELINE, "markets.csv", lines[1], row))


@pytest.mark.parametrize(("sheet", "column", "source"), [("markets", "program", "programs")])
def test_a_list_runs_to_its_sheets_last_validated_row(tmp_path, sheet, column, source):
    """The baseline's programs sheet has rows 2-34 and validated rows to 535: markets' program
    list runs to programs!$A$535, so a program added in row 35 (or 535) is one of the list."""
    wb = exported_book(tmp_path, BASELINE)
    rule = validation_at(wb[sheet], 2, header_column(wb[sheet], column))
    assert rule.formula1 == f"{source}!$A$2:$A$535"
    own = max(r.max_row for v in wb[source].data_validations.dataValidation for r in v.sqref.ranges)
    assert own == 535
    assert wb[source].max_row == 34
