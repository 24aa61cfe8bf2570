"""Linear rows held twice on purpose: the Pyomo expression and the column positions behind it.

Every row and objective of the model is built from column positions and coefficients. `Recorder`
turns them into the `LinearExpression` the Pyomo model holds and keeps the positions next to it,
so the hand-off to HiGHS concatenates lists instead of walking a million expression nodes.

The two can never disagree unnoticed: the hand-off uses a recording only for the very expression
object it was made for (identity, not equality), on a model whose columns are exactly the
recorded ones in the recorded order. Any row replaced or added after `build_model` is read from
its expression instead (`solve._terms`), and a test checks all three readings agree.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression


class Columns:
    """The LP's columns in order: every Pyomo variable, and each family's key -> position."""

    def __init__(self) -> None:
        self.vars: list[Any] = []
        self.of: dict[str, dict[Any, int]] = {}

    def add(self, component: Any) -> dict[Any, int]:
        """Append an indexed (or scalar) Var's members; returns its key -> column position."""
        start = len(self.vars)
        self.vars.extend(component.values())
        keys = list(component.keys())
        self.of[component.name] = dict(zip(keys, range(start, start + len(keys)), strict=True))
        return self.of[component.name]


class Recorder:
    """Builds each row's `LinearExpression` from positions and keeps the positions beside it."""

    def __init__(self, columns: Columns) -> None:
        self.columns = columns
        self._rows: dict[int, tuple[LinearExpression, list[int], list[float] | None]] = {}

    def expr(
        self, cols: list[int], coefs: list[float] | None = None, args: list[Any] | None = None
    ) -> LinearExpression:
        """sum_j coefs[j] * x[cols[j]] (every coefficient 1 when `coefs` is None).

        `args` are the expression's terms if the caller already has them (shared monomials of
        cumulative rows); they must be exactly the terms of (cols, coefs).
        """
        e = LinearExpression(self.args(cols, coefs) if args is None else args)
        self._rows[id(e)] = (e, cols, coefs)
        return e

    def args(self, cols: list[int], coefs: list[float] | None = None) -> list[Any]:
        """The expression terms of (cols, coefs): the variable itself where the coefficient is 1."""
        v = self.columns.vars
        if coefs is None:
            return [v[j] for j in cols]
        return [
            v[j] if c == 1.0 else MonomialTermExpression((c, v[j]))
            for j, c in zip(cols, coefs, strict=True)
        ]

    def terms(self, expr: Any) -> tuple[list[int], list[float] | None] | None:
        """The recorded positions and coefficients of `expr` itself, else None."""
        hit = self._rows.get(id(expr))
        if hit is None or hit[0] is not expr:
            return None
        return hit[1], hit[2]

    def covers(self, order: Sequence[Any]) -> bool:
        """Whether `order` (the model's columns now) is exactly the recorded column order."""
        recorded = self.columns.vars
        return len(order) == len(recorded) and all(map(operator.is_, order, recorded))
