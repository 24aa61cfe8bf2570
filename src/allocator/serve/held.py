"""The plan a served page holds: one HiGHS instance kept across edits.

A cell set (`data/cellset.py`) changes the dataset; the model is built again in memory (no HiGHS
instance) and compared with the one the instance holds. Where only bounds, costs or matrix values
changed, those are changed on the held instance, which re-solves from its last basis with every
pass `allocator solve` runs that decides the plan (`solver.passes.optimum`: least shortfall,
objective, efficiency passes, ties, exports; and the objective without targets). Where rows or
columns come or go (a program's years, a lag), the LP is built and handed to HiGHS again, and the
answer says so.

An answer (`Answer`, numbered by `rev`) holds what the page shows at once (`Brief`, from
`serve/brief.py`: the headline, the outcomes, the money by program, the rows that bind). The rest
of the run (ranges, one-sided rates and whole units, tie classes, every table and the report) is
its `Details`, asked for next and solved as `allocator solve --set` solves the scenario, from the
data, on a HiGHS instance of its own: the same bytes as the CLI's run folder (a warm instance's
duals are another optimal dual where the optimum is degenerate), and the held instance stays free
for the next edit.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass

from allocator.data.applyoverrides import apply_overrides
from allocator.data.cellset import CellSet, parse_set
from allocator.data.inputs import load_inputs
from allocator.data.overrides import Override
from allocator.data.schema import Inputs
from allocator.errors import InfeasibleError, PicklableError, UsageError
from allocator.model.solution import Objective, Solution
from allocator.pipeline import built_lp, refuse_empty
from allocator.report.explain import explained
from allocator.runs.common import Run
from allocator.runs.solve import solved
from allocator.runs.spec import RunSpec
from allocator.serve.brief import Brief, brief_of
from allocator.serve.inplace import HELD as HELD  # the words `how` says: kept importable here
from allocator.serve.inplace import update_held
from allocator.serve.naming import address as address  # kept importable here
from allocator.serve.naming import as_typed, named
from allocator.serve.stopping import Cancels
from allocator.solver.compile import CompiledLP, standard_form
from allocator.solver.diagnosis import infeasibility
from allocator.solver.passes import apply_options, optimum, price_of_targets
from allocator.solver.results import plan_solution

MAX_SETS = 10_000
"""Cells a scenario may change at once: the limit of a model file's overrides and sets."""


@dataclass
class Answer:
    """A solved scenario: revision `rev` of the served plan, what it shows at once, the data and
    options it was solved with (what its details are solved from), how the held instance got
    there, and the seconds it took (`timings`: by step)."""

    rev: int
    brief: Brief
    inputs: Inputs
    spec: RunSpec
    how: str
    seconds: float
    sets: list[str] = dataclasses.field(default_factory=list)
    """The cells set for this answer (`TABLE.KEY.COLUMN=VALUE`), in the order applied."""
    timings: dict[str, float] = dataclasses.field(default_factory=dict)
    warnings: list[str] = dataclasses.field(default_factory=list)
    """What `allocator solve` on this answer's scenario tells (`scenario_warnings`)."""


@dataclass(frozen=True)
class Details:
    """The whole run of revision `rev`, as `allocator solve --set` makes it in memory (its
    tables, prices, tie classes and run.json), and the seconds it took. `stale`: a later edit
    was answered meanwhile, so the page shows another plan."""

    rev: int
    run: Run
    seconds: float
    stale: bool = False


class StaleError(PicklableError):
    """Details asked for a revision that is not the plan shown (`rev`, and the `current` one)."""

    def __init__(self, rev: int, current: int) -> None:
        if rev < current:
            words = (
                f"revision {rev} is no longer the plan: revision {current} is. "
                f"Fix: ask for /api/details?rev={current}"
            )
        elif current == 0:  # revisions start at 1: no ?rev=0 to name
            words = (
                f"there is no revision {rev} yet: no plan is solved. Fix: ask for /api/plan, "
                "then for /api/details?rev=N with the rev it answers"
            )
        else:
            words = (
                f"there is no revision {rev} yet (the plan is revision {current}). "
                f"Fix: ask for /api/details?rev={current}"
            )
        super().__init__(words)
        self.rev, self.current = rev, current


class HeldModel:
    """The scenario of a served page: the dataset (with the model file's overrides), the cells
    the planner set on top, and the HiGHS instance that holds the LP of the last answer.

    One answer at a time: every public method that solves on the held instance holds the lock
    (HiGHS is not re-entrant); details are solved one at a time beside it, on their own instance.
    """

    def __init__(self, opts: RunSpec) -> None:
        if opts.risk != "none":
            raise UsageError("allocator serve plans without --risk. Fix: use allocator solve")
        if opts.decide_now:  # solve makes a two-stage plan of it: never another plan in silence
            raise UsageError(
                f"allocator serve plans in one stage, and the model file {opts.model_file} has "
                "decide_now (a two-stage plan). Fix: use allocator solve on it, or serve a "
                "model file without decide_now"
            )
        check_choices(opts)
        self.opts = opts
        self.sets: dict[str, CellSet] = {}
        self.lp: CompiledLP | None = None
        self.first: Brief | None = None
        self.last: Answer | None = None
        self.rev = 0
        """The revision of the last answer (0: none yet); each answer solved takes the next."""
        self._raw: Inputs | None = None
        self._details: Details | None = None
        self._lock = threading.Lock()
        self._details_lock = threading.Lock()
        self._stopped = False
        self.cancels = Cancels()
        """The details solves and Save runs that a stop cancels (`serve/stopping.py`)."""
        opts.scenario.model_read()  # its model file read now, once: Save writes these bytes

    def stop(self) -> None:
        """Cancel the held instance's solve, if one runs, and every later one, and the details
        solves and Save runs (`cancels`): serve stops and waits for no answer (from a signal
        handler: it sets flags and raises in those threads, never waits)."""
        self._stopped = True
        self.cancels.stop()
        if self.lp is not None:
            self.lp.highs.cancelSolve()

    def answer(self) -> Answer:
        """The current answer; the first call loads and solves the scenario as given."""
        with self._lock:
            if self.last is None:
                self.last = self._solve(dict(self.sets))
                self.first = self.last.brief
            return self.last

    def shown(self) -> tuple[Answer, dict[str, CellSet]]:
        """The current answer and the cells it was solved with, read together (Save writes
        those cells and checks the saved scenario against that answer's data)."""
        self.answer()
        with self._lock:
            assert self.last is not None
            return self.last, dict(self.sets)

    def details(self, rev: int) -> Details:
        """The whole run of revision `rev`, solved (once) from its data as `allocator solve`
        solves it, outside the held instance's lock, so an edit is answered meanwhile; marked
        `stale` if one was. A model file gone since serve started is no matter: its bytes
        were read once at start (`Scenario.model_read`) and the run solves and hashes those.

        Raises:
            StaleError: `rev` is not the revision of the plan shown (older, or not yet made).
        """
        with self._details_lock:
            answer = self._current(rev)
            done = self._details
            if done is None or done.rev != rev:
                t0 = time.perf_counter()
                with self.cancels.cancellable():
                    run = solved(answer.inputs, answer.spec, None, answer.timings.get("load", 0.0))
                done = Details(rev, run, time.perf_counter() - t0)
                self._details = done
            if self.rev != rev:
                return dataclasses.replace(done, stale=True)
            return done

    def _current(self, rev: int) -> Answer:
        """The answer of revision `rev`, if it is the plan shown."""
        with self._lock:
            if self.last is None or self.last.rev != rev:
                raise StaleError(rev, self.rev)
            return self.last

    def edit(self, texts: list[str]) -> Answer:
        """Set each `TABLE.KEY.COLUMN=VALUE` on top of the cells set so far (a cell set again
        takes the new value) and re-solve; nothing changes when any of them is refused.

        Raises:
            UsageError: a set `--set` refuses, in its words.
            InfeasibleError: no plan meets every limit after the change (diagnosed).
        """
        if not texts:
            raise UsageError("no cell to set. Fix: send e.g. pools.public/phase1.budget_musd=6700")
        parsed = [parse_set(t, "--set") for t in texts]
        self.answer()  # the plan first loaded: what every later answer is compared with
        with self._lock:
            sets, spelt = dict(self.sets), {}
            for typed in parsed:  # one entry a cell, whatever the spelling (`serve/naming.py`)
                cs = named(typed, self.dataset(), self.last.inputs if self.last else None)
                sets.pop(address(cs), None)  # the latest value, at the end: as --set applies it
                sets[address(cs)], spelt[cs.text] = cs, typed.text
            if len(sets) > MAX_SETS:
                raise UsageError(
                    f"{len(sets):,} cells set, more than the limit of {MAX_SETS:,}. "
                    "Fix: change the dataset's CSV tables instead (allocator init makes a copy)"
                )
            with as_typed(spelt):  # a refusal quotes each set as the planner typed it
                self.last = self._solve(sets)
            self.sets = sets
            return self.last

    def reset(self) -> Answer:
        """Back to the plan first loaded: every cell set is dropped."""
        self.answer()
        with self._lock:
            self.last = self._solve({})
            self.sets = {}
            return self.last

    def dataset(self) -> Inputs:
        """The dataset as read, before any override or cell set: how a set names its rows."""
        if self._raw is None:
            self._raw = load_inputs(self.opts.inputs)
        return self._raw

    def options(self, sets: dict[str, CellSet] | None = None) -> RunSpec:
        """The options of `allocator solve` for the scenario with `sets` (default: the current
        ones) as `--set`s after the model file's overrides."""
        cells = self.sets if sets is None else sets
        extra = [Override(set_cell=cs) for cs in cells.values()]
        return self.opts.with_(overrides=[*self.opts.overrides, *extra])

    def _inputs(self, opts: RunSpec) -> tuple[Inputs, float]:
        """The dataset with the overrides and sets of `opts`, as `pipeline.load_scenario` gives
        it; the CSV tables are read once."""
        t0 = time.perf_counter()
        inp = self.dataset()
        if opts.overrides:
            source = str(opts.model_file)
            overrides = list(opts.overrides)
            refuse_empty(inp, overrides, source)
            inp = apply_overrides(inp, overrides, source)
        return inp, time.perf_counter() - t0

    def _solve(self, sets: dict[str, CellSet]) -> Answer:
        """Solve the scenario with `sets` on the held instance (or a new one, said in `how`):
        the next revision."""
        t0 = time.perf_counter()
        opts = self.options(sets)
        inp, load_s = self._inputs(opts)
        measure = opts.measured()
        t1 = time.perf_counter()
        how = self._hold(inp, opts)
        lp = self.lp
        assert lp is not None
        warnings = scenario_warnings(inp, lp)  # before solving, as solve tells them
        t2 = time.perf_counter()
        goal = Objective.measured(
            opts.objective, measure, inp.years[0], inp.years[-1], inp.last_milestone
        )
        try:
            sol = plan_of(lp, goal, opts.weights)
        except InfeasibleError as exc:
            self.lp = None  # the passes stopped half-way: the next answer starts afresh
            raise explained(inp, exc, infeasibility(inp, exc)) from None
        except BaseException:
            self.lp = None
            raise
        if lp.highs.getNumRow() != len(lp.row_names) or lp.highs.getNumCol() != len(lp.col_names):
            self.lp = None  # a pass left a row behind: never reuse such an instance
        t3 = time.perf_counter()
        brief = brief_of(inp, sol, opts)
        timings = {"load": load_s, "build": t2 - t1, "solve": t3 - t2}
        timings |= {f"pass:{k}": v for k, v in sol.timings.items()}
        timings["brief"] = time.perf_counter() - t3
        self.rev += 1
        sets_text = [cs.text for cs in sets.values()]
        seconds = time.perf_counter() - t0
        return Answer(self.rev, brief, inp, opts, how, seconds, sets_text, timings, warnings)

    def _hold(self, inp: Inputs, opts: RunSpec) -> str:
        """Bring the held instance to the LP of `inp`; returns how."""
        measure = opts.measured()
        if self.lp is not None:
            form = standard_form(inp, opts.targets, None, measure)
            changed = update_held(self.lp, form)
            if changed is not None:
                return changed
            why = "rebuilt: the change adds or removes rows, columns or matrix entries"
        else:
            why = "built: the first solve" if self.first is None else "rebuilt after an error"
        lp, _ = built_lp(inp, opts.targets, None, measure)
        apply_options(lp, opts.solver)
        lp.highs.HandleUserInterrupt = True  # so that `stop` can cancel a solve under way
        if self._stopped:
            lp.highs.cancelSolve()
        self.lp = lp
        return why


def scenario_warnings(inp: Inputs, lp: CompiledLP) -> list[str]:
    """What `allocator solve` on a scenario tells on stderr as `warning:` lines, in its order:
    the notes of its data (`pipeline.notes_of`, without uncertainty.csv's: serve has no --risk),
    then the numerics warnings of its LP (`lp`, the held instance brought to `inp`)."""
    from allocator.pipeline import notes_of
    from allocator.solver.numerics import numerics_warnings

    return [*notes_of(inp, uncertainty=False), *numerics_warnings(lp)]


def plan_of(lp: CompiledLP, goal: Objective, weights: dict[str, float] | None = None) -> Solution:
    """The plan `solve_lp` finds on `lp`, with every pass that decides it (least shortfall,
    objective, efficiency passes, ties, exports) and its totals (the least shortfall, the
    objective without targets), but without ranging: no shadow price, range or one-sided rate
    (they are the details'). Its values are `solve_lp`'s: ranging restores the basis it probes
    from, and the passes after it start from that basis."""
    weights = weights or {"jobs": 0.5, "exports": 0.5}
    opt = optimum(lp, goal.name, weights, ranging=False, ties=True)
    free = price_of_targets(lp, opt)
    sol = plan_solution(lp, opt.x, opt.cost, goal)
    totals = (
        sol.totals
        | ({} if opt.least_shortfall is None else {"weighted_shortfall": opt.least_shortfall})
        | ({} if free is None else {"objective_without_targets": free})
    )
    return dataclasses.replace(
        sol,
        status="optimal",
        objective_value=opt.objective,
        totals=totals,
        timings=opt.timings,
        weights=weights if goal.name == "weighted" else {},
    )


def check_choices(opts: RunSpec) -> None:
    """The objective and targets as `allocator solve` checks them (`pipeline.solve_scenario`),
    in its words: `solve_lp` takes an unknown objective for another, and --targets for hard.

    Raises:
        UsageError: an unknown objective or --targets.
    """
    from allocator.model.build import check_choices as checked

    checked(opts.objective, opts.targets)
