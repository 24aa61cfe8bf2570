"""The export families of MODEL.md: `export_capacity` (what a program's productive capital can
export each year) and `export_market` (what the market in force takes of a category's or a
program's exports level: a category's base counts, `add_export_market`), one `add_<family>`
each, its algebra in the docstring, declared and listed like those of `constraints.py`."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np

from allocator.model.constraints import add_rows, column_positions
from allocator.model.declare import Labels, Source, Term, family
from allocator.model.investarrays import InvestArrays
from allocator.model.linear import Blocks, LinearModel, Row

if TYPE_CHECKING:
    from allocator.data.schema import Inputs, Market
    from allocator.data.schema import Row as InputRow
    from allocator.model.build import Sets


@family(
    "export_capacity",
    ("program", "year"),
    "musd",
    "export capacity of {program} in {year}",
    Source("programs", "exports_per_musd", ("program",)),
    coefficients=("programs.exports_per_musd", "programs.lag_years"),
    terms=lambda _inp, index: [Term(index[0], index[1], "exports")],
)
def add_export_capacity(m: LinearModel, s: Sets) -> None:
    """export_capacity[p,y]: exports[p,y] - exports_per_musd[p] * capital[p,y] <= 0.

    Each row (in `Sets.exports`' order): exports[p,y], then p's invest columns spent by
    y - lag[p], in column order; every (row, column of its program) pair at once, then a mask.
    """
    n = len(s.exports)
    if not n:
        return
    a, position = s.arrays, {p: i for i, p in enumerate(s.programs)}
    progs = list(s.programs.values())
    rate = np.array([p.exports_per_musd for p in progs], dtype=float)
    lag = np.array([p.lag_years for p in progs], dtype=np.int64)
    exports = column_positions(s, "exports")
    program = np.array([position[p] for p, _ in s.exports], dtype=np.int64)
    last = np.array([y for _, y in s.exports], dtype=np.int64) - lag[program]
    row, cand = _pairs(a, program, len(progs))
    keep = a.year[cand] <= last[row]
    row, cand = row[keep], cand[keep]
    at = np.arange(row.size) + row + 1  # after the exports entry of its row and every row before
    col = np.empty(n + row.size, dtype=np.int64)
    val = np.empty(n + row.size)
    heads = np.arange(n) + np.searchsorted(row, np.arange(n))
    col[heads], val[heads] = [exports[k] for k in s.exports], 1.0
    col[at], val[at] = cand, -rate[program[row]]
    entries = (np.repeat(np.arange(n), np.bincount(row, minlength=n) + 1), col, val)
    m.add_entries("export_capacity", list(s.exports), np.full(n, -np.inf), np.zeros(n), entries)


def _pairs(a: InvestArrays, program: np.ndarray, programs: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (row, invest column of the row's program) pair of rows whose program (position in
    `Sets.programs`, of `programs`) is `program[row]`: row by row, each in column order."""
    order = np.argsort(a.program, kind="stable")  # each program's columns, in column order
    per_program = np.bincount(a.program, minlength=programs)
    first = np.cumsum(per_program) - per_program  # of each program's columns in `order`
    count = per_program[program]
    row = np.repeat(np.arange(program.size), count)
    within = np.arange(row.size) - np.repeat(np.cumsum(count) - count, count)
    return row, order[np.repeat(first[program], count) + within]


def _market_row(inp: Inputs, labels: Labels) -> InputRow | None:
    """The markets.csv row behind an export_market row (`market_in_force`)."""
    key = (labels["dimension"], labels["member"])
    # a year read back from a CSV whose year column has blanks (a --risk run's) is 2040.0
    return market_in_force(inp, key, int(float(str(labels["year"]))))


def market_in_force(inp: Inputs, key: tuple[str, str], year: int) -> InputRow | None:
    """The markets.csv row of `key` in force in `year`: the latest one not after it, else (for a
    year before the first figure) the earliest."""
    rows = [mk for mk in inp.markets if mk.key == key]
    before = [mk for mk in rows if mk.year <= year]
    if before:
        return max(before, key=lambda mk: mk.year)
    return min(rows, key=lambda mk: mk.year, default=None)


def markets_of(inp: Inputs, keys: list[tuple[str, str, int]]) -> list[Market | None]:
    """The markets.csv row that sets each export_market row (dimension, member, year), as
    `market_rows` picks it: the latest not after the year, else the earliest; None if none."""
    by_key: dict[tuple[str, str], list[Market]] = defaultdict(list)
    for mk in inp.markets:
        by_key[mk.key].append(mk)
    for rows in by_key.values():
        rows.sort(key=lambda r: r.year)
    found: list[Market | None] = []
    for dim, member, y in keys:
        rows = by_key.get((dim, member), [])
        found.append(next((r for r in reversed(rows) if r.year <= y), rows[0] if rows else None))
    return found


def market_rows(s: Sets) -> dict[tuple[str, str, int], float]:
    """{(dimension, member, year): market * share} for every year with exports (milestones, or
    every year under a path measure): the figure in force, the latest one not after the year.
    A year before a market's first figure takes that first figure (markets are taken not to
    be larger before the seeds date them)."""
    years = sorted({y for _, y in s.exports})
    limits: dict[tuple[str, str, int], float] = {}
    by_key: dict[tuple[str, str], list[Market]] = defaultdict(list)
    for mk in s.inputs.markets:
        by_key[mk.key].append(mk)
    for key, rows in sorted(by_key.items()):
        rows.sort(key=lambda r: r.year)
        for y in years:
            mk = next((r for r in reversed(rows) if r.year <= y), rows[0])
            limits[(*key, y)] = mk.market_musd * mk.max_share
    return limits


@family(
    "export_market",
    ("dimension", "member", "year"),
    "musd",
    "export market of {dimension} {member} in {year}",
    Source("markets", "market_musd", find=_market_row),
    relaxable=True,
    rhs=("markets.market_musd",),
    scale="max_share",
)
def add_export_market(m: LinearModel, s: Sets) -> None:
    """export_market[d,m,y]: sum of exports[p,y] over programs p of member m
    + base[exports, d, m] (a category's exports before the plan, from its base year on)
    <= market * share.

    The market is a ceiling on the level a category's exports reach (base + new, as outcomes
    count them): exports that exist already hold part of it. The base is a fixed column, so the
    row's upper bound stays markets.csv's market * share (what a sweep patches); a base above it
    is refused on loading (`data.levels.market_problems`)."""
    exports = column_positions(s, "exports")
    exporters: dict[tuple[str, str], list[str]] = {}
    for p, prog in s.programs.items():
        if prog.exports_per_musd > 0:
            exporters.setdefault(("program", p), []).append(p)
            if prog.export_category:
                exporters.setdefault(("export_category", prog.export_category), []).append(p)
    rows: dict[tuple[Any, ...], Row] = {}
    for (dim, member, y), limit in market_rows(s).items():
        ps = exporters.get((dim, member), [])
        if ps:
            body: Blocks = [(1.0, [exports[p, y] for p in ps]), *_base_block(s, dim, member, y)]
            rows[(dim, member, y)] = (None, body, limit)
    add_rows(m, "export_market", rows)


def _base_block(s: Sets, dimension: str, member: str, year: int) -> Blocks:
    """The exports base column of a category in a year from its base year on (none for a
    program's market: a base is stated by category)."""
    base = s.cols.get("base", {})
    return [
        (1.0, [base[(b.kind, b.dimension, b.member)]])
        for b in s.inputs.base
        if (b.kind, b.dimension, b.member) == ("exports", dimension, member) and b.year <= year
    ]
