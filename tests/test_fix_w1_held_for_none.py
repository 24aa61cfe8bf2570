"""Task w1, items 1 and 2: a side that no move keeps feasible at today's least shortfall, and a
whole unit's change of the least shortfall, said as the re-solves give them.

1. A side found by the re-solves of `marginal._one_side` to have no plan at its least move (1e-4
   units) was written as a rate of +-1E+30 holding for 1E+30, and said "no plan is feasible";
   the same situation found by `marginal.side_end` (a side past Excel's range that ends within
   the search's resolution of 0: the baseline's export markets cut under `--objective
   exports`) was written as the dual holding for 0, then `then shortfall rises` or `then no
   plan`, and said "for no amount: at once ...", as docs/outputs.md documents. Both now say
   the documented words, in shadow_prices.csv, sensitivity.csv, the workbook and the terminal.
2. A whole unit's change of the least shortfall under 1e-7 of the held least (HOLD_SLACK) was
   written as 0 while the rate beside it said the least rises at once (or no plan): the whole
   unit is now the re-solve's, to 1e-12 of the held least (as decide_now_prices.csv rounds
   it), which `allocator solve` on the moved data confirms.

The hand-made dataset (`_held_least`): pool pa funds a (s1, 10 jobs a musd, cap 60) with 50
musd, pool pc funds c (s2, 2 jobs a musd, cap 100) with 80 musd; s1's target of 1,000,000 jobs
(weight 1) is out of reach, s2's of 500 jobs has weight 0.002. By hand: a = 50, c = 80, 660
jobs; least weighted shortfall 999,500 + 0.002 x 340 = 999,500.68. One musd less of pc: c = 79,
658 jobs, the least rises by 0.002 x 2 = 0.004 (4e-9 of the held least); one musd more: 662
jobs, it falls by 0.004. No cut of pc, however small, keeps today's least.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest

from allocator.report.rates import rate_words
from conftest import BASELINE, DATA, constraint_row, run_cli, solved

EXCEL_INF = 1e30
NO_AMOUNT_RISES = "for no amount: at once the least target shortfall rises"
NO_AMOUNT_NONE = "for no amount: at once no plan is feasible"

_FILES = {
    "programs.csv": "program,sector,first_year,last_year,cap_musd,lag_years,jobs_per_musd,source\n"
    "a,s1,2025,2026,60,0,10,hand-made\nc,s2,2025,2026,100,0,2,hand-made\n",
    "pools.csv": "pool,phase,budget_musd,source\npa,p1,50,hand-made\npc,p1,80,hand-made\n",
    "eligibility.csv": "pool,program,source\npa,a,hand-made\npc,c,hand-made\n",
    "phases.csv": "phase,first_year,last_year,source\np1,2025,2026,hand-made\n",
    "milestones.csv": "year,source\n2026,hand-made\n",
    "targets.csv": "kind,dimension,member,year,value,weight,source\n"
    "jobs,sector,s1,2026,1000000,1,hand-made: out of reach\n"
    "jobs,sector,s2,2026,500,0.002,hand-made\n",
}


@pytest.fixture(scope="module")
def held_least(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("held") / "data"
    data.mkdir()
    for name, text in _FILES.items():
        (data / name).write_text(text, encoding="utf-8")
    return data


def _solve(out: Path, *args: object) -> dict:
    res = run_cli("solve", *args, "--json", "--out", out)
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)


def _least(said: dict) -> float:
    return float(said["outcomes"]["least_weighted_target_shortfall"])


@pytest.fixture(scope="module")
def held_run(held_least, solved_run):
    return solved_run("--inputs", held_least)


def test_a_cut_no_plan_survives_at_todays_least_holds_for_no_amount(held_run):
    """budget(pc,p1) down: reached by `_one_side` (no plan at 1e-4 musd less with today's
    least held); written as the dual for 0 musd, then the least shortfall rises."""
    run, _ = held_run
    row = constraint_row(run / "shadow_prices.csv", "budget(pc,p1)")
    assert float(row["shadow_price"]) == pytest.approx(2)
    assert float(row["loss_per_unit_down"]) == pytest.approx(2)  # not 1E+30
    assert float(row["down_holds_for"]) == 0.0  # not 1E+30
    assert row["one_sided"] == "re-solved; down: then shortfall rises"
    assert float(row["gain_per_unit_up"]) == pytest.approx(2)
    assert float(row["up_holds_for"]) == pytest.approx(20)  # c reaches its cap of 100


def test_the_whole_units_shortfall_change_is_the_resolves(held_least, held_run, tmp_path):
    """One musd less and more of pc, by `allocator solve` on the moved data: the least shortfall
    moves by 0.004 either way (4e-9 of the held least, under HOLD_SLACK: written as 0 before)."""
    run, _ = held_run
    today = _least(json.loads((run / "run.json").read_text(encoding="utf-8")))
    assert today == pytest.approx(999_500.68)
    less = _solve(tmp_path / "less", "--inputs", held_least, "--set", "pools.pc/p1.budget_musd=79")
    more = _solve(tmp_path / "more", "--inputs", held_least, "--set", "pools.pc/p1.budget_musd=81")
    row = constraint_row(run / "shadow_prices.csv", "budget(pc,p1)")
    assert float(row["loss_of_one_unit_down"]) == pytest.approx(2)
    assert float(row["gain_of_one_unit_up"]) == pytest.approx(2)
    assert less["objective"]["value"] == pytest.approx(658)
    assert more["objective"]["value"] == pytest.approx(662)
    down, up = float(row["shortfall_change_down"]), float(row["shortfall_change_up"])
    assert down == pytest.approx(0.004, rel=1e-6)
    assert up == pytest.approx(-0.004, rel=1e-6)
    assert down == pytest.approx(_least(less) - today, rel=1e-3)
    assert up == pytest.approx(_least(more) - today, rel=1e-3)


def test_the_terminal_says_the_rise_and_no_amount(held_run):
    _, ran = held_run
    (line,) = [s for s in ran.stdout.splitlines() if "[budget(pc,p1)]" in s]
    assert (
        "one less musd: -2 jobs, and the least target shortfall rises by 0.004 weighted "
        f"shortfall (at today's least shortfall: -2 jobs per musd {NO_AMOUNT_RISES})"
    ) in line
    assert "one more musd: +2 jobs, and the least target shortfall falls by 0.004" in line
    assert "(no plan is feasible)" not in line


def test_the_workbook_holds_the_same_side(held_run):
    run, _ = held_run
    book = openpyxl.load_workbook(run / "workbook.xlsx", read_only=True)
    sheet = book["shadow_prices"]
    rows = sheet.iter_rows(values_only=True)
    head = [str(h) for h in next(rows)]
    (row,) = [r for r in rows if r[0] == "budget(pc,p1)"]
    said = dict(zip(head, row, strict=True))
    loss = [v for k, v in said.items() if k.startswith("loss_per_unit_down")]
    holds = [v for k, v in said.items() if k.startswith("down_holds_for")]
    assert loss == [pytest.approx(2)]
    assert holds == [0]
    assert said["one_sided"] == "re-solved; down: then shortfall rises"


def test_a_target_raised_at_todays_least_holds_for_no_amount(solved_run, tmp_path):
    """tests/data/targets: s2's jobs target of 500 (reached 200) raised: no plan keeps today's
    least (0.6); `allocator solve` with it raised by 0.001 finds a plan at a larger least."""
    run, ran = solved_run("--inputs", DATA / "targets")
    row = constraint_row(run / "shadow_prices.csv", "target(jobs,sector,s2,2026)")
    assert float(row["gain_per_unit_up"]) == pytest.approx(float(row["shadow_price"]))
    assert float(row["up_holds_for"]) == 0.0
    assert row["one_sided"] == "re-solved; up: then shortfall rises"
    raised = _solve(
        tmp_path / "raised",
        "--inputs",
        DATA / "targets",
        "--set",
        "targets.jobs/sector/s2/2026.value=500.0010",
    )
    assert _least(raised) > 0.6
    # the hold row itself cut: no plan has less than the least, whichever pass
    hold = constraint_row(run / "shadow_prices.csv", "shortfall_total")
    assert float(hold["loss_per_unit_down"]) == pytest.approx(float(hold["shadow_price"]))
    assert float(hold["down_holds_for"]) == 0.0
    assert hold["one_sided"] == "re-solved; down: then no plan"
    assert float(hold["loss_of_one_unit_down"]) == EXCEL_INF  # the whole unit: no plan
    with open(run / "sensitivity.csv", newline="", encoding="utf-8") as handle:
        (sens,) = [r for r in csv.DictReader(handle) if r["name"] == "shortfall_total"]
    assert sens["one_sided"] == hold["one_sided"]
    assert sens["down_holds_for"] == hold["down_holds_for"]


@pytest.fixture(scope="module")
def exports():
    _, _, tables = solved(str(BASELINE), "exports")
    return tables["shadow_prices"].set_index("constraint")


def test_both_paths_say_the_same_words_for_the_same_situation(exports):
    """The baseline under `--objective exports`: cutting an export market (found past Excel's
    range by `side_end`) and cutting electronics_assembly's export capacity in 2040 (no plan at
    1e-4 musd less, `_one_side`) both raise the least target shortfall at once: both hold for
    no amount, then the shortfall rises, in the same words."""
    said = {}
    for name in (
        "export_market(program,aerospace_components,2040)",
        "export_capacity(electronics_assembly,2040)",
    ):
        row = exports.loc[name]
        assert row["down_holds_for"] == 0.0, name
        assert abs(row["loss_per_unit_down"]) < EXCEL_INF, name
        assert row["loss_per_unit_down"] > 0, name  # the market's per musd of market_musd
        assert row["one_sided"] == "re-solved; down: then shortfall rises", name
        assert row["shortfall_change_down"] > 0, name
        _, less = rate_words(row.rename(None), str(row["unit"]))
        said[name] = less
        assert f"per musd {NO_AMOUNT_RISES})" in less, less
        assert "no plan is feasible" not in less, less
    capacity = exports.loc["export_capacity(electronics_assembly,2040)"]
    assert capacity["loss_per_unit_down"] == pytest.approx(capacity["shadow_price"])


@pytest.mark.parametrize(
    ("folder", "objective"),
    [
        ("targets", "jobs"),
        ("targets", "weighted"),
        ("shares", "jobs"),
        ("base_levels", "jobs"),
        ("baseline", "jobs"),
        ("baseline", "weighted"),
    ],
)
def test_no_side_is_written_as_an_infinite_rate(folder, objective):
    """Every side a run writes is a rate with an amount (0: no amount, then what lies past it)
    or empty (not computed): no +-1E+30 rate; and a side of 0 says what lies past it."""
    path = str(BASELINE) if folder == "baseline" else str(DATA / folder)
    _, _, tables = solved(path, objective)
    prices = tables["shadow_prices"]
    for rate, holds, side in (
        ("gain_per_unit_up", "up_holds_for", "up"),
        ("loss_per_unit_down", "down_holds_for", "down"),
    ):
        values = prices[rate].astype(float)
        assert not (values.abs() >= EXCEL_INF).any(), prices[values.abs() >= EXCEL_INF]
        none = prices[prices[holds].astype(float) == 0]
        for _, row in none.iterrows():
            ends = str(row["one_sided"])
            assert any(
                f"{side}: {end}" in ends
                for end in ("then no plan", "then shortfall rises", "then at its m")
            ), (row["constraint"], ends)


def test_a_budget_of_zero_cut_holds_for_no_amount_then_no_plan(baseline_solve):
    """The baseline's china budgets are 0: no plan has less (`Side.blocked`, no re-solve). The
    terminal says the whole unit (no plan); the CSV the dual for no amount, then no plan."""
    run, ran = baseline_solve
    row = constraint_row(run / "shadow_prices.csv", "budget(china,phase1)")
    assert float(row["loss_per_unit_down"]) == pytest.approx(float(row["shadow_price"]))
    assert float(row["down_holds_for"]) == 0.0
    assert row["one_sided"] == "re-solved; down: then no plan"
    assert float(row["loss_of_one_unit_down"]) == EXCEL_INF
    (line,) = [s for s in ran.stdout.splitlines() if "[budget(china,phase1)" in s]
    assert "one less musd: no plan is feasible" in line
