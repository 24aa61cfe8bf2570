"""`allocator compare` as a run: each item (an objective, a model file or a run folder) becomes a
view, solved where it needs solving (a `RunSpec` each, laid by `runs.spec.layered`); `compare`
writes compare.csv, compare.xlsx, report.html and run.json through the shared wrapper. The
views and the table are `allocator.studies.compare`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from allocator.data.overrides import Override
from allocator.data.schema import Inputs
from allocator.errors import UsageError, quoted
from allocator.model.build import OBJECTIVES
from allocator.report.assumed import run_assumptions
from allocator.runs.common import Study, run_study
from allocator.runs.notes import told
from allocator.runs.optiontext import rate_given, sets_read, value_shown
from allocator.runs.solve import plan
from allocator.runs.spec import SCENARIO_FIELDS, RunSpec, layered, model_path, validated

if TYPE_CHECKING:
    from allocator.runs.common import Run
    from allocator.studies.compare import RunView

Step = tuple[str, RunSpec | Path]


@dataclass
class CompareRun:
    """Plans side by side: the table, run.json's content and the folder written."""

    table: pd.DataFrame
    info: dict[str, Any]
    folder: Path | None = None


def _views(steps: list[Step], warn: Callable[[str], None] | None = None) -> list[RunView]:
    """The view of each item; `warn` is told what solve tells of each plan solved (a broken
    fact, a numerics warning), each once however many items share the dataset."""
    from allocator.studies.compare import load_run, view_of

    views = []
    said: set[str] = set()

    def once(note: str) -> None:
        if warn is not None and note not in said:
            said.add(note)
            warn(note)

    for item, what in steps:
        if isinstance(what, RunSpec):
            run = plan(what, warn=once)  # its notes and numerics warnings, as solve's
            label = item if item in OBJECTIVES else Path(item).stem
            views.append(view_of(label, run.info | measured(run), run.tables))
        else:
            views.append(load_run(what))
    return views


def measured(run: Run) -> dict[str, Any]:
    """Each objective's value at a plan solved here, under its own measure (the LP's cost row
    of each at the plan: `Solution.totals`), which compare's objective rows show beside the
    plans of that measure that optimised it (`compareobjective.MEASURED`); a --risk plan's
    jobs are over its scenarios: none."""
    from allocator.studies.compareobjective import MEASURED

    totals = run.solution.totals
    if "risk" in run.info:
        return {}
    return {MEASURED: {k: float(totals[k]) for k in OBJECTIVES if k in totals}}


def given_of(
    inputs: Path | None, targets: str | None, measure: tuple[str | None, float | None]
) -> dict[str, Any]:
    """The options of the command line every solved item takes (None: the item's own)."""
    return {
        "inputs": inputs,
        "targets": targets,
        "measure": measure[0],
        "discount_rate": measure[1],
    }


def compared_item(item: str, what: RunSpec | Path) -> dict[str, Any]:
    """run.json's record of one compared item: a run folder with what its own run.json says
    (its dataset, model file, objective and spec), or an item solved here with its spec's
    dataset, model file and objective."""
    if isinstance(what, RunSpec):
        kind = "objective" if item in OBJECTIVES else "model file"
        return {
            "item": item,
            "kind": kind,
            "inputs": str(what.inputs),
            "model_file": None if what.model_file is None else str(what.model_file),
            "objective": what.objective,
            "spec": what.stored(),
        }
    from allocator.report.readback import read_run_json

    info = read_run_json(what, "Fix: pass a run folder written by `allocator solve`")
    inputs = info.get("inputs")
    objective = info.get("objective")
    return {
        "item": item,
        "kind": "run folder",
        "folder": str(what),
        "inputs": inputs.get("folder") if isinstance(inputs, dict) else None,
        "model_file": info.get("model_file"),
        "objective": objective.get("name") if isinstance(objective, dict) else None,
        "spec": info.get("spec"),
    }


def compare_steps(
    items: list[str],
    inputs: Path | None = None,
    targets: str | None = None,
    measure: tuple[str | None, float | None] = (None, None),
    model: Path | None = None,
    sets: Sequence[Override] = (),
) -> list[Step]:
    """Each item with what it needs: the spec to solve it, or the run folder to read. An
    objective is solved on `model`'s scenario (dataset, overrides, targets) if given; each
    `--set` goes after each model file's overrides (not on run folders)."""
    steps: list[Step] = []
    given = given_of(inputs, targets, measure)
    for item in items:
        path = Path(item)
        if item in OBJECTIVES:
            steps.append((item, layered(model, sets, objective=item, **given)))
        elif path.suffix in (".yaml", ".yml"):
            steps.append((item, layered(path, sets, **given)))
        elif path.is_dir():
            steps.append((item, path))
        else:
            raise UsageError(
                f"'{item}' is not an objective ({', '.join(OBJECTIVES)}), a model "
                "file (.yaml) or a run folder. Fix: name one of those"
            )
    return steps


def _refuse_sets_untaken(steps: list[Step], changes: Sequence[Override]) -> None:
    """A --set with run folders alone: compare reads each as written and solves none, so no
    plan would take the set, while run.json would record it as the scenario compared."""
    texts = [c.set_cell.text for c in changes if c.set_cell is not None]
    if texts and not any(isinstance(what, RunSpec) for _, what in steps):
        raise UsageError(
            f"--set {quoted(texts[0])}: every item is a run folder, which compare reads as "
            "written, so no plan would take the set. Fix: leave --set out, or compare an "
            "objective or a model file with it (compare solves those with the set)"
        )


def _refuse_options_untaken(
    steps: list[Step],
    inputs: Path | None,
    targets: str | None,
    measured: tuple[str | None, float | None],
) -> None:
    """--inputs, --targets, --measure or --discount-rate with run folders alone: compare reads
    each as written (its plan, outcomes and prices are of the dataset, targets and measure it
    was solved with) and solves none, so no plan would take them, while run.json would record
    them as if the plans compared held them (as `_refuse_sets_untaken` refuses a --set)."""
    if any(isinstance(what, RunSpec) for _, what in steps):
        return
    kind, rate = measured
    given = [
        f"{option} {value_shown(value) if option == '--discount-rate' else value}"
        for option, value in (
            ("--inputs", inputs),
            ("--targets", targets),
            ("--measure", kind),
            ("--discount-rate", rate),
        )
        if value is not None
    ]
    if given:
        them = "them" if len(given) > 1 else "it"
        raise UsageError(
            f"{' and '.join(given)}: every item is a run folder, which compare reads as "
            f"written, so no plan would take {them}. Fix: leave {them} out, or compare an "
            f"objective or a model file with {them} (compare solves those with {them})"
        )


def _refuse_model_untaken(steps: list[Step], model: Path | None) -> None:
    """A --model with no objective among the items: compare solves only its objectives on
    --model's scenario (a run folder is read as written, a model file item solved on its own),
    so no plan would take the model file, while run.json would record it as the scenario
    compared (as `_refuse_sets_untaken` refuses a --set)."""
    if model is None or any(item in OBJECTIVES for item, _ in steps):
        return
    why = (
        "every item is a run folder, which compare reads as written"
        if not any(isinstance(what, RunSpec) for _, what in steps)
        else "no item is an objective, the only items compare solves on --model's scenario (a "
        "model file item is solved on its own, a run folder read as written)"
    )
    raise UsageError(
        f"--model {model}: {why}, so no plan would take the model file. Fix: leave "
        f"--model out, or compare objectives on its scenario (e.g. allocator compare jobs "
        f"exports --model {model})"
    )


TAKEN = ("discount_rate", "model_file", "overrides", "results")
"""The RunSpec fields compare takes as keywords beside its own arguments (`model_file` is
`model`, `overrides` is `sets`); the others are each item's own."""


def measure_given(measure: object, rate: object) -> tuple[str | None, float | None]:
    """compare's measure and rate as a caller gives them: `measure` as `--measure` takes it
    (`"cumulative"`; None: each item's own) or as the command hands it on, (measure, rate);
    `rate` (`discount_rate=`, None: not given) read as `--discount-rate` reads it.

    Raises:
        UsageError: a measure of another kind, or two different rates, naming them.
    """
    if isinstance(measure, tuple) and len(measure) == 2:
        kind, own = measure
    elif measure is None or isinstance(measure, str):
        kind, own = measure, None
    else:
        raise UsageError(
            f"measure={value_shown(measure)} is not a measure. Fix: give final, cumulative or "
            "discounted, e.g. measure='cumulative'"
        )
    if own is not None and rate is not None and rate_given(own) != rate_given(rate):
        raise UsageError(
            f"measure={value_shown(measure)} and discount_rate={value_shown(rate, 30)} give two "
            "discount rates. "
            "Fix: give the rate once, as discount_rate="
        )
    return kind, rate_given(own if rate is None else rate)


def taken_options(
    model: object, sets: Sequence[Override | str], options: dict[str, Any]
) -> tuple[Path | None, list[Override], Path | None]:
    """The model file, the sets and the results folder of compare's arguments and its RunSpec
    keywords (`TAKEN`): each given once; any other keyword refused, naming it."""
    other = [k for k in options if k not in TAKEN]
    if other:
        known = other[0] in RunSpec.model_fields or other[0] in SCENARIO_FIELDS
        why = (
            "allocator compare solves each item with its own objective and options"
            if known
            else "no option of allocator compare nor a RunSpec field"
        )
        raise UsageError(
            f"{other[0]}={value_shown(options[other[0]])}: {why}. Fix: leave it out; compare takes "
            "inputs, targets, measure, discount_rate, model (model_file), sets (overrides), "
            "out, force and results"
        )
    for name, mine, given in (("model", model, "model_file"), ("sets", sets, "overrides")):
        if _given(mine) and _given(options.get(given)):
            raise UsageError(
                f"{name}= and {given}= both given: they are the same. Fix: give one of them"
            )
    changes = sets if _given(sets) else options.get("overrides")
    read = validated({"overrides": sets_read(changes if _given(changes) else ())})
    model = model_path(model if _given(model) else options.get("model_file"))
    return model, list(read.overrides), options.get("results")


def _given(value: object) -> bool:
    """Whether a keyword was given: not None nor empty, a pandas Series or numpy array by its
    length (its truth value is ambiguous: a bare ValueError)."""
    if value is None:
        return False
    try:
        return len(value) > 0  # type: ignore[arg-type]
    except TypeError:  # no length: a Path, a number
        return True


def compare(
    items: list[str],
    /,
    inputs: Path | None = None,
    targets: str | None = None,
    out: Path | None = None,
    force: bool = False,
    measure: str | tuple[str | None, float | None] | None = None,
    model: Path | str | None = None,
    sets: Sequence[Override | str] = (),
    warn: Callable[[str], None] | None = None,
    **options: Any,
) -> CompareRun:
    """Compare the items and write compare.csv, compare.xlsx, report.html and run.json
    atomically (`allocator compare`); the folder is checked against every input (datasets,
    model files, run folders) before any solve. `measure` is `--measure` (with
    `discount_rate=`, `--discount-rate`; None: each item's own); objectives are solved on the
    scenario of the model file `model`, if given; `sets` are `--set`s (as text or overrides);
    `warn` is told the notes of the datasets solved, as solve's (None: as `AllocatorWarning`s).
    `options`: the RunSpec fields of `TAKEN`."""
    from allocator.report.html import write_report
    from allocator.report.write import write_run_json
    from allocator.studies.compare import compare as side_by_side
    from allocator.studies.compare import dominated, write_compare

    if len(items) < 2:
        raise UsageError(
            "compare needs at least two items. Fix: e.g. allocator compare jobs exports"
        )
    warn = told(warn)  # a Python caller's default: AllocatorWarning
    measured = measure_given(measure, options.pop("discount_rate", None))
    model, changes, results = taken_options(model, sets, options)
    steps = compare_steps(items, inputs, targets, measured, model, changes)
    _refuse_sets_untaken(steps, changes)
    _refuse_options_untaken(steps, inputs, targets, measured)
    _refuse_model_untaken(steps, model)
    sources: list[tuple[str, Path | None]] = []
    for _, what in steps:
        sources += what.sources() if isinstance(what, RunSpec) else [("run folder", what)]
    given = given_of(inputs, targets, measured)
    spec = layered(model, changes, **given, out=out, force=force, results=results)
    spec = spec.with_(name="compare")

    def study(_inp: Inputs | None) -> Study[CompareRun]:  # the items load their own data
        table = side_by_side(_views(steps, warn))
        info = {
            "command": "compare",
            "items": items,
            "model_file": None if model is None else str(model),
            "targets": targets,
            "measure": measured[0],
            "discount_rate": measured[1],
            "sets": [s.set_cell.text for s in changes if s.set_cell is not None],
            "compared": [compared_item(item, what) for item, what in steps],
            "dominated": dominated(table),
        }

        def write(tmp: Path, info: dict[str, Any]) -> None:
            write_compare(table, tmp)
            if not any(isinstance(what, RunSpec) for _, what in steps):
                # nothing was solved here: compare's own spec would name its default dataset,
                # none of the folders'; `compared` names each folder and its own dataset. Each
                # plan has its own settings, so no settings line of compare's in the report
                info.pop("spec", None)
            tables = {"compare": table}
            write_report(tmp, tables, info, *run_assumptions(info, tables))  # as rebuilt
            write_run_json(info, tmp, "compare")

        return Study(CompareRun(table, info), info, write)

    kind = "-".join(Path(i).stem for i in items)[:60]
    folder, done = run_study(spec, kind, study, sources, load=lambda: None)
    done.result.folder = folder
    return done.result
