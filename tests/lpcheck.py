"""Independent checks of a solved LP: duality from its tables, feasibility from allocation.csv.

The feasibility check re-derives every constraint family of MODEL.md from the inputs and the
written tables, without the model's code, so a wrong row in the model cannot hide.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

TOL = 1e-6


def check_duality(sol) -> None:
    """Dual feasibility, signs, strong duality (1e-6 relative), complementary slackness."""
    rows, cols = sol.rows, sol.columns
    y = rows["shadow_price"].to_numpy()
    rc = cols["reduced_cost"].to_numpy()
    c = cols["objective_coefficient"].to_numpy()
    x = cols["value"].to_numpy()
    # c = A^T y + rc: the duals price every column exactly
    assert np.allclose(sol.lp.matrix.T @ y + rc, c, atol=1e-7)
    upper_row = np.isfinite(rows["upper"].to_numpy())
    assert (y[upper_row] >= -1e-9).all(), "a <= row of a maximisation has a negative dual"
    assert (y[~upper_row] <= 1e-9).all(), "a >= row of a maximisation has a positive dual"
    lo, up = cols["lower"].to_numpy(), cols["upper"].to_numpy()
    assert (rc[rc > 1e-9] > 0).all()
    assert np.isfinite(up[rc > 1e-9]).all()
    rhs = np.where(upper_row, rows["upper"], rows["lower"])
    bound = np.where(rc > 0, up, lo)
    dual_objective = float(y @ rhs + np.where(rc != 0, rc * np.nan_to_num(bound), 0.0).sum())
    scale = max(1.0, abs(sol.objective_value))
    assert abs(dual_objective - sol.objective_value) <= 1e-6 * scale
    body = rows["body"].to_numpy()
    slack = np.where(upper_row, rows["upper"] - body, body - rows["lower"])
    assert (slack >= -1e-6 * np.maximum(1, np.abs(rhs))).all(), "a row is violated"
    assert np.abs(y * slack).max(initial=0) <= 1e-6 * scale
    gap = np.where(rc > 0, up - x, np.where(rc < 0, x - lo, 0.0))
    assert np.abs(rc * np.nan_to_num(gap)).max(initial=0) <= 1e-6 * scale


def check_feasible(inp, tables) -> None:
    """Every constraint of MODEL.md recomputed from allocation.csv and reduced_costs.csv."""
    alloc = tables["allocation"]
    var = tables["reduced_costs"]
    phase_of = inp.phase_of_year
    progs = {p.program: p for p in inp.programs}
    invest = defaultdict(float)
    for p, s, t, v in alloc[["program", "pool", "year", "invest_musd"]].itertuples(index=False):
        invest[(p, s, int(t))] += v
        assert v >= 0
        assert progs[p].first_year <= t <= progs[p].last_year, f"{p} funded outside its window"
    budgets = {(b.pool, b.phase): b.budget_musd for b in inp.pools}
    spend = defaultdict(float)
    for (_p, s, t), v in invest.items():
        assert (s, phase_of[t]) in budgets, f"pool {s} spends in a phase without budget"
        spend[(s, phase_of[t])] += v
    phases = [p.phase for p in inp.phases]
    carried = _carry_values(var)
    for (s, f), b in budgets.items():
        i = phases.index(f)
        inflow = carried.get((s, phases[i - 1]), 0.0) if i else 0.0
        assert spend[(s, f)] + carried.get((s, f), 0.0) - inflow <= b + TOL
    total = defaultdict(float)
    per_year = defaultdict(float)
    for (p, _s, t), v in invest.items():
        total[p] += v
        per_year[(p, t)] += v
    for p in inp.programs:
        assert p.floor_musd - TOL <= total[p.program] <= p.cap_musd + TOL, p.program
        for t in inp.years:
            assert per_year[(p.program, t)] <= p.max_annual_share * p.cap_musd + TOL
    _check_groups(inp, invest, phase_of)
    _check_risks(inp, invest, var)
    _check_exports(inp, invest, var)
    _check_links(inp, invest, var)


def _carry_values(var):
    rows = var[var["family"] == "carry"]
    return {(r.pool, r.variable.split(",")[1].rstrip(")")): r.value for r in rows.itertuples()}


def _check_groups(inp, invest, phase_of):
    progs = inp_prog(inp)
    for g in inp.groups:
        inside = sum(
            v
            for (p, s, t), v in invest.items()
            if (s if g.dimension == "pool" else getattr(progs[p], g.dimension)) == g.member
            and (g.phase == "all" or phase_of[t] == g.phase)
        )
        every = sum(
            v for (p, s, t), v in invest.items() if g.phase == "all" or phase_of[t] == g.phase
        )
        if g.max_musd is not None:
            assert inside <= g.max_musd + TOL
        if g.min_musd is not None:
            assert inside >= g.min_musd - TOL
        if g.max_share is not None:
            assert inside <= g.max_share * every + TOL


def inp_prog(inp):
    return {p.program: p for p in inp.programs}


def _check_risks(inp, invest, var):
    mit = var[var["family"] == "mitigate"]
    spent = defaultdict(float)
    for r in mit.itertuples():
        spent[(r.risk, int(r.year))] += r.value
    for r in inp.risks:
        assert sum(v for (k, _t), v in spent.items() if k == r.risk) <= r.budget_musd + TOL
        weights = {x.program: x.weight for x in inp.exposures if x.risk == r.risk}
        for t in inp.years:
            exposed = sum(weights.get(p, 0) * v for (p, s, tt), v in invest.items() if tt <= t)
            cover = r.coverage * sum(v for (k, tt), v in spent.items() if k == r.risk and tt <= t)
            assert exposed <= cover + TOL * max(1, exposed), f"risk {r.risk} uncovered in {t}"


def _check_exports(inp, invest, var):
    exp = var[var["family"] == "exports"]
    exports = {(r.program, int(r.year)): r.value for r in exp.itertuples()}
    progs = inp_prog(inp)
    for (p, y), v in exports.items():
        capital = sum(
            val for (pp, s, t), val in invest.items() if pp == p and t + progs[p].lag_years <= y
        )
        assert v <= progs[p].exports_per_musd * capital + TOL * max(1, capital)
    for mk in inp.markets:
        later = [m.year for m in inp.markets if m.key == mk.key and m.year > mk.year]
        until = min(later) if later else 10**6
        for y in (m.year for m in inp.milestones):
            if mk.year <= y < until:
                dim, member = mk.key
                total = sum(
                    v
                    for (p, yy), v in exports.items()
                    if yy == y
                    and (p == member if dim == "program" else progs[p].export_category == member)
                )
                assert total <= mk.market_musd * mk.max_share + TOL


def _named(inp, dimension, cell):
    """Programs one side of a link names, read from the cell without the model's code."""
    names = {m.strip() for m in cell.split(";") if m.strip()}
    return {
        p.program
        for p in inp.programs
        if getattr(p, dimension) is not None and ("*" in names or getattr(p, dimension) in names)
    }


def _check_links(inp, invest, var):
    """Dependent capital (every year) or exports (every milestone) <= ratio x enabling capital
    productive lag years earlier."""
    progs = inp_prog(inp)
    exp = var[var["family"] == "exports"]
    exports = {(r.program, int(r.year)): r.value for r in exp.itertuples()}

    def capital(programs, year):
        return sum(
            v
            for (p, _s, t), v in invest.items()
            if p in programs and t + progs[p].lag_years <= year
        )

    for link in inp.links:
        enabling = _named(inp, link.enabler_dimension, link.enabler)
        dependent = _named(inp, link.dependent_dimension, link.dependent)
        assert enabling, link.link
        assert dependent, link.link
        assert not enabling & dependent, link.link
        years = [m.year for m in inp.milestones] if link.quantity == "exports" else inp.years
        for y in years:
            if link.quantity == "exports":
                used = sum(v for (p, yy), v in exports.items() if yy == y and p in dependent)
            else:
                used = capital(dependent, y)
            allowed = link.ratio * capital(enabling, y - link.lag_years)
            assert used <= allowed + TOL * max(1, used), f"link {link.link} broken in {y}"
