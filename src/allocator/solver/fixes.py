"""An infeasible plan's one-line error, its fix taken from the diagnosis (`solver.diagnosis`).

The fix names only changes a re-solve has confirmed: each change of one conflicting row that
makes the plan feasible by itself (`Diagnosis.alone`), joined by "or"; when no single row's
change is enough, the least relaxation's changes, together. Amounts are in the row's unit,
rounded away from the conflict so that the rounded change still makes the plan feasible.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from allocator.errors import InfeasibleError
from allocator.model.families import family_of, relaxable, unit_of
from allocator.sixdigits import away
from allocator.solver.compile import CompiledLP
from allocator.solver.diagnosis import ALONE_TRIED, Diagnosis, diagnose

NAMED = 3
"""At most this many changes are named on the line; the details list them all."""


_DISCARDED: ContextVar[bool] = ContextVar("allocator_infeasible_discarded", default=False)
"""Set by `discarded`: the infeasible errors raised meanwhile are caught and dropped."""

UNDIAGNOSED = (
    "the plan is infeasible: no allocation meets all its rows at once (not diagnosed: the "
    "caller drops this error). Fix: allocator explain names the conflicting rows and the least "
    "change"
)
"""The message of an infeasible error raised within `discarded`."""


@contextmanager
def discarded() -> Iterator[None]:
    """Within it, an infeasible LP's error comes without its diagnosis (no IIS, no elastic
    re-solves): for a caller that catches the error and drops it (a two-stage plan that names
    its scenarios instead, a consensus hedging shrinks, a core sample counted as infeasible).
    The error a user reads is raised outside it, diagnosed, with its full fix line."""
    token = _DISCARDED.set(True)
    try:
        yield
    finally:
        _DISCARDED.reset(token)


def infeasible_error(lp: CompiledLP) -> InfeasibleError:
    """The error of an infeasible `lp`, diagnosed, its message's fix built from the diagnosis
    (within `discarded`: undiagnosed, `UNDIAGNOSED`, no re-solve spent)."""
    if _DISCARDED.get():
        return InfeasibleError(UNDIAGNOSED, lp=lp)
    diagnosis = diagnose(lp)
    return InfeasibleError(
        "the plan is infeasible: no allocation meets all the rows below at once. "
        f"Fix: {fix_words(lp, diagnosis)}",
        diagnosis=diagnosis,
        lp=lp,
    )


def fix_words(lp: CompiledLP, diagnosis: Diagnosis) -> str:
    """The fix, e.g. `lower target(jobs,sector,s2,2026) by 300 jobs`, or with several single
    changes `raise budget(public,p1) by 10 musd, or ... (each change alone is enough)`."""
    if diagnosis.alone:
        named = [_change(lp, i, side, amount) for i, side, amount in diagnosis.alone[:NAMED]]
        more = len(diagnosis.alone) - len(named)
        rest = f", as is a change of {_count(more, 'other row')} of the set below" if more else ""
        why = f" (each change alone is enough{rest})" if len(diagnosis.alone) > 1 else ""
        return f"{', or '.join(named)}{why}"
    if diagnosis.relaxation:
        named = [_change(lp, i, side, amount) for i, side, amount in diagnosis.relaxation[:NAMED]]
        more = len(diagnosis.relaxation) - len(named)
        rest = f" and the {_count(more, 'more change')} listed below" if more else ""
        return f"together, {' and '.join(named)}{rest} ({_why_together(lp, diagnosis)})"
    if diagnosis.total is not None:  # the elastic copy is feasible without a change past 1e-7
        return (
            "no change of the data past 1e-7 is needed, so HiGHS's tolerances decide: look for "
            "very large or very small numbers in the rows below"
        )
    return (
        "no change of a budget, cap, floor, ramp, group limit, risk budget, market or target "
        "makes the plan feasible: check the timing windows and links of the rows below"
    )


def _why_together(lp: CompiledLP, diagnosis: Diagnosis) -> str:
    """Why the least relaxation's changes are named together, not one of them."""
    if diagnosis.outside:
        return "the plan has more than one conflict; the rows below show one"
    tried = [i for i, _ in diagnosis.rows if relaxable(lp.row_family[i])]
    if diagnosis.rows and len(tried) <= ALONE_TRIED:
        return "no one row's change alone is enough"
    return "the least change of the data that makes the plan feasible"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _change(lp: CompiledLP, i: int, side: str, amount: float) -> str:
    """`raise program_cap(c) by 20 musd`: the upper side of row `i` is raised, a lower side is
    lowered; a percentage moves by percentage points. A copy of the row per scenario (the
    two-stage extensive form) names its scenario last: the labels are the leading ones."""
    family = lp.row_family[i]
    unit = unit_of(family, dict(zip(family_of(family).dims, lp.row_index[i], strict=False)))
    by = "percentage points" if unit == "percent" else unit
    verb = "raise" if side == "upper" else "lower"
    return f"{verb} {lp.row_names[i]} by {away(amount, up=True):,.6g} {by}".rstrip()
