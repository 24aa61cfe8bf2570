"""Command-line options read into pipeline options: `--weights`, the `--risk` numbers, and a
model file with the command line on top of it. Each refuses bad input with a `UsageError`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from allocator.pipeline import SolveOptions


def solve_options(
    model: Path | None,
    inputs: Path | None,
    objective: str | None,
    weights: str | None,
    targets: str | None,
    measure: str | None = None,
    discount_rate: float | None = None,
) -> SolveOptions:
    """Options from the model file (if any), then the command line on top."""
    from allocator.pipeline import options_of

    return options_of(
        model,
        inputs,
        objective,
        None if weights is None else _weights(weights),
        targets,
        measure,
        discount_rate,
    )


def risk_numbers(beta: float, cvar_cap: float | None) -> None:
    """--beta and --cvar-cap, refused before any work (float() reads nan and inf as numbers);
    a negative cap is said in words (the tail must beat the nominal plan)."""
    from allocator.data.schema import MAX_JOBS
    from allocator.errors import UsageError

    if not 0 <= beta < 1:  # also refuses nan, for which every comparison is false
        raise UsageError(
            f"--beta {beta} is not in [0, 1): it is the share of scenarios left out of the "
            "tail. Fix: e.g. --beta 0.9"
        )
    if cvar_cap is not None and not math.isfinite(cvar_cap):
        raise UsageError(
            f"--cvar-cap {cvar_cap} is not a finite number. Fix: give the most expected jobs "
            "shortfall in the tail, e.g. --cvar-cap 20000, or leave it out for no cap"
        )
    if cvar_cap is not None and abs(cvar_cap) > MAX_JOBS:
        raise UsageError(
            f"--cvar-cap {cvar_cap:g} is not at most {MAX_JOBS:g} jobs in size. "
            "Fix: give a cap in jobs, e.g. --cvar-cap 20000, or leave it out for no cap"
        )
    if cvar_cap is not None and cvar_cap < 0:  # allowed, but not what "shortfall" suggests
        from allocator.cli.render import warn

        warn(
            f"--cvar-cap {cvar_cap:g} is below 0: it asks the worst {1 - beta:.0%} of scenarios "
            f"to beat the nominal plan's jobs by at least {-cvar_cap:,.6g} on average, not to "
            "fall short of them by at most a number (give 0 or more for a shortfall cap)"
        )


def _weights(text: str) -> dict[str, float]:
    """`jobs=0.7,exports=0.3`, each number by the rule of a data cell, the weights by the rule
    model files follow too (checks.check_weights)."""
    from allocator.data.checks import check_weights
    from allocator.data.numbers import parse_number
    from allocator.errors import UsageError

    weights = {}
    try:
        for part in text.split(","):
            name, equals, value = part.partition("=")
            if not equals:
                raise ValueError(f"'{part}' is not name=number")
            weights[name.strip()] = parse_number(value, {"": 1.0})
        return check_weights(weights)
    except ValueError as exc:
        fix = getattr(exc, "fix", None) or (
            "give jobs and exports weights from 0 to 1e6, not all 0, "
            "e.g. --weights jobs=0.7,exports=0.3"
        )
        raise UsageError(f"--weights '{text}': {exc}. Fix: {fix}") from None
