"""The model as plain records: column families, row families and objectives, in build order.

Every row and objective is written as blocks: (coefficient, column positions) pairs, meaning
coefficient * (sum of those columns); a block's positions may be a list or a numpy array, and
its coefficient one number or an array of one number per position. `LinearModel.add_rows` turns
a family's blocks into coordinate arrays at once (local row, column, coefficient: one entry per
position, row by row, block by block), and a family built with numpy hands over its arrays
directly (`LinearModel.add_entries`); that record is the model. The hand-off
(`solver.compile.compile_lp`) concatenates the families' arrays into one sparse matrix (HiGHS
writes `model.lp` and `model.mps` from that), and `to_pyomo` builds a Pyomo model from the
same records for users who want Pyomo. Nothing here imports Pyomo until `to_pyomo` is called.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

import numpy as np

Cols = list[int] | np.ndarray
"""Column positions of a block: a list, or an integer array."""

Blocks = list[tuple[Any, Cols]]
"""A linear form as (coefficient, column positions) blocks: sum_b coef_b * sum_{j in b} x_j; a
coefficient is a number, or an array with one coefficient per position."""

Row = tuple[float | None, Blocks, float | None]
"""(lower, body as blocks, upper); None is no bound."""

INDEX = np.int32
"""The integer type of rows and columns in the records (what HiGHS takes)."""


def index_tuple(key: Any) -> tuple[Any, ...]:
    """A family member's key as a tuple: () for a scalar (None), (k,) for a single key."""
    if key is None:
        return ()
    return key if type(key) is tuple else (key,)


def _tuples(keys: list[Any]) -> list[tuple[Any, ...]]:
    """`index_tuple` of each key: `keys` itself when every key is a tuple already (the invest
    keys at 1e6: one type check in C per key, not a call)."""
    if set(map(type, keys)) <= {tuple}:
        return keys
    return [index_tuple(k) for k in keys]


@dataclass
class ColumnFamily:
    """One variable family: its member keys (tuples, () for a scalar), bounds and first column."""

    family: str
    keys: list[tuple[Any, ...]]
    lower: np.ndarray
    upper: np.ndarray
    """-inf / inf where unbounded."""
    start: int
    scalar: bool = False


@dataclass
class RowFamily:
    """One constraint family: member keys, bounds (-inf / inf where none) and its entries as
    coordinate arrays, row by row (`row` never decreases; within a row, entries in the order
    the blocks were written)."""

    family: str
    keys: list[tuple[Any, ...]]
    lower: np.ndarray
    upper: np.ndarray
    row: np.ndarray
    """The family's own row (0 = its first) of each entry."""
    col: np.ndarray
    """The column position of each entry."""
    val: np.ndarray
    """The coefficient of each entry."""
    scalar: bool = False

    @property
    def bodies(self) -> list[Blocks]:
        """Each row's entries as blocks (runs of equal coefficients), for the Pyomo view."""
        out: list[Blocks] = [[] for _ in self.keys]
        cols, vals = self.col.tolist(), self.val.tolist()
        start = 0
        for i, run in groupby(self.row.tolist()):
            end = start + len(list(run))
            out[i] = runs(cols[start:end], vals[start:end])
            start = end
        return out


@dataclass
class ObjectiveEntries:
    """One objective (maximised): its name (`obj_<name>`) and its entries (column, coefficient;
    a column may appear more than once: its cost is the sum, in order)."""

    name: str
    col: np.ndarray
    val: np.ndarray

    @property
    def blocks(self) -> Blocks:
        """The entries as blocks (runs of equal coefficients)."""
        return runs(self.col.tolist(), self.val.tolist())


@dataclass
class LinearModel:
    """The LP as the families built it: columns, rows and objectives in build order."""

    columns: list[ColumnFamily] = field(default_factory=list)
    rows: list[RowFamily] = field(default_factory=list)
    objectives: list[ObjectiveEntries] = field(default_factory=list)
    of: dict[str, dict[Any, int]] = field(default_factory=dict)
    """Column family -> key (as the family was given it) -> column position."""

    @property
    def num_cols(self) -> int:
        """Number of columns so far."""
        last = self.columns[-1] if self.columns else None
        return 0 if last is None else last.start + len(last.keys)

    @property
    def num_rows(self) -> int:
        """Number of rows so far."""
        return sum(len(r.keys) for r in self.rows)

    def add_columns(
        self, family: str, keys: list[Any] | None, bounds: tuple[float | None, float | None]
    ) -> dict[Any, int]:
        """Append a variable family (a single variable if `keys` is None) with the same `bounds`
        for every member; returns key -> column position."""
        given = [None] if keys is None else list(keys)
        start, n = self.num_cols, len(given)
        lo, up = bounds
        self.columns.append(
            ColumnFamily(
                family,
                _tuples(given),
                np.full(n, -np.inf if lo is None else float(lo)),
                np.full(n, np.inf if up is None else float(up)),
                start,
                keys is None,
            )
        )
        self.of[family] = dict(zip(given, range(start, start + n), strict=True))
        return self.of[family]

    def column_family(self, family: str) -> ColumnFamily:
        """The column family called `family`."""
        return next(c for c in self.columns if c.family == family)

    def add_rows(self, family: str, rows: dict[Any, Row], scalar: bool = False) -> None:
        """Append a constraint family, rows keyed by index; an empty family adds nothing."""
        if not rows:
            return
        lower = np.array([-np.inf if lo is None else float(lo) for lo, _, _ in rows.values()])
        upper = np.array([np.inf if up is None else float(up) for _, _, up in rows.values()])
        row, col, val = flatten([b for _, b, _ in rows.values()])
        self.add_entries(family, list(rows), lower, upper, (row, col, val), scalar)

    def add_entries(
        self,
        family: str,
        keys: Sequence[Any],
        lower: np.ndarray,
        upper: np.ndarray,
        entries: tuple[np.ndarray, np.ndarray, np.ndarray],
        scalar: bool = False,
    ) -> None:
        """Append a constraint family built with numpy: member keys, bounds (-inf / inf where
        none) and its entries (row of the family, column, coefficient), row by row; an empty
        family adds nothing.

        Raises:
            ValueError: entries out of the family's rows or not row by row (an internal error
                of the family that built them).
        """
        if not len(keys):
            return
        row, col, val = (
            np.asarray(entries[0], INDEX),
            np.asarray(entries[1], INDEX),
            np.asarray(entries[2], float),
        )
        if row.size and (row[0] < 0 or row[-1] >= len(keys) or (np.diff(row) < 0).any()):
            raise ValueError(f"internal: the entries of {family} are not row by row")
        if not row.size == col.size == val.size:
            raise ValueError(f"internal: the entries of {family} differ in length")
        self.rows.append(
            RowFamily(family, _tuples(list(keys)), lower, upper, row, col, val, scalar)
        )

    def add_objective(self, name: str, blocks: Blocks) -> None:
        """Append an objective `name` (maximised)."""
        _, col, val = flatten([blocks])
        self.objectives.append(ObjectiveEntries(name, col, val))


def flatten(bodies: list[Blocks]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The entries of `bodies` (one list of blocks per row) as coordinate arrays: row, column
    and coefficient, row by row, block by block.

    Consecutive list blocks are gathered in one Python list and converted at once; array blocks
    are concatenated. Coefficients are one `np.repeat` of each block's number over its size (a
    block with one coefficient per position is copied in after), not an array per block: at 1e6
    nonzeros 6,600 blocks took ~9 ms of `np.full`.

    Raises:
        ValueError: a block whose coefficients are not one per position (an internal error).
    """
    cols: list[Any] = []
    ints: list[int] = []
    coefs: list[float] = []
    sizes: list[int] = []
    given: list[tuple[int, int, np.ndarray]] = []  # (first entry, size, one coefficient each)
    per_row = np.zeros(len(bodies), dtype=np.int64)
    at = 0
    for i, body in enumerate(bodies):
        first = at
        for coef, cols_of in body:
            k = len(cols_of)
            if not k:
                continue
            if type(cols_of) is list:
                ints += cols_of
            else:
                if ints:
                    cols.append(np.array(ints, dtype=np.int64))
                    ints = []
                cols.append(cols_of)
            if isinstance(coef, np.ndarray):
                given.append((at, k, coef))
                coef = 0.0
            coefs.append(coef)
            sizes.append(k)
            at += k
        per_row[i] = at - first
    if ints:
        cols.append(np.array(ints, dtype=np.int64))
    col = np.concatenate(cols).astype(INDEX) if cols else np.empty(0, INDEX)
    val = np.repeat(np.array(coefs, dtype=float), sizes)
    for start, k, coef in given:
        if coef.shape != (k,):
            raise ValueError("internal: a block's coefficients are not one per column")
        val[start : start + k] = coef
    return np.repeat(np.arange(len(bodies), dtype=INDEX), per_row), col, val


def runs(cols: list[int], coefs: list[float]) -> Blocks:
    """Blocks of consecutive equal coefficients."""
    out: Blocks = []
    last: list[int] = []  # the columns of out[-1], typed as the list it is
    for j, c in zip(cols, coefs, strict=True):
        if out and out[-1][0] == c:
            last.append(j)
        else:
            last = [j]
            out.append((c, last))
    return out


@contextmanager
def paused_gc() -> Iterator[None]:
    """The garbage collector paused (many small objects, none of them garbage), then restored."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _member(key: tuple[Any, ...]) -> Any:
    """A tuple key as Pyomo indexes it: a one-element tuple is its element."""
    return key[0] if len(key) == 1 else key


def _expression(blocks: Blocks, v: list[Any]) -> Any:
    """The Pyomo expression of `blocks` over the variables `v`: the variables of a coefficient-1
    block, c * x for a single column, c * (x1 + x2 + ...) for a longer block."""
    from pyomo.core.expr.numeric_expr import (
        LinearExpression,
        MonomialTermExpression,
        ProductExpression,
        SumExpression,
    )

    parts: list[Any] = []
    for c, cols in blocks:
        if c == 1.0:
            parts += [v[j] for j in cols]
        elif len(cols) == 1:
            parts.append(MonomialTermExpression((c, v[cols[0]])))
        elif cols:
            parts.append(ProductExpression((c, LinearExpression([v[j] for j in cols]))))
    if any(type(p) is ProductExpression for p in parts):
        return SumExpression(parts)
    return LinearExpression(parts)


def _bound(value: float) -> float | None:
    return None if abs(value) == np.inf else float(value)


def _add_pyomo_columns(m: Any, col: ColumnFamily) -> list[Any]:
    import pyomo.environ as pyo

    if col.scalar:
        setattr(m, col.family, pyo.Var(bounds=(_bound(col.lower[0]), _bound(col.upper[0]))))
    else:
        setattr(m, col.family, pyo.Var([_member(k) for k in col.keys], dense=True))
    var = getattr(m, col.family)
    members = list(var.values())
    for v, lo, up in zip(members, col.lower, col.upper, strict=True):
        v.setlb(_bound(lo))
        v.setub(_bound(up))
    return members


def _add_pyomo_rows(m: Any, row: RowFamily, v: list[Any]) -> None:
    import pyomo.environ as pyo

    body = [
        (_bound(lo), _expression(b, v), _bound(up))
        for lo, b, up in zip(row.lower, row.bodies, row.upper, strict=True)
    ]
    if row.scalar:
        setattr(m, row.family, pyo.Constraint(expr=body[0]))
        return
    by_key = dict(zip(map(_member, row.keys), body, strict=True))
    setattr(m, row.family, pyo.Constraint(list(by_key), rule=lambda _m, *i: by_key[_member(i)]))


def to_pyomo(model: LinearModel) -> Any:
    """A Pyomo `ConcreteModel` of `model`: the same columns, rows and objectives, in order.

    Component names are the family names (`obj_<name>` for objectives); solve it with any Pyomo
    solver, or hand an edited copy to `solver.compile.compile_pyomo`. Only `obj_jobs` is active:
    a solver takes one objective, and the others (`obj_exports`, `obj_jobs@2030`, ...) are
    there to activate instead.
    """
    import pyomo.environ as pyo

    m = pyo.ConcreteModel(name="allocator")
    with paused_gc():
        v: list[Any] = []
        for col in model.columns:
            v += _add_pyomo_columns(m, col)
        for row in model.rows:
            _add_pyomo_rows(m, row, v)
        for obj in model.objectives:
            expr = _expression(obj.blocks, v)
            objective = pyo.Objective(expr=expr, sense=pyo.maximize)
            m.add_component(f"obj_{obj.name}", objective)
            if obj.name != "jobs":
                objective.deactivate()
    return m
