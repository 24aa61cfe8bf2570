"""Outcomes as levels: the base that exists before the plan, and returns that diminish in tranches.

`add_base` adds the `base` columns (one per base.csv row, fixed at its value: what exists at
the start, held in every later year; before the export rows, whose markets hold the level) and
`add_levels`, for each tranche of tranches.csv, the `excess` columns and `tranche` rows

    tranche[sector, level, t]:  sum_p jobs_per_musd[p] * capital[p, t] + base[sector]
                                - excess[sector, level, t] <= max(level, base[sector])

so excess >= (base + new) - level, and at least 0; a base already past the level is not
diminished (the share is of the jobs further money would create: excess >= new). Every jobs
outcome counts -(share before - share) * excess: maximised, excess is exactly the part of the
level past the tranche's start, and jobs there count only at the tranche's share. The return
is concave and piecewise linear in the money (shares may not rise with the level), so the model
stays an LP.
`level_blocks` gives the objectives (`measures.py`), targets (`targets.py`) and the robust rows
their base and tranche terms. Pyomo-free and highspy-free.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allocator.data.levels import penalties, tranche_limit
from allocator.model.declare import BY_KIND, Labels, Source, Term, family, variable
from allocator.model.linear import Blocks, LinearModel, Row
from allocator.model.measures import jobs_blocks, weight_from

if TYPE_CHECKING:
    from allocator.data.schema import Inputs
    from allocator.data.schema import Row as InputRow
    from allocator.model.build import Sets


def _tranche_row(inp: Inputs, labels: Labels) -> InputRow | None:
    """The tranches.csv row of a tranche row."""
    return next(
        (
            t
            for t in inp.tranches
            if (t.member, t.from_level) == (labels["member"], labels["level"])
        ),
        None,
    )


def _tranche_terms(inp: Inputs, index: tuple[Any, ...]) -> list[Term]:
    """The programs of the tranche's sector, at full rate, in the row's year."""
    return [Term(p.program, index[2], "jobs") for p in inp.programs if p.sector == index[0]]


@variable(
    "base",
    ("kind", "dimension", "member"),
    BY_KIND,
    "{kind} of {dimension} {member} that exist before the plan",
    Source("base", "value", ("kind", "dimension", "member")),
)
def add_base(m: LinearModel, s: Sets) -> None:
    """base[kind, dimension, member] fixed at base.csv's value: a step of its own, before the
    export rows, since a category's market holds its exports level (base + new). A dataset
    without base.csv adds nothing."""
    keys = [(b.kind, b.dimension, b.member) for b in s.inputs.base]
    if keys:
        m.add_columns("base", keys, (0.0, 0.0))
        col = m.column_family("base")
        col.lower[:] = col.upper[:] = [b.value for b in s.inputs.base]


@variable(
    "excess",
    ("member", "level", "year"),
    "jobs",
    "jobs of sector {member} past {level} in {year} (counted at a lower share)",
)
@family(
    "tranche",
    ("member", "level", "year"),
    "jobs",
    "diminishing returns of sector {member} past {level} jobs in {year}",
    Source("tranches", "from_level", find=_tranche_row),
    rhs=("tranches.from_level",),
    coefficients=("programs.jobs_per_musd", "programs.lag_years"),
    terms=_tranche_terms,
)
def add_levels(m: LinearModel, s: Sets) -> None:
    """excess[member, level, year] >= 0 and the tranche rows (module docstring), on the base
    columns of `add_base`. A dataset without tranches.csv adds nothing."""
    inp = s.inputs
    rows: dict[tuple[Any, ...], Row] = {}
    for sector in sorted({t.member for t in inp.tranches}):
        programs = [p for p, prog in s.programs.items() if prog.sector == sector]
        base = base_cols(s, "jobs", "sector", sector)
        for level, _drop in penalties(inp, sector):
            for t in s.years:
                body = jobs_blocks(s, programs, {t: 1.0})
                if body:
                    limit = tranche_limit(inp, sector, level)
                    rows[(sector, _shown(level), t)] = (None, [*body, *base], limit)
    if rows:
        excess = m.add_columns("excess", list(rows), (0.0, None))
        for key, (lo, body, up) in rows.items():
            rows[key] = (lo, [*body, (-1.0, [excess[key]])], up)
        m.add_rows("tranche", rows)


def _shown(level: float) -> float | int:
    """A level as the row names show it: 25000, not 25000.0."""
    return int(level) if level.is_integer() else level


def base_cols(s: Sets, kind: str, dimension: str, member: str | None) -> Blocks:
    """The base column of a group (`total`: every base of the kind), as one block."""
    base = s.cols.get("base", {})
    cols = [
        j
        for (k, d, mem), j in base.items()
        if k == kind and (dimension == "total" or (d, mem) == (dimension, member))
    ]
    return [(1.0, cols)] if cols else []


def level_blocks(
    s: Sets,
    kind: str,
    dimension: str,
    member: str | None,
    weights: dict[int, float],
    tranches: bool = True,
) -> Blocks:
    """The base and tranche terms of `kind` of a group (dimension `total`: all) under `weights`
    (year -> weight): each base counts in every weighted year from its own year on, each excess
    -drop times its year's weight (without them if not `tranches`: a robust scenario has its own,
    `scenario_levels`)."""
    blocks: Blocks = []
    ahead = weight_from(s.years, weights) if weights else {}
    base = s.cols.get("base", {})
    for b in s.inputs.base:
        key = (b.kind, b.dimension, b.member)
        if b.kind != kind or not (dimension == "total" or key[1:] == (dimension, member)):
            continue
        w = ahead.get(b.year, 0.0)
        if w and key in base:
            blocks.append((w, [base[key]]))
    if tranches and kind == "jobs" and dimension in ("sector", "total"):
        blocks += _excess_blocks(s, None if dimension == "total" else member, weights)
    return blocks


def _excess_blocks(s: Sets, sector: str | None, weights: dict[int, float]) -> Blocks:
    excess = s.cols.get("excess", {})
    if not excess:
        return []
    drops = {
        (sec, _shown(level)): drop
        for sec in {t.member for t in s.inputs.tranches}
        for level, drop in penalties(s.inputs, sec)
    }
    blocks: Blocks = []
    for (sec, level, t), j in excess.items():
        w = weights.get(t, 0.0)
        if w and drops[(sec, level)] and (sector is None or sec == sector):
            blocks.append((-drops[(sec, level)] * w, [j]))
    return blocks


def scenario_levels(
    m: LinearModel,
    s: Sets,
    scenarios: tuple[dict[str, tuple[float, int]], ...],
    weights: dict[int, float],
) -> list[Blocks]:
    """The base and tranche terms of every robust scenario's measured jobs: a scenario's own
    `scenario_excess` columns and `scenario_tranche` rows (its jobs per musd and lags against each
    tranche's level, in each weighted year), so a scenario's jobs are levels with its own
    diminishing returns. Returns one list of blocks per scenario, in order."""
    base = level_blocks(s, "jobs", "total", None, weights, tranches=False)
    rows: dict[tuple[Any, ...], Row] = {}
    drops: dict[tuple[Any, ...], float] = {}
    for k, scenario in enumerate(scenarios, start=1):
        for sector in sorted({t.member for t in s.inputs.tranches}):
            programs = [p for p, prog in s.programs.items() if prog.sector == sector]
            own = base_cols(s, "jobs", "sector", sector)
            for level, drop in penalties(s.inputs, sector):
                for t, w in weights.items():
                    body = jobs_blocks(s, programs, {t: 1.0}, scenario)
                    if body and w and drop:
                        key = (k, sector, _shown(level), t)
                        limit = tranche_limit(s.inputs, sector, level)
                        rows[key], drops[key] = (None, [*body, *own], limit), -drop * w
    out: list[Blocks] = [list(base) for _ in scenarios]
    if not rows:
        return out
    excess = m.add_columns("scenario_excess", list(rows), (0.0, None))
    for key, (lo, body, up) in rows.items():
        rows[key] = (lo, [*body, (-1.0, [excess[key]])], up)
        out[key[0] - 1].append((drops[key], [excess[key]]))
    m.add_rows("scenario_tranche", rows)
    return out
