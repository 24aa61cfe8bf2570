"""Findings of hunt18: numbers a planner quotes (marginal values, outcomes, surfaces), each
checked against `allocator solve` on the data moved, or by hand. Each test fails on the code it
was written against (a strict xfail, its reason the harm; each mark dropped with its fix)."""

from __future__ import annotations

import csv

import pytest

from conftest import DATA, run_cli

BASE_LEVELS = DATA / "base_levels"


def _rows(path) -> dict[str, dict[str, str]]:
    """shadow_prices.csv (or any table keyed by its first column) as {key: row}."""
    with path.open(encoding="utf-8", newline="") as f:
        return {row[next(iter(row))]: row for row in csv.DictReader(f)}


def _solve(tmp_path, name: str, *args: object):
    """`allocator solve ARGS --out tmp_path/name`: the run folder and what it printed."""
    out = tmp_path / name
    done = run_cli("solve", *args, "--out", out)
    assert done.exit_code == 0, done.stderr
    return out, done


# docs/outputs.md, one-sided rates: `; down: then no plan` means "past it no plan is feasible";
# under soft targets, where `allocator solve` on the data moved further finds a plan at a larger
# least shortfall, the side says `then shortfall rises`. tests/data/base_levels meets its one
# target (least shortfall 0): solver/sideends.py `_past_end` returns THEN_NO_PLAN whenever the held
# least shortfall is 0 ("a least shortfall of 0 that no move lowers"), yet a cut can raise it.


@pytest.mark.parametrize(
    ("row", "side", "cell", "moved"),
    [
        # budget 120 - 45 = 75 funds b's 75 musd and nothing of a; 74 leaves s2 short by 4 jobs
        ("budget(public,p1)", "down", "pools.public/p1.budget_musd", "74"),
        # target 600 + 100 = 700 takes b's whole cap; 701 cannot be met, the shortfall is 1 job
        ("target(jobs,sector,s2,2026)", "up", "targets.jobs/sector/s2/2026.value", "701"),
    ],
)
def test_a_side_past_which_solve_finds_a_plan_does_not_say_no_plan(
    tmp_path, row, side, cell, moved
):
    run, printed = _solve(tmp_path, "run", "--inputs", BASE_LEVELS)
    stated = _rows(run / "shadow_prices.csv")[row]
    past, _ = _solve(tmp_path, "past", "--inputs", BASE_LEVELS, "--set", f"{cell}={moved}")
    assert (past / "outcomes.csv").exists()  # solve on the data moved past the side finds a plan
    assert f"{side}: then no plan" not in stated["one_sided"], stated["one_sided"]
    assert f"{side}: then shortfall rises" in stated["one_sided"], stated["one_sided"]
    line = next(s for s in printed.stdout.splitlines() if s.endswith(f"[{row}]"))
    assert "then no plan is feasible" not in line, line


# docs/runs.md, --objective: `weighted` is `w_jobs * jobs / best_jobs + w_exports * exports /
# best_exports`, "an index where 1 would mean the best of both at once", and the headline says
# `(1 = best jobs and best exports ...)`. tests/data/base_levels makes no exports (best 0): its
# plan reaches the best jobs (1,550, as `--objective jobs` finds) and the best exports (0) at
# once, yet the index is 0.5. solver/passes.py `_held_costs` drops a measure whose best is not
# above 0 (`if w and found.objective > 0`) without a word, so the scale's top is 0.5, not 1.


def test_a_weighted_plan_at_both_bests_is_not_read_as_half_of_the_best(tmp_path):
    import json

    jobs, _ = _solve(tmp_path, "jobs", "--inputs", BASE_LEVELS, "--objective", "jobs")
    run, printed = _solve(tmp_path, "weighted", "--inputs", BASE_LEVELS, "--objective", "weighted")
    best = json.loads((jobs / "run.json").read_text(encoding="utf-8"))["outcomes"]
    got = json.loads((run / "run.json").read_text(encoding="utf-8"))
    assert got["outcomes"]["jobs_2026"] == best["jobs_2026"] == 1550  # the best jobs
    assert got["outcomes"]["exports_2026_musd"] == best["exports_2026_musd"] == 0  # best exports
    headline = printed.stdout.splitlines()[0]
    said_top_is_both_bests = "1 = best jobs and best exports" in headline
    assert not (said_top_is_both_bests and got["objective"]["value"] < 1), headline


# MODEL.md, "Numbers a planner can quote": outcomes are levels, what exists at the start (a cited
# base) plus what new money adds, and the quality bar asks that outcomes say what already
# existed. tests/data/base_levels: 800 of the 1,550 jobs of 2026 exist before any money (base.csv:
# 500 in s1, 300 in s2), 750 are the plan's (outcomes.csv jobs_base, jobs_new). The terminal's
# headline and its jobs line say 1,550 and nothing of the 800 (the baseline: 545,334, of which
# 63,000 exist; cli/ summary lines print the level alone), so a planner quotes 1,550 as the plan's.


def test_the_terminals_jobs_say_how_many_exist_before_the_plan(tmp_path):
    run, printed = _solve(tmp_path, "run", "--inputs", BASE_LEVELS)
    total = _rows(run / "outcomes.csv")["total"]
    assert (total["jobs_base"], total["jobs_new"], total["jobs"]) == ("800", "750", "1550")
    lines = printed.stdout.splitlines()
    headline, jobs_line = lines[0], next(s for s in lines if s.startswith("  jobs (jobs):"))
    assert "1,550 direct jobs in 2026" in headline
    assert "800" in headline or "800" in jobs_line, (headline, jobs_line)


# inputs/README.md: markets.csv's `market_musd` is the addressable market (US$ million a year) and
# `max_share` the reachable share of it; "each year's exports are bounded ... by the market row in
# force", and base.csv's exports are a category's exports that exist before the plan, counted in
# its level (as tranches.csv counts base jobs in "base + new"). tests/data/exports with 100 musd a
# year of cat's exports existing: the market (300 x 50% = 150 musd a year) bounds the new exports
# alone (model/exportrows.py: the market row holds the programs' exports, not the base column), so
# outcomes.csv says cat sells 250 musd a year into a market of which 150 is reachable.


def test_a_categorys_exports_with_a_base_stay_within_its_reachable_market(tmp_path):
    import shutil

    data = shutil.copytree(DATA / "exports", tmp_path / "exports_base")
    (data / "base.csv").write_text(
        "kind,dimension,member,year,value,source\n"
        "exports,export_category,cat,2025,100,hunt18: 100 musd a year sold before\n",
        encoding="utf-8",
    )
    run, _ = _solve(tmp_path, "run", "--inputs", data, "--objective", "exports")
    cat = _rows(run / "outcomes.csv")["export_category"]
    assert cat["member"] == "cat"
    assert cat["exports_base_musd"] == "100"
    reachable = 300 * 0.5  # markets.csv: market_musd 300, max_share 50%
    assert float(cat["exports_musd"]) <= reachable, cat


# MODEL.md: "no list ever shows a gain a re-solve does not give". outcomes.csv's note on the
# baseline's aerospace (65% above its 2040 target) says what one more musd of each paying pool
# "is worth, the budget's shadow price: korea phase3 (5.3 jobs per musd), rnd phase3 (5.3 jobs
# per musd)". `allocator solve --set pools.korea/phase3.budget_musd=2182.8` (one musd more) gives
# +0.53 jobs, as the terminal's list says (+5.3 jobs per musd for the first 0.1 musd, then +0);
# so does rnd phase3 at 8,501. report/outcomes.py `_why_above` quotes the simplex dual (`price`)
# as the worth of a whole musd, with no amount it holds for.


def test_the_above_target_note_says_what_one_more_musd_gives(tmp_path, baseline_solve):
    import json

    run, printed = baseline_solve
    korea = _rows(run / "shadow_prices.csv")["budget(korea,phase3)"]
    assert float(korea["gain_of_one_unit_up"]) == pytest.approx(0.53)
    moved, _ = _solve(tmp_path, "moved", "--set", "pools.korea/phase3.budget_musd=2182.8")
    before = json.loads((run / "run.json").read_text(encoding="utf-8"))["objective"]["value"]
    after = json.loads((moved / "run.json").read_text(encoding="utf-8"))["objective"]["value"]
    assert after - before == pytest.approx(0.53, abs=1e-6)  # one more musd of korea phase3
    with (run / "outcomes.csv").open(encoding="utf-8", newline="") as f:
        notes = [r["note"] for r in csv.DictReader(f) if r["member"] == "aerospace" and r["note"]]
    assert notes, "aerospace 2040 is 65% above its target"
    assert "korea phase3 (5.3 jobs per musd)" not in notes[0], notes[0]


# docs/shadow-prices.md: the largest-shadow-prices list, `compare` among its surfaces, ranks limits
# by what one unit more room buys, and says first what one whole unit more and one unit less
# give; MODEL.md: "no list ever shows a gain a re-solve does not give". `allocator compare jobs
# exports` on the baseline lists program_cap(electronics_assembly) at 23.2 jobs per musd for the
# jobs plan: its simplex dual, the rate of a cut (`loss_per_unit_down` is 1E+30, the least
# shortfall held). One more musd of the cap buys 9.2 jobs (`gain_of_one_unit_up`, the terminal's
# "+9.2 jobs (+9.2 jobs per musd for 1,366.5 musd)"). studies/compare.py `_price_rows` picks the
# rows by the list's ranking but shows each row's `shadow_price`.


def test_compare_shows_what_one_more_unit_of_a_listed_limit_buys(tmp_path, baseline_solve):
    run, printed = baseline_solve
    cap = _rows(run / "shadow_prices.csv")["program_cap(electronics_assembly)"]
    assert float(cap["shadow_price"]) == pytest.approx(23.2)
    assert float(cap["gain_of_one_unit_up"]) == pytest.approx(9.2)
    assert "one more musd: +9.2 jobs" in printed.stdout
    out = tmp_path / "compare"
    done = run_cli("compare", "jobs", "exports", "--out", out)
    assert done.exit_code == 0, done.stderr
    with (out / "compare.csv").open(encoding="utf-8", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["metric"] == cap["constraint"])
    assert float(row["jobs"]) != pytest.approx(23.2), row


# An infeasible plan's fix names a cell and the value to write there. tests/data/shares under
# --targets hard: cu's share is 40 + (90 - 40) x capital / 125 and b's cap of 100 reaches 80, so
# shares.csv's target_pct of 90 must come down to 80 (`--set shares.cu/2026.target_pct=80` solves,
# 80.5 does not). The explanation says "lower processing_share(cu,2026) ... by 10 percent: from 50
# to 40 (shares.csv row 2, column target_pct)": the row's right-hand side (target - today, 90 -
# 40), not the cell it names. report/explain.py `_change_line` prints the row's `old` and `new`
# with the place of the cell behind it.


def test_an_infeasible_share_targets_fix_names_the_cells_own_values(tmp_path):
    shares = DATA / "shares"
    fixed, _ = _solve(
        tmp_path,
        "fixed",
        "--inputs",
        shares,
        "--targets",
        "hard",
        "--set",
        "shares.cu/2026.target_pct=80",
    )
    assert (fixed / "shares.csv").exists()  # 80 is the least change that solves
    done = run_cli("solve", "--inputs", shares, "--targets", "hard", "--out", tmp_path / "hard")
    assert done.exit_code == 1, done.stderr
    said = done.stdout + done.stderr
    line = next(s for s in said.splitlines() if "column target_pct" in s and "from " in s)
    assert "from 90 to 80" in line, line
