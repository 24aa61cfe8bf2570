"""Where each budget went, and why money stays: the `budgets` table (budgets.csv).

One row per pool and phase of pools.csv: the budget, what the plan spent, what it carried in
from the phase before and out to the next, what stays unspent (the budget row's slack), the
budget row's shadow price with its unit, and in words why the money stays. The words are read
from the solution, never guessed: for every investment column of the pool in that phase, the
rows that hold it (a tight row in which more of that column would push past the bound), a
timing window (the column's upper bound is 0), or, when nothing holds it, its reduced cost (more
money there would not raise the objective).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd

from allocator.data.schema import Inputs
from allocator.model import families
from allocator.model.solution import Solution

TIGHT = 1e-7
"""A row holds a column when its activity is within this (relative to its bound) of the bound."""
MONEY = 1e-6
"""US$ million below which a budget counts as spent (solver noise)."""

COLUMNS = [
    "pool",
    "phase",
    "budget_musd",
    "carried_in_musd",
    "spent_musd",
    "carried_out_musd",
    "unspent_musd",
    "shadow_price",
    "unit",
    "why_unspent",
]


def budgets(inp: Inputs, sol: Solution, matrix: Any) -> pd.DataFrame:
    """Pool x phase: budget, carried in, spent, carried out, unspent, price, why (`COLUMNS`).

    Args:
        inp: the dataset.
        sol: the solution (its column and row tables, in the LP's order).
        matrix: the LP's constraint matrix (`model.sparse.CscMatrix`, rows x columns, in the
            order of `sol.rows` and `sol.columns`): which rows each column enters.
    """
    cols, rows = sol.columns, sol.rows
    value = cols["value"].to_numpy(dtype=float)
    invest = cols[cols["family"] == "invest"]
    carry = cols[cols["family"] == "carry"]
    carried = {
        (r.pool, r.phase): float(value[i])
        for i, r in zip(carry.index, carry.itertuples(), strict=True)
    }
    phase_of = inp.phase_of_year
    spent: dict[tuple[str, str], float] = defaultdict(float)
    columns_of: dict[tuple[str, str], list[int]] = defaultdict(list)
    for j, pool, year in zip(invest.index, invest["pool"], invest["year"], strict=True):
        key = (str(pool), phase_of[int(year)])
        spent[key] += float(value[j])
        columns_of[key].append(int(j))
    budget_rows = rows[rows["family"] == "budget"]
    price = {(r.pool, r.phase): float(r.shadow_price) for r in budget_rows.itertuples()}
    phases = [p.phase for p in inp.phases]
    held = _Holds(sol, matrix)
    unit = families.price_unit(sol.objective_unit, "budget", {})
    records = []
    for pool in sorted(inp.pools, key=lambda p: (p.pool, phases.index(p.phase))):
        key = (pool.pool, pool.phase)
        before = phases.index(pool.phase) - 1
        came = carried.get((pool.pool, phases[before]), 0.0) if before >= 0 else 0.0
        out = carried.get(key, 0.0)
        left = pool.budget_musd + came - spent[key] - out
        left = 0.0 if abs(left) < MONEY else left
        records.append(
            {
                "pool": pool.pool,
                "phase": pool.phase,
                "budget_musd": pool.budget_musd,
                "carried_in_musd": came,
                "spent_musd": spent[key],
                "carried_out_musd": out,
                "unspent_musd": left,
                "shadow_price": price.get(key, np.nan),
                "unit": unit if key in price else "",
                "why_unspent": _why(pool, left, columns_of.get(key, []), held, key in price),
            }
        )
    return pd.DataFrame(records, columns=COLUMNS)


def _why(pool: Any, left: float, columns: list[int], held: _Holds, has_row: bool) -> str:
    """Why the money of `pool` (a pools.csv row) stays, in words; empty when it is all spent."""
    if pool.budget_musd == 0 and "budget_musd" in pool.assumption:
        return "budget is 0 (assumption: see pools.csv, column assumption)"
    if left <= 0:
        return ""
    if not columns or not has_row:
        return "no eligible program: no program this pool may fund can take money in this phase"
    by_reason: dict[str, set[str]] = defaultdict(set)
    years: dict[str, set[int]] = defaultdict(set)
    for j in columns:
        for reason, year in held.reasons(j):
            by_reason[reason].add(held.program(j))
            if year is not None:
                years[reason].add(year)
    parts = [
        f"{reason}{_years(years.get(reason, set()))}: {', '.join(sorted(progs))}"
        for reason, progs in sorted(by_reason.items(), key=lambda kv: (_rank(kv[0]), kv[0]))
    ]
    return "every eligible program is held: " + "; ".join(parts)


def _rank(reason: str) -> int:
    """Program-level reasons first (window, cap, ramp), then the rows of groups and links."""
    return 0 if reason.startswith(("outside", "at its", "more money")) else 1


def _years(years: set[int]) -> str:
    """` in 2025-2027, 2037` for the years of a row family that holds, or ``."""
    if not years:
        return ""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return " in " + ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


class _Holds:
    """What keeps each investment column from taking more money, read from the solution."""

    def __init__(self, sol: Solution, matrix: Any) -> None:
        self.cols, self.rows, self.matrix = sol.columns, sol.rows, matrix
        body = self.rows["body"].to_numpy(dtype=float)
        lower = self.rows["lower"].to_numpy(dtype=float)
        upper = self.rows["upper"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            self.at_upper = np.isfinite(upper) & (
                upper - body <= TIGHT * np.maximum(1.0, np.abs(upper))
            )
            self.at_lower = np.isfinite(lower) & (
                body - lower <= TIGHT * np.maximum(1.0, np.abs(lower))
            )
        self.unit = f"{sol.objective_unit} per musd"

    def program(self, j: int) -> str:
        """The program of investment column `j`."""
        return str(self.cols.at[j, "program"])

    def reasons(self, j: int) -> list[tuple[str, int | None]]:
        """Why column `j` holds no more money: the rows that hold it (with their year, if
        any), its window, or its price."""
        col = self.cols.loc[j]
        if float(col["upper"]) <= 0:
            return [("outside its timing window", None)]
        start, end = int(self.matrix.indptr[j]), int(self.matrix.indptr[j + 1])
        found = []
        for i, a in zip(self.matrix.indices[start:end], self.matrix.data[start:end], strict=True):
            i = int(i)
            if (a > 0 and self.at_upper[i]) or (a < 0 and self.at_lower[i]):
                found.append(self._words(i))
        found = [w for w in found if w[0]]
        if found:
            return sorted(set(found), key=str)
        return [(f"more money would not raise the objective (reduced cost <= 0 {self.unit})", None)]

    def _words(self, i: int) -> tuple[str, int | None]:
        """A tight row in words, from the program's point of view, and its year (rows of one
        family and labels but the year are said once); "" for the pool's own budget."""
        row = self.rows.loc[i]
        fam = str(row["family"])
        dims = families.family_of(fam).dims
        year = int(row["year"]) if "year" in dims else None
        if fam == "budget":
            return "", None
        if fam == "program_cap":
            return "at its cap (program_cap)", None
        if fam == "ramp":
            return "at its absorption limit (ramp)", year
        labels = [str(row[k]) for k in dims if k != "year"]
        return f"{fam}({','.join(labels)}) is tight", year


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
    from allocator.report.tables import ONE_SIDED, top_shadow_prices

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
        same = (key[0], r["shadow_price"], *(str(r[c]) for c in sides))
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
