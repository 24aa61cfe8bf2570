"""Task w1, item 3: a share cap's sides where one percentage point of max_share is no move the
data takes, or where the value is not linear in max_share, said in words.

tests/data/share_cap: one pool of 200 musd; x (sector s1, 5 jobs a musd, cap 120) and y (s2, 2
jobs a musd, cap 200); s1 at most max_share of all spending. By hand jobs = 400 + 600 max_share
while x is under its cap.

- max_share 0: one point less is a share of -1%, which the data refuses; the line said "one
  less percentage point of max_share: not computed". It now says it cannot be lowered.
- max_share 0.004: 0.4 points are left; the rate holds for them (6 jobs a point, 400 + 600 x
  0.004 = 402.4 jobs, 400 at 0), but a whole point less is no share the data takes.
- y's cap 100: x = y max_share / (1 - max_share), jobs not linear in max_share; no rate at the
  margin is computed, and the words now say why (all spending in the phase moves with it), as
  does the CSV's `one_sided`.
"""

from __future__ import annotations

import shutil

import pytest

from conftest import DATA, constraint_row, run_cli, solved_objective

SHARE = DATA / "share_cap"
ROW = "group_share(sector,s1,all)"
CELL = "groups.sector/s1/all.max_share"


def _with_share(tmp_path, share: str):
    data = tmp_path / f"share{share}"
    shutil.copytree(SHARE, data)
    groups = (data / "groups.csv").read_text(encoding="utf-8")
    (data / "groups.csv").write_text(groups.replace(",0.3,", f",{share},"), encoding="utf-8")
    return data


def _line(ran) -> str:
    (line,) = [s for s in ran.stdout.splitlines() if f"[{ROW}]" in s]
    return line


def test_a_share_cap_at_zero_cannot_be_lowered(tmp_path, solved_run):
    data = _with_share(tmp_path, "0")
    run, ran = solved_run("--inputs", data)
    row = constraint_row(run / "shadow_prices.csv", ROW)
    assert float(row["loss_per_unit_down"]) == 0.0
    assert float(row["down_holds_for"]) == 0.0
    assert row["one_sided"].endswith("down: then at its minimum")
    assert row["loss_of_one_unit_down"] == ""  # a share of -1% is no value the data takes
    # the data refuses that share: no re-solve can give one point less
    refused = run_cli(
        "solve", "--inputs", data, "--set", f"{CELL}=-0.01", "--out", tmp_path / "refused"
    )
    assert refused.exit_code == 2
    line = _line(ran)
    assert "one less percentage point of max_share: cannot be lowered: max_share is already 0" in (
        line
    )
    assert "not computed" not in line
    assert "one more percentage point of max_share: +6 jobs" in line


def test_a_share_cap_under_one_point_says_what_is_left(tmp_path, solved_run):
    data = _with_share(tmp_path, "0.004")
    run, ran = solved_run("--inputs", data)
    row = constraint_row(run / "shadow_prices.csv", ROW)
    assert float(row["loss_per_unit_down"]) == pytest.approx(6)
    assert float(row["down_holds_for"]) == pytest.approx(0.4)
    base = solved_objective(tmp_path / "base", "--inputs", data)
    zero = solved_objective(tmp_path / "zero", "--inputs", data, "--set", f"{CELL}=0")
    assert base - zero == pytest.approx(6 * 0.4)  # what the rate over the 0.4 points says
    line = _line(ran)
    assert (
        "one less percentage point of max_share: less than one is left (-6 jobs per percentage "
        "point for 0.4 percentage points, where its number in the data reaches its minimum)"
    ) in line
    assert "not computed" not in line


def test_a_share_whose_value_is_not_linear_says_why_no_rate(tmp_path, solved_run):
    data = tmp_path / "data"
    shutil.copytree(SHARE, data)
    programs = (data / "programs.csv").read_text(encoding="utf-8")
    (data / "programs.csv").write_text(programs.replace("200,0,2", "100,0,2"), encoding="utf-8")
    run, ran = solved_run("--inputs", data)
    row = constraint_row(run / "shadow_prices.csv", ROW)
    assert row["gain_per_unit_up"] == ""
    assert row["loss_per_unit_down"] == ""
    assert row["one_sided"] == "re-solved; up: not linear; down: not linear"
    # the whole units are the re-solves' (tests/test_fix_n1_share_cap.py checks them): their
    # average over a point differs from the slope at the margin, 500 / 0.7^2 / 100 = 10.2 jobs
    up, down = float(row["gain_of_one_unit_up"]), float(row["loss_of_one_unit_down"])
    assert up == pytest.approx(500 * (0.31 / 0.69 - 0.3 / 0.7))
    assert down == pytest.approx(500 * (0.3 / 0.7 - 0.29 / 0.71))
    line = _line(ran)
    why = (
        "no rate at the margin: the objective (jobs) is not linear in max_share here, as all "
        "spending in the phase moves with it"
    )
    assert f"one more percentage point of max_share: +10.35 jobs ({why})" in line
    assert f"one less percentage point of max_share: -10.06 jobs ({why})" in line


def test_a_cell_at_its_minimum_without_a_whole_unit_says_so():
    """Any row whose cell is at the least value the data takes, with no whole unit less (a
    tranche's from_level at 0), says it cannot be lowered, in the row's own words."""
    import pandas as pd

    from allocator.report.rates import rate_words

    row = pd.Series(
        {
            "gain_per_unit_up": 0.5,
            "up_holds_for": 10.0,
            "loss_per_unit_down": 0.0,
            "down_holds_for": 0.0,
            "holds_for_unit": "jobs",
            "one_sided": "re-solved; down: then at its minimum",
            "gain_of_one_unit_up": 0.5,
            "loss_of_one_unit_down": float("nan"),
            "shortfall_change_up": float("nan"),
            "shortfall_change_down": float("nan"),
        }
    )
    more, less = rate_words(row, "jobs per job")
    assert more == "one more job: +0.5 jobs (+0.5 jobs per job for 10 jobs)"
    assert less == (
        "one less job: cannot be lowered: its number in the data is already at its minimum"
    )
