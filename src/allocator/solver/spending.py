"""The order of spending that settles a tie (`spending_order`): a weight per US$ million of each
investment column, fixed by the data, never by the order of rows in a file. The tie rule
(`solver/ties.py`) and the face's pick (`Face.pick`) weigh plans by it."""

from __future__ import annotations

import math
from itertools import compress
from operator import itemgetter

import numpy as np

from allocator.solver.compile import CompiledLP


def spending_order(lp: CompiledLP) -> np.ndarray:
    """The weight of a US$ million in each investment column (0 elsewhere) for `Face.pick`:
    about 1 (spend least), plus a small part that differs by program, pool and year, so that
    no two ways of spending the same money weigh the same. The parts are square roots of
    primes (rationally independent) by the rank of each name in sorted order: fixed by the data,
    never by the order of rows in a file.

    Each part is computed once a name, then gathered for every column (numpy)."""
    is_invest = [f == "invest" for f in lp.col_family]
    invest = np.flatnonzero(is_invest)
    out = np.zeros(len(lp.col_names))
    if not invest.size:
        return out
    keys = list(compress(lp.col_index, is_invest))
    # not zip(*keys): its one iterator a column set the garbage collector off (0.05 s at 1e6)
    names = [list(map(itemgetter(d), keys)) for d in range(3)]
    ranks, orders = [], []
    for values in names:
        order = sorted(set(values))
        rank = dict(zip(order, range(len(order)), strict=True))
        ranks.append(np.fromiter(map(rank.__getitem__, values), dtype=np.intp, count=len(values)))
        orders.append(order)
    primes = _primes(max(len(o) for o in orders) * 3 + 3)
    parts = [
        np.array([primes[3 * k + d] ** 0.5 % 1 for k in range(len(o))])[r]
        for d, (o, r) in enumerate(zip(orders, ranks, strict=True))
    ]
    out[invest] = 1.0 + 1e-2 * parts[0] + 1e-3 * parts[1] + 1e-4 * parts[2]
    return out


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
