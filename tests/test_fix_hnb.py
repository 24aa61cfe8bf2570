"""Four of hunt21's findings, beyond their own tests (tests/test_hunt21_found.py): existing jobs
past a tranche's level, report.html's exports targets, a share cap of 0 or 1, and `check`'s sums
of parts. Each number is by hand (in the docstring) or a re-solve."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from conftest import DATA, copy_dataset, run_cli


def _rows(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _by_member(out) -> dict[str, dict[str, str]]:
    return {r["member"]: r for r in _rows(out / "outcomes.csv")}


# --- 1. a base past a tranche's level ---------------------------------------------------------


def _two_tranches(tmp_path, base: float):
    """tests/data/tranches (a: 10 jobs a musd in s1, b: 4 in s2, caps 100, budget 160) with two
    tranches of s1: past 800 jobs a share of 0.5, past 1,200 a share of 0.2, and s1's base."""
    data = copy_dataset(DATA / "tranches", tmp_path / "data")
    (data / "tranches.csv").write_text(
        "kind,dimension,member,from_level,share,source\n"
        "jobs,sector,s1,800,0.5,t\njobs,sector,s1,1200,0.2,t\n",
        encoding="utf-8",
    )
    (data / "base.csv").write_text(
        f"kind,dimension,member,year,value,source\njobs,sector,s1,2025,{base:g},t\n",
        encoding="utf-8",
    )
    return data


def test_a_base_between_two_tranches_diminishes_only_the_new_jobs(tmp_path):
    """s1's base 1,000 is past the first tranche (800) and short of the second (1,200). By hand:
    a's first 20 musd make 200 jobs at 0.5 (5 jobs a musd, above b's 4), then 10 x 0.2 = 2 a
    musd, below b's 4: b gets its cap 100 and a the other 60. s1: 20 x 10 x 0.5 + 40 x 10 x 0.2
    = 100 + 80 = 180 new jobs, 1,180 in all; s2 400; the plan 1,580. The 1,000 existing jobs
    count whole (before the fix the first tranche cut the 200 past 800 to 100)."""
    out = tmp_path / "run"
    res = run_cli("solve", "--inputs", _two_tranches(tmp_path, 1000), "--out", out)
    assert res.exit_code == 0, res.stderr
    plan = {r["program"]: float(r["invest_musd"]) for r in _rows(out / "allocation.csv")}
    assert plan == pytest.approx({"a": 60.0, "b": 100.0})
    s1 = _by_member(out)["s1"]
    assert float(s1["jobs_base"]) == 1000
    assert (float(s1["jobs_new"]), float(s1["jobs"])) == pytest.approx((180.0, 1180.0))
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["objective"]["value"] == pytest.approx(1580.0)  # the LP and outcomes.csv agree
    assert "1,580 direct jobs in 2026 (1,000 existing before the plan + 580 new)" in res.stdout


def test_a_base_below_every_tranche_is_unchanged(tmp_path):
    """A base of 500 (below both levels): the tranches start at 800 and 1,200 as before. By
    hand: a's first 30 musd count whole (10 a musd, up to 800), the next 40 at 5 (to 1,200),
    then 2 a musd: a gets 70 (300 + 200 = 500 new jobs), b 90 (360); the plan 500 + 500 + 360
    = 1,360 jobs."""
    out = tmp_path / "run"
    res = run_cli("solve", "--inputs", _two_tranches(tmp_path, 500), "--out", out)
    assert res.exit_code == 0, res.stderr
    plan = {r["program"]: float(r["invest_musd"]) for r in _rows(out / "allocation.csv")}
    assert plan == pytest.approx({"a": 70.0, "b": 90.0})
    assert float(_by_member(out)["s1"]["jobs_new"]) == pytest.approx(500.0)
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["objective"]["value"] == pytest.approx(1360.0)


def test_counted_jobs_past_a_base_above_the_level_count_at_the_share():
    """`counted_jobs` (outcomes.csv's jobs_new) on the same rule as the LP's rows: base 1,000,
    tranche at 800 with share 0.2: 600 full-rate jobs count 120; with the base at 500, 300
    count whole (to 800) and 300 at 0.2: 360."""
    from allocator.data.inputs import load_inputs
    from allocator.data.levels import counted_jobs, tranche_limit

    inp = load_inputs(DATA / "tranches")
    assert counted_jobs(inp, "s1", 600.0) == pytest.approx(360.0)
    assert tranche_limit(inp, "s1", 800.0) == 800.0
    (base,) = inp.base
    moved = inp.model_copy(update={"base": [base.model_copy(update={"value": 1000.0})]})
    assert tranche_limit(moved, "s1", 800.0) == 1000.0
    assert counted_jobs(moved, "s1", 600.0) == pytest.approx(120.0)


# --- 2. report.html's exports targets -----------------------------------------------------------


def test_the_reports_exports_targets_add_up_existing_and_new(tmp_path):
    """tests/data/exports with no base.csv: the exports targets table still shows both parts,
    0 existing and all of it new, and its cells are outcomes.csv's."""
    data = copy_dataset(DATA / "exports", tmp_path / "data")
    (data / "targets.csv").write_text(
        "kind,dimension,member,year,value,source\nexports,export_category,cat,2026,200,t\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    res = run_cli("solve", "--inputs", data, "--objective", "exports", "--out", out)
    assert res.exit_code == 0, res.stderr
    cat = _by_member(out)["cat"]
    assert float(cat["exports_base_musd"]) == 0
    assert float(cat["exports_new_musd"]) == float(cat["exports_musd"])
    page = (out / "report.html").read_text(encoding="utf-8")
    at = page.index("<h3>Exports targets")
    shown = page[at : page.index("</table>", at)]
    heads = ["exports_base_musd", "exports_new_musd", "exports_musd", "exports_target_musd"]
    places = [shown.index(f">{h}<") for h in heads]
    assert places == sorted(places)  # existing, new, their sum, the target: in that order


# --- 3. share caps of 0 and 1: no zero coefficient, no false numerics warning -------------------


def _partner_data(tmp_path, share: str):
    """The hunt's case: public (60 musd, every program) and partner (100, only a) over
    base_levels' a (10 jobs a musd, cap 100) and b (4); partner's share capped at `share`."""
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
        "dimension,member,phase,min_musd,max_musd,max_share,source\n"
        f"pool,partner,all,,,{share},t\n",
        encoding="utf-8",
    )
    return data


@pytest.mark.parametrize(("share", "jobs"), [("0", 600.0), ("1", 1240.0), ("0.5", 1080.0)])
def test_a_share_cap_stores_no_zero_coefficient(tmp_path, share, jobs):
    """By hand: a cap of 0 leaves partner's 100 unspent (public's 60 to a: 600 jobs); 1 lets
    partner pay for everything (a 100, b 60: 1,240); 0.5 lets partner pay as much as public
    (partner <= public): 60 + 60 = 120 musd, a 100 (10 a musd) and b 20 (4): 1,080. No row
    stores a 0 (the cap's 1 - max_share or -max_share) and solve warns of nothing."""
    data = _partner_data(tmp_path, share)
    out = tmp_path / "run"
    res = run_cli("solve", "--inputs", data, "--out", out)
    assert res.exit_code == 0, res.stderr
    assert "warning" not in res.stderr, res.stderr
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["objective"]["value"] == pytest.approx(jobs)

    from allocator.data.inputs import load_inputs
    from allocator.model.build import build_model

    model, _ = build_model(load_inputs(data))
    (family,) = [r for r in model.rows if r.family == "group_share"]
    assert family.val.size, "the row keeps the coefficient that is not 0"
    assert (family.val != 0).all(), family.val


def _with_entry(value: float):
    """tests/data/greedy's LP with its first row's first coefficient replaced by `value`."""
    from allocator.data.inputs import load_inputs
    from allocator.model.build import build_model
    from allocator.solver.compile import compile_lp

    model, _ = build_model(load_inputs(DATA / "greedy"))
    first = model.rows[0]
    first.val = np.concatenate([[value], first.val[1:]])
    return compile_lp(model)


def test_the_numerics_check_ignores_a_stored_zero():
    """A 0 in the matrix spans nothing: no warning (it was 'span 0 to 1 (ratio inf)' with
    numpy's divide-by-zero warning); a coefficient of 2e-9 beside the others (1 and more) is
    still told, as the smallest (2e-9: HiGHS drops 1e-9 and less itself)."""
    from allocator.solver.numerics import numerics_warnings

    assert numerics_warnings(_with_entry(0.0)) == []
    (told,) = numerics_warnings(_with_entry(2e-9))
    assert told.startswith("matrix coefficients span 2e-09 to "), told


# --- 4. check's sums of parts ------------------------------------------------------------------


def test_parts_add_up_as_they_are_written():
    """2,181.8 + 3,636.4 + 2,181.8 is 8,000 and 0.1 + 0.2 is 0.3, as the cells are written
    (left-to-right float addition gives 8,000.000000000001; math.fsum 0.30000000000000004)."""
    from allocator.data.audit import written_sum

    assert written_sum([2181.8, 3636.4, 2181.8]) == 8000.0
    assert written_sum([0.1, 0.2]) == 0.3
    assert written_sum([0.79, 0.01]) == 0.8
    assert written_sum([]) == 0.0
    assert written_sum([4503.0, 1.0]) == 4504.0


def test_check_states_a_real_gap_as_before(tmp_path):
    """A gap that is there is still told: the baseline's a1_total_goods (parts 4,503 against a
    stated 4,504) keeps its gap of 1 musd."""
    res = run_cli("check")
    assert res.exit_code == 0, res.stderr
    (line,) = [ln for ln in res.stdout.splitlines() if "a1_total_goods" in ln]
    assert "its parts add up to 4,503 musd: a gap of 1 musd (+0.02%)" in line
