"""One `add_<family>` function per constraint family of MODEL.md, its algebra in the docstring.

Every row is built from (coefficient, column positions) blocks over pre-grouped index lists (no
scans inside rules) and appended to the `linear.LinearModel` as one record per family: that
record is the model, which the hand-off and the Pyomo view (`linear.to_pyomo`) both read.
What each family means (index labels, unit, words, input column, relaxable) is its entry in
`allocator.model.families`; a new family is its `add_<family>` function here and that entry.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from allocator.errors import InfeasibleError
from allocator.model.linear import Blocks, LinearModel, Row, runs

if TYPE_CHECKING:
    from allocator.data.schema import Target
    from allocator.model.build import Sets


def _add(m: LinearModel, name: str, rows: dict[tuple, Row]) -> None:
    """Attach a family of rows; an empty family adds nothing."""
    m.add_rows(name, rows)


def _objective(m: LinearModel, name: str, blocks: Blocks) -> None:
    m.add_objective(name.removeprefix("obj_"), blocks)


def _var(m: LinearModel, name: str, keys: list | None, bounds: tuple) -> dict:
    """A variable family (a single variable if `keys` is None); returns key -> column position."""
    return m.add_columns(name, keys, bounds)


def add_variables(m: LinearModel, s: Sets) -> None:
    """invest[p,s,t], carry[s,f], mitigate[r,t], exports[p,y], all >= 0.

    invest outside the program's window is bounded to (0, 0) (a timing window as fixed bounds).
    """
    s.iv = _var(m, "invest", s.invest, (0.0, None))
    upper = m.column_family("invest").upper
    for i, (p, _pool, t) in enumerate(s.invest):
        prog = s.programs[p]
        if not prog.first_year <= t <= prog.last_year:
            upper[i] = 0.0
    _var(m, "carry", s.carry, (0.0, None))
    _var(m, "mitigate", s.mitigate, (0.0, None))
    _var(m, "exports", s.exports, (0.0, None))
    s.cols = m.of


def _col(s: Sets, family: str) -> dict:
    return s.cols[family]


def add_budget(m: LinearModel, s: Sets) -> None:
    """budget[s,f]: sum_{p, t in f} invest[p,s,t] + carry[s,f] - carry[s,f-1] <= budget[s,f]."""
    carry = _col(s, "carry")
    rows: dict[tuple, Row] = {}
    for pool in s.inputs.pools:
        key = (pool.pool, pool.phase)
        cols = [s.iv[k] for k in s.by_pool_phase.get(key, [])]
        if key in carry:
            cols.append(carry[key])
        blocks: Blocks = [(1.0, cols)]
        i = s.phases.index(pool.phase)
        if i > 0 and (pool.pool, s.phases[i - 1]) in carry:
            blocks.append((-1.0, [carry[pool.pool, s.phases[i - 1]]]))
        if cols or len(blocks) > 1:
            rows[key] = (None, blocks, pool.budget_musd)
    _add(m, "budget", rows)


def add_program_cap(m: LinearModel, s: Sets) -> None:
    """program_cap[p]: sum_{s,t} invest[p,s,t] <= cap[p]."""
    rows: dict[tuple, Row] = {
        (p,): (None, [(1.0, [s.iv[k] for k in keys])], s.programs[p].cap_musd)
        for p, keys in s.by_program.items()
    }
    _add(m, "program_cap", rows)


def add_program_floor(m: LinearModel, s: Sets) -> None:
    """program_floor[p]: sum_{s,t} invest[p,s,t] >= floor[p], for floors above zero."""
    rows: dict[tuple, Row] = {
        (p,): (prog.floor_musd, [(1.0, [s.iv[k] for k in s.by_program.get(p, [])])], None)
        for p, prog in s.programs.items()
        if prog.floor_musd > 0
    }
    _add(m, "program_floor", rows)


def add_ramp(m: LinearModel, s: Sets) -> None:
    """ramp[p,t]: sum_s invest[p,s,t] <= max_annual_share[p] * cap[p], inside p's window."""
    rows: dict[tuple, Row] = {}
    for p, keys in s.by_program.items():
        prog = s.programs[p]
        if prog.max_annual_share >= 1:
            continue
        per_year: dict[int, list[int]] = {}
        for k in keys:
            if prog.first_year <= k[2] <= prog.last_year:
                per_year.setdefault(k[2], []).append(s.iv[k])
        for t, cols in sorted(per_year.items()):
            rows[(p, t)] = (None, [(1.0, cols)], prog.max_annual_share * prog.cap_musd)
    _add(m, "ramp", rows)


def _members_by_phase(s: Sets, dimensions: set[str]) -> dict[tuple[str, str, str], list[int]]:
    """Investment columns by (dimension, member, phase or all), in investment order.

    Each program's columns are split by phase once; a program attribute (sector, minerals, ...)
    then adds whole per-program lists. `pool` varies within a program and is read per column.
    """
    out: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    own: dict[str, tuple[list[int], dict[str, list[int]]]] = {}
    for p, keys in s.by_program.items():
        cols = [s.iv[k] for k in keys]
        phases: dict[str, list[int]] = defaultdict(list)
        for k, j in zip(keys, cols, strict=True):
            phases[s.phase_of[k[2]]].append(j)
        own[p] = (cols, phases)
    for dim in dimensions:
        if dim == "pool":
            for k in s.invest:
                j = s.iv[k]
                out[(dim, k[1], "all")].append(j)
                out[(dim, k[1], s.phase_of[k[2]])].append(j)
            continue
        for p, (cols, phases) in own.items():
            value = getattr(s.programs[p], dim)
            if value is None:
                continue
            out[(dim, str(value), "all")] += cols
            for f, fcols in phases.items():
                out[(dim, str(value), f)] += fcols
    return out


def add_groups(m: LinearModel, s: Sets) -> None:
    """group_max/min[d,m,f]: spending of member m of dimension d in phase f (or all) <= / >= limit.

    group_share[d,m,f]: that spending - max_share * (all spending in f) <= 0.
    """
    fams: dict[str, dict[tuple, Row]] = {"group_max": {}, "group_min": {}, "group_share": {}}
    members = _members_by_phase(s, {g.dimension for g in s.inputs.groups})
    for g in s.inputs.groups:
        inside = members.get((g.dimension, g.member, g.phase), [])
        idx = (g.dimension, g.member, g.phase)
        if g.max_musd is not None and inside:
            fams["group_max"][idx] = (None, [(1.0, inside)], g.max_musd)
        if g.min_musd is not None and g.min_musd > 0 and not inside:
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
        if g.min_musd is not None and inside:
            fams["group_min"][idx] = (g.min_musd, [(1.0, inside)], None)
        if g.max_share is not None and inside:
            keys = s.invest if g.phase == "all" else s.by_phase.get(g.phase, [])
            member = set(inside)
            outside = [j for j in map(s.iv.__getitem__, keys) if j not in member]
            blocks = [(1.0 - g.max_share, inside), (-g.max_share, outside)]
            fams["group_share"][idx] = (None, blocks, 0.0)
    for name, rows in fams.items():
        _add(m, name, rows)


def add_risk_budget(m: LinearModel, s: Sets) -> None:
    """risk_budget[r]: sum_t mitigate[r,t] <= budget[r]."""
    mitigate = _col(s, "mitigate")
    rows: dict[tuple, Row] = {
        (r.risk,): (
            None,
            [(1.0, [mitigate[r.risk, t] for t in range(r.first_year, r.last_year + 1)])],
            r.budget_musd,
        )
        for r in s.inputs.risks
    }
    _add(m, "risk_budget", rows)


def _exposure_by_year(s: Sets, risk: str) -> dict[int, Blocks]:
    """Year -> (weight, investment columns) of each program exposed to `risk`."""
    weight = {x.program: x.weight for x in s.inputs.exposures if x.risk == risk and x.weight > 0}
    by_year: dict[int, Blocks] = {}
    for p, w in weight.items():
        per_year: dict[int, list[int]] = {}
        for k in s.by_program.get(p, []):
            per_year.setdefault(k[2], []).append(s.iv[k])
        for t, cols in per_year.items():
            by_year.setdefault(t, []).append((w, cols))
    return by_year


def add_risk_cover(m: LinearModel, s: Sets) -> None:
    """risk_cover[r,t]: sum_p w[p,r] * invest[p,.,<=t] - coverage[r] * mitigate[r,<=t] <= 0.

    Risk attaches when money is committed, so exposure counts investment (not productive capital)
    up to year t; mitigation must have been spent by then. One row per year from the first year
    any exposed money can be spent.

    Each row is the previous year's blocks plus that year's.
    """
    mitigate = _col(s, "mitigate")
    rows: dict[tuple, Row] = {}
    for r in s.inputs.risks:
        by_year = _exposure_by_year(s, r.risk)
        if not by_year:
            continue
        exposed: Blocks = []  # grows year by year: each row is the prefix up to its year
        cover: list[int] = []
        for t in s.years:
            if t in by_year:
                exposed += by_year[t]
            if r.first_year <= t <= r.last_year:
                cover.append(mitigate[r.risk, t])
            if exposed:
                covered: Blocks = [(-r.coverage, list(cover))] if cover else []
                rows[(r.risk, t)] = (None, [*exposed, *covered], 0.0)
    _add(m, "risk_cover", rows)


def add_export_capacity(m: LinearModel, s: Sets) -> None:
    """export_capacity[p,y]: exports[p,y] - exports_per_musd[p] * capital[p,y] <= 0."""
    exports = _col(s, "exports")
    rows: dict[tuple, Row] = {}
    for p, y in s.exports:
        e = s.programs[p].exports_per_musd
        capital = [s.iv[k] for k in s.capital_terms(p, y)]
        rows[(p, y)] = (None, [(1.0, [exports[p, y]]), (-e, capital)], 0.0)
    _add(m, "export_capacity", rows)


def market_rows(s: Sets) -> dict[tuple[str, str, int], float]:
    """{(dimension, member, milestone year): market * share}; a row holds until the next."""
    limits: dict[tuple[str, str, int], float] = {}
    for mk in sorted(s.inputs.markets, key=lambda r: (r.key, r.year)):
        for y in s.milestones:
            if y >= mk.year:
                limits[(*mk.key, y)] = mk.market_musd * mk.max_share
    return limits


def add_export_market(m: LinearModel, s: Sets) -> None:
    """export_market[d,m,y]: sum of exports[p,y] over programs p of member m <= market * share."""
    exports = _col(s, "exports")
    exporters: dict[tuple[str, str], list[str]] = {}
    for p, prog in s.programs.items():
        if prog.exports_per_musd > 0:
            exporters.setdefault(("program", p), []).append(p)
            if prog.export_category:
                exporters.setdefault(("export_category", prog.export_category), []).append(p)
    rows: dict[tuple, Row] = {}
    for (dim, member, y), limit in market_rows(s).items():
        ps = exporters.get((dim, member), [])
        if ps:
            rows[(dim, member, y)] = (None, [(1.0, [exports[p, y] for p in ps])], limit)
    _add(m, "export_market", rows)


def add_objectives(m: LinearModel, s: Sets) -> None:
    """obj_jobs = sum_p jobs_per_musd[p] * capital[p, Y]; obj_exports = sum_p exports[p, Y].

    Y is the last milestone year. Both are declared; the solver weighs them per run.
    """
    y = s.milestones[-1]
    _objective(m, "obj_jobs", _achieved(s, "jobs", list(s.programs), y))
    _objective(m, "obj_exports", _achieved(s, "exports", list(s.programs), y))


def _group_programs(s: Sets, dimension: str, member: str | None) -> list[str]:
    if dimension == "total":
        return list(s.programs)
    return [p for p, prog in s.programs.items() if getattr(prog, dimension) == member]


def target_weight(value: float, weight: float | None) -> float:
    """Weight of a unit of shortfall: as given, else 1/target (shortfall counted as a share)."""
    if weight is not None:
        return weight
    return 1.0 / value if value > 0 else 0.0


def add_targets(m: LinearModel, s: Sets, mode: str) -> None:
    """target[k,d,m,y]: jobs or exports of group m at milestone y (+ shortfall) >= target.

    jobs = sum_p jobs_per_musd[p] * capital[p, y]; exports = sum_p exports[p, y]. With `soft`,
    shortfall[k,d,m,y] >= 0 absorbs what cannot be met; obj_shortfall = -sum w * shortfall is
    solved first, and shortfall_total (sum w * shortfall <= least found) then holds it while the
    real objective is maximised. `hard` has no shortfall: an unmet target makes the LP infeasible.
    """
    targets = [t for t in s.inputs.targets if t.value > 0]
    if mode == "off" or not targets:
        return
    rows: dict[tuple, Row] = {}
    weights, unreachable = {}, []
    keys = [(t.kind, t.dimension, t.member or "all", t.year) for t in targets]
    shortfall = _var(m, "shortfall", keys, (0.0, None)) if mode == "soft" else {}
    for t, key in zip(targets, keys, strict=True):
        blocks = _achieved(s, t.kind, _group_programs(s, t.dimension, t.member), t.year)
        if mode == "soft":
            blocks.append((1.0, [shortfall[key]]))
            weights[key] = target_weight(t.value, t.weight)
        elif not any(cols for _, cols in blocks):
            unreachable.append(_unreachable(s, t))
        rows[key] = (t.value, blocks, None)
    if unreachable:
        raise InfeasibleError(
            f"{len(unreachable)} hard target(s) cannot be met whatever the budgets. "
            "Fix: use --targets soft, or change the targets, windows or programs below",
            details=unreachable,
        )
    _add(m, "target", rows)
    if mode == "soft":
        cols = [shortfall[k] for k in weights]
        _objective(m, "obj_shortfall", runs(cols, [-w for w in weights.values()]))
        most = sum(w * t.value for (k, w), t in zip(weights.items(), targets, strict=True))
        hold: Row = (None, runs(cols, list(weights.values())), most)
        m.add_rows("shortfall_total", {(): hold}, scalar=True)


def _unreachable(s: Sets, t: Target) -> str:
    """Why no investment can count towards a target by its year."""
    where = f"targets.csv row {t.line}"
    what = f"  - {t.kind} target of {t.dimension} {t.member or 'all'} in {t.year} ({where})"
    serving = _group_programs(s, t.dimension, t.member)
    if t.kind == "exports":
        serving = [p for p in serving if s.programs[p].exports_per_musd > 0]
    if not serving:
        return f"{what}: no program serves it"
    when = "; ".join(_first_productive(s, p) for p in serving)
    return f"{what}: nothing can count by {t.year}: {when}"


def _first_productive(s: Sets, p: str) -> str:
    prog = s.programs[p]
    spend = sorted(
        {k[2] for k in s.by_program.get(p, []) if prog.first_year <= k[2] <= prog.last_year}
    )
    if not spend:
        window = f"{prog.first_year}-{prog.last_year}"
        return f"{p} has no eligible pool with a budget in its window {window}"
    pools = sorted({k[1] for k in s.by_program[p] if k[2] == spend[0]})
    return (
        f"{p} can first get money in {spend[0]} (window {prog.first_year}-{prog.last_year}, "
        f"pools {', '.join(pools)}) and it counts from {spend[0] + prog.lag_years} "
        f"(lag {prog.lag_years} years)"
    )


def _achieved(s: Sets, kind: str, programs: list[str], year: int) -> Blocks:
    """Blocks of the jobs or exports of `programs` at `year`: one per program for jobs."""
    if kind == "jobs":
        blocks: Blocks = []
        for p in programs:
            rate = s.programs[p].jobs_per_musd
            if rate:
                blocks.append((rate, [s.iv[k] for k in s.capital_terms(p, year)]))
        return blocks
    exports = _col(s, "exports")
    return [(1.0, [exports[p, year] for p in programs if (p, year) in exports])]


@dataclass(frozen=True)
class Robust:
    """A robust jobs plan over sampled scenarios (see add_robust)."""

    kind: str  # "cvar" or "worst-case"
    scenarios: tuple[dict[str, tuple[float, int]], ...]  # program -> (jobs_per_musd, lag)
    beta: float = 0.9
    cap: float | None = None  # cvar: most expected shortfall in the worst (1 - beta) share
    reference: float = 0.0  # cvar: the nominal plan's jobs, from which shortfall is counted


def _scenario_jobs(s: Sets, scenario: dict[str, tuple[float, int]]) -> Blocks:
    year = s.milestones[-1]
    blocks: Blocks = []
    for p, keys in s.by_program.items():
        rate, lag = scenario.get(p, (s.programs[p].jobs_per_musd, s.programs[p].lag_years))
        if rate:
            blocks.append((rate, [s.iv[k] for k in keys if k[2] <= year - lag]))
    return blocks


def add_robust(m: LinearModel, s: Sets, robust: Robust | None) -> None:
    """Robust jobs over scenarios s = 1..S, one allocation for all of them.

    jobs_s = sum_p jobs_per_musd[p, s] * capital[p, Y] with scenario lags.
    cvar (Rockafellar-Uryasev): maximise (1/S) sum_s jobs_s subject to
      eta + 1 / ((1 - beta) S) sum_s u_s <= cap            (row cvar_cap: its dual is the price
      u_s >= reference - jobs_s - eta, u_s >= 0             of risk, jobs per job of the cap)
    where reference - jobs_s is scenario s's shortfall against the nominal plan.
    worst-case: maximise w subject to w <= jobs_s for every s (rows worst_case[s]).
    The robust objective is declared beside obj_jobs; the solver uses it as the jobs objective.
    """
    if robust is None:
        return
    n = len(robust.scenarios)
    jobs = [_scenario_jobs(s, sc) for sc in robust.scenarios]
    scen = list(range(1, n + 1))
    if robust.kind == "worst-case":
        worst = _var(m, "worst", None, (None, None))[None]
        rows: dict[tuple, Row] = {(k,): (0.0, [*jobs[k - 1], (-1.0, [worst])], None) for k in scen}
        _add(m, "worst_case", rows)
        _objective(m, "obj_robust", [(1.0, [worst])])
        return
    eta = _var(m, "eta", None, (None, None))[None]
    tail = _var(m, "tail", scen, (0.0, None))
    rows = {(k,): (robust.reference, [*jobs[k - 1], (1.0, [tail[k], eta])], None) for k in scen}
    _add(m, "cvar_tail", rows)
    weight = 1.0 / ((1.0 - robust.beta) * n)
    cap: Row = (
        None,
        [(1.0, [eta]), (weight, [tail[k] for k in scen])],
        robust.cap if robust.cap is not None else 1e12,
    )
    m.add_rows("cvar_cap", {(): cap}, scalar=True)
    mean: dict[int, float] = defaultdict(float)
    for blocks in jobs:
        for c, cols in blocks:
            for j in cols:
                mean[j] += c / n
    _objective(m, "obj_robust", runs(list(mean), list(mean.values())))
