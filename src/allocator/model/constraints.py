"""The core constraint families of MODEL.md: one `add_<family>` each, its algebra in the docstring.

Every row is built from (coefficient, column positions) blocks over pre-grouped index lists (no
scans inside rules) and appended to the `linear.LinearModel` as one record per family: that
record is the model, which the hand-off and the Pyomo view (`linear.to_pyomo`) both read.
What each family means (index labels, unit, words, input column, relaxable, the data columns that
feed it) is declared on its function with `@family(...)` (metadata only); `build.STEPS` lists the
function, which makes it a build step: a new family is one decorated function and one entry of
that table of contents. The invest columns as arrays (`InvestArrays`) are in `investarrays.py`,
the targets in `targets.py`, the objectives in `objectives.py`, the robust rows and their spec
(`Robust`) in `robust.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from allocator.errors import InfeasibleError
from allocator.model.declare import Source, family, variable
from allocator.model.investarrays import InvestArrays
from allocator.model.linear import INDEX, Blocks, LinearModel, Row
from allocator.model.robust import Robust

__all__ = ["Robust"]  # its import path before it moved to robust.py (issue 26)

if TYPE_CHECKING:
    from allocator.model.build import Sets


def add_rows(m: LinearModel, name: str, rows: dict[tuple[Any, ...], Row]) -> None:
    """Attach a family of rows; an empty family adds nothing."""
    m.add_rows(name, rows)


def _var(
    m: LinearModel, name: str, keys: list[Any] | None, bounds: tuple[float | None, float | None]
) -> dict[Any, int]:
    """A variable family (a single variable if `keys` is None); returns key -> column position."""
    return m.add_columns(name, keys, bounds)


@variable(
    "invest",
    ("program", "pool", "year"),
    "musd",
    "{pool} money into {program} in {year}",
    Source("programs", "first_year/last_year", ("program",)),
)
@variable("carry", ("pool", "phase"), "musd", "{pool} budget carried from {phase} to the next")
@variable("mitigate", ("risk", "year"), "musd", "mitigation of {risk} risk in {year}")
@variable("exports", ("program", "year"), "musd", "exports of {program} in {year}")
def add_variables(m: LinearModel, s: Sets) -> None:
    """invest[p,s,t], carry[s,f], mitigate[r,t], exports[p,y], all >= 0.

    invest outside the program's window is bounded to (0, 0) (a timing window as fixed bounds).
    """
    s.iv = _var(m, "invest", s.invest, (0.0, None))
    if m.column_family("invest").start != 0:  # InvestArrays' positions are column positions
        raise ValueError("internal: invest must be the first column family")
    s.arrays = a = InvestArrays.of(s)
    first = np.array([p.first_year for p in s.programs.values()], dtype=np.int64)
    last = np.array([p.last_year for p in s.programs.values()], dtype=np.int64)
    outside = (a.year < first[a.program]) | (a.year > last[a.program])
    m.column_family("invest").upper[outside] = 0.0
    _var(m, "carry", s.carry, (0.0, None))
    _var(m, "mitigate", s.mitigate, (0.0, None))
    _var(m, "exports", s.exports, (0.0, None))
    s.cols = m.of


def column_positions(s: Sets, family: str) -> dict[Any, int]:
    """The column positions of the variable family `family`, by index key."""
    return s.cols[family]


@family(
    "budget",
    ("pool", "phase"),
    "musd",
    "budget of pool {pool} in {phase}",
    Source("pools", "budget_musd", ("pool", "phase")),
    relaxable=True,
    rhs=("pools.budget_musd",),
)
def add_budget(m: LinearModel, s: Sets) -> None:
    """budget[s,f]: sum_{p, t in f} invest[p,s,t] + carry[s,f] - carry[s,f-1] <= budget[s,f]."""
    carry = column_positions(s, "carry")
    a = s.arrays
    rows: dict[tuple[Any, ...], Row] = {}
    for pool in s.inputs.pools:
        key = (pool.pool, pool.phase)
        inside = (a.pool == a.pools.index(pool.pool)) & (a.phase == _position(s.phases, pool.phase))
        cols = np.flatnonzero(inside)
        if key in carry:
            cols = np.append(cols, carry[key])
        blocks: Blocks = [(1.0, cols)]
        i = s.phases.index(pool.phase)
        if i > 0 and (pool.pool, s.phases[i - 1]) in carry:
            blocks.append((-1.0, [carry[pool.pool, s.phases[i - 1]]]))
        if len(cols) or len(blocks) > 1:
            rows[key] = (None, blocks, pool.budget_musd)
    add_rows(m, "budget", rows)


def _position(names: list[str], name: str) -> int:
    """The position of `name` in `names`, -1 if it is not there (a mask then selects nothing)."""
    return names.index(name) if name in names else -1


def _program_columns(s: Sets) -> dict[str, np.ndarray]:
    """Each program's invest columns, in column order, by program in `Sets.programs`' order
    (empty for a program without one)."""
    return dict(zip(s.programs, s.arrays.by_program, strict=True))


@family(
    "program_cap",
    ("program",),
    "musd",
    "cap on program {program}",
    Source("programs", "cap_musd", ("program",)),
    relaxable=True,
    rhs=("programs.cap_musd",),
)
def add_program_cap(m: LinearModel, s: Sets) -> None:
    """program_cap[p]: sum_{s,t} invest[p,s,t] <= cap[p], for programs with invest columns.

    The rows' entries are the invest columns sorted by program (stable: column order within)."""
    a, progs = s.arrays, list(s.programs.values())
    counts = np.bincount(a.program, minlength=len(progs))
    have = np.flatnonzero(counts).tolist()
    keys = [(progs[i].program,) for i in have]
    caps = np.array([float(progs[i].cap_musd) for i in have])
    order = np.argsort(a.program, kind="stable")
    entries = (np.repeat(np.arange(len(have)), counts[have]), order, np.ones(order.size))
    m.add_entries("program_cap", keys, np.full(len(have), -np.inf), caps, entries)


@family(
    "program_floor",
    ("program",),
    "musd",
    "floor on program {program}",
    Source("programs", "floor_musd", ("program",)),
    relaxable=True,
)
def add_program_floor(m: LinearModel, s: Sets) -> None:
    """program_floor[p]: sum_{s,t} invest[p,s,t] >= floor[p], for floors above zero."""
    cols = _program_columns(s)
    rows: dict[tuple[Any, ...], Row] = {
        (p,): (prog.floor_musd, [(1.0, cols[p])], None)
        for p, prog in s.programs.items()
        if prog.floor_musd > 0
    }
    add_rows(m, "program_floor", rows)


@family(
    "ramp",
    ("program", "year"),
    "musd",
    "absorption limit of {program} in {year}",
    Source("programs", "max_annual_share", ("program",)),
    relaxable=True,
    rhs=("programs.cap_musd",),
    scale="max_annual_share",
)
def add_ramp(m: LinearModel, s: Sets) -> None:
    """ramp[p,t]: sum_s invest[p,s,t] <= max_annual_share[p] * cap[p], inside p's window.

    Rows by program (in `Sets.programs`' order), then year; each row's columns in column order:
    one stable sort of the columns inside a limited program's window by (program, year).
    """
    a, progs = s.arrays, list(s.programs.values())
    limited = np.array([p.max_annual_share < 1 for p in progs], dtype=bool)
    first = np.array([p.first_year for p in progs], dtype=np.int64)
    last = np.array([p.last_year for p in progs], dtype=np.int64)
    limit = np.array([p.max_annual_share * p.cap_musd for p in progs], dtype=float)
    program, year = a.program, a.year
    cols = np.flatnonzero(limited[program] & (year >= first[program]) & (year <= last[program]))
    cols = cols[np.lexsort((year[cols], program[cols]))]  # stable: column order within a row
    p, t = program[cols], year[cols]
    new = np.ones(cols.size, dtype=bool)
    new[1:] = (p[1:] != p[:-1]) | (t[1:] != t[:-1])
    starts = np.flatnonzero(new)
    names = list(s.programs)
    keys = [(names[i], y) for i, y in zip(p[starts].tolist(), t[starts].tolist(), strict=True)]
    n = len(keys)
    entries = (np.cumsum(new) - 1, cols, np.ones(cols.size))
    m.add_entries("ramp", keys, np.full(n, -np.inf), limit[p[starts]], entries)


_GROUP = ("dimension", "member", "phase")


def _members(
    s: Sets, values: dict[str, np.ndarray], dimension: str, member: str, phase: str
) -> npt.NDArray[np.bool_]:
    """Which investment columns belong to `member` of `dimension` in `phase` (or `all`), as a
    mask. `pool` varies within a program and is read per column; a program attribute (sector,
    minerals, ...) per program, as text (`values`: dimension -> each program's, filled here)."""
    a = s.arrays
    if dimension == "pool":
        in_pool: npt.NDArray[np.bool_] = a.pool == _position(a.pools, member)
        return in_pool & _in_phase(s, phase)
    if dimension not in values:
        found = [getattr(prog, dimension) for prog in s.programs.values()]
        values[dimension] = np.array([None if v is None else str(v) for v in found], object)
    mask: npt.NDArray[np.bool_] = (
        (values[dimension] == member)[a.program] if s.programs else a.program < 0
    )
    return mask & _in_phase(s, phase)


def _in_phase(s: Sets, phase: str) -> npt.NDArray[np.bool_]:
    """Which investment columns are spent in `phase` (all of them for `all`)."""
    a = s.arrays
    if phase == "all":
        return np.ones(len(a.phase), dtype=bool)
    spent: npt.NDArray[np.bool_] = a.phase == _position(s.phases, phase)
    return spent


@family(
    "group_max",
    _GROUP,
    "musd",
    "cap on {dimension} {member} ({phase})",
    Source("groups", "max_musd", _GROUP),
    relaxable=True,
    rhs=("groups.max_musd",),
)
@family(
    "group_min",
    _GROUP,
    "musd",
    "floor on {dimension} {member} ({phase})",
    Source("groups", "min_musd", _GROUP),
    relaxable=True,
)
@family(
    "group_share",
    _GROUP,
    "musd",
    "share cap on {dimension} {member} ({phase})",
    Source("groups", "max_share", _GROUP),
    coefficients=("groups.max_share",),
)
def add_groups(m: LinearModel, s: Sets) -> None:
    """group_max/min[d,m,f]: spending of member m of dimension d in phase f (or all) <= / >= limit.

    group_share[d,m,f]: that spending - max_share * (all spending in f) <= 0.
    """
    fams: dict[str, dict[tuple[Any, ...], Row]] = {
        "group_max": {},
        "group_min": {},
        "group_share": {},
    }
    values: dict[str, np.ndarray] = {}
    for g in s.inputs.groups:
        mask = _members(s, values, g.dimension, g.member, g.phase)
        inside = np.flatnonzero(mask)
        idx = (g.dimension, g.member, g.phase)
        if g.max_musd is not None and inside.size:
            fams["group_max"][idx] = (None, [(1.0, inside)], g.max_musd)
        if g.min_musd is not None and g.min_musd > 0 and not inside.size:
            raise InfeasibleError(
                f"the plan is infeasible: the floor on {g.dimension} {g.member} ({g.phase}) "
                "cannot be met whatever the budgets. Fix: clear min_musd, or make a pool with "
                "a budget in that phase eligible for it",
                details=[
                    f"  - group_min({g.dimension},{g.member},{g.phase}): at least "
                    f"{g.min_musd:g} musd, but no pool may fund any program of {g.dimension} "
                    f"{g.member} {'in any phase' if g.phase == 'all' else 'in ' + g.phase} "
                    f"(groups.csv row {g.line}, column min_musd)"
                ],
            )
        if g.min_musd is not None and inside.size:
            fams["group_min"][idx] = (g.min_musd, [(1.0, inside)], None)
        if g.max_share is not None and inside.size:
            outside = np.flatnonzero(_in_phase(s, g.phase) & ~mask)
            blocks: Blocks = [(1.0 - g.max_share, inside), (-g.max_share, outside)]
            # a cap of 1 (or 0) makes a coefficient 0: nothing to store (numerics, the matrix)
            kept = [(c, cols) for c, cols in blocks if c != 0.0]
            fams["group_share"][idx] = (None, kept, 0.0)
    for name, rows in fams.items():
        add_rows(m, name, rows)


@family(
    "risk_budget",
    ("risk",),
    "musd",
    "mitigation budget for {risk} risk",
    Source("risks", "budget_musd", ("risk",)),
    relaxable=True,
    rhs=("risks.budget_musd",),
)
def add_risk_budget(m: LinearModel, s: Sets) -> None:
    """risk_budget[r]: sum_t mitigate[r,t] <= budget[r]."""
    mitigate = column_positions(s, "mitigate")
    rows: dict[tuple[Any, ...], Row] = {
        (r.risk,): (
            None,
            [(1.0, [mitigate[r.risk, t] for t in range(r.first_year, r.last_year + 1)])],
            r.budget_musd,
        )
        for r in s.inputs.risks
    }
    add_rows(m, "risk_budget", rows)


def _exposure(s: Sets, risk: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The investment columns exposed to `risk`, their weights and years, ordered by year, then
    by the program's place in exposures.csv, then by column: each risk_cover row is a prefix."""
    weight = {x.program: x.weight for x in s.inputs.exposures if x.risk == risk and x.weight > 0}
    a = s.arrays
    rank = np.full(len(s.programs), -1, dtype=np.int64)
    weights = np.zeros(len(s.programs))
    position = {p: i for i, p in enumerate(s.programs)}
    for k, (p, w) in enumerate(weight.items()):
        if p in position:
            rank[position[p]], weights[position[p]] = k, w
    cols = np.flatnonzero(rank[a.program] >= 0)
    cols = cols[np.lexsort((cols, rank[a.program[cols]], a.year[cols]))]
    return cols, weights[a.program[cols]], a.year[cols]


@family(
    "risk_cover",
    ("risk", "year"),
    "musd",
    "cover of {risk} risk by {year}",
    Source("risks", "coverage", ("risk",)),
    coefficients=("exposures.weight", "risks.coverage"),
)
def add_risk_cover(m: LinearModel, s: Sets) -> None:
    """risk_cover[r,t]: sum_p w[p,r] * invest[p,.,<=t] - coverage[r] * mitigate[r,<=t] <= 0.

    Risk attaches when money is committed, so exposure counts investment (not productive capital)
    up to year t; mitigation must have been spent by then. One row per year from the first year
    any exposed money can be spent.

    Each row is the previous year's entries plus that year's: a prefix of the risk's exposed
    columns ordered by year (`_exposure`), then the mitigation spent by then.
    """
    mitigate = column_positions(s, "mitigate")
    keys: list[tuple[str, int]] = []
    rows: list[int] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    for r in s.inputs.risks:
        exposed, weight, year = _exposure(s, r.risk)
        window = [t for t in s.years if r.first_year <= t <= r.last_year]
        for t in s.years:
            upto = int(np.searchsorted(year, t, side="right"))
            if not upto:
                continue
            covered = [mitigate[r.risk, y] for y in window if y <= t]
            cols += [exposed[:upto], np.array(covered, dtype=np.int64)]
            vals += [weight[:upto], np.full(len(covered), -r.coverage)]
            rows.append(upto + len(covered))
            keys.append((r.risk, t))
    n = len(keys)
    entries = (  # made in the records' integer type: no copy of half a million entries
        np.repeat(np.arange(n, dtype=INDEX), rows),
        np.concatenate(cols, dtype=INDEX, casting="same_kind") if cols else np.empty(0, INDEX),
        np.concatenate(vals) if vals else np.empty(0),
    )
    m.add_entries("risk_cover", keys, np.full(n, -np.inf), np.zeros(n), entries)
