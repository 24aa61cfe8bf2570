"""A group share cap (groups.csv max_share) priced per percentage point of max_share, the cell
`allocator solve --set` moves, not per musd of a row that no cell holds (task n1).

tests/data/share_cap: one pool of 200 musd; x (sector s1, 5 jobs a musd, cap 120 musd) and y
(sector s2, 2 jobs a musd, cap 200 musd); s1 at most max_share 0.3 of all spending. By hand
every musd is spent (x + y = 200), x = 200 max_share, so jobs = 5 x + 2 y = 400 + 600 max_share:
580 at 0.3, +6 jobs a percentage point (the row's dual, 3 jobs a musd, times the 200 musd of
all spending, over 100), up to max_share 0.6 (x at its cap: 30 points more, 760 jobs) and down
to 0 (30 points less, 400 jobs), where the number in the data reaches its minimum.
"""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from conftest import DATA, constraint_row, solved_objective

SHARE = DATA / "share_cap"
ROW = "group_share(sector,s1,all)"
CELL = "groups.sector/s1/all.max_share"


def _objective(tmp_path, name, *args) -> float:
    return solved_objective(tmp_path / name, *args)


def _at(tmp_path, share: float, inputs=SHARE) -> float:
    return _objective(tmp_path, f"s{share}", "--inputs", inputs, "--set", f"{CELL}={share:.10g}")


@pytest.fixture(scope="module")
def share_run(solved_run):
    return solved_run("--inputs", SHARE)


def test_the_share_caps_rates_are_per_percentage_point_as_resolves_give_them(share_run, tmp_path):
    """Both one-sided rates, their ranges and whole units are the re-solves' at max_share moved
    by the stated amounts (delta 0.01 = one percentage point, and the ends 0.6 and 0)."""
    run, _ = share_run
    said = constraint_row(run / "shadow_prices.csv", ROW)
    base = json.loads((run / "run.json").read_text(encoding="utf-8"))["objective"]["value"]
    assert base == pytest.approx(580)
    assert float(said["shadow_price"]) == pytest.approx(3)  # Excel's: per musd of the row
    assert said["holds_for_unit"] == "percentage points"
    up, down = float(said["gain_per_unit_up"]), float(said["loss_per_unit_down"])
    up_for, down_for = float(said["up_holds_for"]), float(said["down_holds_for"])
    assert (up, up_for, down, down_for) == pytest.approx((6, 30, 6, 30))
    delta = 0.01
    more, less = _at(tmp_path, 0.3 + delta), _at(tmp_path, 0.3 - delta)
    assert up == pytest.approx((more - base) / (delta * 100))
    assert down == pytest.approx((base - less) / (delta * 100))
    assert float(said["gain_of_one_unit_up"]) == pytest.approx(more - base)
    assert float(said["loss_of_one_unit_down"]) == pytest.approx(base - less)
    # how far each holds: to 0.6 on the rate, past it nothing more; down to 0, the least share
    top, past, zero = _at(tmp_path, 0.6), _at(tmp_path, 0.61), _at(tmp_path, 0.0)
    assert top - base == pytest.approx(up * up_for)
    assert past == pytest.approx(top)
    assert base - zero == pytest.approx(down * down_for)
    assert said["one_sided"] == "re-solved; down: then at its minimum"
    with open(run / "sensitivity.csv", newline="", encoding="utf-8") as handle:
        sens = [r for r in csv.DictReader(handle) if r["name"] == ROW]
    assert [float(r["gain_per_unit_up"]) for r in sens] == pytest.approx([up])


def test_the_terminal_says_one_percentage_point_of_max_share(share_run):
    _, ran = share_run
    (line,) = [s for s in ran.stdout.splitlines() if ROW in s]
    assert "one more percentage point of max_share: +6 jobs" in line
    assert "one less percentage point of max_share: -6 jobs" in line
    assert "per musd" not in line
    assert "30 percentage points, where its number in the data reaches its minimum" in line


def test_a_share_whose_total_moves_with_it_lists_the_resolved_whole_unit(tmp_path):
    """s1's share of spending where the rest is bounded: y's cap 100 musd, so x = y max_share /
    (1 - max_share) and jobs = 2 y + 5 x are not linear in max_share (200 + 500 x 0.3 / 0.7 =
    414.29 at 0.3). The whole units are the re-solves' at 0.31 and 0.29; no rate at the margin
    is said to hold for an amount that a re-solve does not confirm."""
    data = tmp_path / "data"
    shutil.copytree(SHARE, data)
    programs = (data / "programs.csv").read_text(encoding="utf-8")
    (data / "programs.csv").write_text(programs.replace("200,0,2", "100,0,2"), encoding="utf-8")
    base = _objective(tmp_path, "base", "--inputs", data)
    assert base == pytest.approx(200 + 500 * 0.3 / 0.7)
    said = constraint_row(tmp_path / "base" / "shadow_prices.csv", ROW)
    more, less = _at(tmp_path, 0.31, data), _at(tmp_path, 0.29, data)
    assert float(said["gain_of_one_unit_up"]) == pytest.approx(more - base)
    assert float(said["loss_of_one_unit_down"]) == pytest.approx(base - less)
    for rate, holds, sign in (
        ("gain_per_unit_up", "up_holds_for", 1),
        ("loss_per_unit_down", "down_holds_for", -1),
    ):
        if said[rate] and float(said[holds]) > 0:
            t = float(said[holds])
            moved = _at(tmp_path, 0.3 + sign * t / 100, data)
            assert sign * (moved - base) == pytest.approx(float(said[rate]) * t, rel=1e-7)
