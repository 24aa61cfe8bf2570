"""A whole-number column (a lag, a year) reads a cell by the one number rule, then requires a
whole value: `2e0` is the lag 2 as `2.0` and `2` are, `25e-1` is refused as not whole, and a
number read two ways is refused as in every other column (hunt 23).

tests/data/lag by hand: program a (10 jobs per US$ million, lag 2 years) and b (5, lag 0), 50
a phase, milestone 2028. With a's lag 2 only the early 50 (2025-2026) is productive in 2028 on
a: 500 + 50 * 5 = 750 jobs; with lag 0 the whole 100 goes to a: 1000 jobs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from allocator.data.inputs import load_inputs
from conftest import DATA, copy_dataset, run_cli

ROW_A = "a,s1,2025,2028,100,2,"


def _lag_dataset(tmp_path: Path, lag: str, settings: str | None = None) -> Path:
    data = copy_dataset(DATA / "lag", tmp_path / "data")
    programs = data / "programs.csv"
    text = programs.read_text(encoding="utf-8")
    assert ROW_A in text
    quoted = f'"{lag}"' if "," in lag else lag
    programs.write_text(text.replace(ROW_A, f"a,s1,2025,2028,100,{quoted},"), encoding="utf-8")
    if settings is not None:
        (data / "settings.csv").write_text(
            f"setting,value,source\nnumber_style,{settings},test\n", encoding="utf-8"
        )
    return data


def _jobs(tmp_path: Path, *args: object) -> float:
    res = run_cli("solve", *args, "--out", tmp_path / "run", "--json")
    assert res.exit_code == 0, res.stderr
    return float(json.loads(res.stdout)["objective"]["value"])


@pytest.mark.parametrize("cell", ["2e0", "2E0", "0.2e1", "200e-2", "+2e0", "2.0"])
def test_a_lag_with_an_exponent_reads_as_its_whole_value(tmp_path, cell):
    data = _lag_dataset(tmp_path, cell)
    lag = next(p.lag_years for p in load_inputs(data).programs if p.program == "a")
    assert lag == 2
    assert type(lag) is int
    assert _jobs(tmp_path, "--inputs", data) == 750.0


def test_a_lag_of_0e0_solves_as_lag_0(tmp_path):
    """The exponent's value is the one used: 0e0 is no lag (1000 jobs), not the lag of 2."""
    assert _jobs(tmp_path, "--inputs", _lag_dataset(tmp_path, "0e0")) == 1000.0


def test_a_lag_set_with_an_exponent_is_its_whole_value(tmp_path):
    data = _lag_dataset(tmp_path, "0")
    assert _jobs(tmp_path, "--inputs", data, "--set", "programs.a.lag_years=2e0") == 750.0


def test_a_year_with_an_exponent_reads_as_its_year(tmp_path):
    data = copy_dataset(DATA / "lag", tmp_path / "data")
    (data / "milestones.csv").write_text("year,source\n2028e0,test\n", encoding="utf-8")
    assert [m.year for m in load_inputs(data).milestones] == [2028]


@pytest.mark.parametrize("cell", ["25e-1", "2.5", "1e-1"])
def test_a_lag_that_is_not_whole_is_refused_naming_the_cell(tmp_path, cell):
    data = _lag_dataset(tmp_path, cell)
    out = tmp_path / "run"
    res = run_cli("solve", "--inputs", data, "--out", out)
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines()[0] == (
        f"error: programs.csv, row 2, column 'lag_years': '{cell}' is not a whole number. "
        "Fix: write a whole number such as 0, 1 or 2"
    )
    assert "Traceback" not in res.stderr
    assert not out.exists()


def test_a_year_that_is_not_whole_is_refused_as_no_year(tmp_path):
    data = copy_dataset(DATA / "lag", tmp_path / "data")
    (data / "milestones.csv").write_text("year,source\n20285e-1,test\n", encoding="utf-8")
    res = run_cli("solve", "--inputs", data, "--out", tmp_path / "run")
    assert res.exit_code == 2
    assert "milestones.csv, row 2, column 'year': '20285e-1' is not a year" in res.stderr


def test_a_lag_too_large_with_an_exponent_names_the_limit(tmp_path):
    data = _lag_dataset(tmp_path, "1e2")
    res = run_cli("solve", "--inputs", data, "--out", tmp_path / "run")
    assert res.exit_code == 2
    assert "column 'lag_years': '1e2' is above the maximum 50" in res.stderr


def test_a_lag_with_an_exponent_read_two_ways_is_refused_undeclared(tmp_path):
    """`1.000e0` is 1 with a decimal point or 1000 with a thousands point: refused, as in a
    money or share column, never taken as either in silence."""
    data = _lag_dataset(tmp_path, "1.000e0")
    res = run_cli("solve", "--inputs", data, "--out", tmp_path / "run")
    assert res.exit_code == 2
    assert "'1.000e0' reads as 1 with a decimal point or 1000" in res.stderr


@pytest.mark.parametrize(("style", "cell"), [("comma", "2,0e0"), ("comma", "20e-1")])
def test_a_lag_with_an_exponent_in_a_declared_style(tmp_path, style, cell):
    data = _lag_dataset(tmp_path, cell, settings=style)
    assert next(p.lag_years for p in load_inputs(data).programs if p.program == "a") == 2


def test_a_lag_in_the_comma_style_with_a_thousands_point_is_its_thousands(tmp_path):
    """Declared comma, `1.000e0` is 1000 (its thousands point), refused as above 50, not 1."""
    data = _lag_dataset(tmp_path, "1.000e0", settings="comma")
    res = run_cli("solve", "--inputs", data, "--out", tmp_path / "run")
    assert res.exit_code == 2
    assert "column 'lag_years': '1.000e0' is above the maximum 50" in res.stderr


def test_a_lag_the_comma_style_cannot_read_is_refused_not_read_with_a_point(tmp_path):
    """Declared comma, `2.0` is no number (its `.` groups thousands): refused, where the row
    model alone would read it as 2 with a decimal point."""
    data = _lag_dataset(tmp_path, "2.0", settings="comma")
    res = run_cli("solve", "--inputs", data, "--out", tmp_path / "run")
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines()[0] == (
        "error: programs.csv, row 2, column 'lag_years': '2.0' is not a whole number in the "
        "dataset's comma style. Fix: write a whole number such as 0, 1 or 2"
    )
