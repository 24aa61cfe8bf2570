"""Fixes of hunt18's findings 5, 6 and 7: the above-target note of outcomes.csv quotes what one
more musd of each paying pool buys (not the budget's dual), `compare` shows what one more unit
of room of a listed limit buys (not its dual), and an infeasible plan's fix names the cell's own
values, each confirmed by `allocator solve --set` of the value it names."""

from __future__ import annotations

import csv
import re
import shutil

import pytest

from conftest import DATA, run_cli


def _rows(path, key: str = "constraint") -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return {row[key]: row for row in csv.DictReader(f)}


def test_the_above_target_note_quotes_what_one_more_musd_buys(baseline_run):
    """aerospace 2040: korea phase3 pays; one more musd of it gives +0.53 jobs (5.3 jobs per musd
    for the first 0.1 musd), as shadow_prices.csv's whole unit and rate up say."""
    korea = _rows(baseline_run / "shadow_prices.csv")["budget(korea,phase3)"]
    with (baseline_run / "outcomes.csv").open(encoding="utf-8", newline="") as f:
        note = next(
            r["note"] for r in csv.DictReader(f) if r["member"] == "aerospace" and r["note"]
        )
    gain, rate = float(korea["gain_of_one_unit_up"]), float(korea["gain_per_unit_up"])
    holds = float(korea["up_holds_for"])
    said = (
        f"korea phase3, one more musd: {gain:+,.4g} jobs ({rate:+,.4g} jobs per musd for the "
        f"first {holds:,.6g} musd"
    )
    assert said in note, note
    assert "shadow price" not in note, note


def test_compare_shows_the_room_each_listed_limit_buys(tmp_path):
    """tests/data/exports, `compare jobs exports`: each shadow-price row shows what the plan's
    solve says one more unit of room buys (`gain_of_one_unit_up` of a `<=` row), and its unit
    says so."""
    data = DATA / "exports"
    solved = {}
    for objective in ("jobs", "exports"):
        out = tmp_path / objective
        done = run_cli("solve", "--inputs", data, "--objective", objective, "--out", out)
        assert done.exit_code == 0, done.stderr
        solved[objective] = _rows(out / "shadow_prices.csv")
    out = tmp_path / "compare"
    done = run_cli("compare", "jobs", "exports", "--inputs", data, "--out", out)
    assert done.exit_code == 0, done.stderr
    with (out / "compare.csv").open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["section"] == "shadow prices"]
    assert rows
    for row in rows:
        assert "one more" in row["unit"], row
        assert "room" in row["unit"], row
        for objective, prices in solved.items():
            price = prices[row["metric"]]
            assert price["sense"] == "<="
            whole = price["gain_of_one_unit_up"]
            if whole == "" and float(price["slack"]) > 0:  # a limit not reached: room buys 0
                assert float(row[objective]) == 0, (objective, row)
            elif row[objective] == "":
                assert whole == "", (objective, row)
            else:
                assert float(row[objective]) == float(whole), row


def _infeasible_fix(tmp_path, data, cell: str):
    """`allocator solve --targets hard` on `data`: the fix's line naming `cell`."""
    done = run_cli("solve", "--inputs", data, "--targets", "hard", "--out", tmp_path / "hard")
    assert done.exit_code == 1, done.stderr
    said = done.stdout + done.stderr
    return next(s for s in said.splitlines() if s.startswith("  - ") and cell in s and "from" in s)


def _solves(tmp_path, data, moved: str) -> bool:
    out = tmp_path / f"set-{moved.rpartition('=')[2]}"
    done = run_cli("solve", "--inputs", data, "--targets", "hard", "--set", moved, "--out", out)
    assert done.exit_code in (0, 1), done.stderr
    return done.exit_code == 0


def test_a_ramps_fix_names_the_share_cell_and_its_values(tmp_path):
    """tests/data/ramp with a jobs target of 950 for s1: program a (10 jobs per musd) must take
    95 musd, and absorbs 30 a year (max_annual_share 0.3 of a cap of 100) in 2025-2027. The fix
    raises one year's limit from 30 to 35 musd: the share cell from 0.3 to 0.35, which solves."""
    data = shutil.copytree(DATA / "ramp", tmp_path / "ramp")
    (data / "targets.csv").write_text(
        "kind,dimension,member,year,value,source\n"
        "jobs,sector,s1,2027,950,fix-fB: a needs 95 musd and absorbs 90\n",
        encoding="utf-8",
    )
    line = _infeasible_fix(tmp_path, data, "column max_annual_share")
    assert "by 5 musd" in line, line
    assert "from 0.3 to 0.35 (programs.csv row 2, column max_annual_share" in line, line
    assert _solves(tmp_path, data, "programs.a.max_annual_share=0.35")


def test_a_markets_fix_names_the_market_cell_and_its_values(tmp_path):
    """tests/data/exports with exports targets of 160 for cat and for the total: the market
    (300 x 50% = 150) must rise by 10 musd, the cell market_musd from 300 to 320, which solves
    (319 does not)."""
    data = shutil.copytree(DATA / "exports", tmp_path / "exports")
    (data / "targets.csv").write_text(
        "kind,dimension,member,year,value,source\n"
        "exports,export_category,cat,2026,160,fix-fB: 10 above the reachable market\n"
        "exports,total,,2026,160,fix-fB: the same exports\n",
        encoding="utf-8",
    )
    line = _infeasible_fix(tmp_path, data, "column market_musd")
    assert "by 10 musd" in line, line
    assert "from 300 to 320 (markets.csv row 2, column market_musd" in line, line
    assert _solves(tmp_path, data, "markets./cat/2026.market_musd=320")
    assert not _solves(tmp_path, data, "markets./cat/2026.market_musd=319")


def test_a_share_targets_fix_is_in_percentage_points_of_the_cell(tmp_path):
    """tests/data/shares under --targets hard: target_pct 90 must become 80 (80.5 does not
    solve), a change of 10 percentage points."""
    data = DATA / "shares"
    line = _infeasible_fix(tmp_path, data, "column target_pct")
    assert re.search(r"by 10 percentage points: from 90 to 80 \(shares\.csv row 2", line), line
    assert _solves(tmp_path, data, "shares.cu/2026.target_pct=80")
    assert not _solves(tmp_path, data, "shares.cu/2026.target_pct=80.5")


@pytest.mark.parametrize(
    ("folder", "conflict", "holds"),
    [
        ("shares", "processing_share(cu,2026)", "which holds 90"),
    ],
)
def test_a_conflicting_row_computed_from_a_cell_names_the_cells_value(
    tmp_path, folder, conflict, holds
):
    """The conflicting set's line of a row whose bound is computed from its cell (a share's
    target less today's share) says what the cell it names holds."""
    done = run_cli(
        "solve", "--inputs", DATA / folder, "--targets", "hard", "--out", tmp_path / "hard"
    )
    assert done.exit_code == 1, done.stderr
    line = next(s for s in done.stderr.splitlines() if s.startswith(f"  - {conflict}:"))
    assert holds in line, line
