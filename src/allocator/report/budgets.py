"""Where each budget went, and why money stays: the `budgets` table (budgets.csv).

One row per pool and phase of pools.csv: the years of the phase, the budget, what the plan spent,
what it carried in from the phase before and out to the next, what stays unspent (the budget
row's slack), the budget row's shadow price with its unit, and in words why the money stays.
Then one row per risk budget of risks.csv (pool `risk:<risk>`, which no pool identifier can be,
phase the years it covers, e.g. `2026-2028`): the mitigation budget, what the plan spent on
mitigation (`mitigate` columns), what stays, the `risk_budget` row's price and why.

The words why money stays are `unspent.py`'s, read from the solution. Also here: the money line
(spent, unspent, investment and mitigation) the terminal and report.html share.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from allocator.data.schema import Inputs
from allocator.model import families
from allocator.model.solution import Solution
from allocator.model.sparse import CscMatrix
from allocator.report.unspent import Holds, why_pool, why_risk

MONEY = 1e-6
"""US$ million below which a budget counts as spent (solver noise): the terminal's unspent
lines and report.html's Unspent budgets table list the budgets with more left."""

RISK = "risk:"
"""Prefix of the `pool` of a risk budget's row: a pool identifier cannot hold a colon."""
MITIGATION = "risk mitigation"
"""The row of mitigation money beside the sectors in a sector x phase table."""

COLUMNS = [
    "pool",
    "phase",
    "first_year",
    "last_year",
    "budget_musd",
    "carried_in_musd",
    "spent_musd",
    "carried_out_musd",
    "unspent_musd",
    "shadow_price",
    "unit",
    "why_unspent",
]


def budgets(inp: Inputs, sol: Solution, matrix: CscMatrix | None = None) -> pd.DataFrame:
    """Pool x phase: budget, carried in, spent, carried out, unspent, price, why (`COLUMNS`).

    Args:
        inp: the dataset.
        sol: the solution (its column and row tables, in the LP's order).
        matrix: the LP's constraint matrix (`model.sparse.CscMatrix`, rows x columns, in the
            order of `sol.rows` and `sol.columns`): which rows each column enters. Default: that
            of the solution's read-only LP view.
    """
    if matrix is None:
        if sol.view is None:
            raise ValueError("budgets needs the LP's matrix: the solution has no LP view")
        matrix = sol.view.matrix
    carried, spent, columns_of = _pool_money(inp, sol.columns)
    price = _prices(sol.rows, "budget", "pool", "phase")
    phases = [p.phase for p in inp.phases]
    years = {p.phase: (p.first_year, p.last_year) for p in inp.phases}
    held = Holds(sol, matrix)
    unit = families.price_unit(sol.objective_unit, "budget", {})
    records = []
    for pool in sorted(inp.pools, key=lambda p: (p.pool, phases.index(p.phase))):
        key = (pool.pool, pool.phase)
        before = phases.index(pool.phase) - 1
        came = carried.get((pool.pool, phases[before]), 0.0) if before >= 0 else 0.0
        out = carried.get(key, 0.0)
        left = pool.budget_musd + came - spent.get(key, 0.0) - out
        left = 0.0 if abs(left) < MONEY else left
        records.append(
            {
                "pool": pool.pool,
                "phase": pool.phase,
                "first_year": years[pool.phase][0],
                "last_year": years[pool.phase][1],
                "budget_musd": pool.budget_musd,
                "carried_in_musd": came,
                "spent_musd": spent.get(key, 0.0),
                "carried_out_musd": out,
                "unspent_musd": left,
                "shadow_price": price.get(key, np.nan),
                "unit": unit if key in price else "",
                "why_unspent": why_pool(pool, left, columns_of.get(key, []), held, key in price),
            }
        )
    records += _risk_rows(inp, sol, held)
    return pd.DataFrame(records, columns=COLUMNS)


def _pool_money(
    inp: Inputs, cols: pd.DataFrame
) -> tuple[dict[Key, float], dict[Key, float], dict[Key, list[int]]]:
    """From the column table, by (pool, phase): the money carried out (`carry` columns), the
    money spent (`invest` columns, summed in column order as a loop would, by `np.bincount`)
    and the investment columns. Read as arrays, each pool and year looked up once."""
    value = cols["value"].to_numpy(dtype=float)
    family = cols["family"].to_numpy(dtype=object)  # compared as an array: no pandas mask
    pool_of = cols["pool"].to_numpy(dtype=object)
    carried: dict[Key, float] = {}
    if (is_carry := family == "carry").any():
        carry_keys = zip(
            pool_of[is_carry].tolist(),
            cols["phase"].to_numpy(dtype=object)[is_carry].tolist(),
            strict=True,
        )
        carried = dict(zip(carry_keys, value[is_carry].tolist(), strict=True))
    at = np.flatnonzero(family == "invest")
    if at.size == 0:
        return carried, {}, {}
    pools, pool_names = pd.factorize(pool_of[at], use_na_sentinel=False)
    years, year_values = pd.factorize(cols["year"].array[at], use_na_sentinel=False)
    phase_of = inp.phase_of_year
    phases, phase_names = pd.factorize(
        np.array([phase_of[int(y)] for y in year_values.tolist()], dtype=object)
    )
    group = pools * len(phase_names) + phases[years]
    keys = [
        (str(pool), str(phase)) for pool in pool_names.tolist() for phase in phase_names.tolist()
    ]
    sums = np.bincount(group, weights=value[at], minlength=len(keys)).tolist()
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(len(keys) + 1)).tolist()
    index = cols.index.to_numpy()[at][order].tolist()
    columns_of = {k: index[bounds[g] : bounds[g + 1]] for g, k in enumerate(keys)}
    spent = {k: sums[g] for g, k in enumerate(keys) if bounds[g] < bounds[g + 1]}
    return carried, spent, {k: v for k, v in columns_of.items() if v}


Key = tuple[str, str]
"""(pool, phase)."""


def _risk_rows(inp: Inputs, sol: Solution, held: Holds) -> list[dict[str, Any]]:
    """One row per risk budget: mitigation spent in its years, what stays, price and why."""
    cols, rows = sol.columns, sol.rows
    if not inp.risks:
        return []
    mitigate = cols["family"].to_numpy(dtype=object) == "mitigate"
    risk_of = cols["risk"].to_numpy(dtype=object)[mitigate]
    codes, names = pd.factorize(risk_of, use_na_sentinel=False)
    value = cols["value"].to_numpy(dtype=float)[mitigate]
    sums = np.bincount(codes, weights=value)  # in column order
    spent = dict(zip(map(str, names.tolist()), sums.tolist(), strict=True))
    price = {str(risk): p for (risk,), p in _prices(rows, "risk_budget", "risk").items()}
    unit = families.price_unit(sol.objective_unit, "risk_budget", {})
    records = []
    for risk in sorted(inp.risks, key=lambda r: r.risk):
        left = risk.budget_musd - spent.get(risk.risk, 0.0)
        left = 0.0 if abs(left) < MONEY else left
        records.append(
            {
                "pool": f"{RISK}{risk.risk}",
                "phase": _span(risk.first_year, risk.last_year),
                "first_year": risk.first_year,
                "last_year": risk.last_year,
                "budget_musd": risk.budget_musd,
                "carried_in_musd": 0.0,
                "spent_musd": spent.get(risk.risk, 0.0),
                "carried_out_musd": 0.0,
                "unspent_musd": left,
                "shadow_price": price.get(risk.risk, np.nan),
                "unit": unit if risk.risk in price else "",
                "why_unspent": why_risk(inp, risk, left, held),
            }
        )
    return records


def _prices(rows: pd.DataFrame, family: str, *labels: str) -> dict[tuple[Any, ...], float]:
    """The shadow price of each row of `family`, by the row's `labels` (read as arrays)."""
    mask = rows["family"].to_numpy(dtype=object) == family
    keys = zip(*(rows[k].to_numpy(dtype=object)[mask].tolist() for k in labels), strict=True)
    return dict(zip(keys, rows["shadow_price"].to_numpy(dtype=float)[mask].tolist(), strict=True))


def _span(first: int, last: int) -> str:
    """`2026-2028`, or `2026` for one year: never an identifier, which starts with a letter."""
    return str(first) if first == last else f"{first}-{last}"


def placeholder_budgets(inp: Inputs) -> set[tuple[str, str]]:
    """(pool, phase) of budgets that are 0 by assumption (pools.csv's `assumption` names
    budget_musd): placeholders, not money that ran out."""
    return {
        (p.pool, p.phase) for p in inp.pools if p.budget_musd == 0 and "budget_musd" in p.assumption
    }


def grouped_top_prices(prices: pd.DataFrame, inp: Inputs, n: int = 10) -> pd.DataFrame:
    """The n largest shadow prices (`tables.top_shadow_prices`: by what one unit more room
    buys), with the budget rows of one pool that are 0 by assumption and share their rates on
    one line that says so.

    Args:
        prices: a `shadow_prices` table.
        inp: the dataset (which budgets are placeholders).
        n: how many lines at most.

    Returns:
        Columns constraint (names joined by ", "), description, shadow_price, unit, and the
        one-sided columns where `prices` has them.
    """
    from allocator.report.rates import ONE_SIDED, top_shadow_prices

    sides = [c for c in ONE_SIDED if c in prices]
    columns = ["constraint", "description", "shadow_price", "unit", *sides]
    placeholders = placeholder_budgets(inp)
    top = top_shadow_prices(prices, len(prices))
    lines: list[dict[str, Any]] = []
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in top.to_dict("records"):
        key = (str(r.get("pool", "") or ""), str(r.get("phase", "") or ""))
        line = {c: r[c] for c in columns}
        if r["family"] != "budget" or key not in placeholders:
            lines.append(line)
            continue
        # as written (12 digits): two probes' line intersections differ in the 15th digit
        same = (key[0], r["shadow_price"], *(_written_key(r[c]) for c in sides))
        group = groups.get(same)
        if group is None:
            group = line | {"phases": [key[1]], "pool": key[0]}
            groups[same] = group
            lines.append(group)
        else:
            group["constraint"] += f", {r['constraint']}"
            group["phases"].append(key[1])
    for line in lines:
        if "phases" in line:
            line["description"] = (
                f"budget of pool {line.pop('pool')} in {', '.join(line.pop('phases'))}: the "
                "budget is 0 (assumption), so this is what money there would be worth"
            )
    return pd.DataFrame(lines[:n], columns=columns)


def _written_key(value: Any) -> str:
    """A cell as the CSV tables write it: numbers to 12 significant digits, text as it is."""
    return str(_as_written(value)) if isinstance(value, (int, float)) else str(value)


def _as_written(value: Any) -> float:
    """A number as the CSV tables hold it (12 significant digits), so a table in memory and the
    same table read back from its CSV give the same sums and the same rounding."""
    return float(f"{float(value):.12g}")


def _risk_mask(budgets: pd.DataFrame) -> np.ndarray:
    """The rows of risk budgets (pool `risk:<risk>`)."""
    return budgets["pool"].astype(str).str.startswith(RISK).to_numpy(dtype=bool)


def money(budgets: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Budget, spent and unspent (US$ million) of the pools, of risk mitigation and in all.

    Returns:
        `{"pools": {...}, "risk_mitigation": {...}, "total": {...}}`, each with the keys
        `budget`, `spent` and `unspent`; the pools' budget counts carried money once.
    """
    risk = _risk_mask(budgets)
    parts = {}
    for name, rows in (("pools", budgets[~risk]), ("risk_mitigation", budgets[risk])):
        parts[name] = {
            key: math.fsum(_as_written(v) for v in rows[f"{key}_musd"])
            for key in ("budget", "spent", "unspent")
        }
    parts["total"] = {
        key: math.fsum(parts[p][key] for p in ("pools", "risk_mitigation"))
        for key in ("budget", "spent", "unspent")
    }
    return parts


def shown_money(budgets: pd.DataFrame) -> dict[str, dict[str, int]]:
    """`money` in whole US$ million that add up as shown: each part's budget is its spent plus
    its unspent, the totals are the parts' sums, and the total spent (the whole-rounded sum) is
    split between investment and risk mitigation by largest remainder, as the sector x phase
    table splits it (`rounding.rounded_grid`), so both show the same numbers. The budgets of the
    pools and of risk mitigation are whole-rounded."""
    from allocator.report.rounding import largest_remainder, whole

    exact = money(budgets)
    pools, risk = exact["pools"], exact["risk_mitigation"]
    budget_p = whole(pools["spent"] + pools["unspent"])
    budget_r = whole(risk["spent"] + risk["unspent"])
    invest, mitigated = largest_remainder([pools["spent"], risk["spent"]])
    shown = {
        "pools": {"budget": budget_p, "spent": invest, "unspent": budget_p - invest},
        "risk_mitigation": {
            "budget": budget_r,
            "spent": mitigated,
            "unspent": budget_r - mitigated,
        },
    }
    shown["total"] = {k: shown["pools"][k] + shown["risk_mitigation"][k] for k in shown["pools"]}
    return shown


def money_words(budgets: pd.DataFrame, unit: str = "US$ million") -> str:
    """`budget 56,400 US$ million (pools 52,000, risk mitigation 4,400), spent 48,270
    (investment 43,938, risk mitigation 4,332), unspent 8,130`; without risk budgets, the
    pools' alone (`budget 290 US$ million, spent 190, unspent 100`)."""
    shown = shown_money(budgets)
    total, pools, risk = shown["total"], shown["pools"], shown["risk_mitigation"]
    if not _risk_mask(budgets).any():
        return f"budget {total['budget']:,} {unit}, spent {total['spent']:,}, unspent " + (
            f"{total['unspent']:,}"
        )
    return (
        f"budget {total['budget']:,} {unit} (pools {pools['budget']:,}, {MITIGATION} "
        f"{risk['budget']:,}), spent {total['spent']:,} (investment {pools['spent']:,}, "
        f"{MITIGATION} {risk['spent']:,}), unspent {total['unspent']:,}"
    )


def mitigation_of(tables: dict[str, pd.DataFrame]) -> pd.Series | None:
    """Mitigation money (US$ million) by phase, in time order, from a run's `budgets` table
    (the years of each phase, the risk budgets) and its `reduced_costs` table (the `mitigate`
    columns): the row beside the sectors in a sector x phase table. Every phase of the pool
    rows is there (0 where nothing is spent); a year in no such phase is a column of its own,
    named by the year, so no money is left out. None when the run has no risk budget (or was
    written before budgets.csv said the years)."""
    budgets, costs = tables.get("budgets"), tables.get("reduced_costs")
    if budgets is None or costs is None or "first_year" not in budgets.columns:
        return None
    risk = _risk_mask(budgets)
    if not risk.any():
        return None
    pools = budgets[~risk].sort_values(["first_year", "phase"])
    columns = (pools[c].tolist() for c in ("phase", "first_year", "last_year"))
    phase_of = {
        y: str(phase)
        for phase, first, last in zip(*columns, strict=True)
        for y in range(int(first), int(last) + 1)
    }
    spent: dict[str, list[float]] = {p: [] for p in dict.fromkeys(phase_of.values())}
    mitigate = costs[costs["family"] == "mitigate"]
    for year, value in sorted(zip(mitigate["year"], mitigate["value"], strict=True)):
        label = phase_of.get(int(year), str(int(year)))
        spent.setdefault(label, []).append(_as_written(value))
    return pd.Series({p: math.fsum(v) for p, v in spent.items()}, name=MITIGATION, dtype=float)
