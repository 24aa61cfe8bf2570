"""The family registry: what every row family and column family of the LP means.

One entry per family of MODEL.md: its index dimensions, the unit of its right-hand side, plain
words, the input table and column its right-hand side comes from (and how to find that input row
from the row's labels), and whether the feasibility relaxation may move it.

A constraint family is declared in one place: `@family(...)` on the `add_<family>` function that
builds its rows (in `constraints.py`, `links.py`, `targets.py` or `robust.py`) registers its entry
here and the function as a build step; `build_model` calls the steps in declaration order.
Everything else that names, labels, explains or relaxes a row (explain, solve, reports, sweep,
bench) reads the entry here. Importing any module of `allocator.model` first loads the declaring
modules (the package's `__init__`), so the registry is complete whichever module is imported.

Pyomo-free and highspy-free, so reports and explanations load without the solver stack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from allocator.data.schema import TABLES, Inputs, Row

if TYPE_CHECKING:
    from allocator.model.build import Sets
    from allocator.model.linear import LinearModel

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


Builder = Callable[["LinearModel", "Sets"], None]
"""A build step: appends its families' columns, rows or objectives to the model."""

FAMILIES: dict[str, Family] = {}
"""The constraint (row) families, by the name of their rows; filled by `family` where each
family's rows are built (`constraints.py`, `links.py`, `targets.py`, `robust.py`)."""

BUILDERS: list[Builder] = []
"""The build steps in declaration order: `build_model` calls them in this order, which is the
order of the rows, columns and objectives of the LP (and so of every output table)."""


def step(builder: Builder) -> Builder:
    """Register a build step (once), to be called by `build_model` after those declared before."""
    if builder not in BUILDERS:
        BUILDERS.append(builder)
    return builder


def family(
    name: str,
    dims: tuple[str, ...],
    unit: str,
    words: str,
    source: Source | None = None,
    relaxable: bool = False,
) -> Callable[[Builder], Builder]:
    """Declare a constraint family on the function that builds its rows.

    The decorated function becomes a build step (`step`) and the family's registry entry is
    `Family(dims, unit, words, source, relaxable)`; a function that builds several families
    carries one `family` per family.

    Args:
        name: The name of the rows (and of the family in the reports), e.g. `budget`.
        dims: The names of the index labels, in index order.
        unit: The unit of the right-hand side.
        words: The row in plain words, a format string over `dims`.
        source: Where the right-hand side comes from, if from the data.
        relaxable: Whether the feasibility relaxation may move the right-hand side.

    Returns:
        A decorator that registers the entry and the step and returns the function unchanged.

    Raises:
        ValueError: if a family of that name is already declared (two families would share
            their rows' names).
    """
    if name in FAMILIES:
        raise ValueError(f"constraint family {name!r} is declared twice")

    def declare(builder: Builder) -> Builder:
        FAMILIES[name] = Family(dims, unit, words, source, relaxable)
        return step(builder)

    return declare


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
    "base": Family(
        ("kind", "dimension", "member"),
        BY_KIND,
        "{kind} of {dimension} {member} that exist before the plan",
        Source("base", "value", ("kind", "dimension", "member")),
    ),
    "excess": Family(
        ("member", "level", "year"),
        "jobs",
        "jobs of sector {member} past {level} in {year} (counted at a lower share)",
    ),
    "scenario_excess": Family(
        ("scenario", "member", "level", "year"),
        "jobs",
        "jobs of sector {member} past {level} in {year} in scenario {scenario}",
    ),
    "worst": Family((), "jobs", "jobs in the worst scenario"),
    "eta": Family((), "jobs", "value at risk (shortfall)"),
    "tail": Family(("scenario",), "jobs", "shortfall of scenario {scenario} beyond the VaR"),
    "shortfall": Family(
        ("kind", "dimension", "member", "year"),
        BY_KIND,
        "shortfall of the {kind} target of {dimension} {member} in {year}",
    ),
    "share_shortfall": Family(
        ("mineral", "year"),
        "percent",
        "shortfall of the processing share of {mineral} in {year} (percentage points)",
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
