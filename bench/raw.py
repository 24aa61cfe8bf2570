"""The allocator LP (targets off) built directly with numpy/scipy.sparse and solved by highspy.

This is the baseline of the benchmark: the same rows, columns, bounds and costs as
`allocator.model.build.build_model(inp, "off")` + `allocator.solver.compile.compile_lp`, but
assembled as COO triplets with vectorised numpy and handed to HiGHS with one `passModel`
(column-wise CSC).
It reads only the validated `Inputs` (pydantic rows), never allocator's model code, so it is also
an independent re-derivation of the algebra of `constraints.py`:

- columns: invest[p,s,t] for pool s eligible for p with a budget row in t's phase (bounds (0,0)
  outside p's window), carry[s,f] (carry_over, not the last phase), mitigate[r,t] (risk window),
  exports[p,y] (exporting programs, milestone years);
- rows: budget, program_cap, program_floor, ramp, group_max, group_min, group_share,
  risk_budget, risk_cover, export_capacity, export_market (in that order, as allocator's);
- costs: jobs = jobs_per_musd[p] on invest spent no later than Y - lag[p] (Y = last milestone);
  exports = 1 on exports[p, Y]. Maximised.

`names=True` also produces allocator's row and column names (`budget(public,phase1)`), for the
tests that compare the two matrices entry by entry; the benchmark runs without names.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp

from allocator.model.families import name_of
from allocator.solver.highs import new_highs

INF = highspy.kHighsInf
DIMENSIONS = ("sector", "capital_group", "mineral", "export_category", "program", "pool")


@dataclass
class RawLP:
    """The LP as arrays: CSC matrix (rows x columns), bounds, both cost vectors."""

    matrix: sp.csc_array
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    costs: dict[str, np.ndarray]
    blocks: list[tuple[str, int, int]] = field(default_factory=list)  # (family, first, count)
    col_blocks: list[tuple[str, int, int]] = field(default_factory=list)
    col_names: list[str] | None = None
    row_names: list[str] | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    @property
    def nnz(self) -> int:
        return int(self.matrix.nnz)


@dataclass
class RawSolution:
    """What the raw solve returns: objective, primal values and both duals as numpy arrays."""

    objective: float
    x: np.ndarray
    row_dual: np.ndarray
    col_dual: np.ndarray
    iterations: int
    timings: dict[str, float]


class _Rows:
    """Accumulates COO triplets and row bounds family by family."""

    def __init__(self) -> None:
        self.n = 0
        self.r: list[np.ndarray] = []
        self.c: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.lo: list[np.ndarray] = []
        self.up: list[np.ndarray] = []
        self.blocks: list[tuple[str, int, int]] = []
        self.names: list[str] = []

    def family(self, name: str, lower: np.ndarray, upper: np.ndarray) -> int:
        """Open a block of len(lower) rows; returns the index of its first row."""
        first = self.n
        k = len(lower)
        if k:
            self.lo.append(np.asarray(lower, dtype=float))
            self.up.append(np.asarray(upper, dtype=float))
            self.blocks.append((name, first, k))
            self.n += k
        return first

    def add(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray | float) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        self.r.append(rows)
        self.c.append(np.asarray(cols, dtype=np.int64))
        self.v.append(np.broadcast_to(np.asarray(vals, dtype=float), rows.shape))


def assemble(inp: Any, names: bool = False) -> RawLP:  # noqa: C901 - one family per block
    """Build the LP's arrays from validated `Inputs` (allocator.data.inputs.load_inputs)."""
    years = np.array(inp.years, dtype=np.int64)
    y0, ny = int(years[0]), len(years)
    phases = [p.phase for p in inp.phases]
    nf = len(phases)
    phase_idx = {f: i for i, f in enumerate(phases)}
    year_phase = np.empty(ny, dtype=np.int64)
    for p in inp.phases:
        year_phase[p.first_year - y0 : p.last_year + 1 - y0] = phase_idx[p.phase]
    milestones = [m.year for m in inp.milestones]
    last_ms = milestones[-1]

    progs = inp.programs
    npg = len(progs)
    prog_idx = {p.program: i for i, p in enumerate(progs)}
    pools = list(dict.fromkeys(p.pool for p in inp.pools))
    npl = len(pools)
    pool_idx = {s: i for i, s in enumerate(pools)}

    first = np.array([p.first_year for p in progs], dtype=np.int64)
    last = np.array([p.last_year for p in progs], dtype=np.int64)
    cap = np.array([p.cap_musd for p in progs], dtype=float)
    floor = np.array([p.floor_musd for p in progs], dtype=float)
    share = np.array([p.max_annual_share for p in progs], dtype=float)
    lag = np.array([p.lag_years for p in progs], dtype=np.int64)
    jobs = np.array([p.jobs_per_musd for p in progs], dtype=float)
    epm = np.array([p.exports_per_musd for p in progs], dtype=float)

    # --- eligibility (P x S) and budget rows (S x F)
    sector_codes, sector_of = np.unique([p.sector for p in progs], return_inverse=True)
    sector_pos = {s: i for i, s in enumerate(sector_codes)}
    elig = np.zeros((npg, npl), dtype=bool)
    for e in inp.eligibility:
        s = pool_idx.get(e.pool)
        if s is None:
            continue
        if e.program == "*":
            elig[:, s] = True
        elif e.program is not None:
            elig[prog_idx[e.program], s] = True
        elif e.sector in sector_pos:
            elig[sector_of == sector_pos[e.sector], s] = True
    has_budget = np.zeros((npl, nf), dtype=bool)
    for b in inp.pools:
        has_budget[pool_idx[b.pool], phase_idx[b.phase]] = True

    # --- columns
    mask = elig[:, :, None] & has_budget[:, year_phase][None, :, :]
    pi, si, ti = (a.astype(np.int64) for a in np.nonzero(mask))
    n_inv = len(pi)
    fi = year_phase[ti]
    ty = years[ti]
    in_window = (ty >= first[pi]) & (ty <= last[pi])

    carry = [
        (pool_idx[b.pool], phase_idx[b.phase])
        for b in inp.pools
        if b.carry_over and phase_idx[b.phase] + 1 < nf
    ]
    carry_col0 = n_inv
    mitig = [
        (ri, t) for ri, r in enumerate(inp.risks) for t in range(r.first_year, r.last_year + 1)
    ]
    mitig_col0 = carry_col0 + len(carry)
    exporters = np.flatnonzero(epm > 0)
    nm = len(milestones)
    exp_col0 = mitig_col0 + len(mitig)
    exp_col = np.full((npg, nm), -1, dtype=np.int64)
    exp_col[exporters] = exp_col0 + np.arange(len(exporters) * nm).reshape(-1, nm)
    ncol = exp_col0 + len(exporters) * nm

    col_lower = np.zeros(ncol)
    col_upper = np.full(ncol, INF)
    col_upper[:n_inv][~in_window] = 0.0

    rows = _Rows()

    # --- budget[s,f]: invest in (s,f) + carry[s,f] - carry[s,f-1] <= budget
    has_carry = np.zeros((npl, nf), dtype=bool)
    for s, f in carry:
        has_carry[s, f] = True
    n_in = np.bincount(si * nf + fi, minlength=npl * nf).reshape(npl, nf)
    prev_carry = np.zeros((npl, nf), dtype=bool)
    prev_carry[:, 1:] = has_carry[:, :-1]
    budget_keys = [
        (pool_idx[b.pool], phase_idx[b.phase], b.budget_musd)
        for b in inp.pools
        if n_in[pool_idx[b.pool], phase_idx[b.phase]]
        or has_carry[pool_idx[b.pool], phase_idx[b.phase]]
        or prev_carry[pool_idx[b.pool], phase_idx[b.phase]]
    ]
    r0 = rows.family(
        "budget", np.full(len(budget_keys), -INF), np.array([k[2] for k in budget_keys])
    )
    budget_row = np.full((npl, nf), -1, dtype=np.int64)
    for i, (s, f, _) in enumerate(budget_keys):
        budget_row[s, f] = r0 + i
    rows.add(budget_row[si, fi], np.arange(n_inv), 1.0)
    if carry:
        cs = np.array([c[0] for c in carry])
        cf = np.array([c[1] for c in carry])
        ccols = carry_col0 + np.arange(len(carry))
        rows.add(budget_row[cs, cf], ccols, 1.0)
        rows.add(budget_row[cs, cf + 1], ccols, -1.0)

    # --- program_cap[p]: sum invest[p,.,.] <= cap (programs with a column)
    n_prog = np.bincount(pi, minlength=npg)
    capped = np.flatnonzero(n_prog > 0)
    r0 = rows.family("program_cap", np.full(len(capped), -INF), cap[capped])
    cap_row = np.full(npg, -1, dtype=np.int64)
    cap_row[capped] = r0 + np.arange(len(capped))
    rows.add(cap_row[pi], np.arange(n_inv), 1.0)

    # --- program_floor[p]: sum invest[p,.,.] >= floor, floors above 0
    floored = np.flatnonzero(floor > 0)
    if np.any(n_prog[floored] == 0):
        raise ValueError("a program with a floor has no investment column")
    r0 = rows.family("program_floor", floor[floored], np.full(len(floored), INF))
    floor_row = np.full(npg, -1, dtype=np.int64)
    floor_row[floored] = r0 + np.arange(len(floored))
    sel = np.flatnonzero(floor_row[pi] >= 0)
    rows.add(floor_row[pi[sel]], sel, 1.0)

    # --- ramp[p,t]: sum_s invest[p,s,t] <= share * cap, inside the window, share < 1
    sel = np.flatnonzero((share[pi] < 1) & in_window)
    key = pi[sel] * ny + ti[sel]
    ukey, inverse = np.unique(key, return_inverse=True)
    up = share[ukey // ny] * cap[ukey // ny]
    r0 = rows.family("ramp", np.full(len(ukey), -INF), up)
    rows.add(r0 + inverse, sel, 1.0)
    ramp_keys = ukey

    # --- groups
    group_rows = _groups(inp, rows, pi, si, fi, phase_idx, pool_idx, nf, n_inv)

    # --- risk_budget[r]: sum_t mitigate[r,t] <= budget
    risks = inp.risks
    r0 = rows.family(
        "risk_budget", np.full(len(risks), -INF), np.array([r.budget_musd for r in risks])
    )
    if mitig:
        rows.add(r0 + np.array([m[0] for m in mitig]), mitig_col0 + np.arange(len(mitig)), 1.0)

    # --- risk_cover[r,t]: sum_p w[p,r] invest[p,.,<=t] - coverage * mitigate[r,<=t] <= 0
    cover_keys = _risk_cover(inp, rows, pi, ti, years, mitig, mitig_col0, prog_idx)

    # --- export_capacity[p,y]: exports[p,y] - e[p] * invest[p,.,<=y-lag] <= 0
    n_exp = len(exporters) * nm
    r0 = rows.family("export_capacity", np.full(n_exp, -INF), np.zeros(n_exp))
    exp_row = np.full((npg, nm), -1, dtype=np.int64)
    exp_row[exporters] = r0 + np.arange(n_exp).reshape(-1, nm)
    rows.add(exp_row[exporters].ravel(), exp_col[exporters].ravel(), 1.0)
    is_exp = epm[pi] > 0
    for m, y in enumerate(milestones):
        sel = np.flatnonzero(is_exp & (ty <= y - lag[pi]))
        rows.add(exp_row[pi[sel], m], sel, -epm[pi[sel]])

    # --- export_market[d,m,y]: sum exports[p,y] over p of member m <= market * share
    market_keys = _export_market(inp, rows, epm, exp_col, milestones, prog_idx)

    # --- enable[l,t]: dependent capital or exports - ratio x enabling capital <= 0
    enable_keys = _enable(inp, rows, pi, ty, in_window, lag, exp_col, milestones, years)

    # --- objectives
    jobs_cost = np.zeros(ncol)
    counts = ty <= last_ms - lag[pi]
    jobs_cost[:n_inv] = np.where(counts, jobs[pi], 0.0)
    exports_cost = np.zeros(ncol)
    if len(exporters):
        exports_cost[exp_col[exporters, nm - 1]] = 1.0

    r = np.concatenate(rows.r) if rows.r else np.zeros(0, dtype=np.int64)
    c = np.concatenate(rows.c) if rows.c else np.zeros(0, dtype=np.int64)
    v = np.concatenate(rows.v) if rows.v else np.zeros(0)
    keep = v != 0.0
    matrix = sp.csc_array((v[keep], (r[keep], c[keep])), shape=(rows.n, ncol))
    matrix.sum_duplicates()
    matrix.sort_indices()
    lp = RawLP(
        matrix=matrix,
        col_lower=col_lower,
        col_upper=col_upper,
        row_lower=np.concatenate(rows.lo) if rows.lo else np.zeros(0),
        row_upper=np.concatenate(rows.up) if rows.up else np.zeros(0),
        costs={"jobs": jobs_cost, "exports": exports_cost},
        blocks=rows.blocks,
        col_blocks=[
            ("invest", 0, n_inv),
            ("carry", carry_col0, len(carry)),
            ("mitigate", mitig_col0, len(mitig)),
            ("exports", exp_col0, n_exp),
        ],
    )
    if names:
        lp.col_names, lp.row_names = _names(
            inp, lp, (pi, si, ti), carry, mitig, exporters, ramp_keys, group_rows,
            cover_keys, market_keys, enable_keys, budget_keys, capped, floored, pools,
            phases, years, milestones, ny,
        )  # fmt: skip
    return lp


def _member_codes(inp: Any, dim: str, pi: np.ndarray, si: np.ndarray) -> tuple[dict, np.ndarray]:
    """{member: code} and each invest column's code for dimension `dim` (-1 = none)."""
    if dim == "pool":
        pools = list(dict.fromkeys(p.pool for p in inp.pools))
        return {s: i for i, s in enumerate(pools)}, si
    values = [getattr(p, dim) for p in inp.programs]
    codes: dict[str, int] = {}
    per_prog = np.array(
        [-1 if v is None else codes.setdefault(str(v), len(codes)) for v in values],
        dtype=np.int64,
    )
    return codes, per_prog[pi]


def _groups(  # noqa: C901 - three families sharing the member lookups
    inp: Any,
    rows: _Rows,
    pi: np.ndarray,
    si: np.ndarray,
    fi: np.ndarray,
    phase_idx: dict[str, int],
    pool_idx: dict[str, int],
    nf: int,
    n_inv: int,
) -> dict[str, list[tuple]]:
    """group_max, group_min (sum of member spending in the phase or `all`) and group_share
    ((1 - share) on members, -share on the rest of the phase's or horizon's spending)."""
    groups = inp.groups
    if not groups:
        return {"group_max": [], "group_min": [], "group_share": []}
    dims = {g.dimension for g in groups}
    codes = {d: _member_codes(inp, d, pi, si) for d in dims}
    # inside counts per (dimension, member code, phase or nf = all)
    counts = {}
    for d, (table, col_code) in codes.items():
        n = len(table) + 1
        ok = col_code >= 0
        flat = np.bincount(col_code[ok] * nf + fi[ok], minlength=n * nf).reshape(n, nf)
        counts[d] = np.concatenate([flat, flat.sum(axis=1, keepdims=True)], axis=1)

    def scope(g: Any) -> int:
        return nf if g.phase == "all" else phase_idx[g.phase]

    def inside(g: Any) -> int:
        code = codes[g.dimension][0].get(g.member)
        return 0 if code is None else int(counts[g.dimension][code, scope(g)])

    live = [(g, inside(g)) for g in groups]
    for g, n in live:
        if g.min_musd is not None and g.min_musd > 0 and n == 0:
            raise ValueError(f"no program of {g.dimension} {g.member} in {g.phase}")
    fams: dict[str, list[tuple]] = {}
    # group_max and group_min: one lookup table per (family, dimension), filled by scope
    for fam, attr, lower in (("group_max", "max_musd", False), ("group_min", "min_musd", True)):
        chosen = [g for g, n in live if getattr(g, attr) is not None and n > 0]
        fams[fam] = [(g.dimension, g.member, g.phase) for g in chosen]
        rhs = np.array([getattr(g, attr) for g in chosen], dtype=float)
        if lower:
            r0 = rows.family(fam, rhs, np.full(len(chosen), INF))
        else:
            r0 = rows.family(fam, np.full(len(chosen), -INF), rhs)
        by_dim: dict[str, np.ndarray] = {}
        for i, g in enumerate(chosen):
            table = by_dim.get(g.dimension)
            if table is None:
                table = np.full((len(codes[g.dimension][0]) + 1, nf + 1), -1, dtype=np.int64)
                by_dim[g.dimension] = table
            table[codes[g.dimension][0][g.member], scope(g)] = r0 + i
        for d, table in by_dim.items():
            col_code = codes[d][1]
            for sc in (np.arange(nf), None):  # by phase, then `all`
                target = table[col_code, fi] if sc is not None else table[col_code, nf]
                sel = np.flatnonzero((col_code >= 0) & (target >= 0))
                rows.add(target[sel], sel, 1.0)
    # group_share: every column of the scope
    chosen = [g for g, n in live if g.max_share is not None and n > 0]
    fams["group_share"] = [(g.dimension, g.member, g.phase) for g in chosen]
    r0 = rows.family("group_share", np.full(len(chosen), -INF), np.zeros(len(chosen)))
    for i, g in enumerate(chosen):
        table, col_code = codes[g.dimension]
        cols = np.arange(n_inv) if g.phase == "all" else np.flatnonzero(fi == phase_idx[g.phase])
        member = col_code[cols] == table[g.member]
        vals = np.where(member, 1.0 - g.max_share, -g.max_share)
        rows.add(np.full(len(cols), r0 + i), cols, vals)
    return fams


def _risk_cover(
    inp: Any,
    rows: _Rows,
    pi: np.ndarray,
    ti: np.ndarray,
    years: np.ndarray,
    mitig: list[tuple[int, int]],
    mitig_col0: int,
    prog_idx: dict[str, int],
) -> list[tuple[str, int]]:
    """One row per risk and year from the first year any exposed column exists."""
    keys: list[tuple[str, int]] = []
    ny = len(years)
    npg = len(inp.programs)
    mitig_risk = np.array([m[0] for m in mitig], dtype=np.int64)
    mitig_year = np.array([m[1] for m in mitig], dtype=np.int64)
    weights: dict[str, np.ndarray] = {}
    for x in inp.exposures:
        if x.weight > 0:
            weights.setdefault(x.risk, np.zeros(npg))[prog_idx[x.program]] = x.weight
    plan = []  # (risk index, sorted exposed columns, their weights, counts per year)
    for ri, r in enumerate(inp.risks):
        w = weights.get(r.risk)
        if w is None:
            continue
        cols = np.flatnonzero(w[pi] > 0)
        if not len(cols):
            continue
        order = np.argsort(ti[cols], kind="stable")
        cols = cols[order]
        n_by_year = np.searchsorted(ti[cols], np.arange(ny), side="right")
        live = np.flatnonzero(n_by_year > 0)
        plan.append((ri, r, cols, w[pi[cols]], n_by_year, live))
        keys += [(r.risk, int(years[k])) for k in live]
    r0 = rows.family("risk_cover", np.full(len(keys), -INF), np.zeros(len(keys)))
    row = r0
    for ri, r, cols, wts, n_by_year, live in plan:
        mcols = np.flatnonzero(mitig_risk == ri)
        for k in live:
            n = n_by_year[k]
            rows.add(np.full(n, row), cols[:n], wts[:n])
            mk = mcols[mitig_year[mcols] <= years[k]]
            rows.add(np.full(len(mk), row), mitig_col0 + mk, -r.coverage)
            row += 1
    return keys


def _export_market(
    inp: Any,
    rows: _Rows,
    epm: np.ndarray,
    exp_col: np.ndarray,
    milestones: list[int],
    prog_idx: dict[str, int],
) -> list[tuple[str, str, int]]:
    """A market row holds for milestone years from its year until the next row of its key; a
    milestone before a key's first row takes that first row."""
    limits: dict[tuple[str, str, int], float] = {}
    by_key: dict[tuple[str, str], list[Any]] = {}
    for mk in sorted(inp.markets, key=lambda r: (r.key, r.year)):
        by_key.setdefault(mk.key, []).append(mk)
    for key, marks in by_key.items():
        for y in milestones:
            mk = next((r for r in reversed(marks) if r.year <= y), marks[0])
            limits[(*key, y)] = mk.market_musd * mk.max_share
    cats = np.array([p.export_category or "" for p in inp.programs], dtype=object)
    members: dict[tuple[str, str], np.ndarray] = {}
    keys, rhs, parts = [], [], []
    m_of = {y: i for i, y in enumerate(milestones)}
    for (dim, member, y), limit in limits.items():
        ps = members.get((dim, member))
        if ps is None:
            if dim == "program":
                i = prog_idx[member]
                ps = np.array([i] if epm[i] > 0 else [], dtype=np.int64)
            else:
                ps = np.flatnonzero((cats == member) & (epm > 0))
            members[(dim, member)] = ps
        if len(ps):
            keys.append((dim, member, y))
            rhs.append(limit)
            parts.append(exp_col[ps, m_of[y]])
    r0 = rows.family("export_market", np.full(len(keys), -INF), np.array(rhs, dtype=float))
    for i, cols in enumerate(parts):
        rows.add(np.full(len(cols), r0 + i), cols, 1.0)
    return keys


def _enable(
    inp: Any,
    rows: _Rows,
    pi: np.ndarray,
    ty: np.ndarray,
    in_window: np.ndarray,
    lag: np.ndarray,
    exp_col: np.ndarray,
    milestones: list[int],
    years: np.ndarray,
) -> list[tuple[str, int]]:
    """enable[l,t]: dependent capital (a row in each year it can grow) or exports (each
    milestone) - ratio x enabling capital productive `lag` years earlier <= 0."""
    keys: list[tuple[str, int]] = []
    plan = []
    for link in inp.links:
        side = {}
        for name, dim, names in (
            ("enabler", link.enabler_dimension, link.enablers),
            ("dependent", link.dependent_dimension, link.dependents),
        ):
            values = np.array([getattr(p, dim) for p in inp.programs], dtype=object)
            side[name] = (
                np.array([v is not None for v in values])
                if names == ("*",)
                else np.isin(values, list(names))
            )
        en_cols = np.flatnonzero(side["enabler"][pi])
        en_year = ty[en_cols] + lag[pi[en_cols]] + link.lag_years
        dep = np.flatnonzero(side["dependent"])
        if link.quantity == "exports":
            m_idx = [m for m in range(len(milestones)) if (exp_col[dep, m] >= 0).any()]
            row_years = [milestones[m] for m in m_idx]
        else:
            dep_cols = np.flatnonzero(side["dependent"][pi])
            dep_year = ty[dep_cols] + lag[pi[dep_cols]]
            grows = set(dep_year[in_window[dep_cols]].tolist())
            row_years = [int(t) for t in years if int(t) in grows]
            m_idx = []
        keys += [(link.link, t) for t in row_years]
        plan.append((link, en_cols, en_year, dep, row_years, m_idx))
    row = rows.family("enable", np.full(len(keys), -INF), np.zeros(len(keys)))
    for link, en_cols, en_year, dep, row_years, m_idx in plan:
        for k, t in enumerate(row_years):
            if link.quantity == "exports":
                cols = exp_col[dep, m_idx[k]]
                cols = cols[cols >= 0]
                rows.add(np.full(len(cols), row), cols, 1.0)
            else:
                dep_cols = np.flatnonzero(np.isin(pi, dep) & (ty + lag[pi] <= t))
                rows.add(np.full(len(dep_cols), row), dep_cols, 1.0)
            sel = en_cols[en_year <= t]
            rows.add(np.full(len(sel), row), sel, -link.ratio)
            row += 1
    return keys


def _names(
    inp, lp, inv, carry, mitig, exporters, ramp_keys, group_rows, cover_keys, market_keys,
    enable_keys, budget_keys, capped, floored, pools, phases, years, milestones, ny,
):  # fmt: skip
    """allocator's names (`family(index,...)`) for every column and row, for the tests."""
    progs = [p.program for p in inp.programs]
    pi, si, ti = inv
    cols = [
        name_of("invest", (progs[p], pools[s], int(years[t])))
        for p, s, t in zip(pi, si, ti, strict=True)
    ]
    cols += [name_of("carry", (pools[s], phases[f])) for s, f in carry]
    cols += [name_of("mitigate", (inp.risks[r].risk, t)) for r, t in mitig]
    cols += [name_of("exports", (progs[p], y)) for p in exporters for y in milestones]
    rws = [name_of("budget", (pools[s], phases[f])) for s, f, _ in budget_keys]
    rws += [name_of("program_cap", (progs[p],)) for p in capped]
    rws += [name_of("program_floor", (progs[p],)) for p in floored]
    rws += [name_of("ramp", (progs[k // ny], int(years[k % ny]))) for k in ramp_keys]
    for fam in ("group_max", "group_min", "group_share"):
        rws += [name_of(fam, k) for k in group_rows[fam]]
    rws += [name_of("risk_budget", (r.risk,)) for r in inp.risks]
    rws += [name_of("risk_cover", k) for k in cover_keys]
    rws += [name_of("export_capacity", (progs[p], y)) for p in exporters for y in milestones]
    rws += [name_of("export_market", k) for k in market_keys]
    rws += [name_of("enable", k) for k in enable_keys]
    if (len(rws), len(cols)) != lp.shape:
        raise AssertionError("names do not match the matrix")
    return cols, rws


def pass_model(lp: RawLP, cost: str = "jobs") -> highspy.Highs:
    """A fresh HiGHS instance holding `lp` (one passModel, CSC), options as allocator's."""
    h = new_highs()
    model = highspy.HighsLp()
    m, n = lp.shape
    model.num_col_, model.num_row_ = n, m
    model.col_cost_ = lp.costs[cost]
    model.col_lower_, model.col_upper_ = lp.col_lower, lp.col_upper
    model.row_lower_, model.row_upper_ = lp.row_lower, lp.row_upper
    a = lp.matrix
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = a.indptr.astype(np.int32)
    model.a_matrix_.index_ = a.indices.astype(np.int32)
    model.a_matrix_.value_ = a.data
    model.sense_ = highspy.ObjSense.kMaximize
    if h.passModel(model) != highspy.HighsStatus.kOk:
        raise RuntimeError("HiGHS refused the raw model")
    return h


def build_raw(inp: Any, names: bool = False) -> tuple[highspy.Highs, RawLP]:
    """The raw LP (jobs objective) passed to a fresh HiGHS; `info` holds arrays and timings."""
    t0 = time.perf_counter()
    lp = assemble(inp, names)
    t1 = time.perf_counter()
    h = pass_model(lp)
    lp.timings = {"build": t1 - t0, "pass": time.perf_counter() - t1}
    return h, lp


def solve_raw(h: highspy.Highs, cost: np.ndarray | None = None) -> RawSolution:
    """Run (optionally with new costs, changed in one call) and extract x and both duals."""
    t0 = time.perf_counter()
    if cost is not None:
        n = len(cost)
        h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"raw model not optimal: {h.modelStatusToString(status)}")
    t1 = time.perf_counter()
    info = h.getInfo()
    sol = h.getSolution()
    out = RawSolution(
        objective=float(info.objective_function_value),
        x=np.array(sol.col_value),
        row_dual=np.array(sol.row_dual),
        col_dual=np.array(sol.col_dual),
        iterations=int(info.simplex_iteration_count),
        timings={},
    )
    out.timings = {"solve": t1 - t0, "extract": time.perf_counter() - t1}
    return out


if __name__ == "__main__":  # python bench/raw.py DATASET: solve and print the objective
    import sys

    from allocator.data.inputs import load_inputs

    inputs = load_inputs(sys.argv[1])
    highs, raw = build_raw(inputs)
    result = solve_raw(highs)
    print(
        f"rows {raw.shape[0]} columns {raw.shape[1]} nonzeros {raw.nnz} "
        f"objective {result.objective:.10g} timings {raw.timings | result.timings}"
    )
