"""Task w2, item 1: `--max-change` read two ways names both readings in its fix, as the option
takes them (`10%` or `10000%`, `1500musd` or `1500000musd`), as every other refusal of a number
read two ways does (before: "write a share such as 10% or an amount such as 50musd", which
ignored the readings); and an option's fix never tells to declare the dataset's number style,
which options are not read in (they take the decimal point whatever the style). Each fix
followed: the command runs."""

from __future__ import annotations

import re

import pytest

from allocator.errors import UsageError
from allocator.runs.optiontext import number_of, rate_given
from allocator.studies.replan import churn_of
from conftest import DATA, run_cli

FIX = re.compile(r"Fix: write (\S+) or ([^\s,]+?)[,.]? ")
DECLARE = "declare the dataset's number style"


def _refused(call) -> str:
    with pytest.raises(UsageError) as caught:
        call()
    line = str(caught.value)
    assert "\n" not in line
    return line


@pytest.mark.parametrize(
    ("limit", "offered", "value"),
    [
        ("10.000%", ("10%", "10000%"), ("share", 0.1)),
        ("1.500B", ("1500musd", "1500000musd"), ("musd", 1500.0)),
        ("1,500m", ("1500musd", "1.5musd"), ("musd", 1500.0)),
        ("12.500%", ("12.5%", "12500%"), ("share", 0.125)),
    ],
)
def test_max_change_fix_offers_both_readings_as_the_option_takes_them(limit, offered, value):
    line = _refused(lambda: churn_of(limit))
    assert line.startswith(f"--max-change '{limit}': '{limit}' reads as "), line
    assert FIX.search(line + " ").groups() == offered, line
    assert DECLARE not in line, line
    churn = churn_of(offered[0])  # the first reading, written as offered, is taken as it
    assert churn is not None
    kind, number = value
    assert getattr(churn, kind) == pytest.approx(number, rel=1e-15)


def test_the_offered_limit_replans(replan_approved, tmp_path):
    args = (
        "replan",
        replan_approved,
        "--actuals",
        DATA / "replan" / "actuals.csv",
        "--as-of",
        2026,
    )
    res = run_cli(*args, "--max-change", "10.000%", "--out", tmp_path / "bad")
    assert res.exit_code == 2, res.stderr
    (line,) = res.stderr.strip().splitlines()
    first = FIX.search(line + " ").group(1)
    assert not (tmp_path / "bad").exists()
    assert run_cli(*args, "--max-change", first, "--out", tmp_path / "ok").exit_code == 0


@pytest.mark.parametrize(
    ("call", "offered"),
    [
        (lambda: number_of("--slack", "1.500%"), ("1.5%", "1500%")),
        (lambda: number_of("--cvar-cap", "1,500", "count", "20000"), ("1500", "1.5")),
        (lambda: rate_given("1.500%", "--discount-rate"), ("1.5%", "1500%")),
    ],
)
def test_other_options_read_two_ways_do_not_tell_to_declare_a_style(call, offered):
    line = _refused(call)
    assert FIX.search(line + " ").groups() == offered, line
    assert DECLARE not in line, line
