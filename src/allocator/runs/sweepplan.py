"""What a sweep of --plan RUN takes from RUN (its run.json): the objective, targets, measure,
discount rate and solver options where the command line does not give them, and the one line
that says which came from where."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from allocator.runs.spec import RunSpec


def plan_objective(plan: Path) -> str | None:
    """The objective the run folder `plan` was solved with (its run.json), which a sweep of its
    plan takes unless --objective is given; None if its run.json records none (or is not
    there: the plan is read from allocation.csv alone)."""
    from allocator.errors import UsageError
    from allocator.report.readback import read_run_json

    try:
        info = read_run_json(Path(plan), "")
    except UsageError:
        return None
    named = info.get("objective")
    name = named.get("name") if isinstance(named, dict) else None
    if not isinstance(name, str):
        spec = info.get("spec")
        name = spec.get("objective") if isinstance(spec, dict) else None
    return name if isinstance(name, str) else None


def sweep_objective(plan: Path | None, given: str | None) -> str | None:
    """The objective of a sweep: `given` (--objective), else --plan RUN's own (`plan_objective`),
    else None (the model file's, else jobs).

    Raises:
        UsageError: RUN was solved with an objective a sweep cannot take (weighted).
    """
    from allocator.errors import UsageError

    if given is not None or plan is None:
        return given
    ran = plan_objective(plan)
    if ran is not None and ran not in ("jobs", "exports"):
        raise UsageError(
            f"--plan {plan} was solved with objective {ran}; a sweep re-optimises for jobs or "
            "exports. Fix: give --objective jobs or --objective exports"
        )
    return ran


EDITED = (
    "sweep does not evaluate it as the plan of the run (allocator's optimum, with the "
    "objective and options its run.json records)"
)
EDITED_FIX = (
    "re-run allocator solve into another --out and sweep that run (the edited folder is left "
    "as it is); to sweep the edited plan itself, copy its allocation.csv alone into a new "
    "folder and pass that folder as --plan (a folder without run.json is swept as it is, on "
    "the dataset you name with --inputs)"
)
"""What a sweep says of --plan RUN's allocation.csv changed since allocator wrote it, and the
fix: --plan takes a folder, not a CSV file, and one holding an allocation.csv alone is a plan
of the user's, swept without RUN's options."""


RELIED = (
    "sweep does not take from it which input rows the plan relies on (the limits that bind "
    "with a price, the programs it funds: the sweep's run.json relied_on and report.html)"
)
"""What a sweep says of --plan RUN's shadow_prices.csv or allocation_by_phase.csv changed since
allocator wrote it: the two tables `studies.reference.run_relied` reads (the fix is
`EDITED_FIX`'s)."""


def refuse_edited_plan(plan: Path) -> None:
    """Refuse --plan RUN whose allocation.csv has changed since allocator wrote it, as
    `report`, `compare` and `replan` refuse such a table (`readback.refuse_edited`), before
    RUN's options are taken or anything is said; a cell no solve writes is named first (as
    they do), by the sweep's own reader of the table (`fixedplan.plan_table`). Then the same
    of the other tables it reads (`reference.RELIED_TABLES`, by `reference.relied_tables`):
    edited prices would make the sweep record a limit the plan does not bind as relied on. A
    folder without a readable run.json claims no allocator plan: it is swept as it is.

    Raises:
        UsageError: naming the file (and a bad cell's row and column), why and the fix.
    """
    from allocator.errors import UsageError
    from allocator.report.readback import read_run_json, refuse_edited
    from allocator.studies.fixedplan import plan_table
    from allocator.studies.reference import RELIED_TABLES, relied_tables

    try:
        info = read_run_json(Path(plan), "")
    except UsageError:
        return
    plan_table(Path(plan))
    refuse_edited(Path(plan), ["allocation.csv"], info, EDITED, EDITED_FIX)
    relied_tables(Path(plan))  # a bad cell named first, as allocation.csv's is
    names = [f"{name}.csv" for name in RELIED_TABLES]
    refuse_edited(Path(plan), names, info, RELIED, EDITED_FIX)


TAKEN = ("objective", "targets", "measure", "discount_rate", "solver")
"""The options a sweep of --plan RUN takes from RUN's run.json unless given: every option of
RUN's spec a sweep uses (its weights belong to the weighted objective, which it refuses)."""

OPTION = {"discount_rate": "discount rate", "solver": "solver options"}


def plan_options(plan: Path | None, given: dict[str, Any]) -> dict[str, Any]:
    """The options of a sweep of --plan RUN: each of `given` (the command line; None: not
    given), else RUN's own as its run.json's spec records it (`TAKEN`), else None (the model
    file's, else the default). RUN's discount rate goes with its measure: a --measure given
    takes neither.

    Raises:
        UsageError: RUN was solved with an objective a sweep cannot take (weighted).
    """
    taken = dict(given)
    taken["objective"] = sweep_objective(plan, given.get("objective"))
    recorded = _recorded_spec(plan)
    for name in TAKEN[1:]:
        if taken.get(name) is None and recorded.get(name) is not None:
            taken[name] = recorded[name]
    if given.get("measure") is not None and given.get("discount_rate") is None:
        taken["discount_rate"] = None  # the run's rate belongs to the run's measure
    return taken


def _recorded_spec(plan: Path | None) -> dict[str, Any]:
    """RUN's run.json `spec` ({} without --plan, or a run.json without one)."""
    from allocator.errors import UsageError
    from allocator.report.readback import read_run_json, refuse_two_stage

    if plan is None:
        return {}
    try:
        info = read_run_json(Path(plan), "")
    except UsageError:
        return {}
    refuse_two_stage(
        Path(plan),
        info,
        "it is no whole plan to sweep",
        "sweep a run of allocator solve without --decide-now (the same model file with "
        "decide_now removed)",
    )
    spec = info.get("spec")
    return spec if isinstance(spec, dict) else {}


def objective_words(
    plan: Path | None, given: str | dict[str, Any] | None, taken: str | RunSpec
) -> str | None:
    """Which options a sweep of --plan RUN takes, and why, in one line (None without --plan):
    the objective, then each other option RUN's run.json records (`TAKEN`), as typed or
    from RUN. `given`: the --objective typed, or every option as typed (None: not given);
    `taken`: the objective taken, or the sweep's spec."""
    if plan is None:
        return None
    typed = given if isinstance(given, dict) else {"objective": given}
    objective = taken if isinstance(taken, str) else taken.objective
    if typed.get("objective") is not None:
        words = [f"objective {objective} (--objective)"]
    elif plan_objective(plan) == objective:
        words = [f"objective {objective} (the objective of --plan {plan}, its run.json)"]
    else:
        words = [f"objective {objective} (--plan {plan} records none: the model file's, else jobs)"]
    if isinstance(taken, str):
        return words[0]
    recorded = _recorded_spec(plan)
    for name in TAKEN[1:]:
        value = getattr(taken, name)
        option = OPTION.get(name, name)
        if (name == "solver" and not value) or (
            name == "discount_rate" and taken.measure != "discounted"
        ):
            continue  # no solver options, a rate unused: nothing to say
        if typed.get(name) is not None:
            words.append(f"{option} {_shown(value)} (--{name.replace('_', '-')})")
        elif name in recorded and recorded[name] == value:
            words.append(f"{option} {_shown(value)} (its run.json)")
    return ", ".join(words)


def _shown(value: Any) -> str:
    """An option's value in words: solver options as `name=value`, none as `none`."""
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in value.items()) or "none"
    return f"{value:g}" if isinstance(value, float) else str(value)
