"""What a fixed plan delivers in a sample, without re-optimising.

A sweep re-optimises every sample: that is what a planner with perfect foresight would reach.
A ministry commits one plan; this module says what *that* plan delivers when a sample's numbers
hold. The plan is the nominal plan (solved on the data as given, with the sweep's options) or a
run folder's allocation (`--plan RUN`). Per sample, on the sample's own LP arrays
(`SampleModel.sample_lp`), with no solve:

1. Money (budgets, the only money limits a sample moves): for each pool, phase by phase in the
   order of phases.csv, the money available is the sampled budget plus what the previous phase
   carried over (where the pool may carry over). A phase whose planned spending exceeds it has
   every investment of that pool and phase scaled down by the same factor to fit; the money cut
   is reported (`money_cut_musd`), never moved elsewhere. What a phase leaves unspent is carried
   to the next where the pool may carry over, as the LP would.
2. Exports: each program's exports at a milestone are its capacity (exports per US$ million
   times the capital productive by then, the sample's rates and lags), then scaled down in
   proportion, row by row in the LP's order, where they exceed a sampled market (or an export
   link's limit).
3. Outcomes are the sample's objective vectors times the plan (jobs and exports at every
   milestone and under the measure): a matrix-vector product. They are levels, as the solve's:
   the base columns at their fixed values, and each tranche's excess the sector's jobs past its
   level (so jobs there count at the tranche's share).
4. Targets: a target row whose level the plan's activity stays under is missed by the
   difference (`targets_missed`, and the shortfalls summed per kind). `targets_missed` also
   counts each processing-share milestone of shares.csv the plan does not reach (a shortfall
   by `report.outcomes.shortfall`, as `allocator solve` lists them): the mineral's share from the
   plan's productive capital at the sample's lags (`data.shares.share_of`), whether or not the
   milestone is an LP row (weight 0 is not), so the count is the one solve gives.
5. Capital links (after the budgets): where a sampled ratio lets the enablers' capital carry
   less dependent capital than the plan puts in, the dependents' investments in that link's
   row are scaled down in proportion until it holds (rows in the LP's order, repeated until no
   row is broken); the money cut is reported (`link_cut_musd`), not moved. `links_broken`
   counts rows still broken after that (none expected; a check).

What the sweep writes of it (sweep_plan.csv) and reads back is `studies/plantable.py`.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import sparse

from allocator.errors import UsageError
from allocator.exactsum import exact_dot
from allocator.report.outcomes import shortfall

if TYPE_CHECKING:
    from allocator.solver.compile import CompiledLP
    from allocator.studies.sweep import SampleModel

NOMINAL = "nominal"
TOL = 1e-9
TARGET_KINDS = {"jobs": "jobs_short", "exports": "exports_short_musd"}


def nominal_x(model: SampleModel) -> np.ndarray:
    """The nominal plan's columns: the sample model solved at every number as given, as the
    sweep places its samples against it, with solve's tie rule (`optimum`'s `ties`, not the
    samples' `pick`); solver noise snapped (`snap_plan`), so the plan is the one `allocator
    solve` writes (manufacturing_zones 3,000, not 2,999.999824)."""
    from allocator.solver.passes import optimum
    from allocator.solver.results import snap_plan

    lp = model.sample_lp(np.array([p.nominal for p in model.params]))
    lp.highs.setBasis(model.basis)
    x = np.asarray(optimum(lp, model.objective, ranging=False, ties=True).x, dtype=float)
    return snap_plan(lp, x)[0]


def run_x(model: SampleModel, folder: Path) -> np.ndarray:
    """A run folder's plan (its allocation.csv) as the sample model's columns.

    Raises:
        UsageError: no allocation.csv, or a row whose program, pool and year the dataset does
            not invest in (another dataset's run).
    """
    path, table = plan_table(Path(folder))
    lp = model.lp
    col = {lp.col_index[j]: j for j, f in enumerate(lp.col_family) if f == "invest"}
    x = np.zeros(len(lp.col_family))
    r: Any  # a row of the checked table: a whole year, a finite invest_musd
    for n, r in enumerate(table.itertuples(index=False), start=2):
        key = (str(r.program), str(r.pool), int(r.year))
        if key not in col:
            raise UsageError(
                f"{path}, row {n}: program {key[0]}, pool {key[1]}, year {key[2]} is not an "
                "investment of this dataset. Fix: pass a run folder solved on the swept dataset"
            )
        x[col[key]] += float(r.invest_musd)
    return x


PLAN_COLUMNS = ("program", "pool", "year", "invest_musd")
"""The columns of a run folder's allocation.csv that a fixed plan reads."""


def plan_file(folder: Path) -> Path:
    """The allocation.csv of `--plan RUN`.

    Raises:
        UsageError: RUN has none (checked before the sweep says anything).
    """
    path = folder / "allocation.csv"
    if not path.is_file():
        raise UsageError(
            f"--plan {folder} has no allocation.csv. Fix: pass a run folder written by "
            "`allocator solve` on this dataset"
        )
    return path


def plan_table(folder: Path) -> tuple[Path, pd.DataFrame]:
    """The allocation.csv of `--plan RUN` and its table, each cell checked
    (`_check_plan_table`), before its investments are placed (`run_x`) or its bytes compared
    with RUN's run.json (`runs.sweepplan.refuse_edited_plan`: a bad cell is named first).

    Raises:
        UsageError: RUN has no allocation.csv, or a column, cell or row no solve writes.
    """
    from allocator.studies.sweepfolder import read_table

    path = plan_file(folder)
    table = read_table(path)
    _check_plan_table(path, table)
    return path, table


def _check_plan_table(path: Path, table: pd.DataFrame) -> None:
    """A run's allocation.csv has the plan's columns, a whole year and a finite invest_musd in
    every row (an empty cell would be NaN: a traceback for a year, NaN money for the plan).

    Raises:
        UsageError: the first column missing, or the first row with such a cell.
    """
    fix = "Fix: pass a run folder written by `allocator solve` on this dataset"
    missing = [c for c in PLAN_COLUMNS if c not in table.columns]
    if missing:
        raise UsageError(f"{path}: no {', '.join(missing)} column. {fix}")
    for column in ("year", "invest_musd"):
        values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if column == "year":
            bad |= np.floor(values) != values
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            cell = table[column].iloc[k]
            kind = "a whole year" if column == "year" else "a finite number"
            problem = "is empty" if pd.isna(cell) else f"is {str(cell)!r}, not {kind}"
            raise UsageError(f"{path}, row {k + 2}, column {column} {problem}. {fix}")
    money = pd.to_numeric(table["invest_musd"]).to_numpy(dtype=float)
    if (money < 0).any():  # no solve writes one; replan's reader refuses it too
        k = int(np.flatnonzero(money < 0)[0])
        raise UsageError(
            f"{path}, row {k + 2}, column invest_musd is {money[k]:g}: money spent is never "
            f"negative. {fix}"
        )
    twice = table.duplicated(["program", "pool", "year"], keep="first").to_numpy()
    if twice.any():  # no solve writes one: summed, it would be money no plan spent
        k = int(np.flatnonzero(twice)[0])
        r = table.iloc[k]
        raise UsageError(
            f"{path}, row {k + 2}: program {r['program']}, pool {r['pool']}, year {r['year']} is "
            f"given twice. {fix}"
        )


def plan_id(folder: Path | None) -> str:
    """What the fixed plan is, for the resume fingerprint: `nominal`, or the run's
    allocation.csv by SHA-256 (the same plan moved is the same experiment)."""
    if folder is None:
        return NOMINAL
    path = Path(folder) / "allocation.csv"
    try:
        return "run " + hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return f"run {folder}"  # refused, in one line, when the plan is read


def evaluate(
    model: SampleModel,
    plan: np.ndarray,
    sample: np.ndarray | CompiledLP,
    values: np.ndarray | None = None,
) -> dict[str, Any]:
    """What `plan` delivers in a sample (its values, or its `model.sample_lp` with the values
    it was made of: `values`, for the lags), with no solve (see the module's rules). Only reads
    the sample's arrays."""
    if isinstance(sample, np.ndarray):
        values = sample
    if values is None:
        raise ValueError("evaluate needs the sample's values with its LP (for its lags)")
    lp = model.sample_lp(sample) if isinstance(sample, np.ndarray) else sample
    a = sparse.csc_matrix((lp.matrix.data, lp.matrix.indices, lp.matrix.indptr), lp.matrix.shape)
    x = np.zeros(len(lp.col_family))
    invest = np.array([f == "invest" for f in lp.col_family])
    x[invest] = np.asarray(plan, dtype=float)[invest]
    base = np.array([f == "base" for f in lp.col_family], dtype=bool)
    x[base] = lp.col_lower[base]  # outcomes are levels: what exists before the plan, fixed
    rows = a.tocsr()
    cut = _cut_budgets(lp, rows, x, [p.phase for p in model.inp.phases])
    link_cut = _cut_links(lp, rows, x)
    _fill_exports(lp, rows, x)
    _fill_excess(lp, rows, x)
    act = rows @ x
    got: dict[str, Any] = {
        "plan_objective": exact_dot(lp.costs[model.objective], x),
        "plan_jobs": exact_dot(lp.costs["jobs"], x),
        "plan_exports_musd": exact_dot(lp.costs["exports"], x),
        "money_cut_musd": cut,
        "link_cut_musd": link_cut,
    }
    for name, cost in lp.costs.items():
        kind, _, year = name.partition("@")
        if year and kind in ("jobs", "exports"):
            got[f"plan_{'jobs' if kind == 'jobs' else 'exports_musd'}@{year}"] = exact_dot(cost, x)
    got |= targets_missed_of(lp, act)
    got["targets_missed"] += _shares_missed(model, lp, x, model.lags(np.asarray(values)))
    if model.inp.targets and "target" not in lp.row_family:  # --targets off: none to count
        got |= dict.fromkeys(("targets_missed", *TARGET_KINDS.values()), None)
    return got | {"links_broken": _broken(lp, act, "enable")}


def _shares_missed(model: SampleModel, lp: CompiledLP, x: np.ndarray, lags: dict[str, int]) -> int:
    """Rule 4's processing shares: the shares.csv milestones whose share, from the plan's
    productive capital (money spent by the milestone year minus the program's lag, in the
    mineral's programs), stays under the target."""
    from allocator.data.shares import share_of

    shares = model.inp.shares
    if not shares:
        return 0
    mineral = {str(p.program): p.mineral for p in model.inp.programs if p.mineral}
    money: dict[tuple[str, int], list[float]] = defaultdict(list)  # (mineral, year spent)
    for j, fam in enumerate(lp.col_family):
        prog = str(lp.col_index[j][0])
        if fam == "invest" and prog in mineral:
            money[(mineral[prog], int(lp.col_index[j][2]) + lags[prog])].append(float(x[j]))
    missed = 0
    for s in shares:
        capital = math.fsum(
            v
            for (m, ready), got in money.items()
            if m == s.mineral and ready <= s.year
            for v in got
        )
        missed += int(shortfall(s.target_pct, share_of(s, capital)) > 0)
    return missed


def _fill_excess(lp: CompiledLP, rows: sparse.csr_matrix, x: np.ndarray) -> None:
    """Diminishing returns: each tranche's `excess` is the part of its sector's jobs level (at
    the sample's rates, after the cuts) past the tranche's level, as the LP's `tranche` rows
    define it (`model/levels.py`), so jobs there count only at the tranche's share."""
    excess = np.array([f == "excess" for f in lp.col_family], dtype=bool)
    for i, fam in enumerate(lp.row_family):
        if fam == "tranche":
            lo, hi = rows.indptr[i], rows.indptr[i + 1]
            cols, coef = rows.indices[lo:hi], rows.data[lo:hi]
            own = excess[cols]
            past = exact_dot(coef[~own], x[cols[~own]]) - float(lp.row_upper[i])
            x[cols[own]] = max(0.0, past)


def _cut_budgets(
    lp: CompiledLP, rows: sparse.csr_matrix, x: np.ndarray, phases: list[str]
) -> float:
    """Rule 1: each pool's phases in order, spending scaled to the sampled budget plus what was
    carried in; returns the money cut (US$ million). Sets the carry columns."""
    carry = {lp.col_index[j]: j for j, f in enumerate(lp.col_family) if f == "carry"}
    order = {p: k for k, p in enumerate(phases)}
    by_pool: dict[Any, list[int]] = defaultdict(list)
    for i, fam in enumerate(lp.row_family):
        if fam == "budget":
            by_pool[lp.row_index[i][0]].append(i)
    cut = 0.0
    for pool, budget_rows in by_pool.items():
        carried = 0.0
        for i in sorted(budget_rows, key=lambda r: order.get(lp.row_index[r][1], 0)):
            cols, coef = _invest_terms(lp, rows, i)
            spend = exact_dot(coef, x[cols])
            avail = max(0.0, float(lp.row_upper[i]) + carried)
            if spend > avail * (1 + TOL) + TOL:
                x[cols] *= avail / spend
                cut += spend - avail
                spend = avail
            j = carry.get((pool, lp.row_index[i][1]))
            carried = 0.0 if j is None else min(avail - spend, float(lp.col_upper[j]))
            if j is not None:
                x[j] = carried
    return cut


def _cut_links(lp: CompiledLP, rows: sparse.csr_matrix, x: np.ndarray) -> float:
    """Rule 5: a capital link's dependents scaled down, in proportion, to what the sampled
    ratio lets the enablers' capital carry; rows in the LP's order, repeated until none is
    broken (cuts only lower capital, so this ends). Returns the money cut (US$ million)."""
    before = float(x[_invest_mask(lp)].sum())
    for _ in range(100):
        changed = False
        for i, fam in enumerate(lp.row_family):
            if fam != "enable" or not np.isfinite(lp.row_upper[i]):
                continue
            cols, coef = _invest_terms(lp, rows, i)
            up = coef > 0
            part = exact_dot(coef[up], x[cols[up]])
            room = float(lp.row_upper[i]) - exact_dot(coef[~up], x[cols[~up]])
            if part > TOL and part > room * (1 + 1e-9) + 1e-9:
                x[cols[up]] *= max(0.0, room) / part
                changed = True
        if not changed:
            break
    return before - float(x[_invest_mask(lp)].sum())


def _invest_mask(lp: CompiledLP) -> np.ndarray:
    return np.array([f == "invest" for f in lp.col_family], dtype=bool)


def _invest_terms(lp: CompiledLP, rows: sparse.csr_matrix, i: int) -> tuple[np.ndarray, np.ndarray]:
    """The invest columns of row i with their coefficients."""
    lo, hi = rows.indptr[i], rows.indptr[i + 1]
    cols, coef = rows.indices[lo:hi], rows.data[lo:hi]
    keep = np.array([lp.col_family[j] == "invest" for j in cols], dtype=bool)
    return cols[keep], coef[keep]


def _fill_exports(lp: CompiledLP, rows: sparse.csr_matrix, x: np.ndarray) -> None:
    """Rule 2: exports at capacity, then scaled in proportion to every market or export link
    limit they exceed, rows in the LP's order."""
    exports = np.array([f == "exports" for f in lp.col_family], dtype=bool)
    for i, fam in enumerate(lp.row_family):
        if fam == "export_capacity":
            lo, hi = rows.indptr[i], rows.indptr[i + 1]
            cols, coef = rows.indices[lo:hi], rows.data[lo:hi]
            own = exports[cols]
            x[cols[own]] = max(0.0, -exact_dot(coef[~own], x[cols[~own]]))
    for i, fam in enumerate(lp.row_family):
        if fam not in ("export_market", "enable"):
            continue
        lo, hi = rows.indptr[i], rows.indptr[i + 1]
        cols, coef = rows.indices[lo:hi], rows.data[lo:hi]
        own = exports[cols] & (coef > 0)
        part = exact_dot(coef[own], x[cols[own]])
        room = float(lp.row_upper[i]) - exact_dot(coef[~own], x[cols[~own]])
        if part > TOL and part > room * (1 + TOL) + TOL:
            x[cols[own]] *= max(0.0, room) / part


def targets_missed_of(lp: CompiledLP, act: np.ndarray) -> dict[str, Any]:
    """Rule 4: targets missed, and their shortfalls summed per kind (jobs, exports)."""
    got: dict[str, Any] = {"targets_missed": 0} | dict.fromkeys(TARGET_KINDS.values(), 0.0)
    for i, fam in enumerate(lp.row_family):
        level = float(lp.row_lower[i])
        if fam != "target" or not np.isfinite(level):
            continue
        short = shortfall(level, float(act[i]))
        if short > 0:  # as `allocator solve` lists a target missed (`outcomes.shortfall`)
            got["targets_missed"] += 1
            got[TARGET_KINDS.get(str(lp.row_index[i][0]), "jobs_short")] += short
    return got


def _broken(lp: CompiledLP, act: np.ndarray, family: str) -> int:
    """Rows of `family` whose upper limit the plan's activity exceeds in this sample."""
    return sum(
        1
        for i, fam in enumerate(lp.row_family)
        if fam == family and act[i] > lp.row_upper[i] + 1e-7 * max(1.0, abs(lp.row_upper[i]))
    )
