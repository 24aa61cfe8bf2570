"""Findings of hunt21: numbers a planner cannot quote, each checked by an independent re-solve
(`allocator solve --set` of the very cell a number is about, or highspy on the LP a run wrote)
or by hand. Each test is a strict xfail that fails today for the reason it names; drop the mark
with the fix."""

from __future__ import annotations

import csv
import json

import pytest

from conftest import DATA, copy_dataset, run_cli


def _rows(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _row(path, constraint: str) -> dict[str, str]:
    (row,) = [r for r in _rows(path) if r["constraint"] == constraint]
    return row


def _solve_json(tmp_path, name, *args) -> dict:
    out = tmp_path / name
    res = run_cli("solve", *args, "--json", "--out", out)
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)


def test_one_more_musd_of_an_export_market_is_what_solve_on_the_moved_market_gives(tmp_path):
    """tests/data/exports: markets.csv holds cat's market_musd 300 at max_share 50% (150
    reachable); x (2 musd of exports per musd) and y (1) share a budget of 100. The terminal
    heads its list "what one more unit of a limit buys ... as `allocator solve` on the data
    moved by that unit gives it" and says of `export_market(export_category,cat,2026)` "one
    more musd: +1 musd of exports". By hand, a market of 301 reaches 150.5: +0.5 musd of
    exports, which `allocator solve --set markets./cat/2026.market_musd=301` gives too. (On the
    baseline, `export_market(program,aerospace_components,2040)` is said to buy +1 musd of
    exports a musd while markets.csv's aerospace market at max_share 0.2 buys +0.2.)"""
    args = ("--inputs", DATA / "exports", "--objective", "exports")
    before = _solve_json(tmp_path, "base", *args)
    said = _row(tmp_path / "base" / "shadow_prices.csv", "export_market(export_category,cat,2026)")
    moved = _solve_json(tmp_path, "moved", *args, "--set", "markets./cat/2026.market_musd=301")
    change = moved["objective"]["value"] - before["objective"]["value"]
    assert change == pytest.approx(0.5, abs=1e-9)  # by hand: 301 x 50% - 300 x 50%
    assert float(said["gain_of_one_unit_up"]) == pytest.approx(change, abs=1e-9)


def _short_target(tmp_path):
    """tests/data/base_levels with s2's jobs target raised to 1,000: s2 reaches at most 300
    existing + 100 musd x 4 = 700 jobs, so the target is short by 300 jobs, a weighted
    shortfall of 300 / 1,000 = 0.3 (targets.csv: an empty weight is 1/value)."""
    data = copy_dataset(DATA / "base_levels", tmp_path / "data")
    (data / "targets.csv").write_text(
        "kind,dimension,member,year,value,source\njobs,sector,s2,2026,1000,test\n",
        encoding="utf-8",
    )
    return data


def test_a_targets_one_unit_shortfall_change_is_what_solve_on_the_moved_target_gives(tmp_path):
    """shadow_prices.csv's `shortfall_change_up` is how the least weighted shortfall changes
    when the row moves one unit, "as `allocator solve` on the data moved by that unit gives it".
    A target of 1,001 jobs with 700 reachable is short by 301 jobs at weight 1/1,001: 0.3007,
    up 0.000699 from 0.3 (by hand; `--set targets.jobs/sector/s2/2026.value=1001` gives it).
    The CSV says +0.001, the row moved with its weight held at 1/1,000."""
    data = _short_target(tmp_path)
    before = _solve_json(tmp_path, "base", "--inputs", data)
    said = _row(tmp_path / "base" / "shadow_prices.csv", "target(jobs,sector,s2,2026)")
    cell = "targets.jobs/sector/s2/2026.value=1001"
    moved = _solve_json(tmp_path, "moved", "--inputs", data, "--set", cell)
    key = "least_weighted_target_shortfall"
    change = moved["outcomes"][key] - before["outcomes"][key]
    assert change == pytest.approx(301 / 1001 - 300 / 1000, abs=1e-9)
    assert float(said["shortfall_change_up"]) == pytest.approx(change, abs=1e-9)


def test_a_processing_shares_shortfall_change_is_what_solve_on_the_moved_target_gives(tmp_path):
    """tests/data/shares: copper's share reaches 80% against a 90% target (short by 10 points,
    weight 1/90: 0.1111). A target of 89% is short by 9 points at weight 1/89: 0.10112, down
    0.00999 (by hand; `--set shares.cu/2026.target_pct=89` gives it). shadow_prices.csv's
    `shortfall_change_down` of `processing_share(cu,2026)` says -0.01111 (9/90 - 10/90)."""
    args = ("--inputs", DATA / "shares")
    before = _solve_json(tmp_path, "base", *args)
    said = _row(tmp_path / "base" / "shadow_prices.csv", "processing_share(cu,2026)")
    moved = _solve_json(tmp_path, "moved", *args, "--set", "shares.cu/2026.target_pct=89")
    key = "least_weighted_target_shortfall"
    change = moved["outcomes"][key] - before["outcomes"][key]
    assert change == pytest.approx(9 / 89 - 10 / 90, abs=1e-9)
    assert float(said["shortfall_change_down"]) == pytest.approx(change, abs=1e-9)


def test_jobs_that_exist_above_a_tranche_level_are_not_diminished_by_new_money(tmp_path):
    """tests/data/tranches: past 800 jobs of s1 each further job that money would create counts
    at 0.2 (inputs/README.md, tranches.csv); a makes 10 jobs per musd in s1, b 4 in s2, budget
    160, caps 100. With s1's base set to 1,000 jobs (already past 800: `--set
    base.jobs/sector/s1.value=1000`, taken without a word), money buys 10 x 0.2 = 2 jobs a musd
    in s1 and 4 in s2: b gets 100, a 60 (the plan solve writes). By hand s1 reaches 1,000
    existing + 60 x 10 x 0.2 = 120 new = 1,120 jobs, and the plan 1,520. outcomes.csv says s1
    reaches 960 jobs, 1,000 existing and -40 new (the existing jobs past 800 cut to a fifth),
    and the terminal "1,360 direct jobs (1,000 existing + 360 new)"."""
    out = tmp_path / "run"
    args = ("--inputs", DATA / "tranches", "--set", "base.jobs/sector/s1.value=1000")
    res = run_cli("solve", *args, "--out", out)
    assert res.exit_code == 0, res.stderr
    plan = {r["program"]: float(r["invest_musd"]) for r in _rows(out / "allocation.csv")}
    assert plan == pytest.approx({"a": 60.0, "b": 100.0})
    (s1,) = [r for r in _rows(out / "outcomes.csv") if r["member"] == "s1"]
    assert float(s1["jobs_base"]) == 1000
    assert (float(s1["jobs_new"]), float(s1["jobs"])) == pytest.approx((120.0, 1120.0))


def _table_after(page: str, heading: str) -> str:
    """The first table after `heading` in a report page, as its HTML."""
    at = page.index(heading)
    return page[at : page.index("</table>", at)]


def test_the_reports_exports_targets_say_what_existed_before_the_plan(tmp_path):
    """tests/data/exports with 100 musd a year of cat's exports existing (base.csv) and a target
    of 200 for cat in 2026: the plan reaches 150, of which 100 existed (outcomes.csv:
    exports_base_musd 100, exports_new_musd 50). report.html's "Jobs targets" table shows
    jobs_base and jobs_new beside each target; its "Exports targets" table shows the 150 alone,
    so a reader cannot tell that the plan itself added 50 of the 150 toward the 200."""
    data = copy_dataset(DATA / "exports", tmp_path / "data")
    (data / "base.csv").write_text(
        "kind,dimension,member,year,value,source\n"
        "exports,export_category,cat,2025,100,test\njobs,sector,s1,2025,50,test\n",
        encoding="utf-8",
    )
    (data / "targets.csv").write_text(
        "kind,dimension,member,year,value,source\n"
        "exports,export_category,cat,2026,200,test\njobs,sector,s1,2026,400,test\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    res = run_cli("solve", "--inputs", data, "--objective", "exports", "--out", out)
    assert res.exit_code == 0, res.stderr
    (cat,) = [r for r in _rows(out / "outcomes.csv") if r["member"] == "cat"]
    assert (cat["exports_base_musd"], cat["exports_new_musd"]) == ("100", "50")
    page = (out / "report.html").read_text(encoding="utf-8")
    jobs = _table_after(page, "<h3>Jobs targets")
    assert ">jobs_base<" in jobs
    assert ">jobs_new<" in jobs
    exports = _table_after(page, "<h3>Exports targets")
    assert ">exports_base_musd<" in exports
    assert ">exports_new_musd<" in exports


def test_check_calls_parts_that_add_up_exactly_exact():
    """facts.csv: korea_private_investment, 8B musd, the same quantity as pools.csv's korea
    budgets 2,181.8 + 3,636.4 + 2,181.8, which add up to 8,000 exactly (by hand, in the decimals
    the cells are written in). `allocator check` prints "stated 8,000 musd, the same quantity is
    stated as 8,000 musd: a gap of -9.095e-13 musd (-0.00%), within the tolerance of 0.5%", a
    gap no document has and no planner can quote (float addition left to right: 8000.000000000001;
    `math.fsum` gives 8000.0)."""
    res = run_cli("check")
    assert res.exit_code == 0, res.stderr
    (line,) = [ln for ln in res.stdout.splitlines() if "korea_private_investment" in ln]
    assert line.strip() == "= korea_private_investment: 8,000 musd, exactly"


def test_the_frontiers_rate_at_a_kink_is_what_one_more_unit_of_x_costs(tmp_path):
    """docs/workflow.md: frontier.csv's `rate` is "the change of y per unit more x". Four
    programs share 100 musd: x (cap 30) 1 job and 2 musd of exports per musd, y (50) 3 and 1, z
    (50) 2 and 1.8, w (100) 0.5 and 1.5. By hand the most jobs with exports >= e: 250 at 140
    (y, z full), then y's money moves to x (-2 jobs per musd of exports) until x is full at 170
    (190 jobs), then to w (-5): 185 jobs at 171, 140 at 180, the most exports. (highspy on the
    same LP: 192, 190, 185 jobs at 169, 170, 171.) The frontier's point at 170 says -2."""
    data = copy_dataset(DATA / "exports", tmp_path / "data")
    (data / "markets.csv").unlink()
    (data / "programs.csv").write_text(
        "program,sector,export_category,first_year,last_year,cap_musd,lag_years,"
        "jobs_per_musd,exports_per_musd,source\n"
        "x,s1,cat,2025,2026,30,0,1,2,t\ny,s2,cat,2025,2026,50,0,3,1,t\n"
        "z,s3,cat,2025,2026,50,0,2,1.8,t\nw,s4,cat,2025,2026,100,0,0.5,1.5,t\n",
        encoding="utf-8",
    )
    out = tmp_path / "frontier"
    res = run_cli("frontier", "--inputs", data, "--points", "5", "--out", out)
    assert res.exit_code == 0, res.stderr
    points = {round(float(r["x_value"]), 6): r for r in _rows(out / "frontier.csv")}
    assert sorted(points) == [140, 150, 160, 170, 180]
    at = points[170]
    assert float(at["y_value"]) == pytest.approx(190)
    assert float(at["rate"]) == pytest.approx(185 - 190)  # 171 musd of exports: 185 jobs


def test_a_share_cap_of_one_raises_no_numerics_warning(tmp_path):
    """groups.csv's max_share is a share from 0 to 1 (inputs/README.md); 1 lets a pool pay for
    everything. The row is partner - max_share x (partner + public) <= 0, whose coefficients
    are 1 - 1 = 0 (partner's programs, nothing to store) and -1 (public's): by hand they span 1
    to 1. Today solve prints "warning: matrix coefficients span 0 to 1 (ratio inf)" and numpy's
    "RuntimeWarning: divide by zero" on stderr. The plan itself is right: all 160 musd, 100 to a
    (10 jobs a musd) and 60 to b (4): 1,240 jobs."""
    data = copy_dataset(DATA / "base_levels", tmp_path / "data")
    (data / "base.csv").unlink()
    (data / "targets.csv").unlink()
    (data / "eligibility.csv").write_text(
        "pool,program,source\npublic,*,t\npartner,a,t\n", encoding="utf-8"
    )
    (data / "pools.csv").write_text(
        "pool,phase,budget_musd,source\npublic,p1,60,t\npartner,p1,100,t\n", encoding="utf-8"
    )
    (data / "groups.csv").write_text(
        "dimension,member,phase,min_musd,max_musd,max_share,source\npool,partner,all,,,1,t\n",
        encoding="utf-8",
    )
    res = run_cli("solve", "--inputs", data, "--out", tmp_path / "run")
    # under pytest's warnings-as-errors the RuntimeWarning is a traceback and exit 1
    assert "RuntimeWarning" not in res.stderr
    assert "ratio inf" not in res.stderr
    assert res.exit_code == 0, res.stderr
    done = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    assert done["objective"]["value"] == pytest.approx(1240)
