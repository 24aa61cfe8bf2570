"""`allocator replan RUN --actuals FILE --as-of YEAR` as a run: read the approved run folder
(its run.json and its spec through the one reader, `runs.spec`), the dataset and the actuals,
build the solve's LP with the re-plan's rows (`studies.replan`, `studies.replanlp`), solve it
with every pass of a solve, and write a normal run folder with replan.csv, atomically.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.errors import InfeasibleError, UsageError
from allocator.runs.record import read_record, spec_of_record
from allocator.runs.spec import RunSpec
from allocator.studies.replan import (
    LEAST_CHANGE,
    Approved,
    Churn,
    approved_objective,
    binding_rows,
    churn_of,
    facts,
    replan_families,
)


@dataclass
class ReplanOptions:
    """What `allocator replan` was asked to do."""

    run: Path
    actuals: Path | None
    """None: the `actuals` sheet of the run's input workbook."""
    as_of: int
    max_change: str | None = None
    least_change: bool = False
    out: Path | None = None
    force: bool = False
    results: Path = Path("results")
    inputs: Path | None = None
    """The approved run's dataset, where it is now (None: where run.json records it)."""
    warn: Callable[[str], None] | None = None
    """Told each note of the dataset (a broken fact: `pipeline.tell_notes`), as solve's."""


INPUTS_FIX = (
    "pass --inputs with the dataset the run was solved with (a folder of CSV tables or a workbook)"
)
"""The fix of a run whose dataset is not found, for the commands that take --inputs."""


def _options(info: dict[str, Any], folder: Path, inputs: Path | None) -> RunSpec:
    """The approved run's spec, as the one reader gives it, with its files where they are now
    (`located_spec`)."""
    return located_spec(info, folder, inputs)


def located_spec(info: dict[str, Any], folder: Path, inputs: Path | None) -> RunSpec:
    """The spec a run folder's run.json records, its dataset (`inputs` if given) and model file
    found from any working folder (`report.assumed.find_recorded`), to run again.

    Raises:
        UsageError: a dataset or model file not found, naming it, with the fix.
    """
    from allocator.report.assumed import dataset_path

    spec = spec_of_record(info, folder / "run.json")
    found = inputs if inputs is not None else dataset_path(info, folder, INPUTS_FIX)
    changes: dict[str, Any] = {}
    if str(found) != str(spec.inputs):
        changes["inputs"] = found
    model = _model_file(info, spec, folder)
    if model is not None and str(model) != str(spec.model_file):
        changes["model_file"] = model
    return spec.with_(**changes) if changes else spec


def _model_file(info: dict[str, Any], spec: RunSpec, folder: Path) -> Path | None:
    """The run's model file where it is now (None: the run had none).

    Raises:
        UsageError: it is not found from here nor beside the run folder.
    """
    from allocator.report.assumed import find_recorded

    if spec.model_file is None:
        return None
    options = info.get("options")
    absolute = options.get("model_file_absolute") if isinstance(options, dict) else None
    typed = str(spec.model_file)
    found = find_recorded(typed, absolute if isinstance(absolute, str) else None, folder)
    if found is None:
        raise UsageError(
            f"{folder / 'run.json'}: the run's model file {typed} is not found from here nor "
            f"beside the run folder. Fix: run the command from the folder the run was solved "
            f"in, or put {typed} back"
        )
    return found


def read_approved(folder: Path, inputs: Path | None = None) -> Approved:
    """The approved plan of a solve run folder, its dataset `inputs` if given.

    Raises:
        UsageError: not a solve run folder (run.json), no allocation.csv, or its dataset not
            found.
    """
    from allocator.report.readback import read_table
    from allocator.studies.replanapproved import read_money, recorded_style

    info = read_record(folder)
    fix = "Fix: pass a run folder written by allocator solve"
    if info.get("two_stage"):
        raise UsageError(
            f"{folder} is a two-stage plan (--decide-now): it approves only the phases decided "
            "now, and its objective is an expectation over scenarios, so no approved plan and "
            "value stand to compare a re-plan with. Fix: replan a run of allocator solve without "
            "--decide-now (e.g. the same model file with decide_now removed)"
        )
    path = folder / "allocation.csv"
    if not path.is_file():
        raise UsageError(f"{folder} has no allocation.csv. {fix}")
    plan = read_money(path, recorded_style(info))
    prices = folder / "shadow_prices.csv"
    t = read_table(prices, fix) if prices.is_file() else pd.DataFrame()
    columns = {"constraint", "family", "binding", "shadow_price"}
    binding = binding_rows(t, prices) if columns <= set(t.columns) else []
    opts = _options(info, folder, inputs)
    return Approved(
        folder, info, opts, plan.money, binding, plan.rows, outcomes=_outcomes(folder, info)
    )


def _outcomes(folder: Path, info: dict[str, Any]) -> pd.DataFrame | None:
    """The approved run's outcomes.csv, read for the words only (what existed before the plan
    and what it added: `studies.replan.levels`); None where there is none or it has changed
    since allocator wrote it (its numbers may be the user's: the approved plan's parts are then
    not said, and the re-plan goes on, as it does not rest on them)."""
    from allocator.report.folders import DIGESTS, MARKER, changed_file
    from allocator.report.readback import read_table

    path = folder / "outcomes.csv"
    mark = info.get(MARKER)
    digests = mark.get(DIGESTS) if isinstance(mark, dict) else None
    if not path.is_file() or changed_file(folder, [path.name], digests) is not None:
        return None
    try:
        return read_table(path, "")
    except UsageError:
        return None


def run_replan(ro: ReplanOptions) -> dict[str, Any]:
    """Re-plan and write the run folder atomically; returns run.json's `replan` part with the
    folder (`folder`) and the summary lines (`lines`)."""
    from allocator.pipeline import tell_notes
    from allocator.report.placing import check_target
    from allocator.report.readback import refuse_edited
    from allocator.report.replanhtml import summary_lines
    from allocator.runs.common import run_info, scenario_of
    from allocator.studies.actuals import load_actuals
    from allocator.studies.replanapproved import EDITED, EDITED_FIX, check_against, mitigation_of

    approved = read_approved(ro.run, ro.inputs)
    approved_objective(approved)  # a run.json without one is refused before any work
    opts = approved.opts
    _refuse_risk(ro.run, approved.info)
    _refuse_weighted(ro.run, opts)
    given = ro.actuals or _input_book(opts)
    churn = churn_of(ro.max_change)
    sources = [*opts.sources(), ("approved run", ro.run), ("actuals", given)]
    if ro.out is not None:
        check_target(ro.out, ro.force, sources)
    t0 = time.perf_counter()
    inp = scenario_of(opts)
    tell_notes(inp, ro.warn, uncertainty=False)
    _check_as_of(inp, ro.as_of)
    check_against(approved.rows, ro.run / "allocation.csv", inp)
    approved.mitigation = mitigation_of(ro.run, approved.info, inp)
    read = ["allocation.csv", "shadow_prices.csv", *(["reduced_costs.csv"] * bool(inp.risks))]
    refuse_edited(ro.run, read, approved.info, EDITED, EDITED_FIX)  # after each cell's checks
    actuals = load_actuals(given, inp, ro.as_of)
    load_s = time.perf_counter() - t0
    with replan_families():  # the tables, workbook and report name the re-plan's rows
        sol, timings = _solve(inp, opts, approved, actuals.by_year, ro, churn)
        tables = _tables(inp, sol, approved, ro.as_of, actuals.by_year)
        said = facts(inp, sol, approved, actuals, (ro.as_of, churn, ro.least_change), tables)
        info = run_info(inp, sol, opts, {"load": load_s, **timings})
        info["command"] = "replan"  # --check-against and a re-plan refuse it: not a solve run
        info["replan"] = said
        folder = _write(ro, opts, inp, sol, tables, info, sources)
    shown = tables["replan"].to_dict("records")
    return said | {"folder": folder, "lines": summary_lines(said), "table": shown}


def _refuse_risk(run: Path, info: dict[str, Any]) -> None:
    """A run solved with --risk: its objective is a scenario measure (the worst case, a CVaR)
    that the re-plan's LP, the nominal one, does not have, so its cost of the deviations would
    compare two objectives.

    Raises:
        UsageError: the approved run used --risk.
    """
    risk = info.get("risk")  # run.json's options leave --risk out; its `risk` part has it
    if risk:
        kind = risk.get("kind", "") if isinstance(risk, dict) else risk
        raise UsageError(
            f"{run} was solved with --risk {kind}: a re-plan optimises the nominal plan, "
            "and its optimum cannot be set against the approved run's risk objective. Fix: "
            "solve the plan again without --risk and re-plan that run"
        )


def _refuse_weighted(run: Path, opts: RunSpec) -> None:
    """A weighted run: its index is scaled to the best jobs and exports its own LP can reach
    (1 = best), so the re-plan's index is scaled to what the actuals leave, and the two do not
    compare (a plan that lost jobs reads as costing 0).

    Raises:
        UsageError: the approved run's objective is weighted.
    """
    if opts.objective == "weighted":
        raise UsageError(
            f"{run} was solved with --objective weighted: its index is scaled to the best "
            "plans its own LP can reach, and a re-plan's index to what the actuals leave, so "
            "the cost of the deviations would not compare. Fix: solve the plan with --objective "
            "jobs or exports and re-plan that run"
        )


def _input_book(opts: RunSpec) -> Path:
    """The run's input workbook, whose `actuals` sheet holds the actuals when --actuals is not
    given.

    Raises:
        UsageError: the run's inputs are a folder of CSV tables.
    """
    from allocator.data.inputs import BOOK_SUFFIXES

    book = Path(opts.inputs)
    if book.suffix.lower() not in BOOK_SUFFIXES:
        raise UsageError(
            f"--actuals is missing, and the run's inputs ({book}) are no workbook with an "
            "actuals sheet. Fix: pass --actuals actuals.csv (program, pool, year, spent_musd)"
        )
    return book


def _check_as_of(inp: Any, as_of: int) -> None:
    first, last = inp.years[0], inp.years[-1]
    if not first <= as_of < last:
        raise UsageError(
            f"--as-of {as_of} is outside the years a re-plan can split ({first}-{last - 1}): "
            f"nothing {'was spent' if as_of < first else 'is left to re-plan'}. "
            f"Fix: pass a year from {first} to {last - 1}"
        )


def _solve(
    inp: Any,
    opts: RunSpec,
    approved: Approved,
    spent: dict[tuple[str, str, int], float],
    ro: ReplanOptions,
    churn: Churn | None,
) -> tuple[Any, dict[str, float]]:
    """The solve's LP with the re-plan's rows, solved with every pass of a solve."""
    from allocator.model.linear import paused_gc
    from allocator.model.solution import Objective
    from allocator.report.explain import explained
    from allocator.solver.compile import compile_lp
    from allocator.solver.diagnosis import infeasibility
    from allocator.solver.numerics import numerics_warnings
    from allocator.solver.passes import apply_options
    from allocator.solver.results import solve_lp
    from allocator.studies.replanlp import replan_model

    measure, how = opts.measured(), (ro.as_of, churn, ro.least_change)
    t0 = time.perf_counter()
    with paused_gc():
        model = replan_model(inp, opts.targets, measure, spent, approved, how)
        tb = time.perf_counter()
        lp = compile_lp(model)
    apply_options(lp, opts.solver)
    numerics = numerics_warnings(lp)  # as a solve records them
    t1 = time.perf_counter()
    first = LEAST_CHANGE if ro.least_change else None
    goal = Objective.measured(
        opts.objective, measure, inp.years[0], inp.years[-1], inp.last_milestone
    )
    try:
        sol = solve_lp(lp, goal, opts.weights, numerics=numerics, first=first)
    except InfeasibleError as exc:
        raise explained(inp, exc, infeasibility(inp, exc)) from None
    t2 = time.perf_counter()
    return sol, {"build": tb - t0, "handoff": t1 - tb, "solve": t2 - t1}


def _tables(
    inp: Any,
    sol: Any,
    approved: Approved,
    as_of: int,
    spent: dict[tuple[str, str, int], float],
) -> dict[str, pd.DataFrame]:
    from allocator.pipeline import tables_of
    from allocator.studies.replanout import replan_table

    tables = tables_of(inp, sol)
    tables["replan"] = replan_table(inp, approved.money, tables["allocation"], as_of, spent)
    return tables


def _write(
    ro: ReplanOptions,
    opts: RunSpec,
    inp: Any,
    sol: Any,
    tables: dict[str, pd.DataFrame],
    info: dict[str, Any],
    sources: list[tuple[str, Path | None]],
) -> Path:
    """The run folder, atomically: the solve's tables, replan.csv, workbook, report, run.json."""
    from allocator.pipeline import sheets_of
    from allocator.report.assumed import assumptions_of
    from allocator.report.bookfigures import replan_sheets
    from allocator.report.faults import output_faults
    from allocator.report.placing import atomic_run_dir, default_run_dir, release_run_dir
    from allocator.report.write import write_run

    label = opts.label()
    with output_faults(ro.results):
        folder = ro.out or default_run_dir(ro.results, label, "replan")
    sheets = replan_sheets(info) | sheets_of(inp, sol, tables)  # the terminal's numbers first
    try:
        with atomic_run_dir(folder, ro.force, sources) as tmp:
            write_run(
                tmp,
                tables,
                info,
                None,
                sheets,
                command="replan",
                assumptions=assumptions_of(inp, tables),
            )
    except BaseException:
        if ro.out is None:
            release_run_dir(folder)
        raise
    return folder
