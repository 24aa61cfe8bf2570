"""The order of spending that settles a tie (`spending_order`): a weight per US$ million of each
investment column, fixed by the data, never by the order of rows in a file. The tie rule
(`solver/ties.py`) and the face's pick (`Face.pick`) weigh plans by it; the rule's last LP
(`ties.within_programs`, each program's total held) by `within_order`, the same order less what
those totals hold constant. The years of risk mitigation, once its least is held, by
`years_order` (each risk's as late as its cover allows: `othermoney.least_other_money`)."""

from __future__ import annotations

import math
from itertools import compress
from operator import itemgetter

import numpy as np

from allocator.solver.compile import CompiledLP

OWN = 1e-5
"""The weight of the part that is each (program, pool, year)'s own (`_parts`): below the year's
(1e-4), so the names' order (program, then pool, then year) stays the dominant part."""
WITHIN = 1e3
"""`within_order`'s scale: the pool part about 1, the year's 0.1, the own part 0.01, so a cycle
of moves weighs far more than HiGHS's dual feasibility tolerance (1e-7) on that LP's costs."""


def spending_order(lp: CompiledLP) -> np.ndarray:
    """The weight of a US$ million in each investment column (0 elsewhere) for `Face.pick`:
    about 1 (spend least), plus 1e-2, 1e-3 and 1e-4 times a part by program, pool and year name,
    plus `OWN` times a part of the column's own (`_parts`), so that no cycle of moves across
    programs, pools and years weighs 0: with the three name parts alone (separable) a cycle that
    keeps each program's, pool's and year's money weighed exactly 0.

    Each part is computed once a name, then gathered for every column (numpy)."""
    out = np.zeros(len(lp.col_names))
    found = _parts(lp)
    if found is not None:
        invest, parts = found
        out[invest] = 1.0 + 1e-2 * parts[0] + 1e-3 * parts[1] + 1e-4 * parts[2] + OWN * parts[3]
    return out


def within_order(lp: CompiledLP) -> np.ndarray:
    """`spending_order` for the rule's last LP (`ties.within_programs`), where each program's
    total is held: its 1 and its program part then add a constant to every plan, so they are
    left out and the rest is scaled by `WITHIN` (the same optimum, its reduced costs 1,000
    times HiGHS's tolerance's reach; 0 outside the investment columns)."""
    out = np.zeros(len(lp.col_names))
    found = _parts(lp)
    if found is not None:
        invest, parts = found
        out[invest] = WITHIN * (1e-3 * parts[1] + 1e-4 * parts[2] + OWN * parts[3])
    return out


def years_order(lp: CompiledLP) -> np.ndarray:
    """The weight of a US$ million of risk mitigation in each year (0 outside the `mitigate`
    columns) for the last LP on a face (`othermoney.least_other_money`, the least total held):
    1 plus a part that falls with the year, (last - year) / (last - first + 1) over the
    mitigation's years, so a US$ million moved to a later year always weighs less, by at least
    1 / (years + 1) (far above HiGHS's dual tolerance, 1e-7).

    Why it is exact and has one optimum: a `mitigate` column is in its own risk's rows only
    (risk_budget, risk_cover), and with the investments held a risk's rows ask only that the
    mitigation spent by each year cover the money exposed by then. Its weight is a positive sum
    of the mitigation spent by each year (the weights' steps) plus the total, held: so the least
    weight is the least mitigation by every year at once (the least spent by year t covering
    what is exposed by t, and the least total by the risk's last year). What the face holds
    (a column or a row at a bound: a year's mitigation, or the spent by a year, fixed) keeps
    the plans' mitigation by every year closed under the least of two, so there is still one
    least by every year: one plan whatever HiGHS starts from. No part by the risk's name is
    needed: the risks share no row. Fixed by the years, never by the order of rows."""
    out = np.zeros(len(lp.col_names))
    mitigate = [j for j, f in enumerate(lp.col_family) if f == "mitigate"]
    if mitigate:
        years = np.array([int(lp.col_index[j][1]) for j in mitigate], dtype=float)
        first, last = float(years.min()), float(years.max())
        out[mitigate] = 1.0 + (last - years) / (last - first + 1.0)
    return out


def _parts(lp: CompiledLP) -> tuple[np.ndarray, list[np.ndarray]] | None:
    """The investment columns and, for each, four parts in [0, 1): by the rank of its program,
    pool and year name in sorted order, the fractional part of the square root of a prime of its
    own (the (3 rank + d)-th, d the dimension); and its own part, the fractional part of the
    square root of the product of its three primes (distinct square-free numbers: their roots
    and 1 are rationally independent, so no cycle of moves with rational coefficients weighs
    exactly 0). Fixed by the names, never by the order of rows. None without investments."""
    is_invest = [f == "invest" for f in lp.col_family]
    invest = np.flatnonzero(is_invest)
    if not invest.size:
        return None
    keys = list(compress(lp.col_index, is_invest))
    # not zip(*keys): its one iterator a column set the garbage collector off (0.05 s at 1e6)
    names = [list(map(itemgetter(d), keys)) for d in range(3)]
    ranks, orders = [], []
    for values in names:
        order = sorted(set(values))
        rank = dict(zip(order, range(len(order)), strict=True))
        ranks.append(np.fromiter(map(rank.__getitem__, values), dtype=np.intp, count=len(values)))
        orders.append(order)
    primes = np.array(_primes(max(len(o) for o in orders) * 3 + 3), dtype=float)
    parts = [
        np.array([primes[3 * k + d] ** 0.5 % 1 for k in range(len(o))])[r]
        for d, (o, r) in enumerate(zip(orders, ranks, strict=True))
    ]
    # exact while below 2**53 (three primes below 208,000: some 6,000 names in each dimension);
    # past that rounded, still fixed by the names
    own = primes[3 * ranks[0]] * primes[3 * ranks[1] + 1] * primes[3 * ranks[2] + 2]
    parts.append(np.sqrt(own) % 1)
    return invest, parts


def _primes(n: int) -> list[int]:
    """The first n primes (a sieve up to Rosser's bound on the n-th prime)."""
    if n < 1:
        return []
    size = max(15, int(n * (math.log(n) + math.log(math.log(max(n, 3))))) + 1)
    sieve = np.ones(size + 1, dtype=bool)
    sieve[:2] = False
    for k in range(2, math.isqrt(size) + 1):
        if sieve[k]:
            sieve[k * k :: k] = False
    return [int(k) for k in np.flatnonzero(sieve)[:n]]
