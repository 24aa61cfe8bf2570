"""Linear rows held twice on purpose: the Pyomo expression and the column positions behind it.

Every row and objective of the model is built from blocks: (coefficient, column positions) pairs,
meaning coefficient * (sum of those columns). `Recorder` turns them into the expression the Pyomo
model holds and keeps the blocks next to it, so the hand-off to HiGHS concatenates lists instead
of walking a million expression nodes. A block with coefficient 1 becomes the variables
themselves and a longer block one product node, c * (x1 + x2 + ...), not one monomial per term:
fewer Python objects to build and for the garbage collector to scan.

The two can never disagree unnoticed: the hand-off uses a recording only for the very expression
object it was made for (identity, not equality), on a model whose columns are exactly the
recorded ones in the recorded order. Any row replaced or added after `build_model` is read from
its expression instead (`solve._terms`), and a test checks all three readings agree.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

from pyomo.core.expr.numeric_expr import (
    LinearExpression,
    MonomialTermExpression,
    ProductExpression,
    SumExpression,
)

Blocks = list[tuple[float, list[int]]]
"""A linear form as (coefficient, column positions) blocks: sum_b coef_b * sum_{j in b} x_j."""


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
    """Builds each row's expression from blocks and keeps the blocks beside it."""

    def __init__(self, columns: Columns) -> None:
        self.columns = columns
        self._rows: dict[int, tuple[Any, Blocks]] = {}

    def expr(self, blocks: Blocks, parts: list[Any] | None = None) -> Any:
        """The expression of `blocks`; `parts` are its terms if the caller already has them
        (rows that share terms, see `parts`), and must be exactly `self.parts(blocks)`."""
        parts = self.parts(blocks) if parts is None else parts
        if any(type(p) is ProductExpression for p in parts):
            e = SumExpression(parts)
        else:
            e = LinearExpression(parts)
        self._rows[id(e)] = (e, blocks)
        return e

    def parts(self, blocks: Blocks) -> list[Any]:
        """Expression terms: the variables of a coefficient-1 block, c * x for a single column,
        and c * (x1 + x2 + ...) for a longer block."""
        v = self.columns.vars
        out: list[Any] = []
        for c, cols in blocks:
            if c == 1.0:
                out += [v[j] for j in cols]
            elif len(cols) == 1:
                out.append(MonomialTermExpression((c, v[cols[0]])))
            elif cols:
                out.append(ProductExpression((c, LinearExpression([v[j] for j in cols]))))
        return out

    def blocks(self, expr: Any) -> Blocks | None:
        """The recorded blocks of `expr` itself, else None."""
        hit = self._rows.get(id(expr))
        if hit is None or hit[0] is not expr:
            return None
        return hit[1]

    def covers(self, order: Sequence[Any]) -> bool:
        """Whether `order` (the model's columns now) is exactly the recorded column order."""
        recorded = self.columns.vars
        return len(order) == len(recorded) and all(map(operator.is_, order, recorded))


def runs(cols: list[int], coefs: list[float]) -> Blocks:
    """Blocks of consecutive equal coefficients."""
    out: Blocks = []
    for j, c in zip(cols, coefs, strict=True):
        if out and out[-1][0] == c:
            out[-1][1].append(j)
        else:
            out.append((c, [j]))
    return out
