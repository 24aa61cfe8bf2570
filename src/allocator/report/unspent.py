"""Why money stays unspent, in words read from the solution, never guessed: for every investment
column of a pool in a phase, the rows that hold it (a tight row in which more of that column would
push past the bound), a timing window (the column's upper bound is 0), or, when nothing holds it,
its reduced cost. For a risk budget: no exposed program, cover rows with room, or exposed
programs held by other limits. `budgets.py` puts the words in budgets.csv's `why_unspent`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from allocator.data.schema import Inputs
from allocator.model import families
from allocator.model.solution import Solution
from allocator.model.sparse import CscMatrix

TIGHT = 1e-7
"""A row holds a column when its activity is within this (relative to its bound) of the bound."""


def why_risk(inp: Inputs, risk: Any, left: float, held: Holds) -> str:
    """Why mitigation money of `risk` (a risks.csv row) stays, in words, from the solution:
    mitigation only lets exposed investment in (risk_cover rows), so money stays when no
    program is exposed, when the cover rows have room, or when the exposed programs are held."""
    if risk.budget_musd == 0 and "budget_musd" in risk.assumption:
        return "budget is 0 (assumption: see risks.csv, column assumption)"
    if left <= 0:
        return ""
    exposed = sorted({x.program for x in inp.exposures if x.risk == risk.risk and x.weight > 0})
    if not exposed:
        return "no program is exposed to this risk (exposures.csv): mitigation covers nothing"
    # rows before the risk's first year do not hold mitigation: none can be spent by then
    tight = {y for y in held.tight_years("risk_cover", "risk", risk.risk) if y >= risk.first_year}
    names = ", ".join(exposed)
    if not tight:
        return (
            f"the exposed investment is covered in every year with cover to spare "
            f"(risk_cover({risk.risk},year) has room): more mitigation lets no more money in; "
            f"exposed programs: {names}"
        )
    return (
        f"more mitigation would not raise the objective (reduced cost <= 0 {held.unit}): "
        f"risk_cover({risk.risk},year) is tight{_years(tight)}; every exposed program is "
        f"held by another limit: {names}"
    )


def why_pool(pool: Any, left: float, columns: list[int], held: Holds, has_row: bool) -> str:
    """Why the money of `pool` (a pools.csv row) stays, in words; empty when it is all spent."""
    if pool.budget_musd == 0 and "budget_musd" in pool.assumption:
        return "budget is 0 (assumption: see pools.csv, column assumption)"
    if left <= 0:
        return ""
    if not columns or not has_row:
        return "no eligible program: no program this pool may fund can take money in this phase"
    by_reason: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for reason, year, program in held.held(columns):
        years = by_reason[reason][program]
        if year is not None:
            years.add(year)
    parts = [
        _clause(reason, progs)
        for reason, progs in sorted(by_reason.items(), key=lambda kv: (_rank(kv[0]), kv[0]))
    ]
    return "every eligible program is held: " + "; ".join(parts)


def _clause(reason: str, programs: dict[str, set[int]]) -> str:
    """`reason in YEARS: programs`; a program's own limit (its ramp) tight in years that differ
    between the programs says each program's years (`ramp: a in 2028-2030, b in 2028-2029`), so
    no program is said to be held in a year it is not. A shared row's years are the row's."""
    names = sorted(programs)
    own = [programs[p] for p in names]
    if _rank(reason) == 0 and any(years != own[0] for years in own):
        return f"{reason}: " + ", ".join(f"{p}{_years(programs[p])}" for p in names)
    return f"{reason}{_years(set().union(*own))}: {', '.join(names)}"


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


WINDOW = "outside its timing window"
"""Why a column whose upper bound is 0 takes no money."""


class Holds:
    """What keeps each investment column from taking more money, read from the solution."""

    def __init__(self, sol: Solution, matrix: CscMatrix) -> None:
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
        # arrays read by position: a pandas row per column and per tight row cost 0.7 s a solve
        self._upper = self.cols["upper"].to_numpy(dtype=float)
        self._programs = self.cols["program"].to_numpy(dtype=object)
        self._labels: dict[str, np.ndarray] = {}
        self._said: dict[int, tuple[str, int | None]] = {}

    def tight_years(self, family: str, label: str, member: str) -> set[int]:
        """Years of the rows of `family` whose `label` is `member` that are at their bound."""
        rows = self.rows
        if label not in rows.columns or "year" not in rows.columns:
            return set()
        mask = (self._label("family") == family) & (self._label(label) == member)
        mask &= self.at_upper | self.at_lower
        return {int(y) for y in rows["year"].to_numpy()[mask]}

    def program(self, j: int) -> str:
        """The program of investment column `j`."""
        return str(self._programs[j])

    def reasons(self, j: int) -> list[tuple[str, int | None]]:
        """Why column `j` holds no more money: the rows that hold it (with their year, if
        any), its window, or its price."""
        return sorted({(reason, year) for reason, year, _ in self.held([j])}, key=str)

    def held(self, columns: list[int]) -> list[tuple[str, int | None, str]]:
        """Why each investment column of `columns` holds no more money, as (reason, year,
        program): each row that holds it (a tight row in which more of the column pushes past
        the bound; the pool's own budget is not said), else its window (upper bound 0), else
        its price. The columns' entries are read at once, not one column at a time."""
        js = np.asarray(columns, dtype=np.int64)
        shut = self._upper[js] <= 0
        said: list[tuple[str, int | None, str]] = [
            (WINDOW, None, self.program(j)) for j in js[shut].tolist()
        ]
        free = js[~shut]
        found = np.zeros(free.size, dtype=bool)
        for k, i in zip(*self._tight(free), strict=True):
            reason, year = self._words(i)
            if reason:
                found[k] = True
                said.append((reason, year, self.program(free[k])))
        price = f"more money would not raise the objective (reduced cost <= 0 {self.unit})"
        return said + [(price, None, self.program(j)) for j in free[~found].tolist()]

    def _tight(self, columns: np.ndarray) -> tuple[list[int], list[int]]:
        """The entries of `columns` whose row is at the bound the column pushes against (a > 0
        at its upper bound, a < 0 at its lower): each as (position in `columns`, row)."""
        ptr = self.matrix.indptr
        start = ptr[columns].astype(np.int64)
        counts = ptr[columns + 1] - start
        owner = np.repeat(np.arange(columns.size), counts)
        entry = np.arange(owner.size) + np.repeat(start - (np.cumsum(counts) - counts), counts)
        rows, a = self.matrix.indices[entry], self.matrix.data[entry]
        tight = ((a > 0) & self.at_upper[rows]) | ((a < 0) & self.at_lower[rows])
        return owner[tight].tolist(), rows[tight].tolist()

    def _label(self, column: str) -> np.ndarray:
        """A column of the row table as an array, read once."""
        if column not in self._labels:
            self._labels[column] = self.rows[column].to_numpy(dtype=object)
        return self._labels[column]

    def _words(self, i: int) -> tuple[str, int | None]:
        """A tight row in words, from the program's point of view, and its year (rows of one
        family and labels but the year are said once); "" for the pool's own budget."""
        said = self._said.get(i)
        if said is None:
            said = self._said[i] = self._say(i)
        return said

    def _say(self, i: int) -> tuple[str, int | None]:
        fam = str(self._label("family")[i])
        if fam == "budget":
            return "", None
        if fam == "program_cap":
            return "at its cap (program_cap)", None
        dims = families.family_of(fam).dims
        year = int(self._label("year")[i]) if "year" in dims else None
        if fam == "ramp":
            return "at its absorption limit (ramp)", year
        labels = [str(self._label(k)[i]) for k in dims if k != "year"]
        return f"{fam}({','.join(labels)}) is tight", year
