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
from allocator.report.assumed import book_of, cited_words, row_place

if TYPE_CHECKING:
    from allocator.data.schema import Inputs

STRUCTURE = "the model's structure, not an input number"
"""Where a row comes from when no input number is behind it."""


def explained(
    inp: Inputs, err: InfeasibleError, found: Infeasibility | None = None
) -> InfeasibleError:
    """`err` with its records said in words (`explain`): a new, complete error to raise in its
    place. Refused before solving (no records): `err`, or for a workbook dataset the same
    error with its lines citing sheets (`plan.xlsx, sheet targets, row 11`), not CSV files.

    Args:
        inp: the dataset: a workbook's (`inp.folder` e.g. plan.xlsx) places are cited by sheet.
        err: the error of the solve.
        found: the records of `err`'s diagnosis (`solver.diagnosis.infeasibility`); default:
            those `err` already carries.
    """
    book = book_of(inp.folder)
    records = found if found is not None else err.infeasibility
    if not isinstance(records, Infeasibility):  # refused before solving: lines citing CSV names
        if book is None or not err.details:
            return err
        return err.with_infeasibility(records, [cited_words(book, d) for d in err.details])
    return err.with_infeasibility(records, explain(records, book))


def explain(found: Infeasibility, book: str | None = None) -> list[str]:
    """Lines for the terminal: the conflicting set, then the smallest relaxation; each input
    place in the words of the dataset the user has: a workbook `book` (plan.xlsx) by sheet."""
    lines = []
    if found.conflicts:
        lines.append(
            "These constraints conflict (an irreducible infeasible subset: without any "
            "one of them the rest can be met):"
        )
        lines += [line for c in found.conflicts if (line := _conflict_line(c, book))]
    else:
        lines.append("HiGHS found no irreducible infeasible subset for this model.")
    if found.relaxation:
        lines += _relaxation_lines(found, book)
    return lines


def place_words(place: Place, book: str | None = None) -> str:
    """The input file, row and column of a number, e.g. `pools.csv row 2, column budget_musd`,
    or in a workbook dataset `book`: `plan.xlsx, sheet pools, row 2, column budget_musd` (as
    the loader and `check` cite it); the command-line option it is, for a row no data gives
    (`Family.option`)."""
    if place.option is not None:
        return f"the {place.option} option"
    if place.file is None:
        return STRUCTURE
    if place.row is not None:
        at = row_place(book, place.file, place.row)
    else:
        at = place.file if book is None else f"{book}, sheet {place.file.removesuffix('.csv')}"
    return f"{at}, column {place.column}"


def _conflict_line(c: Conflict, book: str | None = None) -> str:
    """A conflicting row or column bound in words; empty for a column's lower bound of 0 (money
    is never negative: true of every variable, not worth a line)."""
    op = "<=" if c.side == "upper" else ">="
    if not c.is_column:
        words = f"{words_of(c.family, c.labels)} {op} {c.bound:,.6g} {unit_of(c.family, c.labels)}"
        return f"  - {c.constraint}: {words.rstrip()} ({place_words(c.place, book)})"
    if c.side == "lower" and c.bound == 0:
        return ""
    window = c.family == "invest" and c.bound == 0
    what = "timing window: no money" if window else f"bound {c.bound:g}"
    return f"  - {c.constraint}: {what} ({place_words(c.place, book)})"


def _relaxation_lines(found: Infeasibility, book: str | None = None) -> list[str]:
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
    return lines + [_change_line(r, book) for r in found.relaxation]


def _change_line(r: Relaxation, book: str | None = None) -> str:
    """One change of the relaxation in words, with its input place."""
    verb = "raise" if r.side == "upper" else "lower"
    mark = "; outside the set above" if r.outside_set else ""
    return (
        f"  - {verb} {r.constraint} ({words_of(r.family, r.labels)}) by {r.amount:,.6g} "
        f"{unit_of(r.family, r.labels)}: from {r.old:,.6g} to {r.new:,.6g} "
        f"({place_words(r.place, book)}{mark})"
    )
