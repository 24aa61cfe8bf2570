"""Levels before the plan (`base.csv`) and diminishing returns (`tranches.csv`): their rules
across tables, and the lookups the model and the reports share.

Outcomes are levels: a sector's jobs at a year are its base (what exists at the start, held)
plus what new money adds; past a tranche's level only its share of further jobs counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from allocator.data.rows import MAX_JOBS, MAX_MUSD, Id, Row, Year, closest_fix
from allocator.data.rows import rule as _rule
from allocator.data.rows import unit_field as _unit
from allocator.errors import InputError

if TYPE_CHECKING:
    from allocator.data.schema import Inputs, Market

BASE_FILE = "base.csv"
MARKETS_FILE = "markets.csv"
TRANCHES_FILE = "tranches.csv"


class Base(Row):
    """A level that exists before the plan (jobs of a sector, exports of a category): outcomes
    are this base plus what new money adds."""

    kind: Literal["jobs", "exports"]
    """What is measured: jobs (of a sector) or exports (of an export category)."""
    dimension: Literal["sector", "export_category"]
    """The group the level is stated for: `sector` for jobs, `export_category` for exports."""
    member: Id
    """The sector or export category."""
    year: Year
    """The year the level is stated for (the start of the plan); it is held in later years."""
    value: float = Field(
        ge=0, json_schema_extra={"unit_from": "kind", "units": {"jobs": "count", "exports": "musd"}}
    )
    """Jobs (`20K` allowed), or US$ million per year of exports."""

    @model_validator(mode="after")
    def _plausible(self) -> Base:
        wanted = "sector" if self.kind == "jobs" else "export_category"
        if self.dimension != wanted:
            raise _rule(
                "dimension",
                f"a {self.kind} base is stated by {wanted}, not by {self.dimension}",
                f"write {wanted} (jobs are counted by sector, exports by export category)",
            )
        limit = MAX_JOBS if self.kind == "jobs" else MAX_MUSD
        if self.value > limit:
            raise _rule(
                "value",
                f"the {self.kind} base {self.value:g} is above the maximum {limit:g}",
                f"use a value of at most {limit:g} (limits: inputs/README.md)",
            )
        return self


class Tranche(Row):
    """Diminishing returns: past a jobs level of a sector, only a share of the jobs that further
    money would create counts (a concave, piecewise-linear return; still an LP)."""

    kind: Literal["jobs"]
    """What diminishes: jobs."""
    dimension: Literal["sector"]
    """The group: a sector."""
    member: Id
    """The sector."""
    from_level: float = _unit("count", ge=0, le=MAX_JOBS)
    """The jobs level (base + new) from which this tranche's share holds."""
    share: float = _unit("share", ge=0, le=1)
    """Share of the jobs further money would create that counts past `from_level`; a sector's
    shares may not rise with the level (returns diminish)."""


def level_problems(inp: Inputs) -> Iterator[InputError]:
    """Every broken rule of base.csv and tranches.csv: unknown members, a base stated after the
    first milestone, an exports base above its reachable market, and shares that rise with the
    level (returns that grow are not concave)."""
    sectors = {p.sector for p in inp.programs}
    categories = {p.export_category for p in inp.programs if p.export_category}
    categories |= {t.member for t in inp.targets if t.dimension == "export_category" and t.member}
    first = inp.milestones[0].year if inp.milestones else None
    for b in inp.base:
        known = sectors if b.dimension == "sector" else categories
        if b.member not in known:
            yield _unknown(BASE_FILE, b, b.dimension, known)
        if first is not None and b.year > first:
            yield InputError(
                f"the base is stated for {b.year}, after the first milestone {first}",
                file=BASE_FILE,
                row=b.line,
                column="year",
                fix="state the level at the start of the plan (a year up to the first milestone)",
            )
    yield from market_problems(inp)
    yield from _tranche_problems(inp, sectors)


def market_problems(inp: Inputs) -> Iterator[InputError]:
    """A category's exports base above its reachable market (market_musd x max_share) of a
    markets.csv row in force in a year from the base's year to the last milestone: the market
    holds the level (base + new), so no plan could keep within it."""
    last = inp.milestones[-1].year if inp.milestones else None
    for b in inp.base:
        if b.kind != "exports" or last is None:
            continue
        rows = sorted(
            (mk for mk in inp.markets if mk.key == ("export_category", b.member)),
            key=lambda mk: mk.year,
        )
        at_start = [mk for mk in rows if mk.year <= b.year][-1:] or rows[:1]
        for mk in [*at_start, *(mk for mk in rows if b.year < mk.year <= last)]:
            limit = mk.market_musd * mk.max_share
            if b.value > limit:
                yield _above_market(b, mk, limit)
                break


def _above_market(b: Base, mk: Market, limit: float) -> InputError:
    return InputError(
        f"the exports of {b.member} that exist before the plan, {b.value:g} US$ million a year, "
        f"are above its reachable market from {mk.year}, {limit:g} US$ million a year "
        f"({MARKETS_FILE} row {mk.line}: market_musd {mk.market_musd:g} x max_share "
        f"{mk.max_share:g}); the market holds the level, base + new",
        file=BASE_FILE,
        row=b.line,
        column="value",
        fix=f"use a value of at most {limit:g}, or raise market_musd or max_share in "
        f"{MARKETS_FILE} row {mk.line}",
    )


def _tranche_problems(inp: Inputs, sectors: set[str]) -> Iterator[InputError]:
    last: dict[str, Tranche] = {}
    for t in sorted(inp.tranches, key=lambda r: (r.member, r.from_level)):
        if t.member not in sectors:
            yield _unknown(TRANCHES_FILE, t, "sector", sectors)
        before = last.get(t.member)
        if before is not None and t.share > before.share:
            yield InputError(
                f"share {t.share:g} from level {t.from_level:g} is above the share "
                f"{before.share:g} of the lower tranche (row {before.line}): returns would grow",
                file=TRANCHES_FILE,
                row=t.line,
                column="share",
                fix=f"use a share of at most {before.share:g} (returns diminish past each level)",
            )
        last[t.member] = t


def _unknown(file: str, row: Base | Tranche, dimension: str, known: set[str]) -> InputError:
    return InputError(
        f"unknown {dimension} '{row.member}'",
        file=file,
        row=row.line,
        column="member",
        fix=closest_fix(row.member, known, f"the {dimension}s of programs.csv"),
    )


def base_of(inp: Inputs, kind: str, dimension: str, member: str | None) -> float:
    """The base of a group (`total`: every base of that kind), 0 where none is stated."""
    return sum(
        b.value
        for b in inp.base
        if b.kind == kind
        and (dimension == "total" or (b.dimension, b.member) == (dimension, member))
    )


def penalties(inp: Inputs, sector: str) -> list[tuple[float, float]]:
    """The sector's tranches as (from_level, penalty): past from_level, each further job the
    programs would create counts `1 - penalty` less than before it (the drop of the share)."""
    rows = sorted((t for t in inp.tranches if t.member == sector), key=lambda t: t.from_level)
    out, share = [], 1.0
    for t in rows:
        out.append((t.from_level, share - t.share))
        share = t.share
    return out


def tranche_limit(inp: Inputs, sector: str, level: float) -> float:
    """The jobs level (base + new) past which a tranche's share holds: its `from_level`, or the
    sector's base where that is higher. The share is of the jobs further money would create
    (tranches.csv); jobs that exist before the plan are not diminished by it."""
    return max(level, base_of(inp, "jobs", "sector", sector))


def counted_jobs(inp: Inputs, sector: str, potential: float) -> float:
    """New jobs of a sector that count, when its programs would create `potential` at the full
    rate: the concave, piecewise-linear return of its tranches (on the level base + new, each
    from `tranche_limit`)."""
    base = base_of(inp, "jobs", "sector", sector)
    return potential - sum(
        drop * max(0.0, base + potential - tranche_limit(inp, sector, level))
        for level, drop in penalties(inp, sector)
    )
