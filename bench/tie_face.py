"""How many investments can move on the tie LP's face, against the ties count the summary gives
(bench/README.md, "Eleventh session: the extra LPs").

    python bench/tie_face.py -- --inputs /tmp/g6x --targets off

Runs `allocator solve` in-process with `heldface.Face.ties` wrapped: the face as held before the
tie LP (bounds, matrix, the last pass's point) is kept, and after the command one more LP is
solved on it, the homogenised max-slack LP of Freund, Roundy and Todd (1985): maximise the sum
of t over the free columns' finite bounds, with y - l s >= t (lower) and u s - y >= t (upper),
rows lo s <= A y <= up s, 0 <= t <= 1, s >= 1. At its optimum t = 1 exactly where the bound is
not active on the whole face, and y / s is a point of the face's relative interior. It prints
the ties count, the investments never at one bound on the whole face (an upper bound on those
that can move) and those the interior point funds differently from the plan (a lower bound).
"""

from __future__ import annotations

import sys
import time
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp

INF = highspy.kHighsInf


def _capture() -> dict[str, Any]:
    """Wrap `Face.ties` so the face before the tie LP and the count are kept."""
    from allocator.solver import heldface

    kept: dict[str, Any] = {}
    original = heldface.Face.ties

    def ties(self: heldface.Face, money: np.ndarray) -> int:
        kept.update(
            bounds={k: (lo.copy(), up.copy()) for k, (lo, up) in self.bounds.items()},
            x=self.solution("col_value").copy(),
            a=self.columns().scipy(),
            money=money[self.cols].copy(),
        )
        kept["count"] = original(self, money)
        return int(kept["count"])

    heldface.Face.ties = ties  # type: ignore[method-assign]
    return kept


def _rows(a: sp.csc_matrix, lo: np.ndarray, up: np.ndarray, extra: int) -> tuple[Any, ...]:
    """lo s <= A y <= up s as rows over (y, s, t): equalities, then lower sides, upper sides."""
    eq, has_lo, has_up = lo == up, lo > -INF, up < INF
    parts, row_lo, row_up = [], [], []
    for mask, bound, low, high in (
        (eq, lo, 0.0, 0.0),
        (~eq & has_lo, lo, 0.0, INF),
        (~eq & has_up, up, -INF, 0.0),
    ):
        k = int(mask.sum())
        parts.append(
            sp.hstack([a[mask], sp.csc_matrix(-bound[mask, None]), sp.csc_matrix((k, extra))])
        )
        row_lo += [low] * k
        row_up += [high] * k
    return parts, row_lo, row_up


def _bound_rows(n: int, lo: np.ndarray, up: np.ndarray) -> tuple[Any, ...]:
    """y_j = l_j s for the fixed columns; y_j - l_j s - t >= 0 and u_j s - y_j - t >= 0 for the
    free columns' finite bounds (each its own t); and which columns those t belong to."""
    free = lo < up
    fixed, at_lo, at_up = (
        np.flatnonzero(~free),
        np.flatnonzero(free & (lo > -INF)),
        np.flatnonzero(free & (up < INF)),
    )
    nt = len(at_lo) + len(at_up)
    eye = sp.identity(n, format="csr")
    parts, row_lo, row_up = [], [], []
    for cols, sign, s_coef, t_at, low in (
        (fixed, 1.0, -lo[fixed], None, 0.0),
        (at_lo, 1.0, -lo[at_lo], np.arange(len(at_lo)), 0.0),
        (at_up, -1.0, up[at_up], len(at_lo) + np.arange(len(at_up)), 0.0),
    ):
        k = len(cols)
        t = sp.csc_matrix((k, nt))
        if t_at is not None:
            t = sp.csc_matrix((np.full(k, -1.0), (np.arange(k), t_at)), shape=(k, nt))
        parts.append(sp.hstack([eye[cols] * sign, sp.csc_matrix(s_coef[:, None]), t]))
        row_lo += [low] * k
        row_up += [0.0 if t_at is None else INF] * k
    return parts, row_lo, row_up, at_lo, at_up


def count_on_face(kept: dict[str, Any]) -> None:
    """Solve the max-slack LP on the kept face and print the counts."""
    (lo, up), (rlo, rup) = kept["bounds"]["col"], kept["bounds"]["row"]
    a, money, x = kept["a"], kept["money"].astype(bool), kept["x"]
    n = len(lo)
    bparts, blo, bup, at_lo, at_up = _bound_rows(n, lo, up)
    nt = len(at_lo) + len(at_up)
    rparts, rlo_, rup_ = _rows(a, rlo, rup, nt)
    m = sp.vstack([*rparts, *bparts]).tocsc()
    big = n + 1 + nt
    from allocator.solver.highs import new_highs

    h = new_highs()
    h.passModel(
        big, m.shape[0], m.nnz, 1, -1, 0.0,
        np.concatenate([np.zeros(n + 1), np.ones(nt)]),
        np.concatenate([np.full(n, -INF), [1.0], np.zeros(nt)]),
        np.concatenate([np.full(n, INF), [INF], np.ones(nt)]),
        np.array(rlo_ + blo), np.array(rup_ + bup),
        m.indptr.astype(np.int32), m.indices.astype(np.int32), m.data,
        np.zeros(big, dtype=np.int32),
    )  # fmt: skip
    start = time.process_time()
    h.run()
    cpu = time.process_time() - start
    v = np.array(h.getSolution().col_value)
    t = v[n + 1 :]
    always = np.zeros(n, dtype=bool)
    always[np.concatenate([at_lo, at_up])[t < 0.5]] = True
    can_move = (lo < up) & ~always
    interior = v[:n] / v[n]
    moved = np.abs(interior - x) > 1e-6
    print(
        f"max-slack LP: {big:,} columns x {m.shape[0]:,} rows, "
        f"{h.getInfo().simplex_iteration_count:,} iterations, {cpu:.2f} CPU s, {h.getModelStatus()}"
    )
    print(f"ties count (Face.ties, the summary's): {kept['count']:,}")
    print(f"investments never at one bound on the whole face: {int((can_move & money).sum()):,}")
    differ = int((moved & money).sum())
    print(f"investments the interior point funds differently from the plan: {differ:,}")


def main() -> None:
    args = sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else []
    kept = _capture()
    sys.argv = ["allocator", "solve", *args]
    from allocator.cli.commands import main as solve

    try:
        solve()
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    if "x" not in kept:
        print("no tie LP ran (no face, or a single point)")
        return
    count_on_face(kept)


if __name__ == "__main__":
    main()
