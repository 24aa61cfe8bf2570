"""The core index: which programs (sectors, pools) every good plan funds, after Robust Portfolio
Modeling (Liesio, Mild and Salo 2007: the core of a decision is what every non-dominated
portfolio selects, the exterior what none selects, the rest borderline).

Good plans are of two kinds, both counted:

- the sweep's samples, each re-optimised (Latin hypercube of `uncertainty.csv`, `--samples`,
  `--seed`; solved as `allocator sweep` solves them: `SampleModel`, from the nominal basis, the
  plan that spends least on the last face);
- the near-optimal alternatives within `--slack` of the optimum (`allocator alternatives`): the
  optimum and, for every member, the plans with its least and its most money, distinct ones
  counted once. The least and the most are exact over every plan within the slack, so a member
  funded above the threshold in all of them is funded in every near-optimal plan.

A member is funded in a plan when its money there is above `--threshold` US$ million. Both
kinds of work run as batches: in this process, or as Dask tasks (`core_on_dask`); each batch
starts every LP from the same basis on an instance built from the same state, so the rows do
not depend on how the batches were cut or where they ran (`corerun`: Serial, OnDask). The
classes the good plans give, and core.csv's table, are `coretable`'s.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from allocator.errors import AllocatorError, UsageError
from allocator.model.measures import Measure
from allocator.report.nearoptimal import objective_existing
from allocator.solver.alternatives import RangeInstance, RangeState, release
from allocator.solver.results import snap, snap_plan
from allocator.studies.alternatives import DIMENSIONS, held_model, members_of
from allocator.studies.coretable import core_table as core_table  # where tests name it
from allocator.studies.coretable import verdict_line as verdict_line  # the CLI's import

DEFAULT_THRESHOLD_MUSD = 1.0
"""Money above which a program counts as funded: one US$ million, the unit of every money table
(the sector tables round to it, so less shows as 0 there), a million times the solver's noise
(`ZERO_MUSD`) and far below any program's cap in the bundled dataset. A share of each cap
would make a sector's or a pool's threshold a sum no one chose."""


@dataclass(frozen=True)
class CoreStudy:
    """What is solved: the dataset, its model file and `--set`s (applied as a sweep applies
    them, in every process), the objective, targets, measure and HiGHS options."""

    inputs: str
    model_file: str | None
    sets: tuple[str, ...]
    objective: str
    targets: str
    measure: Measure
    solver: dict[str, float] = field(default_factory=dict)
    weights: dict[str, float] | None = None
    """The weighted objective's weights (None: not weighted; `optimum`'s 0.5 / 0.5)."""
    run: str | None = None
    """The run folder whose spec this is (`allocator core RUN`), if any: said, not solved."""
    studied: str | None = None
    """What the index studies instead of solve's plan of these options (a --risk or
    --decide-now RUN: the plain plan), in one line; said, not solved."""
    model_text: str | None = None
    """The model file's text as the run read it (`runs.spec.Scenario.model_read`), whose
    overrides are applied (None: the file is read when the dataset is loaded)."""

    def check(self) -> None:
        """The objective and targets as `allocator solve` checks them, in its words.

        Raises:
            UsageError: an unknown objective or --targets (the range LPs would take another
                objective, and any targets but off and soft as hard).
        """
        from allocator.model.build import check_choices

        check_choices(self.objective, self.targets)

    def key(self) -> tuple[Any, ...]:
        """What a process's cached sample model depends on."""
        return (self.inputs, self.model_file, self.model_text, self.sets, self.objective) + (
            self.targets,
            self.measure,
            tuple(sorted(self.solver.items())),
            tuple((self.weights or {}).items()),
        )


MAX_SAMPLES = 1_000_000
"""The most re-optimised samples the index counts (one LP each): `sweep`'s limit."""


@dataclass(frozen=True)
class CoreSettings:
    """The index's own options: dimension, threshold (US$ million), slack, samples and seed."""

    by: str = "program"
    threshold: float = DEFAULT_THRESHOLD_MUSD
    slack: float = 0.02
    samples: int = 20
    seed: int = 0

    def check(self, typed: dict[str, str] | None = None) -> None:
        """Refuse options the index cannot use, in one line each, a number as `typed` gives
        its text (the command line's, by field name), else in its shortest form.

        Raises:
            UsageError: an unknown --by, a negative or not finite --threshold, a --slack
                outside [0, 1), --samples outside [0, MAX_SAMPLES] or a bad --seed.
        """
        from allocator.data.uncertainty import check_seed

        said = {"threshold": f"{self.threshold:g}", "slack": f"{self.slack:g}"} | (typed or {})
        if self.by not in DIMENSIONS:
            raise UsageError(f"unknown --by '{self.by}'. Fix: use one of {', '.join(DIMENSIONS)}")
        if not (math.isfinite(self.threshold) and self.threshold >= 0):
            raise UsageError(
                f"--threshold {said['threshold']} is the money (US$ million) above which a plan "
                "counts as funding a member, a number 0 or more. Fix: e.g. --threshold 1"
            )
        if not 0 <= self.slack < 1:
            raise UsageError(
                f"--slack {said['slack']} is the share of the optimum that may be given up, in "
                "[0, 1). Fix: e.g. --slack 0.02 for 2%"
            )
        if not 0 <= self.samples <= MAX_SAMPLES:
            raise UsageError(
                f"--samples {self.samples} is how many re-optimised samples are counted (each "
                f"one LP). Fix: 0 (near-optimal plans only) to {MAX_SAMPLES:,}, e.g. --samples 20"
            )
        check_seed(self.seed)


@dataclass
class GoodPlans:
    """Each good plan's money by member (columns in `members` order, US$ million, rounded to
    6 decimals): the optimal samples in sample order, the distinct near-optimal plans sorted."""

    members: list[str]
    names: dict[str, str]
    samples: np.ndarray
    alternatives: np.ndarray
    sample_status: dict[str, int]
    drawn: int
    range_lps: int
    objective: dict[str, Any]
    file_hashes: dict[str, str] = field(default_factory=dict)
    """SHA-256 of each input file read, by name (run.json's `inputs.sha256`)."""


# --- the near-optimal plans -------------------------------------------------------------------

_RANGES: dict[str, RangeInstance] = {}


def range_batch(
    state: RangeState, columns: list[np.ndarray], tasks: list[tuple[int, int]]
) -> list[list[float]]:
    """A batch of range LPs (member k's least, sign -1, or most, +1): each plan's money by
    member. One instance per process, built from `state` once and kept for later batches."""
    if state.token not in _RANGES:
        _RANGES.clear()
        _RANGES[state.token] = RangeInstance(state)
    instance = _RANGES[state.token]
    rows = []
    for k, sign in tasks:
        if not columns[k].size:
            continue  # no money can reach it: no range LP, no plan
        end = instance.extreme(columns[k], float(sign), np.zeros(instance.n))
        rows.append(totals(end.x, columns))
    return rows


def totals(x: np.ndarray, columns: list[np.ndarray], lp: Any = None) -> list[float]:
    """A plan's money by member, solver noise snapped as in solve's tables (`snap_plan` on the
    plan when its `lp` is given, `snap` on each sum: 3,000, not 2,999.999824), then rounded to
    6 decimals (a US dollar), so the same plans give the same bytes."""
    if lp is not None:
        x = snap_plan(lp, x)[0]
    sums = snap(np.array([float(x[c].sum()) if c.size else 0.0 for c in columns]))
    return [round(float(v), 6) + 0.0 for v in sums]


def alternative_plans(
    study: CoreStudy, setting: CoreSettings, where: Any, inp: Any
) -> tuple[np.ndarray, int, dict[str, Any]]:
    """The distinct near-optimal plans of `inp` (sorted rows of money by member), the range
    LPs solved and the objective held."""
    model = held_model(
        inp,
        study.objective,
        study.targets,
        study.measure,
        setting.slack,
        setting.by,
        study.solver,
        study.weights,
    )
    columns = list(model.members.values())
    tasks = [(k, s) for k in range(len(columns)) for s in (-1, 1) if columns[k].size]
    plans = [totals(model.opt.x, columns, model.lp)]
    plans += where.map(range_batch, (model.state, columns), tasks)
    model.solver.restore()
    release(model.lp, model.held)
    unit = "index" if study.objective == "weighted" else None
    objective = {
        "name": study.objective,
        "weights": study.weights,
        "unit": unit or study.measure.units()[study.objective == "exports"],
        "optimum": model.held.optimum,
        "bound": model.held.bound,
        "least_weighted_target_shortfall": model.opt.least_shortfall,
    }
    existing = objective_existing(inp, study.objective, study.measure.kind)
    if existing is not None:  # the part of the optimum and the bound that exists whatever is spent
        objective["existing"] = existing
    distinct = np.unique(np.array(plans, dtype=float).reshape(len(plans), len(columns)), axis=0)
    return distinct, len(tasks), objective


# --- the re-optimised samples -----------------------------------------------------------------

_SAMPLES: dict[tuple[Any, ...], tuple[Any, list[np.ndarray]]] = {}


def sample_model(study: CoreStudy, by: str, inp: Any) -> tuple[Any, list[np.ndarray]]:
    """This process's sample model of `study` (as the sweep's) on its dataset `inp` (loaded once
    a run and given to every batch) and its columns by member."""
    from allocator.studies.sweep import SampleModel, uncertain_params

    key = (*study.key(), by, tuple(sorted(inp.file_hashes.items())))
    if key not in _SAMPLES:
        params = uncertain_params(inp, study.inputs)
        model = SampleModel(
            inp, params, study.objective, study.targets, study.measure, dict(study.solver)
        )
        _SAMPLES.clear()  # one model per process: a new study replaces the last
        _SAMPLES[key] = (model, list(members_of(inp, model.lp, by).values()))
    return _SAMPLES[key]


def sample_batch(
    study: CoreStudy, by: str, inp: Any, items: list[tuple[int, list[float]]]
) -> list[tuple[int, str, list[float] | None]]:
    """A batch of samples of `study` on its dataset `inp`, each re-optimised from the nominal
    basis (the plan that spends least on the last face, as the sweep's): (sample, status, money
    by member or None)."""
    from allocator.solver.fixes import discarded
    from allocator.solver.passes import optimum

    model, columns = sample_model(study, by, inp)
    rows: list[tuple[int, str, list[float] | None]] = []
    for k, values in items:
        lp = model.sample_lp(np.asarray(values, dtype=float))
        lp.highs.setBasis(model.basis)
        try:
            with discarded():  # a sample with no plan is a status: no diagnosis to pay for
                opt = optimum(lp, model.objective, ranging=False, pick=True)
        except AllocatorError as exc:
            rows.append((k, type(exc).__name__.removesuffix("Error").lower() or "error", None))
            continue
        rows.append((k, "optimal", totals(opt.x, columns, lp)))
    return rows


def sample_plans(
    study: CoreStudy, setting: CoreSettings, where: Any, width: int, inp: Any
) -> tuple[np.ndarray, dict[str, int]]:
    """The optimal samples' money by member (rows in sample order) and the samples by status,
    of the study's dataset `inp`, which every batch is given (here, or sent to each worker)."""
    if setting.samples == 0:
        return np.zeros((0, width)), {}
    from allocator.data.uncertainty import latin_hypercube
    from allocator.studies.sweep import uncertain_params

    params = uncertain_params(inp, study.inputs)
    values = latin_hypercube(params, setting.samples, setting.seed)
    items = [(k, values[k].tolist()) for k in range(setting.samples)]
    rows = sorted(where.map(sample_batch, (study, setting.by, inp), items), key=lambda r: r[0])
    status = dict(sorted(Counter(r[1] for r in rows).items()))
    ok = [r[2] for r in rows if r[2] is not None]
    return np.array(ok, dtype=float).reshape(len(ok), width), status


def good_plans(study: CoreStudy, setting: CoreSettings, where: Any, inp: Any = None) -> GoodPlans:
    """Every good plan's money by member: the near-optimal plans, then the samples, of the
    study's dataset `inp` (None: loaded here, `load_study`). The HiGHS instances this process
    kept for them are let go at the end (a Dask worker's stay with it until its cluster
    closes)."""
    try:
        return _good_plans(study, setting, where, inp)
    finally:
        _RANGES.clear()
        _SAMPLES.clear()


def _good_plans(study: CoreStudy, setting: CoreSettings, where: Any, inp: Any) -> GoodPlans:
    setting.check()
    study.check()
    if setting.samples and study.objective not in ("jobs", "exports"):
        raise UsageError(
            f"--objective {study.objective}: the core index re-optimises samples for jobs or "
            "exports only. Fix: choose one of the two, or --samples 0 (near-optimal plans only)"
        )
    inp = load_study(study) if inp is None else inp
    if setting.samples and not inp.uncertainty:
        raise UsageError(
            f"{study.inputs} has no uncertainty.csv ranges to sample. Fix: add uncertainty.csv "
            "(see inputs/README.md), or pass --samples 0 to count the near-optimal plans only"
        )
    alternatives, lps, objective = alternative_plans(study, setting, where, inp)
    members = list(members_of_inputs(inp, setting.by))
    samples, status = sample_plans(study, setting, where, len(members), inp)
    names = {m: m.replace("_", " ") for m in members}  # a sector's or pool's name in words
    if setting.by == "program":
        names = {p.program: p.name or p.program for p in inp.programs}
    hashes = dict(sorted(inp.file_hashes.items()))
    counts = (status, setting.samples, lps)
    return GoodPlans(members, names, samples, alternatives, *counts, objective, hashes)


def members_of_inputs(inp: Any, by: str) -> list[str]:
    """The members of dimension `by`, sorted by name (the order `members_of` gives)."""
    if by == "program":
        return sorted(p.program for p in inp.programs)
    if by == "sector":
        return sorted({p.sector for p in inp.programs})
    return sorted({p.pool for p in inp.pools})


def load_study(study: CoreStudy, overrides: list[Any] | None = None) -> Any:
    """The dataset with its model file's overrides, then the `--set`s (`overrides`, if known:
    `study_overrides`), loaded once a run: every batch, here or on a Dask worker, is given it."""
    from allocator.data.modelfile import load_dataset

    given = study_overrides(study) if overrides is None else overrides
    return load_dataset(study.inputs, given, study.model_file or "")


def study_overrides(study: CoreStudy) -> list[Any]:
    """The study's model file's overrides (from its text as the run read it, if given), then
    its `--set`s, in the order they apply."""
    from pathlib import Path

    from allocator.data.cellset import parse_set
    from allocator.data.modelfile import model_file_of
    from allocator.data.overrides import Override

    mf = study.model_file
    overrides = model_file_of(Path(mf), study.model_text).overrides if mf else []
    return [*overrides, *(Override(set_cell=parse_set(s)) for s in study.sets)]
