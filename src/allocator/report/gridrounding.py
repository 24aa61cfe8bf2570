"""A table of money in whole numbers whose every row and every column adds up to its shown total
and whose every total is within 1 of its exact sum (controlled rounding, as statistics offices
round published tables): `rounding.rounded_grid`'s rule.

Rounding the rows first (each row's cells by the largest remainder) and summing the columns
after lets a column's total drift: three rows of 0.5 + 0.5 give the first column 3 against an
exact 1.5. Here each cell is rounded down or up, each row and column total is its exact sum
rounded down or up, the totals that are asked for (the grand total; a row whose total another
surface says, as the money line says risk mitigation's) are exactly those, and among the
roundings that do all that the one chosen is the nearest: first the totals (the sum over rows
and columns of how far each shown total is from its exact sum), then the cells; equal
candidates go to the earlier row, then the earlier column, as `largest_remainder` gives a tie to
the earlier value.

Such a rounding always exists (the table's rows, columns and totals are the arcs of a flow
network, whose integral flows include one within each arc's floor and ceiling: Bacharach,
"Matrix rounding problems", 1966; Cox, "A constructive procedure for unbiased controlled rounding",
1987); it is found as a minimum-cost flow. Values are compared in millionths, as `rounding.whole`
rounds: the solver's last bits decide nothing.

Why written here rather than taken from a library (measured 2026-12-07): the report layer may not
import highspy (solver/'s alone, tests/test_layers.py), networkx is not in the stack, and the
stack's other LP solver, `scipy.optimize.linprog`, costs its import on every `solve` that shows
the grid: 0.78-1.05 s at load 14 on this 2-core machine (after numpy and scipy.sparse), against
3.7 ms for this module's whole rounding of the baseline's 26 x 3 table.
"""

from __future__ import annotations

import functools
import heapq
from collections import deque
from collections.abc import Sequence
from decimal import Decimal

SCALE = 10**6
"""Millionths: the values are snapped to 6 decimals, as `rounding.whole` snaps them."""


def micro(value: float) -> int:
    """`value` in millionths, rounded to the nearest as `round(value, 6)` shows it."""
    return int(Decimal(repr(round(float(value), 6))).scaleb(6))


def controlled(
    values: Sequence[Sequence[float]], grand: int, fixed: dict[int, int] | None = None
) -> list[list[int]]:
    """Whole numbers for `values` (rows of equal length) whose rows and columns add up to
    totals within 1 of their exact sums, the grand total `grand` and row `i`'s total
    `fixed[i]` (each within 1 of its exact sum), the nearest such rounding (module docstring).

    Args:
        values: the table, row by row.
        grand: the whole number all cells add up to.
        fixed: row totals asked for, by row position.
    """
    key = tuple(tuple(micro(v) for v in row) for row in values)
    return [list(row) for row in _rounded(key, grand, tuple(sorted((fixed or {}).items())))]


@functools.lru_cache(maxsize=8)
def _rounded(
    rows: tuple[tuple[int, ...], ...], grand: int, fixed_items: tuple[tuple[int, int], ...]
) -> tuple[tuple[int, ...], ...]:
    """`controlled` on values in millionths, kept for the process: the terminal, report.html's
    table, its sentence and the charts round the same table (a 60 x 4 table takes 80 ms)."""
    fixed = dict(fixed_items)
    width = len(rows[0]) if rows else 0
    floors = [[m // SCALE for m in row] for row in rows]
    fracs = [[m % SCALE for m in row] for row in rows]
    net = _Network(len(rows), width)
    weight = SCALE * (len(rows) * width + 1)  # a total's nearness outweighs every cell's
    for i, row in enumerate(fracs):
        if i in fixed:
            need = fixed[i] - sum(floors[i])
            net.arc(net.source, net.row(i), need, need, 0)
        else:
            net.total(net.source, net.row(i), sum(row), weight)
    for i, row in enumerate(fracs):
        for j, f in enumerate(row):
            if f:
                net.arc(net.row(i), net.column(j), 0, 1, SCALE - 2 * f)
    for j in range(width):
        net.total(net.column(j), net.sink, sum(row[j] for row in fracs), weight)
    rest = grand - sum(map(sum, floors))
    net.arc(net.sink, net.source, rest, rest, 0)
    up = net.solve()
    return tuple(
        tuple(f + up.get((i, j), 0) for j, f in enumerate(row)) for i, row in enumerate(floors)
    )


class _Network:
    """The flow network of a table: source -> row (its total's units above the cells' floors)
    -> column (a cell's unit up) -> sink (the column's units), and sink -> source (the grand
    total's). Arcs with a lower bound are reduced to a supply and a demand, solved by successive
    shortest paths from a super source (Dijkstra on potentials, found first by a queue: costs
    may be negative)."""

    def __init__(self, rows: int, columns: int) -> None:
        self.rows, self.source, self.sink = rows, 0, 1
        self.size = 4 + rows + columns
        self.out: list[list[int]] = [[] for _ in range(self.size)]
        self.head: list[int] = []
        self.room: list[int] = []
        self.cost: list[int] = []
        self.excess = [0] * self.size
        self.cells: dict[int, tuple[int, int]] = {}
        self.via: list[int] = []

    def row(self, i: int) -> int:
        return 2 + i

    def column(self, j: int) -> int:
        return 2 + self.rows + j

    def total(self, tail: int, head: int, frac: int, weight: int) -> None:
        """A total's arc: its floor forced, one unit more at the cost of moving away from (or
        the gain of moving to) the nearest whole number."""
        low, left = divmod(frac, SCALE)
        self.arc(tail, head, low, low + (1 if left else 0), weight * (SCALE - 2 * left))

    def arc(self, tail: int, head: int, low: int, high: int, cost: int) -> None:
        self.excess[head] += low
        self.excess[tail] -= low
        if high > low:
            if tail >= 2 and tail < 2 + self.rows and head >= 2 + self.rows:
                self.cells[len(self.head)] = (tail - 2, head - 2 - self.rows)
            self._add(tail, head, high - low, cost)

    def _add(self, tail: int, head: int, room: int, cost: int) -> None:
        for a, b, r, c in ((tail, head, room, cost), (head, tail, 0, -cost)):
            self.out[a].append(len(self.head))
            self.head.append(b)
            self.room.append(r)
            self.cost.append(c)

    def solve(self) -> dict[tuple[int, int], int]:
        """The cells rounded up, as (row, column) -> 1, of the least-cost flow meeting every
        forced unit."""
        ties = len(self.head) ** 2 + 1  # an earlier arc is cheaper only among equal costs
        for k in range(0, len(self.cost), 2):
            self.cost[k] = self.cost[k] * ties + k // 2
            self.cost[k + 1] = -self.cost[k]
        start, end = self.size - 2, self.size - 1
        need = 0
        for v, e in enumerate(self.excess[: self.size - 2]):
            if e > 0:
                self._add(start, v, e, 0)
                need += e
            elif e < 0:
                self._add(v, end, -e, 0)
        # costs may be negative: the first distances by a queue (a node it cannot reach now
        # stays out of reach: flow only opens arcs back along its paths)
        potential = [d or 0 for d in self._distances(start, None)]
        while need:
            dist = self._distances(start, potential)
            if dist[end] is None:
                raise ArithmeticError("no controlled rounding of the table (a bug: one exists)")
            potential = [p + (d or 0) for p, d in zip(potential, dist, strict=True)]
            path = self._path(start, end)
            push = min(min(self.room[a] for a in path), need)
            for a in path:
                self.room[a] -= push
                self.room[a ^ 1] += push
            need -= push
        return {cell: 1 for a, cell in self.cells.items() if self.room[a] == 0}

    def _distances(self, start: int, potential: list[int] | None) -> list[int | None]:
        """The least cost from `start` to each node over arcs with room (None: unreachable),
        each arc's previous one kept in `self.via`: with `potential` by Dijkstra on the reduced
        costs (never negative once the potentials are distances), without by a queue."""
        dist: list[int | None] = [None] * self.size
        self.via = [-1] * self.size
        dist[start] = 0
        if potential is None:
            return self._queue(start, dist)
        heap = [(0, start)]
        while heap:
            d, v = heapq.heappop(heap)
            if d != dist[v]:
                continue
            for a in self.out[v]:
                w = self.head[a]
                if self.room[a] <= 0:
                    continue
                step = d + self.cost[a] + potential[v] - potential[w]
                known = dist[w]
                if known is None or step < known:
                    dist[w], self.via[w] = step, a
                    heapq.heappush(heap, (step, w))
        return dist

    def _queue(self, start: int, dist: list[int | None]) -> list[int | None]:
        """Bellman-Ford with a queue (negative costs, no negative cycle)."""
        queue, queued = deque([start]), [False] * self.size
        queued[start] = True
        while queue:
            v = queue.popleft()
            queued[v] = False
            base = dist[v]
            assert base is not None
            for a in self.out[v]:
                w = self.head[a]
                d = dist[w]
                if self.room[a] > 0 and (d is None or base + self.cost[a] < d):
                    dist[w], self.via[w] = base + self.cost[a], a
                    if not queued[w]:
                        queued[w] = True
                        queue.append(w)
        return dist

    def _path(self, start: int, end: int) -> list[int]:
        """The arcs of the path the last search found from `start` to `end`."""
        path, v = [], end
        while v != start:
            a = self.via[v]
            path.append(a)
            v = self.head[a ^ 1]
        return path
