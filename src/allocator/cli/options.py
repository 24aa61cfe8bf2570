"""Command-line options read into a run spec (`runs.spec.RunSpec`): `--weights`, the `--risk`
numbers, and a model file with the command line on top of it. Each refuses bad input with a
`UsageError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from allocator.runs.optiontext import rate_given, set_overrides, weights_of

if TYPE_CHECKING:
    from allocator.data.schema import Inputs
    from allocator.runs.spec import RunSpec


def run_spec(
    model: Path | None,
    inputs: Path | None,
    objective: str | None,
    weights: str | None,
    targets: str | None,
    measure: str | None = None,
    discount_rate: str | float | None = None,
    sets: list[str] | None = None,
    **more: Any,
) -> RunSpec:
    """The run spec of a command line: its options read (`--weights` and `--discount-rate` as
    typed, each `--set` checked), then laid on the model file by `runs.spec.layered`, the one
    place the precedence is written. `more`: further RunSpec fields as given (None: not given)."""
    from allocator.runs.spec import layered

    return layered(
        model,
        set_overrides(sets),
        inputs=inputs,
        objective=objective,
        weights=None if weights is None else weights_of(weights),
        targets=targets,
        measure=measure,
        discount_rate=rate_of(discount_rate),
        **more,
    )


def with_sets(inp: Inputs, sets: list[str] | None) -> Inputs:
    """A dataset loaded without a model file, with each `--set` applied in order and the tables
    checked across again (for explain, check and export-inputs)."""
    from allocator.data.applyoverrides import apply_overrides

    overrides = set_overrides(sets)
    return apply_overrides(inp, overrides, "") if overrides else inp


def rate_of(text: str | float | None) -> float | None:
    """--discount-rate as given (None: not given, the default applies), read by THE reader of
    a rate, `runs.optiontext.rate_given`: `0`, `-0.0` and `0%` are 0; a number that underflows
    to 0 (`1e-400`), a negative rate and one past 100% a year are refused at once.

    Raises:
        UsageError: naming the option, the text and the fix.
    """
    return rate_given(text, "--discount-rate")


def risk_numbers(beta: float, cvar_cap: float | None) -> None:
    """--beta and --cvar-cap, refused before any work (float() reads nan and inf as numbers);
    a negative cap is said in words (the tail must beat the nominal plan)."""
    from allocator.runs.arguments import check_risk_numbers

    check_risk_numbers(beta, cvar_cap)  # the API's check too
    if cvar_cap is not None and cvar_cap < 0:  # allowed, but not what "shortfall" suggests
        from allocator.cli.render import warn

        warn(
            f"--cvar-cap {cvar_cap:g} is below 0: it asks the worst {1 - beta:.0%} of scenarios "
            f"to beat the nominal plan's jobs by at least {-cvar_cap:,.6g} on average, not to "
            "fall short of them by at most a number (give 0 or more for a shortfall cap)"
        )
