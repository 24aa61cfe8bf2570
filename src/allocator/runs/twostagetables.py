"""The tables of a two-stage run (`allocator solve --decide-now`): the decide-now plan's
allocation tables, later_plans.csv (the later phases' spread over the scenarios),
decide_now_prices.csv (each commitment's prices, `studies/twostageprices.py`, and run.json's
summary of them) and two_stage_scenarios.csv, each in a fixed row order. The run that makes
them is `runs/twostage.py`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from allocator.model.declare import WEIGHTED_SHORTFALL
from allocator.report.studyhtml import percentiles
from allocator.studies.twostageplan import TwoStage

if TYPE_CHECKING:
    from allocator.data.schema import Inputs
    from allocator.studies.sweep import SampleModel


def tables_of(
    inp: Inputs, model: SampleModel, result: TwoStage, sol: Any
) -> dict[str, pd.DataFrame]:
    """allocation (decide-now phases), allocation_by_phase (their columns), later_plans,
    decide_now_prices and two_stage_scenarios, each in a fixed row order."""
    from allocator.report import tables as reports

    alloc = reports.allocation(inp, sol)
    by_phase = reports.allocation_by_phase(inp, alloc)
    later = [p.phase for p in inp.phases if p.phase not in result.phases]
    by_phase = by_phase.drop(columns=[f"{ph}_musd" for ph in later])
    return {
        "allocation": alloc,
        "allocation_by_phase": by_phase,
        "later_plans": later_plans(inp, model, result, later),
        "decide_now_prices": decide_now_prices(inp, model, result, sol),
        "two_stage_scenarios": scenario_table(result, sol.objective_unit),
    }


def later_plans(
    inp: Inputs, model: SampleModel, result: TwoStage, later: list[str]
) -> pd.DataFrame:
    """Per program, pool and later phase funded in some scenario: the money's P50, P5 and
    P95 over the scenarios (US$ million; the sweep's `percentiles`, each a scenario's value)
    and in how many scenarios it is funded. Each scenario's money is snapped as solve's tables
    are (`snap`: 3,000, not 2,999.999824)."""
    from allocator.solver.results import snap

    lp = model.lp
    phase_of = inp.phase_of_year
    keys: dict[tuple[str, str, str], list[int]] = {}
    for j, fam in enumerate(lp.col_family):
        if fam == "invest" and phase_of[int(lp.col_index[j][2])] in later:
            prog, pool, year = lp.col_index[j][:3]
            keys.setdefault((str(prog), str(pool), phase_of[int(year)]), []).append(j)
    order = {ph: k for k, ph in enumerate(later)}
    rows = []
    for key in sorted(keys, key=lambda k: (k[0], k[1], order[k[2]])):
        money = snap(result.plans[:, keys[key]].sum(axis=1))
        if money.max() <= 1e-9:
            continue
        spread = percentiles(money)  # the sweep's rule: each a value some scenario reached
        rows.append(
            dict(zip(("program", "pool", "phase"), key, strict=True))
            | {"p50_musd": spread["p50"], "p5_musd": spread["p5"], "p95_musd": spread["p95"]}
            | {"funded_in": int((money > 1e-9).sum()), "scenarios": len(money)}
        )
    columns = ["program", "pool", "phase", "p50_musd", "p5_musd", "p95_musd", "funded_in"]
    return pd.DataFrame(rows, columns=[*columns, "scenarios"])


def decide_now_prices(inp: Inputs, model: SampleModel, result: TwoStage, sol: Any) -> pd.DataFrame:
    """Per decide-now investment that may receive money: the money committed now (as the plan's
    `sol` holds it, solver noise snapped, so it reads as in allocation.csv), what one more and one
    less US$ million committed now change in the expected objective (re-solved, the other
    commitments held), each side's rate and the US$ million it holds for, the least and most
    one more changes one scenario's objective (empty where the scenarios are coupled), and the
    words (`twostageprices`). No plan: the side's cells are empty and the words say so, as solve
    writes an infinite bound (never HiGHS's 1e30, which reads as a number); a rate that holds
    for any amount: its `*_holds_for_musd` empty, the words say so."""
    prices = result.prices
    assert prices is not None
    committed = sol.columns["value"].to_numpy(dtype=float)[result.now]
    lp, unit = model.lp, f"{sol.objective_unit} per musd"
    rows = []
    for k, j in enumerate(result.now):
        if lp.col_upper[j] <= 0:
            continue  # outside the program's years or not eligible: fixed at 0
        prog, pool, year = lp.col_index[j][:3]
        rows.append(
            {"program": str(prog), "pool": str(pool), "year": int(year)}
            | {"phase": inp.phase_of_year[int(year)], "committed_musd": committed[k]}
            | {name: _finite(getattr(prices, attr)[k]) for name, attr in PRICE_COLUMNS.items()}
            | {
                "scenario_low": _per_scenario(prices.scenario_low, k),
                "scenario_high": _per_scenario(prices.scenario_high, k),
                "one_sided": price_words(prices, k, committed[k]),
                "unit": unit,
            }
        )
    columns = ["program", "pool", "year", "phase", "committed_musd", *PRICE_COLUMNS]
    frame = pd.DataFrame(rows, columns=[*columns, "scenario_low", "scenario_high", *TAIL])
    return frame.sort_values(["program", "pool", "year"], ignore_index=True)


PRICE_COLUMNS = {
    "one_more_per_musd": "more",
    "more_rate_per_musd": "more_rate",
    "more_holds_for_musd": "more_holds",
    "one_less_per_musd": "less",
    "less_rate_per_musd": "less_rate",
    "less_holds_for_musd": "less_holds",
}
"""decide_now_prices.csv's value columns and the `CommitmentPrices` arrays they come from."""
TAIL = ("one_sided", "unit")


def _finite(value: float) -> float:
    """The value, or NaN (an empty cell) where it is infinite: no plan, or any amount."""
    return np.nan if np.isinf(value) else float(value)


def _per_scenario(values: np.ndarray | None, k: int) -> float:
    return np.nan if values is None else _finite(values[k])


def price_summary(prices: pd.DataFrame) -> dict[str, Any]:
    """run.json's summary of decide_now_prices.csv (what the terminal and the report say): the
    commitments, how many cannot grow or shrink by one US$ million, the one whose US$ million
    more changes the expected objective most and the one whose US$ million less costs most."""
    more = prices[prices["one_more_per_musd"].notna()]  # empty: no plan
    less = prices[prices["one_less_per_musd"].notna()]
    return {
        "commitments": len(prices),
        "one_more_no_plan": len(prices) - len(more),
        "one_less_no_plan": len(prices) - len(less),
        "best_one_more": _pick(more, "one_more_per_musd", "more", largest=True),
        "dearest_one_less": _pick(less, "one_less_per_musd", "less", largest=False),
    }


def _pick(frame: pd.DataFrame, column: str, side: str, largest: bool) -> dict[str, Any] | None:
    """The first row (table order) with the largest (smallest) `column`, as run.json keeps it."""
    if frame.empty:
        return None
    values = frame[column].to_numpy(dtype=float)
    row = frame.iloc[int(np.argmax(values) if largest else np.argmin(values))]
    return {
        "program": row["program"],
        "pool": row["pool"],
        "year": int(row["year"]),
        "change": float(row[column]),
        "rate": _amount(float(row[f"{side}_rate_per_musd"])),  # null: no rate at the margin
        "holds_for_musd": _amount(float(row[f"{side}_holds_for_musd"])),
    }


def _amount(holds: float) -> float | None:
    """run.json's number of an empty cell of decide_now_prices.csv: None (null), never NaN."""
    return None if np.isnan(holds) else holds


def price_words(prices: Any, k: int, committed: float) -> str:
    """The row's words: re-solved, and per side whether no plan exists (and why, for one less
    of nothing) or, under soft targets, how much the least expected shortfall rises."""
    words = ["re-solved (the other commitments held)"]
    for name, side in (("more", "one more"), ("less", "one less")):
        if np.isinf(getattr(prices, name)[k]):
            why = " (nothing committed to take back)" if name == "less" and committed <= 0 else ""
            words.append(f"{side}: no plan fits every scenario{why}")
            continue
        rise = getattr(prices, f"shortfall_{name}")
        if rise is not None and rise[k] > 0:
            words.append(
                f"{side}: the least expected weighted shortfall rises by {rise[k]:.6g} "
                f"{WEIGHTED_SHORTFALL}"
            )
        lex = getattr(prices, f"shortfall_{name}_rate", None)
        if lex is not None and np.isfinite(lex[k]):  # soft targets: no plan keeps today's
            words.append(
                f"{side}, the rate: with the least expected weighted shortfall found again, "
                f"rising by {lex[k]:.6g} {WEIGHTED_SHORTFALL} per musd (today's cannot be kept)"
            )
        elif np.isinf(getattr(prices, f"{name}_rate")[k]):  # the rate holds today's
            words.append(f"{side}, the rate: no plan at today's least expected shortfall")
        else:
            holds = getattr(prices, f"{name}_holds", None)
            if holds is not None and np.isinf(holds[k]):  # an empty holds_for cell
                words.append(f"{side}, the rate: for any amount")
    return "; ".join(words)


def scenario_table(result: TwoStage, unit: str) -> pd.DataFrame:
    """Per scenario (the sample number of the Latin hypercube): the objective of the
    here-and-now plan, of the scenario solved alone, and with the nominal plan's decide-now
    part fixed (empty where that part cannot be carried out), in the objective's `unit`."""
    fixed = result.nominal_now or [None] * len(result.plans)
    return pd.DataFrame(
        {
            "scenario": np.arange(len(result.plans)),
            "here_and_now": result.per_scenario,
            "wait_and_see": [o for o, _ in result.wait_and_see],
            "nominal_decide_now": [np.nan if f is None else f[0] for f in fixed],
            "unit": unit,
        }
    )
