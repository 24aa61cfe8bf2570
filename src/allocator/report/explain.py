"""Why a plan is infeasible, in words: the conflicting constraints with the input file, row and
column each comes from, and the smallest change of the data that makes the plan feasible.

It reads the solver's records (`model.solution.Infeasibility`), never the LP.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from allocator.errors import InfeasibleError
from allocator.model.families import unit_of
from allocator.model.families import words as words_of
from allocator.model.solution import Conflict, Infeasibility, Place, Relaxation

if TYPE_CHECKING:
    from allocator.data.schema import Inputs

STRUCTURE = "the model's structure, not an input number"
"""Where a row comes from when no input number is behind it."""


def explained(
    inp: Inputs, err: InfeasibleError, found: Infeasibility | None = None
) -> InfeasibleError:
    """`err` with its records said in words (`explain`): a new, complete error to raise in its
    place; `err` itself without records (refused before solving).

    Args:
        inp: the dataset (the records already name its files and rows; kept for callers).
        err: the error of the solve.
        found: the records of `err`'s diagnosis (`solver.diagnosis.infeasibility`); default:
            those `err` already carries.
    """
    del inp  # the records carry the input places
    records = found if found is not None else err.infeasibility
    if not isinstance(records, Infeasibility):
        return err
    return err.with_infeasibility(records, explain(records))


def explain(found: Infeasibility) -> list[str]:
    """Lines for the terminal: the conflicting set, then the smallest relaxation."""
    lines = []
    if found.conflicts:
        lines.append(
            "These constraints conflict (an irreducible infeasible subset: without any "
            "one of them the rest can be met):"
        )
        lines += [line for c in found.conflicts if (line := _conflict_line(c))]
    else:
        lines.append("HiGHS found no irreducible infeasible subset for this model.")
    if found.relaxation:
        lines += _relaxation_lines(found)
    return lines


def place_words(place: Place) -> str:
    """The input file, row and column of a number, e.g. `pools.csv row 2, column budget_musd`;
    the command-line option it is, for a row no data gives (`Family.option`)."""
    if place.option is not None:
        return f"the {place.option} option"
    if place.file is None:
        return STRUCTURE
    at = f"{place.file} row {place.row}" if place.row is not None else place.file
    return f"{at}, column {place.column}"


def _conflict_line(c: Conflict) -> str:
    """A conflicting row or column bound in words; empty for a column's lower bound of 0 (money
    is never negative: true of every variable, not worth a line)."""
    op = "<=" if c.side == "upper" else ">="
    if not c.is_column:
        words = f"{words_of(c.family, c.labels)} {op} {c.bound:,.6g} {unit_of(c.family, c.labels)}"
        return f"  - {c.constraint}: {words.rstrip()} ({place_words(c.place)})"
    if c.side == "lower" and c.bound == 0:
        return ""
    window = c.family == "invest" and c.bound == 0
    what = "timing window: no money" if window else f"bound {c.bound:g}"
    return f"  - {c.constraint}: {what} ({place_words(c.place)})"


def _relaxation_lines(found: Infeasibility) -> list[str]:
    """The least relaxation: a header with its total, then one line per change."""
    rows = any(not c.is_column for c in found.conflicts)
    scope = "of the rows above" if rows and not found.outside else "of the data"
    lines = [
        f"The smallest change {scope} that makes the plan feasible (least total "
        f"change, each in its row's unit: {found.total:,.6g}):"
    ]
    if found.outside:
        lines.append(
            "  (changing the rows above alone cannot make the plan feasible: it has more "
            "than one conflict, so this change also moves rows outside that set, marked "
            "'outside the set above')"
        )
    return lines + [_change_line(r) for r in found.relaxation]


def _change_line(r: Relaxation) -> str:
    """One change of the relaxation in words, with its input place."""
    verb = "raise" if r.side == "upper" else "lower"
    mark = "; outside the set above" if r.outside_set else ""
    return (
        f"  - {verb} {r.constraint} ({words_of(r.family, r.labels)}) by {r.amount:,.6g} "
        f"{unit_of(r.family, r.labels)}: from {r.old:,.6g} to {r.new:,.6g} "
        f"({place_words(r.place)}{mark})"
    )
