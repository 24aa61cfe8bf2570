"""Tie classes on the last optimal face, and the one rule that picks among them.

After the efficiency passes (`passes.secondaries`) some plans may still reach the same outcomes
with other money. `tie_classes` names the programs whose money can move with every outcome
unchanged, each with the least and the most it can receive on that face (two small LPs per
program that can move, exact: the face is held by its bounds, no tolerance on an objective; a
program whose money the face's basis shows cannot move gets none, `Face.fixed_sums`).
`split_by_caps` is the rule, one more pass on the same face: among interchangeable programs,
money in proportion to their caps (the plan that minimises the sum over programs of their money
squared over their cap: a convex QP, strictly convex in the programs' totals, so their split is
unique whatever vertex came before). Then, with those totals held, each program's pools and years
by the data's names (`within_programs`), and with the investments held, the least risk
mitigation and carried money they need, its years by a rule (`othermoney.least_other_money`:
each risk's mitigation as late as its cover allows): up to three LPs on the same face.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np

from allocator.solver import heldface
from allocator.solver.compile import CompiledLP
from allocator.solver.facelp import face_columns, free_parts, pass_lp
from allocator.solver.highs import new_highs, trim_heap
from allocator.solver.othermoney import least_other_money
from allocator.solver.programcols import (
    face_locals,
    program_caps,
    program_columns,
    split_counts,
)
from allocator.solver.renewal import renew
from allocator.solver.spending import within_order
from allocator.solver.status import Status, status_of

if TYPE_CHECKING:
    from allocator.solver.heldface import Face

RULE = (
    "among interchangeable programs, money in proportion to their caps, as near as the "
    "unchanged outcomes allow (the least sum of money squared over cap)"
)
"""The tie-break among programs in one sentence (the summary's words)."""
WITHIN = "each program's pools and years in a fixed order of their names"
"""The tie-break within a program's money (`within_programs`), in the summary's words."""


@dataclass(frozen=True)
class Member:
    """A program of a tie class: the least and most it may receive on the face, and the plan's."""

    program: str
    low: float
    high: float
    plan: float


def _totals_qp(
    face: Face, programs: dict[str, np.ndarray], caps: dict[str, float], lp: CompiledLP | None
) -> tuple[highspy.Highs, np.ndarray]:
    """The rule's QP in an instance of its own: the face's free columns (`free_parts`, handed
    to HiGHS as arrays), then one total column t_p per program with a free column (sum of its
    free columns - t_p = minus its fixed columns' money, so t_p is its whole money on the face)
    and the objective sum_p weight_p t_p^2 / 2, weight_p = 2 scale / cap_p: a diagonal Hessian
    whose entries are at least 2. Returns the instance and the face positions of its first
    columns."""
    part = free_parts(face, lp)
    n, m = len(part.free), len(part.row_lower)
    h = new_highs()
    pass_lp(h, n, m, 1, 0.0, np.zeros(n), *part[:-1])
    lower = face.bounds["col"][0]
    where = np.full(len(lower), -1)
    where[part.free] = np.arange(n)
    names, moving, fixed = _split_moving(face, programs, where)
    scale = max(caps.values(), default=1.0)
    keep = [k for k, cols in enumerate(moving) if cols.size]
    money = np.array([float(lower[fixed[k]].sum()) for k in keep])
    weight = np.array([2.0 * scale / caps[names[k]] for k in keep])
    _add_totals(h, n, [moving[k] for k in keep], -money, weight)
    return h, part.free


def _split_moving(
    face: Face, programs: dict[str, np.ndarray], where: np.ndarray
) -> tuple[list[str], list[np.ndarray], list[np.ndarray]]:
    """Each program's face columns (`face_locals`, in increasing order) split by `where` (a column's
    position in the QP, -1 if it does not move there): the QP positions of those that move, and
    the face positions of those that do not."""
    locs = face_locals(face, programs)
    seg = np.repeat(np.arange(len(locs)), [len(c) for c in locs])
    pos = np.concatenate(locs or [np.zeros(0, np.int32)])
    # each program's positions increasing (np.sort); `seg` is sorted already, so it stays
    pos = pos[np.lexsort((pos, seg))]
    at = where[pos]
    moves = at >= 0
    parts = []
    for values, mask in ((at, moves), (pos, ~moves)):
        counts = np.bincount(seg[mask], minlength=len(locs))
        parts.append(split_counts(values[mask], counts))
    return list(programs), parts[0], parts[1]


def _add_totals(
    h: highspy.Highs, n: int, rows: list[np.ndarray], rhs: np.ndarray, weight: np.ndarray
) -> None:
    """One free column t_p per program after the n columns of `h`, one row each
    (sum of the program's columns - t_p = rhs_p), and the diagonal Hessian weight_p on t_p."""
    k = len(rows)
    inf = highspy.kHighsInf
    none = np.zeros(0, dtype=np.int32)
    h.addCols(k, np.zeros(k), np.full(k, -inf), np.full(k, inf), 0, none, none, np.zeros(0))
    if not k:
        return
    sizes = np.array([len(r) for r in rows], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes + 1)[:-1]])
    last = starts + sizes  # each row's t_p, after the program's columns
    index = np.empty(int(sizes.sum()) + k, dtype=np.int32)
    value = np.ones(len(index))
    is_last = np.zeros(len(index), dtype=bool)
    is_last[last] = True
    index[~is_last] = np.concatenate(rows)
    index[last], value[last] = np.arange(n, n + k), -1.0
    h.addRows(k, rhs, rhs, len(index), starts.astype(np.int32), index, value)
    hess = highspy.HighsHessian()
    hess.dim_ = n + k
    hess.format_ = highspy.HessianFormat.kTriangular
    hess.start_ = np.concatenate([np.zeros(n + 1), np.arange(1, k + 1)]).astype(np.int32)
    hess.index_ = np.arange(n, n + k, dtype=np.int32)
    hess.value_ = weight
    h.passHessian(hess)


def split_by_caps(
    face: Face,
    programs: dict[str, np.ndarray],
    caps: dict[str, float],
    x: np.ndarray,
    lp: CompiledLP | None = None,
) -> np.ndarray:
    """The rule's pass on the face (`Face`, settled): minimise sum_p (money of p)^2 / cap_p, so
    tied programs get money in proportion to their caps as far as the held outcomes allow; unique
    in each program's total. The QP is posed on the totals (`_totals_qp`: a diagonal Hessian,
    one column and one row a program), not on the columns (one dense Hessian triangle a
    program: 0.87 M entries at 1e6 nonzeros), in an instance of its own without the face's fixed
    columns (at 1e6 nonzeros HiGHS's QP took 106 MB at its peak on the face's 35,007 columns
    even with the diagonal Hessian, 11 MB on these 7,253), its matrix cut from `lp`'s where
    given (`face_columns`). Returns the plan (`x` if not optimal).

    The face's solver state is cleared first (`renew`: `clearSolver`, its memory released), as
    passing a Hessian to the face's own instance did, so `within_programs` starts from no basis.
    Its LP has one optimum (`spending.within_order`), but from another basis HiGHS reaches it
    with other rounding: every command that shows this plan shows it to the bit only because
    each starts that LP cold (bench/README.md, "Eighth session: the tie rule's last LP")."""
    lower, upper = face.bounds["col"]
    out = face.held.copy()
    out[face.cols] = lower  # the fixed columns' values; the free ones' follow
    renew(face, lp)
    if not (lower < upper).any():
        return out  # nothing moves: no QP over no columns
    h, free = _totals_qp(face, programs, caps, lp)
    h.setOptionValue("qp_regularization_value", 0.0)  # exact: no term added to the Hessian
    h.run()
    got = (
        np.array(h.getSolution().col_value)[: len(free)] if status_of(h) is Status.OPTIMAL else None
    )
    del h  # the QP's instance released, its memory handed back before the next LP
    trim_heap()
    if got is None:
        return x
    out[face.cols[free]] = np.clip(got, lower[free], upper[free])
    return out


def within_programs(
    face: Face, programs: dict[str, np.ndarray], x: np.ndarray, spending: np.ndarray
) -> np.ndarray:
    """With each program's total held at `x`'s, its pools and years chosen by the least
    spending weighed by `spending` (`spending.within_order`: fixed by the data's names, and not
    separable, so the LP has one optimum whatever basis it starts from). `x` if not optimal;
    the rows added to hold the totals are removed afterwards."""
    h: highspy.Highs = face.highs
    first = h.getNumRow()
    rows = [local for local in face_locals(face, programs) if local.size]
    held = len(rows)
    if held:  # one call, not one a program (0.4 s of 740 calls at 1e6)
        sizes = np.array([len(local) for local in rows])
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        index = np.concatenate(rows).astype(np.int32)
        money = split_counts(x[face.cols[index]], sizes)  # each program's, as x[its columns] was
        totals = np.array([float(m.sum()) for m in money])
        ones = np.ones(len(index))
        h.addRows(held, totals, totals, len(index), starts.astype(np.int32), index, ones)
    got = face.solve(-spending)
    if held:
        h.deleteRows(held, np.arange(first, first + held, dtype=np.int32))
    if got is None:
        return x
    lower, upper = face.bounds["col"]
    got[face.cols] = np.clip(got[face.cols], lower, upper)
    return got


def _ranges(face: Face, programs: dict[str, np.ndarray], x: np.ndarray) -> list[Member]:
    """The least and most each program with a movable column may receive on the face: two LPs
    for each, except for a program whose money the basis shows cannot move (`Face.fixed_sums`;
    its two LPs would end where they start)."""
    lower, upper = face.bounds["col"]
    wide = upper - lower > 1e-9
    locs = dict(zip(programs, face_locals(face, programs), strict=True))
    movable = []
    for p, cols in sorted(programs.items()):
        local = locs[p]
        if local.size and wide[local].any():
            movable.append((p, cols, local))
    fixed = np.zeros(len(movable), dtype=bool)
    if heldface.EXACT and len(face.cols) >= heldface.FIXED_SUMS_FROM:
        fixed = face.fixed_sums([local for _, _, local in movable])
        face.trace.append(
            f"tie ranges: LPs for {len(movable) - int(fixed.sum())} of {len(movable)} programs "
            f"with a movable column; {int(fixed.sum())} cannot move (basis test)"
        )
    found, skipped = [], False
    for (p, cols, local), still in zip(movable, fixed, strict=True):
        if still:
            skipped = True
            continue
        if skipped:
            _stand_in(face)
            skipped = False
        cost = np.zeros(len(face.held))
        cost[face.cols[local]] = 1.0
        most, least = face.solve(cost), face.solve(-cost)
        if most is None or least is None:
            continue
        high, low = float(most[cols].sum()), float(least[cols].sum())
        if high - low > 1e-6 * max(1.0, high):
            found.append(Member(p, low, high, float(x[cols].sum())))
    return found


def _stand_in(face: Face) -> None:
    """Two LPs with no cost (no iteration: every basis is optimal for it) in place of the
    skipped programs' LPs before a program whose LPs run. A run of HiGHS leaves its instance in
    another state than before it, even with no iteration (how the basis is factorised): the
    ranges found next would differ in their last bits, which run.json prints. Two runs or more
    with no iteration all leave the same state, measured on the baseline, so two stand in for
    any number of skipped programs (each had two LPs)."""
    zero = np.zeros(len(face.held))
    face.solve(zero)
    face.solve(zero)


def _classes(
    face: Face,
    members: list[Member],
    programs: dict[str, np.ndarray],
    lp: CompiledLP | None = None,
) -> list[list[Member]]:
    """Members joined when their movable columns share a row of the face (a pool's budget, an
    outcome, a group): connected components, in the order of program names. Fewer than two
    members make no class: the face's matrix is then not read; else it is cut from `lp`'s
    where given (`face_columns`: HiGHS's copy comes as Python lists, +13 MB at 1e6)."""
    if len(members) < 2:
        return []
    start, index, _, _, _ = face_columns(face, lp)
    locs = face_locals(face, {m.program: programs[m.program] for m in members})
    rows = []
    for local in locs:
        rows.append({int(r) for k in local for r in index[start[k] : start[k + 1]]})
    parent = list(range(len(members)))

    def root(k: int) -> int:
        while parent[k] != k:
            k = parent[k]
        return k

    for i in range(len(members)):
        for j in range(i + 1, len(members)):
            if rows[i] & rows[j]:
                parent[root(j)] = root(i)
    groups: dict[int, list[Member]] = {}
    for k, m in enumerate(members):
        groups.setdefault(root(k), []).append(m)
    return [g for g in groups.values() if len(g) > 1]


def _class_range(
    face: Face, programs: dict[str, np.ndarray], group: list[Member]
) -> dict[str, float]:
    """The least and most money of a tie class in all (`money_low`, `money_high`): two LPs on
    the face, each member's columns costed 1. The class's total is not fixed where a member can
    take money from outside it (its pool's unspent budget) or give money back to it."""
    cost = np.zeros(len(face.held))
    for local in face_locals(face, {m.program: programs[m.program] for m in group}):
        cost[face.cols[local]] = 1.0
    most, least = face.solve(cost), face.solve(-cost)
    cols = np.concatenate([programs[m.program] for m in group])
    if most is None or least is None:  # as `_ranges`: no range where an LP fails
        return {}
    return {"money_low": float(least[cols].sum()), "money_high": float(most[cols].sum())}


def tie_classes(
    lp: CompiledLP, face: Face, x: np.ndarray
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """The rule's plan on the settled face and its tie classes (as plain records for
    `Solution.solver`): each class lists its programs with low, high and plan (musd). The
    face's instance is renewed at the end (`renew`): no LP runs on the face after the rule, and
    its solver data (60 MB at 1e6 nonzeros) would lie under the Solution's tables."""
    programs = program_columns(lp)
    members = _ranges(face, programs, x)
    if members:
        picked = split_by_caps(face, programs, program_caps(lp), x, lp)
    else:  # no program's total can move: every point of the face minimises the rule's QP
        renew(face, lp)  # `within_programs` starts from no basis, as after the QP
        picked = x
    picked = within_programs(face, programs, picked, within_order(lp))
    picked = least_other_money(face, lp, picked)
    groups = _classes(face, members, programs, lp)
    plan = {m.program: float(picked[programs[m.program]].sum()) for g in groups for m in g}
    out = []
    for group in groups:
        out.append(
            {
                "programs": [
                    {"program": m.program, "low": m.low, "high": m.high, "plan": plan[m.program]}
                    for m in group
                ],
                "money": sum(plan[m.program] for m in group),
                **_class_range(face, programs, group),
            }
        )
    renew(face, lp)
    return picked, out
