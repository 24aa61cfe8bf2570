"""Loading: money units, and errors that name file, row and column."""

from __future__ import annotations

import pytest

from allocator.data.inputs import load_inputs
from allocator.data.numbers import parse_count, parse_money, parse_share
from allocator.errors import InputError
from conftest import DATA, copy_dataset


@pytest.mark.parametrize(
    ("cell", "musd"),
    [
        ("3.5B", 3500),
        ("$800M", 800),
        ("1,200,000", 1200000),  # 1,200 alone reads two ways: tests/test_number_style.py
        ("$0.6B", 600),
        ("500K", 0.5),
        ("2.5 bn", 2500),
        ("$1,200.5", 1200.5),
        ("75", 75),
        ("1.5 billion", 1500),
        ("-2B", -2000),
    ],
)
def test_money_units(cell, musd):
    assert parse_money(cell) == pytest.approx(musd)


@pytest.mark.parametrize("cell", ["3.5X", "1.200,5", "75B+", "B", "1,20", "$", "3.5 B B", "12%"])
def test_ambiguous_money_is_an_error(cell):
    with pytest.raises(ValueError, match="not a number"):
        parse_money(cell)


def test_counts_and_shares():
    assert parse_count("12K") == 12000
    assert parse_count("12,000.0") == 12000
    assert parse_share("25%") == pytest.approx(0.25)


@pytest.fixture
def dataset(tmp_path):
    return copy_dataset(DATA / "greedy", tmp_path / "ds")


def _edit(folder, file, old, new):
    path = folder / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("file", "old", "new", "expect"),
    [
        ("programs.csv", "60,0,10", "3.5X,0,10", "programs.csv, row 2, column 'cap_musd'"),
        ("programs.csv", "cap_musd", "cap_mus", "programs.csv, row 1, column 'cap_mus'"),
        ("pools.csv", "120", "-5", "pools.csv, row 2, column 'budget_musd'"),
        ("eligibility.csv", "public,*", "korea,*", "eligibility.csv, row 2, column 'pool'"),
        (
            "programs.csv",
            "2025,2026,100,0,6",
            "2025,2031,100,0,6",
            "programs.csv, row 3, column 'last_year'",
        ),
        ("programs.csv", "c,s2", "b,s2", "programs.csv, row 4, column 'program'"),
        ("programs.csv", "a,s1,2025", "a b,s1,2025", "programs.csv, row 2, column 'program'"),
        (
            "programs.csv",
            "2025,2026,60",
            "2026,2025,60",
            "programs.csv, row 2, column 'first_year'",
        ),
        ("milestones.csv", "2026", "2030", "milestones.csv, row 2, column 'year'"),
    ],
)
def test_bad_cell_names_file_row_and_column(dataset, file, old, new, expect):
    _edit(dataset, file, old, new)
    with pytest.raises(InputError) as err:
        load_inputs(dataset)
    message = str(err.value)
    assert message.startswith(expect)
    assert "Fix:" in message
    assert "\n" not in message


def test_floor_above_cap(dataset):
    _edit(dataset, "programs.csv", "cap_musd,", "cap_musd,floor_musd,")
    text = (dataset / "programs.csv").read_text().splitlines()
    rows = [text[0]] + [line.replace(",0,", ",0,0,", 1) for line in text[1:]]
    rows[1] = rows[1].replace("60,0,0,10", "60,70,0,10")
    (dataset / "programs.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(
        InputError, match=r"programs.csv, row 2, column 'floor_musd'.*above cap_musd"
    ):
        load_inputs(dataset)


def test_missing_file_and_bom_and_crlf(dataset):
    raw = (dataset / "pools.csv").read_text()
    (dataset / "pools.csv").write_bytes(b"\xef\xbb\xbf" + raw.replace("\n", "\r\n").encode())
    assert load_inputs(dataset).pools[0].budget_musd == 120
    (dataset / "phases.csv").unlink()
    with pytest.raises(InputError, match=r"^phases.csv: file is missing"):
        load_inputs(dataset)


def test_semicolons_are_refused_not_misread(dataset):
    (dataset / "pools.csv").write_text("pool;phase;budget_musd;source\npublic;p1;120;x\n")
    with pytest.raises(InputError, match="semicolons"):
        load_inputs(dataset)
