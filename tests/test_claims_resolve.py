"""Every marginal value and outcome a planner reads is what an independent re-solve confirms.

Each claim of shadow_prices.csv is checked by moving the dataset's own cell (`--set`'s
`apply_set`) by the stated amount and solving again with the library: the rate must hold at
the stated "holds for" amount, and just past it the rate must change, unless the amount runs
to the end of what the data allows (a budget cut to 0). outcomes.csv's base levels are
base.csv's and new = total - base."""

from __future__ import annotations

import functools
import re

import pandas as pd
import pytest

from allocator.data.cellset import apply_set, parse_set
from allocator.data.inputs import load_inputs
from allocator.pipeline import solve_inputs
from conftest import BASELINE

BUDGET = "pools.{}/{}.budget_musd"


@functools.cache
def _value(address: str = "", value: float = 0.0) -> float:
    """The baseline's optimum with one cell set (none: the run's own), solved afresh."""
    inp = load_inputs(str(BASELINE))
    if address:
        inp = apply_set(inp, parse_set(f"{address}={float(value)!r}"))
    return solve_inputs(inp, "jobs")[0].objective_value


def _prices(folder) -> pd.DataFrame:
    return pd.read_csv(folder / "shadow_prices.csv").set_index("constraint")


# (row, pool, phase, side): the sides whose stated amount came from the basis's range (three
# ended before the rate changed: ecosystem down 331 of 6,200 musd, korea and rnd up 0.04 of
# 0.1) and one re-solved side that stopped at 431 musd of 464 (china phase1 up)
SIDES = [
    ("budget(ecosystem,phase3)", "ecosystem", "phase3", -1),
    ("budget(korea,phase3)", "korea", "phase3", +1),
    ("budget(rnd,phase3)", "rnd", "phase3", +1),
    ("budget(china,phase1)", "china", "phase1", +1),
    ("budget(korea,phase3)", "korea", "phase3", -1),
]


@pytest.mark.parametrize(("row", "pool", "phase", "sigma"), SIDES)
def test_a_rate_holds_for_the_stated_amount_and_changes_just_past_it(
    baseline_run, row, pool, phase, sigma
):
    """Re-solved at rhs +- holds_for, the objective moved by rate x holds_for; a little past
    it, the average rate over the extra move is another number (or no data goes further)."""
    price = _prices(baseline_run).loc[row]
    rate = price["gain_per_unit_up" if sigma > 0 else "loss_per_unit_down"]
    holds = price["up_holds_for" if sigma > 0 else "down_holds_for"]
    rhs, address = float(price["rhs"]), BUDGET.format(pool, phase)
    assert 0 < holds < 1e29
    at = _value(address, rhs + sigma * holds) - _value()
    assert at == pytest.approx(sigma * rate * holds, rel=1e-6, abs=1e-6)
    past = holds + max(0.01, 0.01 * holds)  # just past: 1% further, at least 0.01 unit
    if sigma < 0 and past > rhs:  # the amount runs to a budget of 0: nothing past it
        assert holds == pytest.approx(rhs, rel=1e-6)
        return
    beyond = (_value(address, rhs + sigma * past) - _value(address, rhs + sigma * holds)) / (
        sigma * (past - holds)
    )
    assert beyond != pytest.approx(rate, rel=1e-3)


def test_the_listed_korea_room_is_told_as_far_as_it_holds(baseline_solve):
    """The terminal's line of the korea phase-3 budget: 5.3 jobs per musd for the first 0.1
    musd (a re-solve at +0.1 gives 0.53 jobs, the whole unit's), then nothing; it said "for
    the first 0.04 musd, then +0.3312 jobs per musd on average", the basis's range."""
    _, ran = baseline_solve
    line = next(ln for ln in ran.stdout.splitlines() if "[budget(korea,phase3)]" in ln)
    assert "+5.3 jobs per musd for the first 0.1 musd, then +0 jobs per musd" in line
    moved = _value(BUDGET.format("korea", "phase3"), 2181.8 + 0.1) - _value()
    assert moved == pytest.approx(0.53, rel=1e-6)


def test_outcome_base_levels_are_base_csv_and_new_is_total_minus_base(baseline_run):
    """Every jobs_base of outcomes.csv is base.csv's level of that sector (held from its year
    on), and jobs_new = jobs - jobs_base, exports likewise."""
    out = pd.read_csv(baseline_run / "outcomes.csv")
    base = pd.read_csv(BASELINE / "base.csv")
    jobs = base[(base.kind == "jobs") & (base.dimension == "sector")].set_index("member")
    rows = out[out.dimension == "sector"]
    assert len(rows) > 10
    for r in rows.itertuples():
        level = jobs["value"].get(r.member, 0.0) if r.year >= jobs["year"].get(r.member, 0) else 0
        assert r.jobs_base == pytest.approx(level)
    assert (out.jobs_new - (out.jobs - out.jobs_base)).abs().max() < 1e-6
    assert (out.exports_new_musd - (out.exports_musd - out.exports_base_musd)).abs().max() < 1e-6


def _ramp_claims(why: str) -> list[tuple[str, list[int]]]:
    """(program, years) of each program a why_unspent names at its absorption limit: the years
    said beside the program, or the clause's own years when the clause names them once."""
    found = []
    for clause in why.split("; "):
        head, _, tail = clause.partition("at its absorption limit (ramp)")
        if not _:
            continue
        said = re.fullmatch(r"(?: in ([\d, -]+))?: (.*)", tail)
        assert said, clause
        for part in said.group(2).split(", "):
            own = re.fullmatch(r"(\w+) in ([\d-]+(?:, [\d-]+)*)", part)
            years = own.group(2) if own else said.group(1)
            found.append((own.group(1) if own else part, _years(years)))
    return found


def _years(text: str) -> list[int]:
    out: list[int] = []
    for run in text.split(", "):
        first, _, last = run.partition("-")
        out += range(int(first), int(last or first) + 1)
    return out


def test_a_ramp_said_to_hold_unspent_money_is_tight_in_every_year_said(baseline_run):
    """budgets.csv's "at its absorption limit (ramp) in 2028-2030: copper_processing,
    semiconductor_assembly" (scaleup, phase2) said semiconductor_assembly's ramp is tight in
    2030, where it has 333.75 musd of room (233 of 566.75 invested): the years were the union
    over the programs. Every (program, year) said must be a ramp row at its bound."""
    budgets = pd.read_csv(baseline_run / "budgets.csv").fillna("")
    prices = _prices(baseline_run)
    said = [c for why in budgets["why_unspent"] for c in _ramp_claims(why)]
    assert len(said) >= 4
    for program, years in said:
        for year in years:
            slack = float(prices.loc[f"ramp({program},{year})", "slack"])
            assert slack == pytest.approx(0, abs=1e-6), (program, year)


def test_past_the_size_limit_a_listed_side_keeps_its_basis_range(monkeypatch):
    """Above `units.EXTEND_UP_TO` nonzeros a listed row's side is not re-solved past its basis
    range (at 1e6 that was 160 more re-solves, 5.6 -> 14 s): it keeps the basis's range, the
    lower bound `one_sided` basis says; below it the re-solved amount (korea phase3: 0.04 by the
    basis, 0.1 re-solved)."""
    from allocator.pipeline import tables_of
    from allocator.solver import units

    def korea() -> float:
        inp = load_inputs(BASELINE)
        sol, _ = solve_inputs(inp, "jobs")
        rows = tables_of(inp, sol)["shadow_prices"].set_index("constraint")
        return float(rows.loc["budget(korea,phase3)", "up_holds_for"])

    assert korea() == pytest.approx(0.1)
    monkeypatch.setattr(units, "EXTEND_UP_TO", 0)
    assert korea() == pytest.approx(0.04)
