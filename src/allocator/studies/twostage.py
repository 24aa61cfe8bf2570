"""Two-stage plans: decide the leading phases now, let the later phases adapt per scenario.

The here-and-now problem is solved as its deterministic equivalent, one LP: the sample model's
LP with each scenario's numbers (`scenariopool.ScenarioArrays`: `sample_lp`'s arrays, made without
writing into the live HiGHS instance) as a diagonal block, a shared column
per decide-now investment (an `invest` column of a decide-now phase), and one
non-anticipativity row per scenario and decide-now investment (`x_s - z = 0`). The objective is
the expectation over equally likely scenarios (the sweep's Latin hypercube over
uncertainty.csv). Soft targets keep their rule: the least *expected* weighted shortfall first,
held, then the expected objective, then the efficiency passes and the least-spending pick of
`optimum`.

The dual of a non-anticipativity row is what one more US$ million in that scenario alone is
worth (times its probability); summed over the scenarios it is what one more US$ million
committed now is worth: 0 where the commitment is strictly between its bounds, the reduced
cost of the shared column where it sits on one.

`--risk cvar` caps the tail (`Cvar`: Rockafellar-Uryasev rows after all others). Progressive
hedging (`hedging.progressive_hedging`) is the other method; the wait-and-see and fixed-plan
solves run on a `scenariopool.ScenarioPool` (this process, or Dask workers).

EVPI and VSS (objective's unit, a maximisation, so both are >= 0 up to solver tolerance):
EVPI = the mean of each scenario solved alone (wait-and-see) - the here-and-now optimum;
VSS = the here-and-now optimum - the mean of each scenario solved with the decide-now
investments fixed to the nominal plan's (the expected result of the expected-value plan).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from allocator.errors import InfeasibleError, UsageError
from allocator.exactsum import exact_dot
from allocator.model.sparse import CscMatrix
from allocator.solver.compile import INF, CompiledLP, StandardForm, compile_form
from allocator.solver.passes import apply_options, optimum
from allocator.studies.scenariopool import ScenarioArrays
from allocator.studies.sweep import SampleModel
from allocator.studies.twostagefit import alone_with, best_alone, refuse_unfit
from allocator.studies.twostageplan import Extensive, TwoStage, now_columns
from allocator.studies.twostageprices import CommitmentPrices, price_commitments

NOW = "decide_now"
"""The family of the shared columns and of the non-anticipativity rows."""


def decide_now_phases(phases: list[str], given: list[str] | str | None) -> list[str]:
    """The decide-now phases, checked: known, a leading run of `phases` (phases.csv's order),
    not all of them.

    Raises:
        UsageError: one line naming the phase and the fix.
    """
    names = given.split(",") if isinstance(given, str) else list(given or [])
    names = [n.strip() for n in names if n.strip()]
    known = ", ".join(phases)
    for name in names:
        if name not in phases:
            raise UsageError(
                f"--decide-now {name}: no such phase in phases.csv (phases: {known}). "
                f"Fix: name leading phases, e.g. --decide-now {phases[0]}"
            )
    if not names or len(set(names)) != len(names):
        raise UsageError(
            f"--decide-now {','.join(names)}: name each decide-now phase once. "
            f"Fix: e.g. --decide-now {phases[0]}"
        )
    if set(names) != set(phases[: len(names)]):
        lead = ",".join(phases[: len(names)])
        raise UsageError(
            f"--decide-now {','.join(names)} is not a leading set of phases (phases.csv order: "
            f"{known}). Fix: decide the first phases now, e.g. --decide-now {lead}"
        )
    if len(names) == len(phases):
        raise UsageError(
            f"--decide-now {','.join(names)} names every phase: nothing is left to adapt. "
            f"Fix: leave at least the last phase ({phases[-1]}) out"
        )
    return phases[: len(names)]


@dataclass(frozen=True)
class Cvar:
    """--risk cvar on a two-stage plan: the expected objective is maximised with the expected
    shortfall against `reference` (the nominal plan's objective on the nominal numbers) in
    the worst (1 - beta) share of scenarios at most `cap` (Rockafellar-Uryasev: a free column
    `eta`, a `tail` column and a `cvar_tail` row per scenario, one `cvar_cap` row)."""

    beta: float
    cap: float
    reference: float


def extensive_form(
    lps: list[CompiledLP],
    now: np.ndarray,
    solver: dict[str, Any],
    cvar: Cvar | None = None,
    objective: str = "jobs",
) -> Extensive:
    """One LP of the scenario LPs `lps` (same structure, own numbers), equally likely, with the
    columns `now` shared (see the module's rules), handed to a fresh HiGHS instance; with
    `cvar`, its tail rows on each scenario's `objective` after every other row."""
    base, count, k = lps[0], len(lps), len(now)
    n, m = len(base.col_family), len(base.row_family)
    p = 1.0 / count
    blocks = sparse.block_diag([_scipy(lp.matrix) for lp in lps], format="csc")
    at = (np.arange(count)[:, None] * n + now[None, :]).ravel()
    na_x = sparse.csc_matrix(
        (np.ones(count * k), (np.arange(count * k), at)), (count * k, count * n)
    )
    na_z = sparse.csc_matrix(
        (-np.ones(count * k), (np.arange(count * k), np.tile(np.arange(k), count))), (count * k, k)
    )
    costs = {
        name: np.concatenate([*(p * lp.costs[name] for lp in lps), np.zeros(k)])
        for name in base.costs
    }
    grid: list[list[Any]] = [[blocks, None], [na_x, na_z]]
    fam = ["shortfall_total_scenario" if f == "shortfall_total" else f for f in base.row_family]
    row_family = fam * count + [NOW] * (count * k)
    # each scenario's copy names its scenario last (unique names for model.lp; the leading
    # labels stay those `spending_order` and the reports read)
    row_index = _per_scenario(base.row_index, count)
    row_index += [(*base.col_index[j], s) for s in range(count) for j in now]
    lower = [lp.row_lower for lp in lps] + [np.zeros(count * k)]
    upper = [lp.row_upper for lp in lps] + [np.zeros(count * k)]
    if "shortfall" in costs:  # the expected weighted shortfall, held by `optimum`'s first pass
        i = base.row_family.index("shortfall_total")
        grid.append([sparse.csr_matrix(-costs["shortfall"][: count * n]), None])
        row_family.append("shortfall_total")
        row_index.append(())
        lower.append(np.array([-INF]))
        upper.append(np.array([p * sum(float(lp.row_upper[i]) for lp in lps)]))
    a = sparse.bmat(grid, format="csc")
    form = StandardForm(
        col_family=base.col_family * count + [NOW] * k,
        col_index=_per_scenario(base.col_index, count) + [base.col_index[j] for j in now],
        col_lower=np.concatenate([np.tile(base.col_lower, count), base.col_lower[now]]),
        col_upper=np.concatenate([np.tile(base.col_upper, count), base.col_upper[now]]),
        row_family=row_family,
        row_index=row_index,
        row_lower=np.concatenate(lower),
        row_upper=np.concatenate(upper),
        matrix=CscMatrix(a.indptr, a.indices, a.data, a.shape),
        costs=costs,
    )
    if cvar is not None:
        form = _with_cvar(form, [lp.costs[objective] for lp in lps], cvar)
    a = _scipy(form.matrix)
    a.sort_indices()
    form.matrix = CscMatrix(a.indptr.astype(np.int64), a.indices.astype(np.int64), a.data, a.shape)
    lp = compile_form(form)
    apply_options(lp, solver)
    return Extensive(lp, count, n, m, now)


def _with_cvar(form: StandardForm, values: list[np.ndarray], cvar: Cvar) -> StandardForm:
    """`form` with the CVaR columns (eta, tail[s]) and rows: cvar_tail[s]: f_s(x_s) + eta +
    tail_s >= reference (tail_s: scenario s's shortfall past eta), and cvar_cap: eta +
    sum_s tail_s / ((1 - beta) S) <= cap."""
    count, n = len(values), len(values[0])
    a = _scipy(form.matrix)
    rows = np.repeat(np.arange(count), n)
    tail_x = sparse.csr_matrix(
        (np.concatenate(values), (rows, np.arange(count * n))), (count, a.shape[1])
    )
    tail_e = sparse.hstack([np.ones((count, 1)), sparse.identity(count)])
    cap_e = np.concatenate([[1.0], np.full(count, 1.0 / ((1.0 - cvar.beta) * count))])
    full = sparse.bmat([[a, None], [tail_x, tail_e], [None, sparse.csr_matrix(cap_e)]], "csc")
    zeros = np.zeros(count + 1)
    return StandardForm(
        col_family=form.col_family + ["eta"] + ["tail"] * count,
        col_index=form.col_index + [()] + [(s,) for s in range(count)],
        col_lower=np.concatenate([form.col_lower, [-INF], np.zeros(count)]),
        col_upper=np.concatenate([form.col_upper, np.full(count + 1, INF)]),
        row_family=form.row_family + ["cvar_tail"] * count + ["cvar_cap"],
        row_index=form.row_index + [(s,) for s in range(count)] + [()],
        row_lower=np.concatenate([form.row_lower, np.full(count, cvar.reference), [-INF]]),
        row_upper=np.concatenate([form.row_upper, np.full(count, INF), [cvar.cap]]),
        matrix=CscMatrix(full.indptr, full.indices, full.data, full.shape),
        costs={name: np.concatenate([c, zeros]) for name, c in form.costs.items()},
    )


def _per_scenario(index: list[tuple[Any, ...]], count: int) -> list[tuple[Any, ...]]:
    return [(*key, s) for s in range(count) for key in index]


def _scipy(a: CscMatrix) -> sparse.csc_matrix:
    return sparse.csc_matrix((a.data, a.indices, a.indptr), a.shape)


def solve_two_stage(
    model: SampleModel,
    values: np.ndarray,
    phases: list[str],
    nominal: np.ndarray | None = None,
    workers: int = 1,
    method: str = "equivalent",
    cvar: Cvar | None = None,
    scheduler: str | None = None,
) -> TwoStage:
    """The here-and-now plan (`here_and_now`) with the wait-and-see optimum of each scenario
    and, given the nominal plan's columns `nominal`, each scenario with the nominal plan's
    decide-now part fixed: what EVPI and VSS are made of. Those scenario solves run in this
    process (`workers` 1), on a LocalCluster of `workers` processes, or on the workers of the
    Dask `scheduler` (an address), with the same results. `method` hedging: the plan by
    progressive hedging (`hedging.progressive_hedging`) instead of the deterministic equivalent;
    `cvar`: the equivalent with its tail capped.

    Raises:
        InfeasibleError: no decide-now plan fits every scenario.
    """
    from allocator.studies.hedging import progressive_hedging
    from allocator.studies.scenariopool import scenario_pool

    with scenario_pool(model, workers, scheduler) as pool:
        if method == "hedging":
            result = progressive_hedging(model, values, phases, pool)
        else:
            result = here_and_now(model, values, phases, cvar)
        evaluate_scenarios(pool, result, values, nominal)
    result.prices = commitment_prices(model, values, result, cvar)
    return result


def commitment_prices(
    model: SampleModel, values: np.ndarray, result: TwoStage, cvar: Cvar | None
) -> CommitmentPrices:
    """What one more and one less US$ million of each commitment changes, re-solved on the
    plan's deterministic equivalent (built for it after progressive hedging, which has none):
    `twostageprices.price_commitments`."""
    ext = result.extensive
    if ext is None:
        arrays = ScenarioArrays(model)
        ext = extensive_form([arrays.lp(v) for v in values], result.now, model.solver)

    def alone(moves: list[tuple[int, float, np.ndarray]]) -> list[list[float | None]]:
        return alone_with(model, values, result.now, result.committed, moves)

    coupled = cvar is not None or "shortfall" in ext.lp.costs
    return price_commitments(ext, result.committed, model.objective, coupled, alone)


def evaluate_scenarios(
    pool: Any, result: TwoStage, values: np.ndarray, nominal: np.ndarray | None
) -> None:
    """Each scenario solved alone (`result.wait_and_see`) and, given `nominal`, with its
    decide-now part fixed (`result.nominal_now`), on `pool` (`scenariopool.ScenarioPool`)."""
    rows = [np.asarray(v, dtype=float) for v in values]
    items: list[Any] = [(v, None) for v in rows]
    if nominal is not None:
        fixed = (result.now, nominal[result.now])
        items += [(v, fixed) for v in rows]
    found = pool.map(scenario_value, items)
    result.wait_and_see = [f or (np.nan, np.nan) for f in found[: len(rows)]]
    if nominal is not None:
        result.nominal_now = found[len(rows) :]


def scenario_value(
    model: SampleModel, item: tuple[np.ndarray, tuple[np.ndarray, np.ndarray] | None]
) -> tuple[float, float] | None:
    """A pool task: one scenario's values solved alone, with `item[1]`'s columns fixed if given
    (`twostagefit.best_alone`)."""
    return best_alone(model, item[0], item[1])


def here_and_now(
    model: SampleModel, values: np.ndarray, phases: list[str], cvar: Cvar | None = None
) -> TwoStage:
    """The here-and-now plan over the scenarios `values` (scenarios x model.params), deciding
    `phases` now: the deterministic equivalent solved as a plan (`optimum`, least spending on
    its last face).

    Raises:
        InfeasibleError: no decide-now plan fits every scenario.
    """
    years = {y for y, ph in model.inp.phase_of_year.items() if ph in phases}
    now = now_columns(model.lp, years)
    arrays = ScenarioArrays(model)
    lps = [arrays.lp(v) for v in values]  # the live instance is left alone
    ext = extensive_form(lps, now, model.solver, cvar, model.objective)
    del lps
    from allocator.solver.fixes import discarded

    try:
        with discarded():  # its own error names the scenarios: no diagnosis to pay for
            opt = optimum(ext.lp, model.objective, ranging=False, pick=True)
    except InfeasibleError:
        if cvar is not None:
            raise InfeasibleError(
                f"no plan for {', '.join(phases)} keeps the expected shortfall of the worst "
                f"{1 - cvar.beta:.0%} of the {len(values)} scenarios within --cvar-cap "
                f"{cvar.cap:g}. Fix: raise --cvar-cap, or leave it out"
            ) from None
        raise refuse_unfit(model, values, phases, best_alone) from None
    plans, committed = ext.split(opt.x)
    expected = {n: exact_dot(c, opt.x) for n, c in ext.lp.costs.items() if n != "shortfall"}
    cost = ext.lp.costs[model.objective][: plans.size].reshape(plans.shape)
    per = (cost * plans).sum(axis=1) * len(values)
    return TwoStage(
        phases, opt.objective, opt.least_shortfall, plans, now, committed,
        ext.now_duals(opt.row_dual), expected, per,
        extensive=ext, risk=None if cvar is None else _tail(per, opt, cvar),
    )  # fmt: skip


def tail_shortfall(values: np.ndarray, reference: float, beta: float) -> float:
    """CVaR_beta of the shortfalls reference - values (equally likely): the mean shortfall of
    the worst (1 - beta) share, a scenario cut at the share's edge counted in part (what
    Rockafellar-Uryasev's minimum over eta gives)."""
    losses = np.sort(reference - np.asarray(values, dtype=float))[::-1]
    share = (1.0 - beta) * len(losses)
    whole = int(np.floor(share + 1e-12))
    part = share - whole
    total = losses[:whole].sum() + (part * losses[whole] if whole < len(losses) else 0.0)
    return float(total / share)


def _tail(per: np.ndarray, opt: Any, cvar: Cvar) -> dict[str, Any]:
    """The CVaR block: the tail shortfall the plan reaches (from its scenarios' values: the
    LP's eta and tails are exact only where the cap binds) and the cap's price (expected
    objective per unit of cap; 0 when slack)."""
    reached = tail_shortfall(per, cvar.reference, cvar.beta)
    price = abs(float(opt.row_dual[-1]))
    return {
        "kind": "cvar",
        "beta": cvar.beta,
        "cap": cvar.cap,
        "reference": cvar.reference,
        "tail_shortfall": reached,
        "binds": price > 1e-9,
        "price": price if price > 1e-9 else 0.0,
    }
