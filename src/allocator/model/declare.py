"""What a build step declares about the families it builds: metadata only, attached to the step.

`@family(...)` and `@variable(...)` record one `Family` entry each on the function that builds the
family's rows (or adds its columns); nothing is registered anywhere when a module is imported. The
registry is what `model/build.py`'s table of contents (`build.STEPS`) lists: `families.py` reads
the entries off the steps listed, in their order (`families.registry_of`).

An entry says what the outputs need to name, label, explain and relax a row or column, and which
data columns (`table.column`) feed its coefficients and right-hand side, so that a study that
changes input numbers (the sweep) finds the entries of the LP to patch through the registry.

Imports only the schema: every module of `model/` that declares a family imports this one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from allocator.data.schema import TABLES, Inputs, Row

if TYPE_CHECKING:
    from allocator.model.build import Sets
    from allocator.model.linear import LinearModel

Labels = Mapping[str, Any]
"""A row's or column's labels by name (read only here: a dict or a solution's mapping)."""
Finder = Callable[[Inputs, Labels], Row | None]

BY_KIND = "jobs or musd, by kind"
"""The unit of a target row: jobs for a jobs target, musd for an exports target."""

WEIGHTED_SHORTFALL = "weighted shortfall"
"""Shortfalls summed with weight 1/target (or targets.csv's weight): a share of the targets."""


class Term(NamedTuple):
    """A program's investment columns in one row, as a program's rate and lag feed them.

    Attributes:
        program: The program whose columns the row holds.
        year: The year the capital is counted in (a column counts if spent by year - lag).
        kind: `jobs` (its jobs per musd), `exports` (minus its exports per musd), `enabled` (1, a
            link's dependent capital) or `enabler` (minus the link's ratio).
        link: An enabler's link, whose ratio is the coefficient.
    """

    program: str
    year: int
    kind: str
    link: str = ""


Terms = Callable[[Inputs, tuple[Any, ...]], list[Term]]
"""Row index -> the program terms of that row (`Family.terms`)."""


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

    def rows_of(self, inp: Inputs) -> Callable[[Labels], Row | None]:
        """`row` for many rows of one family: the table indexed once by the `match` columns
        (the first row of each key, as `row` finds it), so each look-up is a dict's, not a scan
        of the table (806 priced rows of 1,341 programs at 1e6: 0.6 s -> a few ms)."""
        if self.find is not None or not self.match:
            return lambda labels: self.row(inp, labels)
        first: dict[tuple[Any, ...], Row] = {}
        for r in getattr(inp, self.table):
            first.setdefault(tuple(getattr(r, k) for k in self.match), r)
        return lambda labels: first.get(tuple(labels[k] for k in self.match))


@dataclass(frozen=True)
class Family:
    """How the outputs name, label, explain and relax the rows (or columns) of one family, and
    which data feed its numbers.

    Attributes:
        dims: The names of the index labels, in index order.
        unit: The unit of the right-hand side (of the value, for a column family); `BY_KIND` for
            targets.
        words: The row in plain words, a format string over `dims`.
        source: Where the right-hand side (or a column's bounds) comes from, if from the data.
        relaxable: Whether the feasibility relaxation may move the right-hand side (only numbers
            that are in the data: structural rows with a right-hand side of 0 stay).
        rhs: The data columns (`table.column`) the upper bound is, times `scale` of the same
            input row (`source.row`), e.g. `pools.budget_musd`.
        scale: The column of the input row the right-hand side is multiplied by (markets:
            `max_share`); None: the number itself.
        coefficients: The data columns that feed the matrix coefficients, e.g.
            `programs.jobs_per_musd`, `programs.lag_years`.
        terms: Row index -> the program terms of the row (`Term`), for coefficients fed by
            program columns.
        option: The command-line option the right-hand side is, when no data gives it (e.g.
            `--cvar-cap`): a conflicting set names it so.
    """

    dims: tuple[str, ...]
    unit: str
    words: str
    source: Source | None = None
    relaxable: bool = False
    rhs: tuple[str, ...] = ()
    scale: str | None = None
    coefficients: tuple[str, ...] = ()
    terms: Terms | None = field(default=None, compare=False)
    option: str | None = None


Builder = Callable[["LinearModel", "Sets"], None]
"""A build step: appends its families' columns, rows or objectives to the model."""


@dataclass
class Declared:
    """What a build step declares: its row families and its column families, by name, in the
    order the decorators are written (top first)."""

    families: dict[str, Family] = field(default_factory=dict)
    variables: dict[str, Family] = field(default_factory=dict)


ATTRIBUTE = "__allocator_declared__"
"""The attribute of a build step that holds its `Declared`."""


def declared(step: Builder) -> Declared:
    """The families and variables declared on a build step (none for a plain step)."""
    return getattr(step, ATTRIBUTE, None) or Declared()


def _attach(kind: str, name: str, entry: Family) -> Callable[[Builder], Builder]:
    def attach(builder: Builder) -> Builder:
        own = getattr(builder, ATTRIBUTE, None)
        if own is None:
            own = Declared()
            setattr(builder, ATTRIBUTE, own)
        entries: dict[str, Family] = getattr(own, kind)
        if name in entries:
            raise ValueError(f"{name!r} is declared twice on {builder.__name__}")
        # decorators apply bottom up: each new one goes first, so they list as they read
        ahead = {name: entry, **entries}
        entries.clear()
        entries.update(ahead)
        return builder

    return attach


def family(
    name: str,
    dims: tuple[str, ...],
    unit: str,
    words: str,
    source: Source | None = None,
    relaxable: bool = False,
    *,
    rhs: tuple[str, ...] = (),
    scale: str | None = None,
    coefficients: tuple[str, ...] = (),
    terms: Terms | None = None,
    option: str | None = None,
) -> Callable[[Builder], Builder]:
    """Declare a constraint family on the function that builds its rows (metadata only).

    The function is built when `build.STEPS` lists it; a function that builds several families
    carries one `family` per family.

    Args:
        name: The name of the rows (and of the family in the reports), e.g. `budget`.
        dims: The names of the index labels, in index order.
        unit: The unit of the right-hand side.
        words: The row in plain words, a format string over `dims`.
        source: Where the right-hand side comes from, if from the data.
        relaxable: Whether the feasibility relaxation may move the right-hand side.
        rhs: The data columns the right-hand side is (times `scale`), as `table.column`.
        scale: The input row's column the right-hand side is multiplied by.
        coefficients: The data columns that feed the matrix coefficients.
        terms: Row index -> the program terms of the row, for coefficients fed by programs.
        option: The command-line option the right-hand side is, if no data gives it.

    Returns:
        A decorator that attaches the entry and returns the function unchanged.
    """
    entry = Family(dims, unit, words, source, relaxable, rhs, scale, coefficients, terms, option)
    return _attach("families", name, entry)


def variable(
    name: str,
    dims: tuple[str, ...],
    unit: str,
    words: str,
    source: Source | None = None,
) -> Callable[[Builder], Builder]:
    """Declare a variable (column) family on the function that adds its columns (metadata only).

    Args:
        name: The name of the columns, e.g. `invest`.
        dims: The names of the index labels, in index order.
        unit: The unit of the value.
        words: The column in plain words, a format string over `dims`.
        source: Where its bounds come from, if from the data.

    Returns:
        A decorator that attaches the entry and returns the function unchanged.
    """
    return _attach("variables", name, Family(dims, unit, words, source))
