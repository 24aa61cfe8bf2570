"""The family registry: what every row family and column family of the LP means.

One entry per family of MODEL.md: its index dimensions, the unit of its right-hand side, plain
words, the input table and column its right-hand side comes from (and how to find that input row
from the row's labels), and whether the feasibility relaxation may move it. The rows themselves
are built by the family's `add_<family>` function in `constraints.py`; everything else that
names, labels, explains or relaxes a row (explain, solve, reports, sweep, bench) reads it here.

Pyomo-free and highspy-free, so reports and explanations load without the solver stack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from allocator.data.schema import TABLES, Inputs, Row

Labels = dict[str, Any]
Finder = Callable[[Inputs, Labels], Row | None]

BY_KIND = "jobs or musd, by kind"
"""The unit of a target row: jobs for a jobs target, musd for an exports target."""

WEIGHTED_SHORTFALL = "weighted shortfall"
"""Shortfalls summed with weight 1/target (or targets.csv's weight): a share of the targets."""


@dataclass(frozen=True)
class Source:
    """Where a family's right-hand side is read from.

    Attributes:
        table: The field of `Inputs` (and of `schema.TABLES`), e.g. `pools`.
        column: The column of that table that is the right-hand side, e.g. `budget_musd`.
        match: The labels that equal fields of the input row, e.g. `("pool", "phase")`; empty
            with `find` unset means no single row (e.g. a sum over all targets).
        find: A lookup for rows that plain equality cannot find (markets, targets).
    """

    table: str
    column: str
    match: tuple[str, ...] = ()
    find: Finder | None = None

    @property
    def file(self) -> str:
        """The input file, e.g. `pools.csv`."""
        return TABLES[self.table][0]

    def row(self, inp: Inputs, labels: Labels) -> Row | None:
        """The input row behind a row with these labels, or None if there is not one."""
        if self.find is not None:
            return self.find(inp, labels)
        if not self.match:
            return None
        rows: tuple[Row, ...] = getattr(inp, self.table)
        key = {k: labels[k] for k in self.match}
        return next((r for r in rows if all(getattr(r, k) == v for k, v in key.items())), None)


@dataclass(frozen=True)
class Family:
    """How the outputs name, label, explain and relax the rows (or columns) of one family.

    Attributes:
        dims: The names of the index labels, in index order.
        unit: The unit of the right-hand side (of the value, for a column family); `BY_KIND` for
            targets.
        words: The row in plain words, a format string over `dims`.
        source: Where the right-hand side (or a column's bounds) comes from, if from the data.
        relaxable: Whether the feasibility relaxation may move the right-hand side (only numbers
            that are in the data: structural rows with a right-hand side of 0 stay).
    """

    dims: tuple[str, ...]
    unit: str
    words: str
    source: Source | None = None
    relaxable: bool = False


def _market_row(inp: Inputs, labels: Labels) -> Row | None:
    """The markets.csv row in force in the row's year: the latest one not after it."""
    key, year = (labels["dimension"], labels["member"]), int(str(labels["year"]))
    rows = [mk for mk in inp.markets if mk.key == key and mk.year <= year]
    return max(rows, key=lambda mk: mk.year, default=None)


def _target_row(inp: Inputs, labels: Labels) -> Row | None:
    """The targets.csv row of a target; the total's member is `all` in the row name, empty in
    the file."""
    member = None if labels["member"] == "all" else labels["member"]
    key = {"kind": labels["kind"], "dimension": labels["dimension"], "member": member}
    key["year"] = labels["year"]
    return next((t for t in inp.targets if all(getattr(t, k) == v for k, v in key.items())), None)


_GROUP = ("dimension", "member", "phase")

FAMILIES: dict[str, Family] = {
    "budget": Family(
        ("pool", "phase"),
        "musd",
        "budget of pool {pool} in {phase}",
        Source("pools", "budget_musd", ("pool", "phase")),
        relaxable=True,
    ),
    "program_cap": Family(
        ("program",),
        "musd",
        "cap on program {program}",
        Source("programs", "cap_musd", ("program",)),
        relaxable=True,
    ),
    "program_floor": Family(
        ("program",),
        "musd",
        "floor on program {program}",
        Source("programs", "floor_musd", ("program",)),
        relaxable=True,
    ),
    "ramp": Family(
        ("program", "year"),
        "musd",
        "absorption limit of {program} in {year}",
        Source("programs", "max_annual_share", ("program",)),
        relaxable=True,
    ),
    "group_max": Family(
        _GROUP,
        "musd",
        "cap on {dimension} {member} ({phase})",
        Source("groups", "max_musd", _GROUP),
        relaxable=True,
    ),
    "group_min": Family(
        _GROUP,
        "musd",
        "floor on {dimension} {member} ({phase})",
        Source("groups", "min_musd", _GROUP),
        relaxable=True,
    ),
    "group_share": Family(
        _GROUP,
        "musd",
        "share cap on {dimension} {member} ({phase})",
        Source("groups", "max_share", _GROUP),
    ),
    "risk_budget": Family(
        ("risk",),
        "musd",
        "mitigation budget for {risk} risk",
        Source("risks", "budget_musd", ("risk",)),
        relaxable=True,
    ),
    "risk_cover": Family(
        ("risk", "year"),
        "musd",
        "cover of {risk} risk by {year}",
        Source("risks", "coverage", ("risk",)),
    ),
    "export_capacity": Family(
        ("program", "year"),
        "musd",
        "export capacity of {program} in {year}",
        Source("programs", "exports_per_musd", ("program",)),
    ),
    "target": Family(
        ("kind", "dimension", "member", "year"),
        BY_KIND,
        "{kind} target of {dimension} {member} in {year}",
        Source("targets", "value", find=_target_row),
        relaxable=True,
    ),
    "shortfall_total": Family(
        (),
        WEIGHTED_SHORTFALL,
        "least weighted shortfall of the targets",
        Source("targets", "value"),
    ),
    "worst_case": Family(("scenario",), "jobs", "jobs in scenario {scenario}"),
    "cvar_tail": Family(("scenario",), "jobs", "shortfall of scenario {scenario} beyond the VaR"),
    "cvar_cap": Family((), "jobs", "CVaR cap: expected shortfall in the worst scenarios"),
    "export_market": Family(
        ("dimension", "member", "year"),
        "musd",
        "export market of {dimension} {member} in {year}",
        Source("markets", "market_musd", find=_market_row),
        relaxable=True,
    ),
}
"""The constraint (row) families, by the name of their Pyomo component."""

VARIABLES: dict[str, Family] = {
    "invest": Family(
        ("program", "pool", "year"),
        "musd",
        "{pool} money into {program} in {year}",
        Source("programs", "first_year/last_year", ("program",)),
    ),
    "carry": Family(("pool", "phase"), "musd", "{pool} budget carried from {phase} to the next"),
    "mitigate": Family(("risk", "year"), "musd", "mitigation of {risk} risk in {year}"),
    "exports": Family(("program", "year"), "musd", "exports of {program} in {year}"),
    "worst": Family((), "jobs", "jobs in the worst scenario"),
    "eta": Family((), "jobs", "value at risk (shortfall)"),
    "tail": Family(("scenario",), "jobs", "shortfall of scenario {scenario} beyond the VaR"),
    "shortfall": Family(
        ("kind", "dimension", "member", "year"),
        BY_KIND,
        "shortfall of the {kind} target of {dimension} {member} in {year}",
    ),
}
"""The variable (column) families, by the name of their Pyomo component."""


def name_of(family: str, index: tuple[object, ...]) -> str:
    """The row or column name written to model.lp / model.mps, e.g. `budget(public,phase1)`."""
    return f"{family}({','.join(map(str, index))})" if index else family


def family_of(family: str) -> Family:
    """The registry entry of a row or column family."""
    return FAMILIES[family] if family in FAMILIES else VARIABLES[family]


def labels_of(family: str, index: tuple[object, ...]) -> Labels:
    """The index of a row or column as labels, e.g. `{"pool": "public", "phase": "p1"}`."""
    return dict(zip(family_of(family).dims, index, strict=True))


def words(family: str, labels: Labels) -> str:
    """A row or column in plain words, e.g. `budget of pool scaleup in phase2`."""
    fam = family_of(family)
    return fam.words.format(**{d: labels.get(d) for d in fam.dims})


def unit_of(family: str, labels: Labels) -> str:
    """The unit of a row's right-hand side (a column's value): `musd`, `jobs`, ..."""
    unit = family_of(family).unit
    if unit == BY_KIND:
        return "jobs" if labels.get("kind") == "jobs" else "musd"
    return unit


_PER = {"jobs": "job", WEIGHTED_SHORTFALL: f"unit of {WEIGHTED_SHORTFALL}"}


def price_unit(objective_unit: str, family: str, labels: Labels) -> str:
    """The unit of a row's shadow price: objective unit per unit of its right-hand side."""
    unit = unit_of(family, labels)
    return f"{objective_unit} per {_PER.get(unit, unit)}"


def where(inp: Inputs, family: str, labels: Labels) -> str:
    """The input file, row and column a row comes from, e.g. `pools.csv row 2, column x`."""
    source = family_of(family).source
    if source is None:
        return "the model's structure, not an input number"
    row = source.row(inp, labels)
    at = f"{source.file} row {row.line}" if row is not None else source.file
    return f"{at}, column {source.column}"


def relaxable(family: str) -> bool:
    """Whether the feasibility relaxation may move this row family's right-hand side."""
    return family in FAMILIES and FAMILIES[family].relaxable
