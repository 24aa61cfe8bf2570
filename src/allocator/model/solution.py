"""What a solve produced, as plain tables: the `Solution` that reports, files and studies read.

Pyomo- and highspy-free: `allocator.solver.results` fills it; nothing downstream knows the solver.
A `Solution` is frozen and complete when the solver returns it: its `Objective` (name, unit and
words) and an `LPView` (the LP's names, bounds, costs and matrix, read-only, without the solver's
handle) are set there, never patched afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from allocator.model.families import LABEL_ORDER  # derived from the families' dimensions
from allocator.model.sparse import CscMatrix

if TYPE_CHECKING:
    from allocator.model.measures import Measure

__all__ = ["LABEL_ORDER", "LPView", "Objective", "Solution"]

PLAIN_UNITS = {"jobs": "jobs", "exports": "musd of exports", "weighted": "index"}
"""The unit of each objective under the `final` measure (and of a solve that names no measure)."""


@dataclass(frozen=True)
class Objective:
    """What a solve maximised: its name, its unit and its words, read by every output.

    Attributes:
        name: jobs, exports or weighted.
        unit: jobs, job-years, pv job-years, musd of exports, pv musd of exports or index
            (follows the measure).
        words: the objective in words with its measure, e.g. `direct jobs in 2040`; empty when
            the caller gave no dataset (a bare `solve_lp`), and reports then say it themselves.
    """

    name: str
    unit: str
    words: str = ""

    @classmethod
    def plain(cls, name: str, unit: str | None = None) -> Objective:
        """`name` with its `final` unit (or `unit`) and no words."""
        return cls(name, unit or PLAIN_UNITS[name])

    @classmethod
    def measured(
        cls, name: str, measure: Measure, first: int, last_year: int, last_milestone: int
    ) -> Objective:
        """`name` under `measure`, its words spanning the horizon `first`..`last_year`."""
        if name == "weighted":
            words = weighted_words(measure.kind)
            return cls(name, "index", words)
        is_exports = name == "exports"
        unit = measure.units()[is_exports]
        return cls(name, unit, measure.words(first, last_year, last_milestone)[is_exports])

    def weighing(self, cost: np.ndarray) -> Objective:
        """This objective as solved with the costs `cost`: a weighted index whose costs are all 0
        (no measure with a weight has a best above 0, so every plan is at every best and none
        weighs anything: `wholeunit.index_costs`) reads 0 for every plan, never the weights' sum
        its words name as its top; they say so instead (`NOTHING_WEIGHED`). Any other objective,
        or an index that weighs something, is itself."""
        if self.name != "weighted" or np.any(cost):
            return self
        if not self.words:  # a bare solve's: the reports' own words (`weighted_words()`)
            return replace(self, words=weighted_words(nothing=True))
        return replace(self, words=self.words.replace(WEIGHTS_TOP, NOTHING_WEIGHED))


WEIGHTS_TOP = "the weights' sum = best jobs and best exports"
"""The weighted index's top in words (`weighted_words`)."""
NOTHING_WEIGHED = (
    "nothing to weigh: no plan makes any of the jobs or exports weighed, so every plan reads 0"
)
"""A weighted index whose costs are all 0 in words, in place of its top (`Objective.weighing`)."""


def weighted_words(kind: str | None = None, nothing: bool = False) -> str:
    """The weighted index in words: its top is the weights' sum (1 with the default weights; the
    weights need not add to 1), reached by a plan at the best jobs and the best exports at once;
    or, with `nothing`, that it reads 0 for every plan (`NOTHING_WEIGHED`)."""
    measure = f"; {kind} measure" if kind else ""
    return f"weighted index ({NOTHING_WEIGHED if nothing else WEIGHTS_TOP}{measure})"


def _frozen(values: Any, dtype: Any = None) -> np.ndarray:
    """A read-only copy of `values`: the view never shares memory the solver may write."""
    out = np.array(values, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class LPView:
    """The solved LP as report code may read it: names, labels, bounds, costs and the sparse
    matrix (rows x columns), every array a read-only copy. It holds no solver handle, so nothing
    that reads it can re-solve or change the model."""

    col_names: tuple[str, ...]
    col_family: tuple[str, ...]
    col_index: tuple[tuple[Any, ...], ...]
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_names: tuple[str, ...]
    row_family: tuple[str, ...]
    row_index: tuple[tuple[Any, ...], ...]
    row_lower: np.ndarray
    row_upper: np.ndarray
    costs: Mapping[str, np.ndarray]
    """One cost vector per objective (jobs, exports, ...), in the LP's order; a weighted solve's
    own `weighted` vector too (each objective normalised by its best, as solved), so that
    model.lp is written with it without a solver."""
    matrix: CscMatrix = field(repr=False)

    @classmethod
    def of(cls, lp: Any, costs: Mapping[str, np.ndarray] | None = None) -> LPView:
        """The view of a compiled LP (`allocator.solver.compile.CompiledLP`), copied now, with
        `costs` in place of the LP's own when given."""
        a = lp.matrix
        costs = lp.costs if costs is None else costs
        matrix = CscMatrix(
            _frozen(a.indptr), _frozen(a.indices), _frozen(a.data, float), tuple(a.shape)
        )
        return cls(
            col_names=tuple(lp.col_names),
            col_family=tuple(lp.col_family),
            col_index=tuple(lp.col_index),
            col_lower=_frozen(lp.col_lower, float),
            col_upper=_frozen(lp.col_upper, float),
            row_names=tuple(lp.row_names),
            row_family=tuple(lp.row_family),
            row_index=tuple(lp.row_index),
            row_lower=_frozen(lp.row_lower, float),
            row_upper=_frozen(lp.row_upper, float),
            costs=MappingProxyType({k: _frozen(v, float) for k, v in costs.items()}),
            matrix=matrix,
        )

    def __getstate__(self) -> dict[str, Any]:
        """For pickling (a Dask worker's result): the costs as a plain dict."""
        return {f.name: getattr(self, f.name) for f in fields(self)} | {"costs": dict(self.costs)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickled: every array read-only again, the costs a read-only mapping."""
        a = state["matrix"]
        state |= {
            "costs": MappingProxyType({k: _frozen(v) for k, v in state["costs"].items()}),
            "matrix": CscMatrix(_frozen(a.indptr), _frozen(a.indices), _frozen(a.data), a.shape),
        }
        for name, value in state.items():
            sealed = _frozen(value) if isinstance(value, np.ndarray) else value
            object.__setattr__(self, name, sealed)


@dataclass(frozen=True)
class Solution:
    """What a solve produced, as plain tables: nothing downstream knows Pyomo or HiGHS.

    Frozen: the solver returns it complete (objective words, solver facts, the LP's view).
    """

    status: str
    goal: Objective
    """The objective: name, unit and words (`objective`, `objective_unit`, `label`)."""
    objective_value: float
    columns: pd.DataFrame
    rows: pd.DataFrame
    totals: dict[str, float]
    solver: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    view: LPView | None = field(default=None, repr=False)
    """The solved LP, read-only (`LPView`): for model.lp/.mps, the Limits report and budgets."""

    @property
    def objective(self) -> str:
        """The objective's name: jobs, exports or weighted."""
        return self.goal.name

    @property
    def objective_unit(self) -> str:
        """The objective's unit under the run's measure."""
        return self.goal.unit

    @property
    def label(self) -> str:
        """The objective in words with its measure, e.g. `job-years 2025-2040 (...)` (empty when
        the solve was given no dataset)."""
        return self.goal.words

    @property
    def lp(self) -> LPView | None:
        """The same as `view` (the name earlier callers used); never the solver's LP."""
        return self.view


@dataclass(frozen=True)
class Place:
    """Where in the dataset a row's number comes from: its file, line and column. No file: the
    row is the model's structure, not an input number, or the command-line `option` that gave
    it; no line: no single row of the file."""

    file: str | None = None
    row: int | None = None
    column: str | None = None
    option: str | None = None


@dataclass(frozen=True)
class Conflict:
    """One member of an irreducible infeasible subset: a row (constraint) or column bound.

    Attributes:
        constraint: its name, as in model.lp, e.g. `budget(public,p1)`.
        family: its family (row or variable family of the registry).
        labels: its index as labels, e.g. `{"pool": "public", "phase": "p1"}`.
        side: `lower` or `upper`: the bound that conflicts.
        bound: that bound's value.
        is_column: a column's bound rather than a row.
        place: where the bound comes from in the dataset.
    """

    constraint: str
    family: str
    labels: Mapping[str, Any]
    side: str
    bound: float
    is_column: bool
    place: Place


@dataclass(frozen=True)
class Relaxation:
    """One change of the least relaxation: `side` of row `constraint` moved by `amount` (in the
    row's unit) from `old`, loosening it; `outside_set` when the row is not in the conflict."""

    constraint: str
    family: str
    labels: Mapping[str, Any]
    side: str
    old: float
    amount: float
    outside_set: bool
    place: Place

    @property
    def new(self) -> float:
        """The bound after the change (an upper bound rises, a lower bound falls)."""
        return self.old + self.amount if self.side == "upper" else self.old - self.amount


@dataclass(frozen=True)
class Infeasibility:
    """Why a plan is infeasible, as records: the conflicting set and the least relaxation.

    Attributes:
        conflicts: the irreducible infeasible subset (empty if HiGHS found none).
        relaxation: the least total change of right-hand sides that makes the plan feasible.
        total: that change's total (each in its row's unit), or None without a relaxation.
        outside: the relaxation also moves rows outside the conflicting set (more than one
            conflict).
    """

    conflicts: tuple[Conflict, ...]
    relaxation: tuple[Relaxation, ...]
    total: float | None
    outside: bool
