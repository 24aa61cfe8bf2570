"""The model as plain records: column families, row families and objectives, in build order.

Every row and objective is built from blocks: (coefficient, column positions) pairs, meaning
coefficient * (sum of those columns). `build_model` collects one `ColumnFamily` per variable
family, one `RowFamily` per constraint family and one `ObjectiveBlocks` per objective in a
`LinearModel`; that is the model. The hand-off (`solver.compile.compile_lp`) concatenates the
same blocks with numpy (HiGHS writes `model.lp` and `model.mps` from that), and `to_pyomo`
builds a Pyomo model from them for users who want Pyomo. Nothing here imports Pyomo until
`to_pyomo` is called.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Blocks = list[tuple[float, list[int]]]
"""A linear form as (coefficient, column positions) blocks: sum_b coef_b * sum_{j in b} x_j."""

Row = tuple[float | None, Blocks, float | None]
"""(lower, body as blocks, upper); None is no bound."""


def index_tuple(key: Any) -> tuple[Any, ...]:
    """A family member's key as a tuple: () for a scalar (None), (k,) for a single key."""
    if key is None:
        return ()
    return key if type(key) is tuple else (key,)


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
    """One constraint family: member keys, bounds (-inf / inf where none) and each row's blocks."""

    family: str
    keys: list[tuple[Any, ...]]
    lower: np.ndarray
    upper: np.ndarray
    bodies: list[Blocks]
    scalar: bool = False


@dataclass
class ObjectiveBlocks:
    """One objective (maximised): its name (`obj_<name>`) and blocks."""

    name: str
    blocks: Blocks


@dataclass
class LinearModel:
    """The LP as the families built it: columns, rows and objectives in build order."""

    columns: list[ColumnFamily] = field(default_factory=list)
    rows: list[RowFamily] = field(default_factory=list)
    objectives: list[ObjectiveBlocks] = field(default_factory=list)
    of: dict[str, dict[Any, int]] = field(default_factory=dict)
    """Column family -> key (as the family was given it) -> column position."""

    @property
    def num_cols(self) -> int:
        """Number of columns so far."""
        last = self.columns[-1] if self.columns else None
        return 0 if last is None else last.start + len(last.keys)

    def add_columns(self, family: str, keys: list[Any] | None, bounds: tuple) -> dict[Any, int]:
        """Append a variable family (a single variable if `keys` is None) with the same `bounds`
        for every member; returns key -> column position."""
        given = [None] if keys is None else list(keys)
        start, n = self.num_cols, len(given)
        lo, up = bounds
        self.columns.append(
            ColumnFamily(
                family,
                [index_tuple(k) for k in given],
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
        keys = [index_tuple(k) for k in rows]
        bodies = [b for _, b, _ in rows.values()]
        self.rows.append(RowFamily(family, keys, lower, upper, bodies, scalar))

    def add_objective(self, name: str, blocks: Blocks) -> None:
        """Append an objective `name` (maximised)."""
        self.objectives.append(ObjectiveBlocks(name, blocks))


def runs(cols: list[int], coefs: list[float]) -> Blocks:
    """Blocks of consecutive equal coefficients."""
    out: Blocks = []
    for j, c in zip(cols, coefs, strict=True):
        if out and out[-1][0] == c:
            out[-1][1].append(j)
        else:
            out.append((c, [j]))
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
