"""The outcomes table (outcomes.csv): jobs and exports by sector, export category and in total
at each milestone, as levels (base + new), with targets, shortfalls and a note where a sector
ends far above its target. Computed from a `Solution`, its allocation and the `Inputs`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from itertools import repeat
from typing import Any, TypedDict

import pandas as pd

from allocator.data.levels import base_of, counted_jobs
from allocator.data.schema import Inputs
from allocator.data.shares import share_of
from allocator.model.families import per_unit
from allocator.model.solution import Solution
from allocator.report.rates import one_sided, rate_words


def capital_by_program(inp: Inputs, alloc: pd.DataFrame) -> dict[tuple[str, int], float]:
    """Productive capital (US$ million) of each program at each milestone year, from the run's
    `allocation` table."""
    lag = {p.program: p.lag_years for p in inp.programs}
    capital: dict[tuple[str, int], float] = defaultdict(float)
    milestones = inp.milestones
    rows = (alloc[c].tolist() for c in ("program", "year", "invest_musd"))
    for prog, year, value in zip(*rows, strict=True):
        for m in milestones:
            if int(year) + lag[prog] <= m.year:
                capital[(prog, m.year)] += float(value)
    return capital


def outcomes(inp: Inputs, sol: Solution, alloc: pd.DataFrame) -> pd.DataFrame:
    """Jobs and exports by sector, export category and in total at each milestone, with targets.

    Outcomes are levels: `jobs` is `jobs_base` (base.csv: what exists at the start, held) plus
    `jobs_new` (what the plan's productive capital adds, past each tranche of tranches.csv only
    at its share); `exports_musd` likewise. Targets and shortfalls compare against the level.

    Args:
        inp: the dataset.
        sol: the solution (its `exports` columns).
        alloc: the run's `allocation` table, from which productive capital is counted.
    """
    capital = capital_by_program(inp, alloc)
    exports = _exports(sol.columns)
    jobs = counted_jobs_by_program(inp, capital)
    targets: dict[tuple[str, str, str, int], float] = {
        (t.kind, t.dimension, t.member or "", t.year): t.value for t in inp.targets
    }
    by_year = _by_year(capital, jobs, exports)
    records: list[OutcomeRow] = []
    for dimension in ("sector", "export_category", "total"):
        members: dict[str, list[str]] = defaultdict(list)
        for p in inp.programs:
            key = "" if dimension == "total" else getattr(p, dimension)
            if key is not None:
                members[key].append(p.program)
        for t in inp.targets:
            if t.dimension == dimension:
                members.setdefault(t.member or "", [])
        for b in inp.base:
            if b.dimension == dimension:
                members.setdefault(b.member, [])
        for member, progs in sorted(members.items()):
            for m in inp.milestones:
                group = Group(dimension, member, progs, m.year)
                records.append(_outcome_row(inp, group, by_year, targets))
    frame = pd.DataFrame(records)
    paying = _Paying(sol, alloc)
    frame["note"] = [_why_above(inp, paying, r) for r in records]
    return frame


def _exports(cols: pd.DataFrame) -> dict[tuple[str, int], float]:
    """New exports (US$ million per year) by (program, year): the `exports` columns' values, read
    as arrays."""
    at = cols["family"].to_numpy(dtype=object) == "exports"
    programs = cols["program"].to_numpy(dtype=object)[at].tolist()
    years = cols["year"].array[at].tolist()
    values = cols["value"].to_numpy(dtype=float)[at].tolist()
    return {(p, int(y)): v for p, y, v in zip(programs, years, values, strict=True)}


ABOVE_TARGET = 0.25
"""A sector's jobs more than this share above its target get a note in outcomes.csv saying why."""


class _Paying:
    """Which pools and phases pay for each sector (the allocation's rows), and each budget
    row's shadow price and one-sided columns: read once, on the first note that needs them
    (`_why_above`), not once a sector (at 1e6 nonzeros a note each re-filtered 70,000
    allocation rows)."""

    def __init__(self, sol: Solution, alloc: pd.DataFrame) -> None:
        self.sol, self.alloc = sol, alloc
        self._pools: dict[str, list[tuple[str, str]]] | None = None
        self._price: dict[tuple[str, str], tuple[float, Any]] | None = None

    def pools(self, sector: str) -> list[tuple[str, str]]:
        """The sector's (pool, phase) pairs, sorted."""
        if self._pools is None:
            paid = self.alloc[["sector", "pool", "phase"]].drop_duplicates()
            pools: dict[str, list[tuple[str, str]]] = defaultdict(list)
            for sec, pool, phase in paid.itertuples(index=False):
                pools[sec].append((pool, phase))
            self._pools = {sec: sorted(pairs) for sec, pairs in pools.items()}
        return self._pools.get(sector, [])

    def price(self) -> dict[tuple[str, str], tuple[float, Any]]:
        """Each budget row's shadow price and its one-sided columns (`rates.one_sided`, as
        shadow_prices.csv holds them) by (pool, phase)."""
        if self._price is None:
            rows = self.sol.rows
            at = (rows["family"] == "budget").to_numpy()
            sides = one_sided(self.sol)[at].itertuples(index=False)
            budget = rows[at]
            columns = (budget[c].tolist() for c in ("pool", "phase", "shadow_price"))
            self._price = {
                (pool, phase): (float(price), side)
                for pool, phase, price, side in zip(*columns, sides, strict=True)
            }
        return self._price


def _why_above(inp: Inputs, paying: _Paying, r: OutcomeRow) -> str:
    """Why a sector's jobs in the last milestone year are more than `ABOVE_TARGET` above its
    target: which pools pay, what one more musd of each buys (`_one_more`), and the tranche its
    returns are in; else empty."""
    target, jobs = r["jobs_target"], float(r["jobs"])
    if r["dimension"] != "sector" or r["year"] != inp.last_milestone:
        return ""  # ahead of an earlier milestone's target is not money a sector cannot use
    if not target or jobs <= (1 + ABOVE_TARGET) * float(target):
        return ""
    sector = str(r["member"])
    price, unit = paying.price(), per_unit(paying.sol.objective_unit, "musd")
    paid = [key for key in paying.pools(sector) if key in price]
    if any(math.isnan(price[key][0]) for key in paid):  # a plan without duals (an alternative)
        return _why_above_unpriced(inp, r, [f"{pool} {phase}" for pool, phase in paid])
    pools = "; ".join(
        f"{pool} {phase}, {_one_more(price[(pool, phase)][1], unit)}" for pool, phase in paid
    )
    return (
        f"{_above(r)}: the pools that pay for it ({pools or 'none'}) "
        f"have no better use for that money{_tranche(inp, sector)}"
    )


def _one_more(side: Any, unit: str) -> str:
    """What one more musd of a budget buys, as the terminal's list says it (`rates.rate_words`):
    the whole musd as `allocator solve` on the data moved gives it, then the rate at the margin
    and the amount it holds for; where the whole musd is not computed (a budget no report
    lists), the rate and its amount alone. Never the dual alone: it may hold for 0.1 musd."""
    up_only = side._replace(loss_of_one_unit_down=math.nan)  # the down side is not quoted
    return rate_words(up_only, unit)[0]


def _why_above_unpriced(inp: Inputs, r: OutcomeRow, pools: list[str]) -> str:
    """`_why_above`'s note of a plan with no shadow prices (a near-optimal alternative): the
    pools that pay, and that what their money is worth at the margin is not known here."""
    return (
        f"{_above(r)}: the pools that pay for it ({', '.join(pools) or 'none'}; this plan is "
        "not an optimum, so it has no budget shadow price to say what one more musd of each is "
        f"worth){_tranche(inp, str(r['member']))}"
    )


def _above(r: OutcomeRow) -> str:
    """How far the row's jobs are above its target: `31% above the target of 40,000`."""
    target = float(r["jobs_target"] or 0.0)  # only called with a target
    return f"{float(r['jobs']) / target - 1:.0%} above the target of {target:,.0f}"


def _tranche(inp: Inputs, sector: str) -> str:
    """The tranche the sector's returns are in, as the tail of an above-target note."""
    ranks = sorted((t for t in inp.tranches if t.member == sector), key=lambda t: t.from_level)
    if not ranks:
        return "; no tranche diminishes its returns (tranches.csv has no row for it)"
    top = ranks[-1]
    return (
        f"; past {top.from_level:,.0f} jobs only a share {top.share:g} of further jobs "
        f"counts (tranches.csv, sector {sector})"
    )


def counted_jobs_by_program(
    inp: Inputs, capital: dict[tuple[str, int], float]
) -> dict[tuple[str, int], float]:
    """New jobs of each program at each milestone: jobs per US$ million x productive capital,
    scaled down where its sector is past a tranche (`levels.counted_jobs`, shared in
    proportion to each program's full-rate jobs)."""
    rate = {p.program: p.jobs_per_musd for p in inp.programs}
    sector = {p.program: p.sector for p in inp.programs}
    full = {k: rate[k[0]] * v for k, v in capital.items()}
    potential: dict[tuple[str, int], float] = defaultdict(float)
    for (p, year), v in full.items():
        potential[(sector[p], year)] += v
    scale = {k: counted_jobs(inp, k[0], v) / v if v > 0 else 1.0 for k, v in potential.items()}
    return {(p, year): v * scale[(sector[p], year)] for (p, year), v in full.items()}


class OutcomeRow(TypedDict):
    """A record of the outcomes table (outcomes.csv), before its note."""

    dimension: str
    member: str
    year: int
    capital_musd: float
    jobs_base: float
    jobs_new: float
    jobs: float
    exports_base_musd: float
    exports_new_musd: float
    exports_musd: float
    jobs_target: float | None
    jobs_shortfall: float | None
    exports_target_musd: float | None
    exports_shortfall_musd: float | None


@dataclass(frozen=True)
class Group:
    """A row of the outcomes table: a dimension's member, its programs, and the year."""

    dimension: str
    member: str
    programs: list[str]
    year: int


def _by_year(
    *values: dict[tuple[str, int], float],
) -> dict[int, tuple[dict[str, float], ...]]:
    """Each (program, year) table of `values` as one program table per year: a group's sum
    reads its programs' values in its order without making a key for each."""
    out: dict[int, list[dict[str, float]]] = defaultdict(lambda: [{} for _ in values])
    for k, table in enumerate(values):
        for (program, year), v in table.items():
            out[year][k][program] = v
    return {year: tuple(tables) for year, tables in out.items()}


def shortfall(target: float, level: float) -> float:
    """How far `level` falls short of `target`, 0 when it does not; a gap within 1e-9 of the
    target's size (below HiGHS's feasibility tolerance: a met target's float remainder, which
    the written level, to 12 significant digits, does not show) is 0, not 3.6e-12 jobs."""
    gap = target - level
    return gap if gap > 1e-9 * max(1.0, abs(target)) else 0.0


def _outcome_row(
    inp: Inputs,
    g: Group,
    by_year: dict[int, tuple[dict[str, float], ...]],
    targets: dict[tuple[str, str, str, int], float],
) -> OutcomeRow:
    member = g.member or None
    # capital, new jobs and new exports of the year by program (`_by_year`), summed in the
    # group's order from 0 with 0.0 where a program has none: `sum` over `get`s, key by key
    capital, jobs_of, exports = by_year.get(g.year, ({}, {}, {}))
    cap = sum(map(capital.get, g.programs, repeat(0.0)))
    jobs_new = sum(map(jobs_of.get, g.programs, repeat(0.0)))
    exp_new = sum(map(exports.get, g.programs, repeat(0.0)))
    jobs_base = base_of(inp, "jobs", g.dimension, member)
    exp_base = base_of(inp, "exports", g.dimension, member)
    jobs, exp = jobs_base + jobs_new, exp_base + exp_new
    jt = targets.get(("jobs", g.dimension, g.member, g.year))
    et = targets.get(("exports", g.dimension, g.member, g.year))
    return {
        "dimension": g.dimension,
        "member": g.member or "all",
        "year": g.year,
        "capital_musd": cap,
        "jobs_base": jobs_base,
        "jobs_new": jobs_new,
        "jobs": jobs,
        "exports_base_musd": exp_base,
        "exports_new_musd": exp_new,
        "exports_musd": exp,
        "jobs_target": jt,
        "jobs_shortfall": None if jt is None else shortfall(jt, jobs),
        "exports_target_musd": et,
        "exports_shortfall_musd": None if et is None else shortfall(et, exp),
    }


SHARE_COLUMNS = (
    "mineral",
    "year",
    "capital_musd",
    "investment_musd",
    "share_today_pct",
    "share_2040_pct",
    "share_pct",
    "share_target_pct",
    "share_shortfall_pct",
)
"""Columns of the processing-shares table (shares.csv of a run)."""


def processing_shares(inp: Inputs, alloc: pd.DataFrame) -> pd.DataFrame:
    """Each mineral's domestic processing share at each milestone of shares.csv, against its
    target: share = today + (full - today) x min(1, productive capital / investment), the
    capital being that of the mineral's processing programs (programs.csv `mineral`).

    `share_2040_pct` is the row's `full_pct` (the share the whole investment reaches; seed 000
    states it for 2040).
    """
    capital = capital_by_program(inp, alloc)
    records = []
    for r in inp.shares:
        progs = [p.program for p in inp.programs if p.mineral == r.mineral]
        cap = sum(capital.get((p, r.year), 0.0) for p in progs)
        share = share_of(r, cap)
        records.append(
            dict(
                zip(
                    SHARE_COLUMNS,
                    (r.mineral, r.year, cap, r.investment_musd, r.today_pct, r.full_pct, share),
                    strict=False,
                ),
                share_target_pct=r.target_pct,
                share_shortfall_pct=shortfall(r.target_pct, share),
            )
        )
    return pd.DataFrame(records, columns=list(SHARE_COLUMNS))
