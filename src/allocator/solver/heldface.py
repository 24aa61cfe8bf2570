"""The plan's optimal face held as a small restricted LP (`Face`, made by
`subproblems._restricted`): its passes, narrowing, ties and the exact tests on its basis.

Before some of those LPs, an exact test on the face's basis says whether the LP could find
anything new (`EXACT`); where it cannot, the LP is skipped and the face's trace says so.

- **A single point** (`Face.single_point`). After a pass the face is held (`Face.narrow`): every
  column or row with a non-zero reduced cost or dual is fixed at its bound. Those are exactly the
  nonbasic variables whose reduced cost is not 0 (a basic one has 0), so if every nonbasic
  variable of the pass's optimal basis is now fixed (lower = upper), the face is
  {x : x_N fixed, B x_B = b - N x_N}: one point, since the basis matrix B is nonsingular. That
  is the classic "no dual degeneracy means a unique optimum", decided on the narrowed bounds, so
  no new tolerance enters: "zero" is what `narrow` already decided (1e-9), and equal bounds are
  equal floats. Primal degeneracy does not matter in this direction (a degenerate basic variable
  still has only one value once the nonbasic ones are fixed); it only matters for the converse,
  which is never used: a nonbasic variable with reduced cost 0 may still be blocked at step 0,
  so then the test cannot decide and the LP runs as before. A pass on a single point, the tie
  LP (`Face.ties`) and the tie ranges can find nothing: they are skipped.
- **A sum that cannot move** (`Face.fixed_sums`). For a cost c (a program's money), with
  c_B B^-1 = pi and reduced costs d = c - pi A over the variables (columns, and rows as their
  logicals), c x = c_B x_B + c_N x_N = constant + d_N x_N on {B x_B + N x_N = b}. So if d is 0 on
  every nonbasic variable that is not fixed, c x is the same at every point of the face and both
  its range LPs would end where they start: `ties._ranges` skips them. Here d is computed (an LU
  by SuperLU, independent of HiGHS's own factors) and "0" means |d| at most 1e-9 (`ZERO`, the
  zero `narrow` uses; the costs are 0/1) even after adding the whole correction one step of
  iterative refinement made to pi: rounding is about 1e-16, and a true reduced cost that small
  would be an almost-tie in the data that HiGHS's own dual tolerance (1e-7) does not see either.
  A reduced cost of 1e-5 is told apart (tests/test_exact_skip.py). Where the LU fails, the test
  does not decide.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import highspy
import numpy as np
import numpy.typing as npt

from allocator.solver import folding
from allocator.solver.columns import Columns
from allocator.solver.highs import held_counts
from allocator.solver.status import Status, status_of

FOLD = True
"""Fold the fixed columns of a large face before its LPs (`Face.fold`); False runs every LP on
the whole face as before."""
EXACT = True
"""Decide on the face's basis first and skip the LPs that test settles (module docstring); False
runs every LP as before (what the tests compare against)."""
FIXED_SUMS_FROM = 5_000
"""`Face.fixed_sums` is asked (by `ties`) only on a face of at least this many columns: below,
the range LPs it could skip cost less than importing SciPy's sparse LU (about 0.1 s; on the
baseline's 672 columns the LPs it skips save no measurable time: 0.22 s a solve either way)."""
FOLD_FROM = 5_000
"""On a face of at least this many columns, the fixed ones are folded into the rows' bounds before
the efficiency passes after the first and before the tie LP (`Face.fold`, `solver/folding.py`)."""
FOLD_SHARE = 0.75
"""Fold only where the folded LP drops at least a quarter of the columns HiGHS holds now: a new
instance and its basis cost a few hundredths of a second at 1e6."""
_BLOCK = 64
"""Sums decided per LU solve with that many right-hand sides (`Face.fixed_sums`)."""


@dataclass
class Face:
    """A restricted LP over some columns of the plan, the others held (made by
    `subproblems._restricted`)."""

    highs: highspy.Highs
    cols: np.ndarray
    held: np.ndarray
    bounds: dict[str, tuple[np.ndarray, np.ndarray]]
    """`col` and `row`: the restricted LP's lower and upper bounds, as narrowed so far."""
    solves: int = 0
    """How many LPs `solve` ran on the face: what the exact tests save is counted here."""
    trace: list[str] = field(default_factory=list)
    """One line per pass and per LP an exact test skipped (`Optimum.trace`)."""
    narrowed: bool = False
    """True when the face has been held (`narrow`) since its last LP."""
    matrix: Columns | None = None
    """The face LP's matrix as `subproblems._restricted` handed it to HiGHS (None: read from
    HiGHS), so `ties` and `fixed_sums` need not copy the whole LP out of HiGHS (`columns`)."""
    point: _Point | None = field(default=None, repr=False)
    """The last LP's solution as read from HiGHS (`solution`): dropped by `solve`."""
    folded: folding.Folded | None = field(default=None, repr=False)
    """Which columns and rows the instance holds where the fixed ones are folded (`fold`)."""

    def columns(self) -> Columns:
        """The face LP's matrix column-wise: the one kept at its build (`kept`), else read
        from HiGHS."""
        kept = self.kept()
        return Columns.of(self.highs) if kept is None else kept

    def kept(self) -> Columns | None:
        """The matrix kept at the face's build while HiGHS holds as many rows, columns and
        entries (rows added and deleted again, as `ties.within_programs` does, leave it so);
        None otherwise."""
        h, kept = self.highs, self.matrix
        if self.folded is not None:  # the face's own matrix, HiGHS holding its folded part
            return kept if held_counts(h) == self.folded.counts else None
        if kept is not None and held_counts(h) == kept.counts:
            return kept
        return None

    def solve(self, cost: np.ndarray) -> np.ndarray | None:
        """Maximise `cost` on the face; the plan's columns, or None if not optimal."""
        self.solves += 1
        self.narrowed = False
        self.point = None
        h = self.highs
        cols = self.cols if self.folded is None else self.cols[self.folded.live]
        n = len(cols)
        h.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(cost, dtype=float)[cols])
        h.run()
        if status_of(h) is not Status.OPTIMAL:
            return None
        out = self.held.copy()
        out[self.cols] = self.solution("col_value")
        return out

    def solution(self, name: str) -> np.ndarray:
        """The last LP's `name` (`col_value`, `row_value`, `col_dual`, `row_dual`) as HiGHS
        holds it, read-only: one `getSolution` an LP (each copies all four vectors, each vector
        a Python list once read), shared by `solve`, `narrow` and `ties`. Narrowing bounds
        leaves HiGHS's vectors as they are; another LP (`solve`) drops the copy, and another
        instance, or one with other rows or columns, is read anew."""
        h, point = self.highs, self.point
        if point is None or not point.reads(h):
            point = self.point = _Point.of(h)
        got, folded = point.vector(name), self.folded
        if folded is None:
            return got
        if name.startswith("row"):  # the folded columns' share back in each row's activity
            return folded.expand_rows(got, activity=name == "row_value")
        fill = self.bounds["col"][0] if name == "col_value" else 0.0  # folded: lower = upper
        return folded.expand(got, len(self.cols), fill)

    def narrow(self) -> None:
        """Hold the optimal face of the last pass: columns with a non-zero reduced cost at the
        bound they sit on, rows with a non-zero dual at theirs."""
        h, tol = self.highs, 1e-9
        for kind in ("col", "row"):
            value, dual = self.solution(f"{kind}_value"), self.solution(f"{kind}_dual")
            lower, upper = self.bounds[kind]
            at = np.flatnonzero(np.abs(dual) > tol)
            if not at.size:
                continue
            lo, up = lower[at], upper[at]
            bound = np.where(np.abs(value[at] - lo) <= np.abs(value[at] - up), lo, up)
            lower[at], upper[at] = bound, bound
            if self.folded is not None:  # a folded column or row has no dual: all are held
                held = self.folded.live if kind == "col" else self.folded.rows
                at = np.searchsorted(held, at)
                bound = bound - (0.0 if kind == "col" else self.folded.share[held[at]])
            # highspy 1.16's stubs lack changeRowsBounds (a stub gap: HiGHS has it)
            change = h.changeColsBounds if kind == "col" else h.changeRowsBounds  # type: ignore[attr-defined]
            change(len(at), at.astype(np.int32), bound, bound)
        self.narrowed = True

    def settle(self) -> bool:
        """Hold the optimal face of the last pass (`narrow`; solved first if no pass ran on
        it); False if the face has no optimum. A face already held stays as it is."""
        if self.narrowed:
            return True
        unsolved = self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal
        if unsolved and self.solve(np.zeros(len(self.held))) is None:
            return False
        self.narrow()
        return True

    def pick(self, x: np.ndarray, spending: np.ndarray) -> np.ndarray:
        """Among the plans of the face (`settle` first), the one that spends least, money
        weighed by `spending` (`spending_order`): a plan fixed by the data, whichever vertex the
        passes before returned. `x` if the face has no optimum."""
        got = self.solve(-spending)
        if got is None:
            return x
        lower, upper = self.bounds["col"]  # within the solver's tolerance: no -0 money
        got[self.cols] = np.clip(got[self.cols], lower, upper)
        return got

    def ties(self, money: np.ndarray) -> int:
        """How many of the `money` columns (a mask over the plan's columns) another plan on the
        last pass's optimal face (`settle` first) funds differently: 0 when no other plan
        reaches the same outcomes with other money.

        Exact, not a tolerance on the objective: the point found last is a vertex of the face,
        so it is the only point at which all its tight bounds and rows hold. Maximising how far
        those move away from their bounds (each column at a bound, each row at a bound, counted
        towards the inside) stays at 0 if and only if the face is that single point; otherwise
        the optimum is another plan of the face, and the money columns that differ are counted.
        """
        if EXACT and self.single_point():
            self.trace.append("ties: the face is a single point (basis test): no tie LP")
            return 0
        tol = 1e-7
        x = self.solution("col_value")  # the last pass's point (narrowing the bounds keeps it)
        cost = _inward(x, *self.bounds["col"], tol)
        row_sign = _inward(self.solution("row_value"), *self.bounds["row"], tol)
        cost = _with_rows(cost, row_sign, self.columns())
        base = float(cost @ x)
        full = np.zeros(len(self.held))
        full[self.cols] = cost
        if EXACT and len(self.cols) >= FIXED_SUMS_FROM:
            # `ties._ranges` asks `fixed_sums` next, if the LP finds a tie: the import runs
            # beside the LP (whose run() releases the GIL), not beside the Python before it
            from allocator.solver.reduced import import_lu_beside  # only past FIXED_SUMS_FROM

            import_lu_beside()
        self.fold()
        got = self.solve(full)
        if got is None or float(cost @ got[self.cols]) <= base + tol * max(1.0, abs(base)):
            return 0
        moved = np.abs(got[self.cols] - x) > 1e-6
        return int((moved & money[self.cols]).sum())

    def chain(self, costs: list[np.ndarray], x: np.ndarray) -> np.ndarray:
        """Each of `costs` maximised on the face of the ones before it; the last point found
        (`x` if the first pass fails). Once the face held after a pass is a single point
        (`single_point`), the passes left cannot move it and are skipped (in the trace)."""
        found = x
        for k, cost in enumerate(costs):
            if k:
                self.narrow()
                if EXACT and self.single_point():
                    self.trace.append(
                        f"passes {k + 1}-{len(costs)} of {len(costs)} skipped: the face after "
                        f"pass {k} is a single point (basis test)"
                    )
                    break
                self.fold()
            got = self.solve(cost)
            iterations = self.highs.getInfo().simplex_iteration_count
            self.trace.append(f"pass {k + 1} of {len(costs)}: {iterations} iterations")
            if got is None:
                break
            found = got
        return found

    def single_point(self) -> bool:
        """Whether the face held now (`narrow`) is one point, decided without an LP: every
        nonbasic variable (column or row) of the last basis is fixed by its bounds, so the
        basic ones have one value (module docstring)."""
        col_free, row_free = (np.not_equal(*self.bounds[kind]) for kind in ("col", "row"))
        if len(row_free) != self._num_row() or col_free.sum() + row_free.sum() > len(row_free):
            return False  # more free variables than basic ones: one of them is nonbasic
        basic = self.basic_masks()
        if basic is None:
            return False
        col_basic, row_basic = basic
        return not (col_free & ~col_basic).any() and not (row_free & ~row_basic).any()

    def fixed_sums(self, groups: list[np.ndarray]) -> np.ndarray:
        """For each group of the face's columns (positions in its LP), True if the group's sum
        is the same at every point of the face held now: its reduced costs on the current
        basis are 0 on every nonbasic variable that is not fixed (module docstring). False
        where that is not so or cannot be decided; no LP is solved.

        A basic row's logical pins its pi to 0, so pi lives on the rows whose logical is
        nonbasic, and B^T pi = c_B shrinks to the square block of those rows and the basic
        columns (one LU of its transpose, by SuperLU, for every group)."""
        from scipy.sparse.linalg import splu

        from allocator.solver.reduced import Reduced, membership

        out = np.zeros(len(groups), dtype=bool)
        basic = self.basic_masks() if groups else None
        if basic is None:
            return out
        col_basic, row_basic = basic
        if len(row_basic) != len(self.bounds["row"][0]):  # rows added beside the face's own
            return out
        a = self.columns().scipy_rows(~row_basic)  # the rows pi lives on
        if a.shape[0] != col_basic.sum():
            return out
        b = a[:, col_basic]
        try:  # B^T itself factorised: a fraction of the fill of B's (8 k against 115 k at 1e6)
            lu = splu(b.T.tocsc())
        except RuntimeError:  # singular in SuperLU's eyes: not decided
            return out
        free = ~col_basic & np.not_equal(*self.bounds["col"])
        free_rows = (~row_basic & np.not_equal(*self.bounds["row"]))[~row_basic]
        member = membership(groups, a.shape[1])
        face = Reduced(lu, b.T, member[col_basic].tocsc(), member[free].tocsc(), a[:, free])
        for start in range(0, len(groups), _BLOCK):
            block = slice(start, start + _BLOCK)
            out[block] = face.zero_reduced_costs(block, free_rows)
        return out

    def _num_row(self) -> int:
        """The face's rows as HiGHS holds them (those no live column meets counted too)."""
        folded = self.folded
        return self.highs.getNumRow() if folded is None else len(folded.share)

    def basic_masks(self) -> tuple[np.ndarray, np.ndarray] | None:
        """`basic_masks` of the instance, over the face's columns and rows: a folded column
        nonbasic, a row no live column meets basic (`folding.Folded.full_basis`)."""
        got, folded = basic_masks(self.highs), self.folded
        return got if got is None or folded is None else folded.basic(got, len(self.cols))

    def fold(self) -> None:
        """The fixed columns (lower = upper) folded into the rows' bounds, in a new instance
        started from the face's basis (`folding.fold`), where the face has at least `FOLD_FROM`
        columns and the folded LP drops a quarter of those HiGHS holds (`FOLD_SHARE`)."""
        lower, upper = self.bounds["col"]
        n, held = len(self.cols), self.highs.getNumCol()
        if not FOLD or n < FOLD_FROM or self.kept() is None:
            return
        if n - np.count_nonzero(lower == upper) > FOLD_SHARE * held:
            return
        assert self.matrix is not None  # kept() is not None
        h, folded = self.highs, self.folded
        basis = h.getBasis() if folded is None else folded.full_basis(h, n)
        options = h.getOptions()
        del h
        self.highs, self.folded = folding.fold(self.matrix, self.bounds, basis, options)
        self.point = None


@dataclass
class _Point:
    """An instance's solution as read once (`Face.solution`): the instance by a weak reference
    (so a face's old instance is freed once replaced, as `renewal.renew` does) and its counts."""

    owner: weakref.ref[highspy.Highs]
    counts: tuple[int, int]
    solution: highspy.HighsSolution
    vectors: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, h: highspy.Highs) -> _Point:
        """`h`'s solution now (one `getSolution`)."""
        return cls(weakref.ref(h), (h.getNumCol(), h.getNumRow()), h.getSolution())

    def reads(self, h: highspy.Highs) -> bool:
        """Whether this is `h`'s solution: the same instance, as many columns and rows."""
        return self.owner() is h and self.counts == (h.getNumCol(), h.getNumRow())

    def vector(self, name: str) -> np.ndarray:
        """The vector `name` as a read-only array, made from HiGHS's list once."""
        got = self.vectors.get(name)
        if got is None:
            got = np.array(getattr(self.solution, name), dtype=float)
            got.flags.writeable = False
            self.vectors[name] = got
        return got


def basic_masks(h: highspy.Highs) -> tuple[np.ndarray, np.ndarray] | None:
    """Which columns and which rows (their logicals) of `h`'s LP are basic; None without a
    valid basis. Read from HiGHS's basic variables, one int array (column j as j, row i as
    -1 - i), not from the basis's statuses: those come as Python lists of enums, 9 ms to read
    and 9 ms to free on the 1e6 face. HiGHS keeps the factor of the basis its last LP ended
    on through new bounds and costs, so nothing is factorised here after an LP; a basis set
    since (`setBasis`) is factorised first, and a singular one gives None."""
    if not h.getBasis().valid:
        return None
    status, basic = h.getBasicVariables()  # type: ignore[attr-defined]  # stub gap (1.16)
    if status != highspy.HighsStatus.kOk:
        return None
    basic = np.asarray(basic)
    cols, rows = np.zeros(h.getNumCol(), dtype=bool), np.zeros(h.getNumRow(), dtype=bool)
    cols[basic[basic >= 0]] = True
    rows[-1 - basic[basic < 0]] = True
    return cols, rows


def _with_rows(cost: np.ndarray, row_sign: np.ndarray, a: Columns) -> np.ndarray:
    """`cost` (in place) plus each column's entries times their rows' `row_sign`, added entry by
    entry in column order (`np.add.at`), over the entries of rows whose sign is not 0 only: an
    entry of another row adds +-0, which leaves the sum as it is (from a cost of +-1 or +0, no
    running sum is -0)."""
    kept = np.flatnonzero((row_sign != 0)[a.index])  # at 1e6, 4 % of the entries
    column = np.searchsorted(a.start, kept, side="right") - 1
    np.add.at(cost, column, a.value[kept] * row_sign[a.index[kept]])
    return cost


def _inward(value: np.ndarray, lower: np.ndarray, upper: np.ndarray, tol: float) -> np.ndarray:
    """+1 where `value` sits on a lower bound, -1 on an upper one (not fixed), else 0: the sign
    of moving away from the bound, into the feasible side."""
    free = upper - lower > tol
    at_lower = free & (np.abs(value - lower) <= tol)
    at_upper = free & ~at_lower & (np.abs(upper - value) <= tol)
    inward: npt.NDArray[np.float64] = at_lower.astype(float) - at_upper.astype(float)
    return inward
