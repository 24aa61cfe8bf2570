"""A number the point and comma styles read differently, in a dataset that declares no style, is
refused naming its two values as the cell means them: exponent, scale and percent sign included,
in the column's unit, written so that the column takes them (hunt22's finding). Where the column
refuses one reading, the refusal says which and why, and the fix offers the other alone. Every
path that reads such a number says so: a cell, `--set`, replan's actuals and approved plan, and
`--max-change`. Readings are by hand; "followed" checks re-run the command with the fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from allocator.data import numbers
from conftest import DATA, copy_dataset, run_cli

FIX = re.compile(r"Fix: write (\S+) or ([^\s,]+)")


def _offered(fix: str) -> tuple[str, ...]:
    """The two texts a fix `write A or B, ...` offers."""
    found = re.match(r"write (\S+) or ([^\s,]+)", fix)
    assert found is not None, fix
    return found.groups()


@pytest.mark.parametrize(
    ("parse", "text", "said", "readings"),
    [
        # 4.5 x 10 or 4500 x 10, in US$ million
        ("parse_money", "4.500e1", "45 with a decimal point or 45000 with a thousands", (45, 45e3)),
        # 1.5 or 1,500 billion US$: 1500 or 1,500,000 US$ million
        ("parse_money", "1.500B", "1500 with a decimal point or 1500000", (1500, 1.5e6)),
        ("parse_money", "-$2,500M", "-2500 with a thousands comma or -2.5 with a", (-2500, -2.5)),
        # 12.345 reads two ways itself: the fix writes it 12.3450
        ("parse_money", "12,345", "12345 with a thousands comma or 12.345", (12345, 12.345)),
        ("parse_count", "1.500K", "1500 with a decimal point or 1500000", (1500, 1.5e6)),
        # 16.667% or 16,667%: the shares -0.16667 and -166.67, written as the cell was (a percent)
        ("parse_share", "-16.667%", "a share of -0.16667 or -166.67", (-0.16667, -166.67)),
        ("parse_share", "2.500", "2.5 with a decimal point or 2500", (2.5, 2500)),
        ("parse_percent", "40.000%", "40% with a decimal point or 40000%", (40, 40e3)),
        # a plain percent of 1 would be refused as 1 % or a share: the fix writes 1%
        ("parse_percent", "1.000", "1% with a decimal point or 1000 with a", (1, 1000)),
    ],
)
def test_the_refusal_names_the_two_values_the_cell_means(parse, text, said, readings):
    reader = getattr(numbers, parse)
    with pytest.raises(numbers.NumberError) as refused:
        reader(text)
    assert str(refused.value).startswith(f"'{text}' reads as "), refused.value
    assert said in str(refused.value)
    offered = _offered(refused.value.fix)
    assert tuple(reader(t) for t in offered) == pytest.approx(readings)  # undeclared: read once
    if readings[0] > 1 or parse != "parse_percent":  # else refused as 1 % or a share of 1
        with numbers.number_style("point"):
            assert reader(text) == pytest.approx(readings[0])  # the first is the point style's
    with numbers.number_style("comma"):
        assert reader(text) == pytest.approx(readings[1])


def _set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Write `value` into data row `row` (from 0) of column `column` of the CSV at `path`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[row + 1].split(",")
    cells[header.index(column)] = f'"{value}"' if "," in value else value
    lines[row + 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _one_line(res) -> str:
    assert res.exit_code == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


def test_a_cell_whose_other_reading_the_column_refuses_says_so_and_the_fix_loads(tmp_path):
    """markets.csv max_share '50.000%': 50% (0.5) or 50000% (500, no share). The fix offers
    50% or 0.5; each loads and solves to the bytes of the dataset as shipped (50%)."""
    folder = copy_dataset(DATA / "exports", tmp_path / "data")
    _set_cell(folder / "markets.csv", 0, "max_share", "50.000%")
    line = _one_line(run_cli("check", "--inputs", folder))
    assert "markets.csv, row 2, column 'max_share': '50.000%' reads as 50%" in line
    assert "'50000%' is not a share between 0 and 1, so that reading is refused" in line
    offered = FIX.search(line).groups()
    assert offered == ("50%", "0.5")
    shipped = run_cli("solve", "--inputs", DATA / "exports", "--out", tmp_path / "shipped")
    assert shipped.exit_code == 0, shipped.stderr
    for n, text in enumerate(offered):
        _set_cell(folder / "markets.csv", 0, "max_share", text)
        res = run_cli("solve", "--inputs", folder, "--out", tmp_path / f"r{n}")
        assert res.exit_code == 0, res.stderr
        same = (tmp_path / f"r{n}" / "allocation.csv").read_bytes()
        assert same == (tmp_path / "shipped" / "allocation.csv").read_bytes()


def test_a_cell_no_reading_of_which_the_column_takes_says_both_are_refused(tmp_path):
    folder = copy_dataset(DATA / "exports", tmp_path / "data")
    _set_cell(folder / "markets.csv", 0, "max_share", "1.500")
    line = _one_line(run_cli("check", "--inputs", folder))
    assert "'1.500' reads as 1.5 with a decimal point or 1500 with a thousands point" in line
    assert "neither reading is taken: '1.5' is not a share" in line
    assert "declare the dataset's number style" not in line  # no style reads it as a share


@pytest.mark.parametrize(
    ("cell", "words", "offered"),
    [
        (
            "programs.a.cap_musd=6.000e1",
            "'6.000e1' reads as 60 with a decimal point or 60000 with a thousands point, in US$",
            ("60", "60000"),
        ),
        (
            "programs.a.lag_years=1.000",
            "'1000' is above the maximum 50, so that reading is refused",
            ("1", None),
        ),
    ],
)
def test_a_set_names_the_readings_as_a_cell_does(tmp_path, cell, words, offered):
    res = run_cli("solve", "--inputs", DATA / "greedy", "--set", cell, "--out", tmp_path / "r")
    line = _one_line(res)
    assert words in line
    if offered[1] is None:
        assert f"Fix: write {offered[0]}, the one reading lag_years takes" in line
    else:
        assert FIX.search(line).groups() == offered
    assert not (tmp_path / "r").exists()


def test_replan_actuals_name_the_readings_and_the_fix_replans_as_written(replan_approved, tmp_path):
    """actuals.csv's 35 written 3.500e1: 35 or 35000 US$ million; 35 replans to the bytes of
    the shipped actuals."""
    actuals = tmp_path / "act.csv"
    text = (DATA / "replan" / "actuals.csv").read_text(encoding="utf-8")
    assert ",2025,35\n" in text
    actuals.write_text(text.replace(",2025,35\n", ",2025,3.500e1\n"), encoding="utf-8")
    args = ("replan", replan_approved, "--actuals", actuals, "--as-of", 2026, "--out")
    line = _one_line(run_cli(*args, tmp_path / "bad"))
    assert "act.csv, row 2, column 'spent_musd': '3.500e1' reads as 35 with a decimal" in line
    offered = FIX.search(line).groups()
    assert offered == ("35", "35000")
    actuals.write_text(text.replace(",2025,35\n", f",2025,{offered[0]}\n"), encoding="utf-8")
    assert run_cli(*args, tmp_path / "fixed").exit_code == 0
    shipped = (*args[:2], "--actuals", DATA / "replan" / "actuals.csv", *args[4:])
    assert run_cli(*shipped, tmp_path / "shipped").exit_code == 0
    for name in ("allocation.csv", "replan.csv"):
        assert (tmp_path / "fixed" / name).read_bytes() == (
            tmp_path / "shipped" / name
        ).read_bytes()


def test_an_edited_approved_plan_names_the_readings(replan_approved, tmp_path):
    import shutil

    copy = tmp_path / "approved"
    shutil.copytree(replan_approved, copy)
    plan = copy / "allocation.csv"
    text = plan.read_text(encoding="utf-8")
    assert ",phase3,80\n" in text
    plan.write_text(text.replace(",phase3,80\n", ",phase3,8.000e1\n"), encoding="utf-8")
    res = run_cli("replan", copy, "--actuals", DATA / "replan" / "actuals.csv", "--as-of", 2026,
                  "--out", tmp_path / "re")  # fmt: skip
    line = _one_line(res)
    assert "'8.000e1' reads as 80 with a decimal point or 80000 with a thousands point" in line
    assert FIX.search(line).groups() == ("80", "80000")


@pytest.mark.parametrize(
    ("limit", "words"),
    [
        ("10.000%", "10% with a decimal point or 10000% with a thousands point (a share of 0.1"),
        ("1.500B", "1500 with a decimal point or 1500000 with a thousands point, in US$ million"),
    ],
)
def test_max_change_names_the_readings(replan_approved, tmp_path, limit, words):
    actuals = DATA / "replan" / "actuals.csv"
    res = run_cli("replan", replan_approved, "--actuals", actuals, "--as-of", 2026,
                  "--max-change", limit, "--out", tmp_path / "re")  # fmt: skip
    line = _one_line(res)
    assert f"--max-change '{limit}': '{limit}' reads as {words}" in line


def test_a_relative_bound_keeps_its_sign_and_percent(tmp_path):
    """uncertainty.csv's `+12.500%` (a change of the cell's value): +12.5% or +12500%; the fix
    said 12.5 or 12500, which read as values in the cell's unit, not as changes."""
    folder = copy_dataset(DATA / "sweep", tmp_path / "data")
    path = folder / "uncertainty.csv"
    text = path.read_text(encoding="utf-8")
    assert ",-50%,+100%," in text
    path.write_text(text.replace(",-50%,+100%,", ",-50%,+12.500%,"), encoding="utf-8")
    line = _one_line(run_cli("check", "--inputs", folder))
    assert "'+12.500%' reads as +12.5% with a decimal point or +12500% with a thousands" in line
    offered = FIX.search(line).groups()
    assert offered == ("+12.5%", "+12500%")
    path.write_text(text.replace(",-50%,+100%,", f",-50%,{offered[0]},"), encoding="utf-8")
    assert run_cli("check", "--inputs", folder).exit_code == 0
