"""The LP as HiGHS holds it: the model's records (or a Pyomo model) compiled to one sparse matrix.

The model's records (`linear.LinearModel`, coordinate arrays per family) are concatenated once
into a sparse matrix with an explicit row and column order and handed to `highspy.Highs` as
numpy buffers (`compile_lp`; rows, then columns with their entries); a Pyomo
model goes through Pyomo's standard-form compiler instead (`compile_pyomo`). Both objectives are
rows of the cost matrix (`CompiledLP.costs`), so a change of objective is a cost change on the
same HiGHS instance (`set_costs`), not a rebuild. `write_model` writes model.lp and model.mps.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain, groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np

from allocator.errors import AllocatorError
from allocator.model.families import name_of
from allocator.model.linear import LinearModel, RowFamily, index_tuple, paused_gc
from allocator.model.sparse import CscMatrix
from allocator.solver.dropped import refuse_dropped
from allocator.solver.highs import new_highs

if TYPE_CHECKING:
    from allocator.data.schema import Inputs
    from allocator.model.measures import Measure
    from allocator.model.robust import Robust

INF = highspy.kHighsInf


@dataclass
class CompiledLP:
    """The LP as matrices, its names, and the HiGHS instance that holds it."""

    highs: highspy.Highs
    col_family: list[str]
    col_index: list[tuple[Any, ...]]
    row_family: list[str]
    row_index: list[tuple[Any, ...]]
    col_names: list[str]
    row_names: list[str]
    costs: dict[str, np.ndarray]
    matrix: CscMatrix  # rows x columns
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    hold_initial: float | None = None
    first_basis: highspy.HighsBasis | None = None
    """The optimal basis of the least-shortfall pass at this data (soft targets), from which
    the whole units re-solve that pass (`wholeunit.Lexicographic`)."""
    inputs: Inputs | None = None
    """The data `build_lp` built the LP of: the cells behind its rows, which the rates move as
    `allocator solve --set` does (`ranging.datum_of`); None for an LP of another origin."""


@dataclass
class StandardForm:
    """Columns and rows with their labels and bounds, the sparse matrix, and one cost vector per
    objective: what is handed to HiGHS."""

    col_family: list[str]
    col_index: list[tuple[Any, ...]]
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_family: list[str]
    row_index: list[tuple[Any, ...]]
    row_lower: np.ndarray
    row_upper: np.ndarray
    matrix: CscMatrix
    costs: dict[str, np.ndarray]


def compile_lp(model: LinearModel) -> CompiledLP:
    """Concatenate the families' blocks of `model` into one sparse matrix and pass it to a fresh
    HiGHS instance. Rows, columns and objectives keep `build_model`'s order."""
    with paused_gc():  # many small objects, none of them garbage: the collector only costs time
        form = _record_form(model)
    return _handed_off(form)


def compile_pyomo(m: Any) -> CompiledLP:
    """A Pyomo model (`linear.to_pyomo`'s, edited by hand, or written from scratch) through Pyomo's
    `LinearStandardFormCompiler`, then to HiGHS like `compile_lp`.

    Columns are the model's variables in declaration order; rows its active constraints; each
    objective named `obj_<name>` gives the cost vector `<name>`. For the model `build_model`
    makes it gives the same matrix as `compile_lp` (tested); the solve path never uses it.
    """
    import pyomo.environ as pyo

    with paused_gc():
        var_comps = list(m.component_objects(pyo.Var, descend_into=False))
        order = [v for comp in var_comps for v in comp.values()]
        form = _compiler_form(m, order, _labels_of(var_comps))
    return _handed_off(form)


def compile_form(form: StandardForm) -> CompiledLP:
    """A standard form assembled elsewhere (a two-stage plan's deterministic equivalent,
    `studies/twostage.py`) handed to a fresh HiGHS instance, as `compile_lp` hands its own."""
    return _handed_off(form)


def _handed_off(form: StandardForm) -> CompiledLP:
    refuse_dropped(form)  # an entry HiGHS drops would be a silent change of the LP
    lp = CompiledLP(
        highs=new_highs(),
        col_family=form.col_family,
        col_index=form.col_index,
        row_family=form.row_family,
        row_index=form.row_index,
        col_names=_names(form.col_family, form.col_index),
        row_names=_names(form.row_family, form.row_index),
        costs=form.costs,
        matrix=form.matrix,
        col_lower=form.col_lower,
        col_upper=form.col_upper,
        row_lower=form.row_lower,
        row_upper=form.row_upper,
    )
    _pass_model(lp, names=False)  # nothing reads names from the plan's instance
    return lp


def build_lp(
    inp: Inputs,
    targets: str = "soft",
    robust: Robust | None = None,
    measure: Measure | None = None,
    every_link_year: bool = False,
) -> tuple[CompiledLP, dict[str, float]]:
    """Build the model of `inp` and hand it to HiGHS; returns the LP and the build and hand-off
    times (s). `every_link_year` is `build_model`'s (for sweeps). With `robust`, the LP's `jobs`
    objective is the robust one and the nominal one is `jobs_nominal`.

    The garbage collector stays paused across both, so it does not scan the model's million
    objects (none of them garbage yet) between the two steps. The records are not kept: the
    HiGHS instance and the names in `CompiledLP` are all the solve and the reports need.
    """
    from allocator.model.build import build_model
    from allocator.model.measures import FINAL

    with paused_gc():
        t0 = time.perf_counter()
        model, _ = build_model(inp, targets, robust, measure or FINAL, every_link_year)
        t1 = time.perf_counter()
        form = _record_form(model)
        del model  # its records are in `form` now: not held while HiGHS copies the LP
        refuse_dropped(form, inp)  # before `_handed_off`'s check, to name the cells' row
        lp = _handed_off(form)
    lp.inputs = inp
    if robust is not None:  # the robust objective is the jobs objective; keep the nominal one
        lp.costs["jobs_nominal"] = lp.costs["jobs"]
        lp.costs["jobs"] = lp.costs.pop("robust")
    return lp, {"build": t1 - t0, "handoff": time.perf_counter() - t1}


def standard_form(
    inp: Inputs,
    targets: str = "soft",
    robust: Robust | None = None,
    measure: Measure | None = None,
) -> StandardForm:
    """`build_lp`'s matrices, names and costs without a HiGHS instance: what a held instance is
    compared with when one cell of the data changes (`allocator serve`)."""
    from allocator.model.build import build_model
    from allocator.model.measures import FINAL

    with paused_gc():
        model, _ = build_model(inp, targets, robust, measure or FINAL)
        form = _record_form(model)
    refuse_dropped(form, inp)  # as `build_lp` refuses it: serve and solve say the same
    return form


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0)


def _entries(rows: list[RowFamily], largest: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every family's entries in one array each (row, column, coefficient), the rows offset by
    the rows of the families before, filled in place (no per-family temporaries)."""
    index = np.int32 if largest < 2**31 - 1 else np.int64
    nnz = sum(r.col.size for r in rows)
    row, col, val = np.empty(nnz, index), np.empty(nnz, index), np.empty(nnz)
    at = first = 0
    for r in rows:
        k = r.col.size
        np.add(r.row, first, out=row[at : at + k], dtype=index)
        col[at : at + k], val[at : at + k] = r.col, r.val
        at, first = at + k, first + len(r.keys)
    return row, col, val


def _record_form(model: LinearModel) -> StandardForm:
    """The standard form of `model`: its families' entries concatenated once, in order (each
    family's rows after the previous family's), and one compressed-column conversion."""
    cols, rows = model.columns, model.rows
    n, m = model.num_cols, model.num_rows
    # the concatenated entries are handed over without a name here, so that the conversion
    # frees each one as soon as its sorted copy exists
    matrix = CscMatrix.from_triplets(*_entries(rows, max(m, n)), (m, n))
    costs = {}
    for obj in model.objectives:
        vec = np.zeros(n)
        np.add.at(vec, obj.col, obj.val)
        costs[obj.name] = vec
    return StandardForm(
        col_family=list(chain.from_iterable([c.family] * len(c.keys) for c in cols)),
        col_index=list(chain.from_iterable(c.keys for c in cols)),
        col_lower=_concat([c.lower for c in cols]),
        col_upper=_concat([c.upper for c in cols]),
        row_family=list(chain.from_iterable([r.family] * len(r.keys) for r in rows)),
        row_index=list(chain.from_iterable(r.keys for r in rows)),
        row_lower=_concat([r.lower for r in rows]),
        row_upper=_concat([r.upper for r in rows]),
        matrix=matrix,
        costs=costs,
    )


def _labels_of(components: list[Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Family and index tuple of every member of Pyomo `components`, in their order."""
    family: list[str] = []
    index: list[tuple[Any, ...]] = []
    for comp in components:
        keys = list(comp.keys())
        family += [comp.name] * len(keys)
        index += map(index_tuple, keys)
    return family, index


def _names(families: list[str], indices: list[tuple[Any, ...]]) -> list[str]:
    """`families.name_of` of every (family, index), made a run of one family at a time: one
    comprehension of an f-string per index length (`_NAMED`), about half the time of a call of
    `name_of` per name (76,646 names at 1e6 nonzeros: ~27 -> ~12 ms CPU). A run whose indices
    differ in length, or are longer than `_NAMED` knows, is named by `name_of` itself."""
    out: list[str] = []
    at = 0
    for family, run in groupby(families):
        n = len(list(run))
        keys = indices[at : at + n]
        at += n
        out += _named_run(family, keys)
    return out


def _named_run(family: str, keys: list[tuple[Any, ...]]) -> list[str]:
    """The names of `keys`, all of `family`, as `name_of` writes them (`%s` is `str`, as `!s`)."""
    width = len(keys[0]) if keys else 0
    if width < len(_NAMED):
        try:
            return _NAMED[width](family, keys)
        except (TypeError, ValueError):  # indices of another length in the run
            pass
    return [name_of(family, k) for k in keys]


_NAMED: tuple[Callable[[str, list[tuple[Any, ...]]], list[str]], ...] = (
    lambda f, keys: [f"{f}" for () in keys],
    lambda f, keys: [f"{f}({a!s})" for (a,) in keys],
    lambda f, keys: [f"{f}({a!s},{b!s})" for a, b in keys],
    lambda f, keys: [f"{f}({a!s},{b!s},{c!s})" for a, b, c in keys],
    lambda f, keys: [f"{f}({a!s},{b!s},{c!s},{d!s})" for a, b, c, d in keys],
    lambda f, keys: [f"{f}({a!s},{b!s},{c!s},{d!s},{e!s})" for a, b, c, d, e in keys],
)
"""The names of a run of one family's indices, by the length of its indices (`_names`)."""


def _compiler_form(
    m: Any, order: list[Any], col_labels: tuple[list[str], list[tuple[Any, ...]]]
) -> StandardForm:
    import pyomo.environ as pyo
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    objectives = list(m.component_data_objects(pyo.Objective, descend_into=False))
    active = [o.active for o in objectives]
    for o in objectives:  # every objective is a cost vector, the inactive ones too
        o.activate()
    try:
        repn = LinearStandardFormCompiler().write(
            m, mixed_form=True, set_sense=None, column_order=order
        )
    finally:
        for o, was in zip(objectives, active, strict=True):
            if not was:
                o.deactivate()
    rows = [r.constraint for r in repn.rows]
    if len({id(r) for r in rows}) != len(rows):
        raise AllocatorError("internal: a ranged constraint was split in two rows")
    sense = np.array([r.bound_type for r in repn.rows], dtype=float)
    rhs = np.asarray(repn.rhs, dtype=float)
    c = repn.c.toarray()
    bounds = [v.bounds for v in repn.columns]
    return StandardForm(
        col_family=col_labels[0],
        col_index=col_labels[1],
        col_lower=np.array([-INF if lo is None else lo for lo, _ in bounds], dtype=float),
        col_upper=np.array([INF if up is None else up for _, up in bounds], dtype=float),
        row_family=[r.parent_component().name for r in rows],
        row_index=[index_tuple(r.index()) for r in rows],
        row_lower=np.where(sense >= 0, np.where(sense == 0, rhs, -INF), rhs),
        row_upper=np.where(sense <= 0, np.where(sense == 0, rhs, INF), rhs),
        matrix=CscMatrix.from_scipy(repn.A),
        costs={o.name.removeprefix("obj_"): c[i] for i, o in enumerate(repn.objectives)},
    )


def _pass_model(lp: CompiledLP, names: bool = True) -> None:
    """Hand the LP to its HiGHS instance: the rows (bounds, names) as a `HighsLp`, then every
    column with its entries through `addCols`, whose numpy arguments HiGHS reads as buffers
    (`HighsLp`'s matrix setters convert element by element), then the column names.

    `names` False: no row or column name, for an instance whose names nothing reads (the
    plan's: reports name rows and columns from `lp`'s own lists, and model.lp/.mps are
    written from a fresh instance that has them, `write_model`). The simplex never reads a
    name; at 1e6 nonzeros the 70,000 `passColName` calls took ~80 ms of the hand-off.

    passModel's own array overload would take the matrix as buffers too, but it also takes an
    integrality vector and keeps it, and HiGHS then writes empty `bin`, `gen` and `semi`
    sections into model.lp."""
    h, a = lp.highs, lp.matrix
    rows = highspy.HighsLp()
    rows.num_row_ = len(lp.row_names)
    rows.row_lower_, rows.row_upper_ = _floats(lp.row_lower), _floats(lp.row_upper)
    rows.sense_ = highspy.ObjSense.kMaximize
    n = len(lp.col_names)
    ok = h.passModel(rows) == highspy.HighsStatus.kOk
    columns = (np.zeros(n), _floats(lp.col_lower), _floats(lp.col_upper))
    matrix = (np.asarray(a.indptr[:-1], np.int32), np.asarray(a.indices, np.int32), _floats(a.data))
    if not ok or h.addCols(n, *columns, a.nnz, *matrix) != highspy.HighsStatus.kOk:
        raise AllocatorError("internal: HiGHS refused the model")
    if names:
        _pass_names(lp)


def _pass_names(lp: CompiledLP) -> None:
    """Every row's and column's name into `lp`'s instance (what model.lp and .mps show)."""
    h, ok = lp.highs, highspy.HighsStatus.kOk
    for kind, pass_name, named in (
        ("row", h.passRowName, lp.row_names),
        ("column", h.passColName, lp.col_names),
    ):
        refused = [name for j, name in enumerate(named) if pass_name(j, name) != ok]
        if refused:
            raise AllocatorError(f"internal: HiGHS refused the {kind} name {refused[0]!r}")


def _floats(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=float)


def set_costs(lp: CompiledLP, cost: np.ndarray) -> None:
    n = len(cost)
    lp.highs.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(cost, dtype=float))


def write_model(lp: Any, cost: np.ndarray, folder: Path) -> list[Path]:
    """Write model.lp and model.mps with the run's objective and readable names. `lp` is a
    `CompiledLP` or a solution's read-only `LPView` (handed to a fresh HiGHS instance here)."""
    if not isinstance(lp, CompiledLP):
        lp = _handed_off_view(lp)
    else:  # the plan's own instance holds no names (`_handed_off`)
        _pass_names(lp)
    set_costs(lp, cost)
    paths = [folder / "model.lp", folder / "model.mps"]
    for path in paths:
        if lp.highs.writeModel(str(path)) != highspy.HighsStatus.kOk:
            raise AllocatorError(f"HiGHS could not write {path.name}")
    return paths


def _handed_off_view(view: Any) -> CompiledLP:
    """A fresh HiGHS instance holding the LP of a `model.solution.LPView`, to write it."""
    lp = CompiledLP(
        highs=new_highs(),
        col_family=list(view.col_family),
        col_index=list(view.col_index),
        row_family=list(view.row_family),
        row_index=list(view.row_index),
        col_names=list(view.col_names),
        row_names=list(view.row_names),
        costs=dict(view.costs),
        matrix=view.matrix,
        col_lower=view.col_lower,
        col_upper=view.col_upper,
        row_lower=view.row_lower,
        row_upper=view.row_upper,
    )
    _pass_model(lp)
    return lp
