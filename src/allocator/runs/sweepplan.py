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
