"""Enabling investment: the `enable` rows, one family declared in one place.

Zones, utilities and market development create no jobs or exports themselves; a link of
`links.csv` says how much dependent capital or export they make possible. The rows are built
after the core families (`constraints.py`) and before the targets (`build.STEPS`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from allocator.data.links import link_programs
from allocator.model.declare import Source, Term, family
from allocator.model.linear import Blocks, LinearModel, Row

if TYPE_CHECKING:
    from allocator.data.links import Link
    from allocator.data.schema import Inputs
    from allocator.model.build import Sets


def _productive(s: Sets, programs: list[str], delay: int) -> tuple[np.ndarray, np.ndarray]:
    """Investment columns of `programs` and the year each first counts: spent in year tau, a
    program's money is productive from tau + its lag, and enables from `delay` years later.
    Ordered by that year, then by the program's place in `programs`, then by column: what
    counts by year t is a prefix."""
    a = s.arrays
    position = {p: i for i, p in enumerate(s.programs)}
    rank = np.full(len(s.programs), -1, dtype=np.int64)
    for k, p in enumerate(programs):
        rank[position[p]] = k
    cols = np.flatnonzero(rank[a.program] >= 0)
    years = a.year[cols] + a.lag[a.program[cols]] + delay
    order = np.lexsort((cols, rank[a.program[cols]], years))
    return cols[order], years[order]


def _growth_years(s: Sets, programs: list[str]) -> set[int]:
    """The years in which a dependent program's productive capital can grow (money inside its
    window becomes productive): the only years whose row is not implied by the year before."""
    years: set[int] = set()
    columns = dict(zip(s.programs, s.arrays.by_program, strict=True))
    for p in programs:
        prog = s.programs[p]
        spent = s.arrays.year[columns[p]]
        inside = spent[(spent >= prog.first_year) & (spent <= prog.last_year)]
        years.update((inside + prog.lag_years).tolist())
    return years


def _link_rows(s: Sets, link: Link) -> dict[tuple[Any, ...], Row]:
    enabling, dependent = link_programs(s.inputs, link)
    enabler, enables_from = _productive(s, enabling, link.lag_years)
    wanted: dict[int, Any] = {}
    if link.quantity == "exports":
        exports = s.cols["exports"]
        years = sorted({y for _, y in s.exports})  # the milestones, or every year (measures)
        wanted = {y: [exports[p, y] for p in dependent if (p, y) in exports] for y in years}
        wanted = {y: cols for y, cols in wanted.items() if cols}
    else:
        grows = _growth_years(s, dependent)
        if s.every_link_year and grows:
            grows = set(range(min(grows), s.years[-1] + 1))
        capital, counts_from = _productive(s, dependent, 0)
        for t in s.years:
            if t in grows:
                wanted[t] = capital[: np.searchsorted(counts_from, t, side="right")]
    rows: dict[tuple[Any, ...], Row] = {}
    for t in s.years:
        if t in wanted:
            have = enabler[: np.searchsorted(enables_from, t, side="right")]
            blocks: Blocks = [(1.0, wanted[t])]
            if have.size:
                blocks.append((-link.ratio, have))
            rows[(link.link, t)] = (None, blocks, 0.0)
    return rows


def enable_terms(inp: Inputs, index: tuple[Any, ...]) -> list[Term]:
    """The program terms of the enable row `index` (link, year): a capital link's dependents
    (1 while productive by the year) and every link's enablers (-ratio while productive by the
    year less the link's lag)."""
    link = next(x for x in inp.links if x.link == index[0])
    enabling, dependent = link_programs(inp, link)
    year = index[1]
    terms = [Term(p, year, "enabled") for p in dependent] if link.quantity == "capital" else []
    return terms + [Term(p, year - link.lag_years, "enabler", link.link) for p in enabling]


@family(
    "enable",
    ("link", "year"),
    "musd",
    "what link {link} enables in {year} (at most ratio x enabling capital)",
    Source("links", "ratio", ("link",)),
    coefficients=("links.ratio", "links.lag_years", "programs.lag_years"),
    terms=enable_terms,
)
def add_enable(m: LinearModel, s: Sets) -> None:
    """enable[l,t]: Q(D_l, t) - ratio_l * sum_{e in E_l} capital[e, t - lag_l] <= 0.

    E_l and D_l are the programs the link's enabler and dependent name; capital[p, t] is p's
    money productive in year t (spent no later than t - lag_years[p]). For quantity `capital`,
    Q is the dependent programs' productive capital, with a row for every year in which it can
    grow (every year from the first, with `Sets.every_link_year`); for `exports`,
    Q = sum_p exports[p, t] at every year with exports (the milestones, or every year under
    a path measure, see `measures`). The shadow price is what
    one more unit of the dependent quantity, beyond what the enabler allows, would add to the
    objective; ratio x price is what one more US$ million of enabling capital is worth there.
    """
    rows: dict[tuple[Any, ...], Row] = {}
    for link in s.inputs.links:
        rows.update(_link_rows(s, link))
    m.add_rows("enable", rows)
