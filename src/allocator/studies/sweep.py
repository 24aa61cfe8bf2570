"""Uncertainty sweeps: one persistent LP per process, updated in place for each sample.

A sample changes only numbers: budgets and market sizes move row bounds; jobs and exports per US$
million and lags move objective costs and matrix coefficients; a link's ratio moves its enabling
coefficients. Which rows a number feeds is read from the registry: a family declares the data
columns its right-hand side is (`Family.rhs`, `scale`) and the program terms its coefficients
hold (`Family.terms`), so a new family is patched without an edit here. `SampleModel`
knows, for every uncertain number, exactly which entries of the compiled LP it feeds, and rewrites
only those on the live HiGHS instance (`changeRowBounds`, `changeCoeff`), which then re-solves from
its previous basis. Nothing is rebuilt between samples; each sample gets its own copies of the
bound, cost and coefficient arrays (which the reports and the solver's small passes read), so the LP
as built is never rewritten.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from allocator.data.schema import Inputs, Program
from allocator.data.uncertainty import Param
from allocator.errors import AllocatorError, UsageError
from allocator.exactsum import exact_dot
from allocator.model.families import FAMILIES, labels_of
from allocator.model.measures import FINAL, JOB_YEARS, Measure, weight_from
from allocator.solver.compile import CompiledLP
from allocator.solver.passes import apply_options, optimum
from allocator.solver.results import snap_plan

if TYPE_CHECKING:
    from allocator.data.overrides import Override


@dataclass
class _Entry:
    """A matrix coefficient fed by a program's coefficient and lag (row -1: an objective cost,
    whose value `_set_program` takes from the cost's weights by year instead)."""

    row: int
    col: int
    year: int  # the year the capital is counted in
    spent: int  # the year the money is spent
    kind: str  # "jobs", "exports", "enabled" (a dependent's capital) or "enabler"
    pos: int = -1  # where the coefficient is stored in lp.matrix.data (matrix entries only)
    link: str = ""  # an enabler's link, whose ratio is its coefficient


@dataclass
class SampleModel:
    """The LP of `inp` with its uncertain numbers ready to be set sample by sample.

    `lp` is the LP as built (at the widest lags); it is only read. Each sample's numbers go into
    a copy of its arrays (`sample_lp`) and into the live HiGHS instance that all samples share.
    """

    inp: Inputs
    params: list[Param]
    objective: str
    targets: str
    measure: Measure = FINAL
    solver: dict[str, float] = field(default_factory=dict)
    """HiGHS options (a model file's `solver:`, e.g. time_limit), as solve applies them."""
    lp: CompiledLP = field(init=False)
    ahead: dict[str, dict[int, float]] = field(init=False)
    """Each jobs cost (`jobs`, `jobs@<year>`): year productive -> its weight from then on."""
    basis: Any = field(init=False)
    entries: dict[str, list[_Entry]] = field(init=False)
    bound_rows: list[list[tuple[int, float]]] = field(init=False)

    def __post_init__(self) -> None:
        if self.objective not in ("jobs", "exports"):
            raise UsageError(
                "sweeps and robust plans take --objective jobs or exports. "
                "Fix: choose one of the two"
            )
        wide = _widest_lags(self.inp, self.params)
        from allocator.pipeline import built_lp  # the refusals in the dataset's own words

        self.lp, _ = built_lp(wide, self.targets, measure=self.measure, every_link_year=True)
        apply_options(self.lp, self.solver)
        years, milestones = wide.years, [m.year for m in wide.milestones]
        self.ahead = {"jobs": weight_from(years, self.measure.weights(years, milestones))}
        self.ahead |= {f"jobs@{y}": weight_from(years, {y: 1.0}) for y in milestones}
        self.ahead[JOB_YEARS] = weight_from(years, dict.fromkeys(years, 1.0))
        self.entries = _program_entries(self.lp, wide, wide.last_milestone)
        _locate(self.lp, self.entries)
        self.bound_rows = [_rows_of(self.lp, wide, p) for p in self.params]
        optimum(
            self.sample_lp(np.array([p.nominal for p in self.params])),
            self.objective,
            ranging=False,
        )
        # every sample starts from this basis: warm, and the same whatever ran before it on
        # this process, so results do not depend on how samples are spread over workers
        self.basis = self.lp.highs.getBasis()

    def sample_lp(self, values: np.ndarray) -> CompiledLP:
        """The LP of one sample: fresh bound, cost and coefficient arrays holding its numbers,
        which are also written into the live HiGHS instance. `self.lp` is left as built."""
        base = self.lp
        lp = replace(
            base,
            costs=base.costs | {name: base.costs[name].copy() for name in self.ahead},
            matrix=replace(base.matrix, data=base.matrix.data.copy()),
            row_upper=base.row_upper.copy(),
        )
        programs: dict[str, dict[str, float]] = defaultdict(dict)
        ratios = {link.link: link.ratio for link in self.inp.links}
        for p, v in zip(self.params, values, strict=True):
            if p.table == "programs":
                programs[str(p.row.program)][p.column] = float(v)  # type: ignore[attr-defined]
            elif p.table == "links":
                ratios[str(p.row.link)] = float(v)  # type: ignore[attr-defined]
        for j, v in enumerate(values):
            for row, scale in self.bound_rows[j]:
                lp.row_upper[row] = v * scale
                lp.highs.changeRowBounds(row, lp.row_lower[row], v * scale)
        for prog in self.entries:
            base_row = next(p for p in self.inp.programs if p.program == prog)
            got = programs.get(prog, {})
            rates = (
                got.get("jobs_per_musd", base_row.jobs_per_musd),
                got.get("exports_per_musd", base_row.exports_per_musd),
            )
            lag = int(got.get("lag_years", base_row.lag_years))
            _set_program(lp, self.entries[prog], *rates, lag, ratios, self.ahead)
        return lp

    def lags(self, values: np.ndarray) -> dict[str, int]:
        """Each program's lag (years) in the sample `values`, as `sample_lp` sets it."""
        lag = {str(p.program): int(p.lag_years) for p in self.inp.programs}
        for p, v in zip(self.params, values, strict=True):
            if p.table == "programs" and p.column == "lag_years":
                lag[str(p.row.program)] = int(float(v))  # type: ignore[attr-defined]
        return lag

    def solve(self, values: np.ndarray, lp: CompiledLP | None = None) -> dict[str, Any]:
        """One sample: its numbers set (`lp`: its `sample_lp`, if already made), solved warm;
        jobs, exports, the targets missed (targets.csv and shares.csv, counted as `allocator
        solve` lists them: `fixedplan.evaluate` of the optimum) and program totals."""
        lp = self.sample_lp(values) if lp is None else lp
        lp.highs.setBasis(self.basis)
        try:
            opt = optimum(lp, self.objective, ranging=False, pick=True)
        except AllocatorError as exc:
            return {
                "status": type(exc).__name__.removesuffix("Error").lower() or "error",
                "message": str(exc).split(". Fix:")[0],
            }
        from allocator.studies.fixedplan import evaluate

        x = snap_plan(lp, opt.x)[0]  # solver noise snapped as in solve's tables
        missed = evaluate(self, x, lp, values)["targets_missed"]  # as solve lists them
        totals: defaultdict[str, float] = defaultdict(float)
        for j, fam in enumerate(lp.col_family):
            if fam == "invest":
                totals[lp.col_index[j][0]] += x[j]
        return {
            "status": "optimal",
            "objective": opt.objective,
            "jobs": exact_dot(lp.costs["jobs"], x),
            "exports": exact_dot(lp.costs["exports"], x),
            "targets_missed": missed,
            "programs": dict(totals),
        }


def _set_program(
    lp: CompiledLP,
    entries: list[_Entry],
    jobs: float,
    exports: float,
    lag: int,
    ratios: dict[str, float],
    ahead: dict[str, dict[int, float]],
) -> None:
    """A program's rates and lag (and its links' ratios) into `lp`'s own cost and coefficient
    arrays, and into HiGHS.

    A jobs cost of a column spent in year t is jobs * (the cost's weight of the years from
    t + lag on), `ahead`; a matrix entry is the rate if the money is productive by its row's
    year, else 0."""
    for e in entries:
        counts = e.spent <= e.year - lag
        if e.kind == "enabled":
            rate = 1.0
        elif e.kind == "enabler":
            rate = -ratios[e.link]
        else:
            rate = jobs if e.kind == "jobs" else -exports
        value = rate if counts else 0.0
        if e.row < 0:
            for name, weight in ahead.items():
                lp.costs[name][e.col] = jobs * weight.get(e.spent + lag, 0.0)
        else:
            lp.highs.changeCoeff(e.row, e.col, value)
            lp.matrix.data[e.pos] = value  # this sample's copy, not the LP as built


def _widest_lags(inp: Inputs, params: list[Param]) -> Inputs:
    """Programs with an uncertain lag built at their shortest lag, so every matrix entry a
    sample may need already exists (longer lags set some of them to 0)."""
    lags = [p for p in params if p.column == "lag_years"]  # programs.csv's: Program rows
    shortest = {str(cast(Program, p.row).program): int(p.low) for p in lags}
    if not shortest:
        return inp
    programs = tuple(
        p.model_copy(update={"lag_years": shortest[p.program]}) if p.program in shortest else p
        for p in inp.programs
    )
    return inp.model_copy(update={"programs": programs})


def _program_entries(lp: CompiledLP, inp: Inputs, last: int) -> dict[str, list[_Entry]]:
    """Every objective cost and matrix coefficient that a program's jobs or exports per US$
    million, and its lag, feed: the jobs costs of its investment columns, and the terms each
    row's family declares (`Family.terms`: which programs' columns the row holds, and how)."""
    by_program: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for j, f in enumerate(lp.col_family):
        if f == "invest":
            prog, _pool, year = lp.col_index[j]
            by_program[prog].append((j, year))
    entries: dict[str, list[_Entry]] = defaultdict(list)
    for prog, cols in by_program.items():
        entries[prog] += [_Entry(-1, j, last, t, "jobs") for j, t in cols]
    for i, fam in enumerate(lp.row_family):
        terms = FAMILIES[fam].terms
        for term in [] if terms is None else terms(inp, lp.row_index[i]):
            entries[term.program] += [
                _Entry(i, j, term.year, t, term.kind, link=term.link)
                for j, t in by_program[term.program]
            ]
    return dict(entries)


def _locate(lp: CompiledLP, entries: dict[str, list[_Entry]]) -> None:
    """Each matrix entry's slot in lp.matrix.data. Built at the shortest lags, the matrix has a
    slot for every entry a sample may need; longer lags only set some of them to 0. (A program
    with no jobs has no term in a jobs target, and uncertainty.py refuses to give it a range.)"""
    a = lp.matrix
    for prog, items in entries.items():
        kept = []
        for e in items:
            if e.row >= 0:
                lo, hi = a.indptr[e.col], a.indptr[e.col + 1]
                k = lo + int(np.searchsorted(a.indices[lo:hi], e.row))
                if k >= hi or a.indices[k] != e.row:
                    continue  # a program without jobs has no term in a jobs target: stays 0
                e.pos = k
            kept.append(e)
        entries[prog] = kept


def _rows_of(lp: CompiledLP, inp: Inputs, p: Param) -> list[tuple[int, float]]:
    """Rows whose upper bound is this number times a scale: the rows of the families that
    declare it as their right-hand side (`Family.rhs`, e.g. budgets, market sizes) whose input
    row (`Family.source`) is the number's, with that row's `Family.scale`."""
    ref = f"{p.table}.{p.column}"
    fed = {name for name, fam in FAMILIES.items() if ref in fam.rhs and fam.source is not None}
    found = []
    for i, name in enumerate(lp.row_family):
        if name not in fed:
            continue
        fam = FAMILIES[name]
        row = fam.source.row(inp, labels_of(name, lp.row_index[i]))  # type: ignore[union-attr]
        if row == p.row:
            found.append((i, 1.0 if fam.scale is None else getattr(p.row, fam.scale)))
    return found


# --- running a sweep ---------------------------------------------------------------------

_MODELS: dict[tuple[Any, ...], tuple[SampleModel, list[str]]] = {}


def model_for(spec: dict[str, Any]) -> tuple[SampleModel, list[str]]:
    """This process's persistent model for a sweep (built once, reused for every chunk)."""
    measure = Measure(spec.get("measure", "final"), spec.get("discount_rate") or 0.0)
    solver = dict(spec.get("solver") or {})
    key: tuple[Any, ...] = (
        spec["inputs"],
        spec["model_file"],
        spec["objective"],
        spec["targets"],
        measure,
    )
    given = json.dumps(spec.get("sets") or [], sort_keys=True)  # texts and mappings
    key += (tuple(sorted(solver.items())), given, spec.get("model_sha256"))
    if key not in _MODELS:
        inp, params = load_uncertain(
            spec["inputs"], spec["model_file"], spec.get("sets"), spec.get("model_text")
        )
        model = SampleModel(inp, params, spec["objective"], spec["targets"], measure, solver)
        _MODELS[key] = (model, sorted({p.program for p in inp.programs}))
    return _MODELS[key]


def load_uncertain(
    inputs: str, model_file: str | None, sets: list[Any] | None = None, text: str | None = None
) -> tuple[Inputs, list[Param]]:
    """The dataset (with a model file's overrides, then those given after them: each `--set`
    text and a caller's override mappings, `RunSpec.study`'s `sets`) and its uncertain
    numbers. `text`: the model file's as the run read it (`RunSpec.study`'s `model_text`; None:
    the file is read)."""
    from pathlib import Path

    from allocator.data.modelfile import load_dataset, model_file_of

    overrides = model_file_of(Path(model_file), text).overrides if model_file else []
    overrides = [*overrides, *given_overrides(sets or [])]
    inp = load_dataset(inputs, overrides, model_file or "")
    return inp, uncertain_params(inp, inputs)


def uncertain_params(inp: Inputs, inputs: str) -> list[Param]:
    """The uncertain numbers of the dataset `inp` (loaded from `inputs`).

    Raises:
        UsageError: it has none (no uncertainty.csv ranges), naming the dataset.
    """
    from allocator.data.uncertainty import params_of

    params = params_of(inp)
    if not params:
        raise UsageError(
            f"{inputs} has no uncertainty.csv ranges to sweep. Fix: add "
            "uncertainty.csv (see inputs/README.md)"
        )
    return params


def given_overrides(entries: list[Any]) -> list[Override]:
    """The overrides a run gives after its model file's, as `RunSpec.study` sends them: by the
    one reader of a caller's `overrides=` (`optiontext.sets_read`: a text as `--set`), each
    mapping as an `Override`."""
    from allocator.data.overrides import Override
    from allocator.runs.optiontext import sets_read

    read = cast(list[Any], sets_read(list(entries)))  # a list stays one
    return [o if isinstance(o, Override) else Override.model_validate(o) for o in read]


def solve_chunk(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Solve a chunk of samples on this process's persistent model (a Dask task); with a
    `plan` in the spec, also what that fixed plan delivers in each sample (`fixedplan`)."""
    from allocator.studies.fixedplan import evaluate

    model, _ = model_for(spec)
    plan = None if spec.get("plan") is None else np.asarray(spec["plan"], dtype=float)
    out = []
    for sample, values in spec["samples"]:
        lp = model.sample_lp(np.asarray(values, dtype=float))  # the sample's numbers, once
        fixed = {} if plan is None else {"plan": evaluate(model, plan, lp, values)}  # no solve
        out.append({"sample": sample, **model.solve(lp=lp, values=values), **fixed})
    return out


def fixed_plan(spec: dict[str, Any]) -> list[float]:
    """The plan the sweep evaluates in every sample: a run folder's (`spec["plan_run"]`), else
    the nominal plan (`solved_plan`: `allocator solve`'s), as columns of this process's sample
    model."""
    from pathlib import Path

    from allocator.studies.fixedplan import run_x

    model, _ = model_for(spec)
    run = spec.get("plan_run")
    plan: list[float] = (solved_plan(model) if run is None else run_x(model, Path(run))).tolist()
    return plan


def solved_plan(model: SampleModel) -> np.ndarray:
    """The nominal plan as `allocator solve` gives it for the same dataset and options: its own
    LP (the lags as given, not the sample model's widest) solved by its pipeline (passes, tie
    rule, snapped noise), its investments placed on the sample model's columns by name (both
    LPs name an investment alike: invest(program,pool,year))."""
    from allocator.pipeline import solve_inputs

    sol, _ = solve_inputs(
        model.inp, model.objective, targets=model.targets, solver=model.solver,
        measure=model.measure,
    )  # fmt: skip
    invest = sol.columns[sol.columns["family"] == "invest"]
    value = dict(zip(invest["variable"], invest["value"], strict=True))
    lp = model.lp
    x = np.zeros(len(lp.col_family))
    for j, (name, fam) in enumerate(zip(lp.col_names, lp.col_family, strict=True)):
        if fam == "invest":
            x[j] = value[name]
    return x
