"""Why a plan is infeasible, in words: the conflicting constraints with the input file, row and
column each comes from, and the smallest change of the data that makes the plan feasible.

It reads the solver's records (`model.solution.Infeasibility`), never the LP.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from allocator.errors import InfeasibleError
from allocator.model.families import family_of, unit_of
from allocator.model.families import words as words_of
from allocator.model.solution import Conflict, Infeasibility, Place, Relaxation
from allocator.report.assumed import book_of, cited_words, row_place
from allocator.sixdigits import away

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
    return err.with_infeasibility(records, explain(records, book, inp))


def explain(found: Infeasibility, book: str | None = None, inp: Inputs | None = None) -> list[str]:
    """Lines for the terminal: the conflicting set, then the smallest relaxation; each input
    place in the words of the dataset the user has: a workbook `book` (plan.xlsx) by sheet.
    With the dataset `inp`, a row whose bound is computed from the cell it names (a market:
    market_musd x max_share; a ramp: max_annual_share x cap_musd; a share: target_pct less
    today's share) says the cell's own values (`cell_of`); without it, the row's bounds."""
    lines = []
    if found.conflicts:
        lines.append(
            "These constraints conflict (an irreducible infeasible subset: without any "
            "one of them the rest can be met):"
        )
        lines += [line for c in found.conflicts if (line := _conflict_line(c, book, inp))]
    else:
        lines.append("HiGHS found no irreducible infeasible subset for this model.")
    if found.relaxation:
        lines += _relaxation_lines(found, book, inp)
    return lines


@dataclass(frozen=True)
class Cell:
    """The input cell a row's bound is computed from: bound = value x factor + offset."""

    value: float
    factor: float = 1.0
    offset: float = 0.0
    how: str = ""
    """How the bound is made of the cell, e.g. `max_annual_share x cap_musd 100`."""

    def at(self, bound: float) -> float:
        """The cell's value that gives the row this bound."""
        return (bound - self.offset) / self.factor


def cell_of(inp: Inputs, family: str, labels: Mapping[str, Any], bound: float) -> Cell | None:
    """The cell behind a row whose `bound` is not the cell's value itself, else None (no input
    row, no number there, or the bound is the cell). A family that declares a `scale`
    (`declare.Family`) multiplies the cell by the input row's other `rhs`/`scale` columns
    (ramps, markets); any other adds a constant to it (a processing share's row is
    target_pct - today_pct)."""
    fam = family_of(family)
    source = fam.source
    row = None if source is None else source.row(inp, labels)
    value = getattr(row, source.column, None) if source is not None else None
    if source is None or not isinstance(value, int | float) or isinstance(value, bool):
        return None
    if value == bound:
        return None
    column = source.column
    if fam.scale is not None:
        named = [c.partition(".")[2] for c in fam.rhs] + [fam.scale]
        others = [(c, float(getattr(row, c))) for c in named if c != column]
        factor = math.prod(v for _, v in others)
        if not others or factor == 0:
            return None
        how = " x ".join([column] + [f"{c} {v:,.6g}" for c, v in others])
        return Cell(float(value), factor=factor, how=how)
    offset = bound - float(value)
    return Cell(float(value), offset=offset, how=f"{column} {'-+'[offset > 0]} {abs(offset):,.6g}")


def place_words(
    place: Place, book: str | None = None, change: Mapping[str, Any] | None = None
) -> str:
    """The input file, row and column of a number, e.g. `pools.csv row 2, column budget_musd`,
    or in a workbook dataset `book`: `plan.xlsx, sheet pools, row 2, column budget_musd` (as
    the loader and `check` cite it); the command-line option it is, for a row no data gives
    (`Family.option`). A cell a set gave its value (`change`, an entry of `Inputs.cells_set`,
    `set_behind`) says what the file holds and the set: `...: 120 there, 80 after --set
    'pools.public/p1.budget_musd=80'`, so the cell named is not read as holding the value."""
    if place.option is not None:
        return f"the {place.option} option"
    if place.file is None:
        return STRUCTURE
    if place.row is not None:
        at = row_place(book, place.file, place.row)
    else:
        at = place.file if book is None else f"{book}, sheet {place.file.removesuffix('.csv')}"
    if change is None:
        return f"{at}, column {place.column}"
    from allocator.errors import quoted

    text = f"{change['cell']}={change['value']}"
    return (
        f"{at}, column {place.column}: {_value(change['old'])} there, {_value(change['new'])} "
        f"after {change['origin']} {quoted(text)}"
    )


def _value(value: Any) -> str:
    """A cell's value in an explanation's words: a number as the bounds are (`8,500`)."""
    from allocator.data.keytext import shown

    number = isinstance(value, int | float) and not isinstance(value, bool)
    return f"{value + 0:,.6g}" if number else shown(value)


def set_behind(inp: Inputs | None, place: Place) -> Mapping[str, Any] | None:
    """The set (an entry of `inp.cells_set`: a `--set` or a model file's `set:`) that gave the
    cell at `place` the value the model holds: the last of those naming that cell; None when
    no set names it (the file's own value)."""
    if inp is None or not inp.cells_set or place.file is None or place.row is None:
        return None
    from allocator.data.cellset import parse_set, row_named
    from allocator.data.schema import TABLES
    from allocator.errors import AllocatorError

    found = None
    for change in inp.cells_set:
        table, _, rest = str(change["cell"]).partition(".")
        if table not in TABLES or TABLES[table][0] != place.file:
            continue
        if rest.rpartition(".")[2] != place.column:
            continue
        try:  # the row the set names, as the data has it now
            row = row_named(inp, parse_set(f"{change['cell']}={change['value']}"))
        except AllocatorError:  # a set that moved its row's key: not the row of a bound
            continue
        if row.line == place.row:
            found = change
    return found


def _conflict_line(c: Conflict, book: str | None = None, inp: Inputs | None = None) -> str:
    """A conflicting row or column bound in words; empty for a column's lower bound of 0 (money
    is never negative: true of every variable, not worth a line). A row computed from the cell
    it names says what the cell holds and how the bound is made of it."""
    op = "<=" if c.side == "upper" else ">="
    if not c.is_column:
        words = f"{words_of(c.family, c.labels)} {op} {c.bound:,.6g} {unit_of(c.family, c.labels)}"
        cell = None if inp is None else cell_of(inp, c.family, c.labels, c.bound)
        change = set_behind(inp, c.place)
        holds = "" if cell is None else f", which holds {cell.value:,.6g}; the bound is {cell.how}"
        if cell is not None and change is not None:  # the place says what the cell holds
            holds = f"; the bound is {cell.how}"
        place = place_words(c.place, book, change)
        return f"  - {c.constraint}: {words.rstrip()} ({place}{holds})"
    if c.side == "lower" and c.bound == 0:
        return ""
    window = c.family == "invest" and c.bound == 0
    what = "timing window: no money" if window else f"bound {c.bound:g}"
    return f"  - {c.constraint}: {what} ({place_words(c.place, book, set_behind(inp, c.place))})"


def _relaxation_lines(
    found: Infeasibility, book: str | None = None, inp: Inputs | None = None
) -> list[str]:
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
    return lines + [change_line(r, book, inp) for r in found.relaxation]


def change_line(r: Relaxation, book: str | None = None, inp: Inputs | None = None) -> str:
    """One change of the relaxation in words, with its input place: the cell's own value before
    and after (what `--set` of that cell takes), and for a row that is the cell times other
    numbers, the row's new bound and how it is made first. A change of a percentage is in
    percentage points."""
    verb = "raise" if r.side == "upper" else "lower"
    mark = "; outside the set above" if r.outside_set else ""
    unit = unit_of(r.family, r.labels)
    by = "percentage points" if unit == "percent" else unit
    cell = None if inp is None else cell_of(inp, r.family, r.labels, r.old)
    before, after, row = r.old, r.new, ""
    if cell is not None:
        before, after = cell.value, cell.at(r.new)
        row = f", to {r.new:,.6g} {unit} ({cell.how})" if cell.factor != 1 else ""
    place = place_words(r.place, book, set_behind(inp, r.place))
    was, then = f"{before:,.6g}", f"{away(after, r.side == 'upper'):,.6g}"
    amount = f"{r.amount:,.6g}" if row else difference(was, then)  # as the two shown subtract
    return (
        f"  - {verb} {r.constraint} ({words_of(r.family, r.labels)}) by {amount} "
        f"{by}{row}: from {was} to {then} ({place}{mark})"
    )


def difference(was: str, then: str) -> str:
    """The change between two numbers as shown (`800`, `0.0002267`), exactly: what a reader's
    own subtraction of them gives (799.9997733), with thousands separators."""
    from decimal import Decimal

    change = abs(Decimal(then.replace(",", "")) - Decimal(was.replace(",", "")))
    text = f"{change:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
