"""Why a plan is infeasible, in words: the conflicting constraints with the input file, row and
column each comes from, and the smallest change of the data that makes the plan feasible."""

from __future__ import annotations

from typing import TYPE_CHECKING

from allocator.data.schema import Inputs
from allocator.errors import InfeasibleError
from allocator.model.families import labels_of, unit_of, where
from allocator.model.families import words as words_of

if TYPE_CHECKING:
    from allocator.solver.compile import CompiledLP
    from allocator.solver.diagnosis import Diagnosis


def _row_words(lp: CompiledLP, i: int, side: str) -> tuple[str, dict[str, object], str]:
    fam = lp.row_family[i]
    labels = labels_of(fam, lp.row_index[i])
    bound = lp.row_upper[i] if side == "upper" else lp.row_lower[i]
    op = "<=" if side == "upper" else ">="
    return fam, labels, f"{words_of(fam, labels)} {op} {bound:,.6g} {unit_of(fam, labels)}".rstrip()


def explained(inp: Inputs, err: InfeasibleError) -> InfeasibleError:
    """`err` with its diagnosis said in words (`explain`): a new, complete error to raise in its
    place; `err` itself if the solver gave no diagnosis (refused before solving)."""
    if err.diagnosis is None:
        return err
    lp, diag = err.lp, err.diagnosis
    return InfeasibleError(
        str(err),
        details=explain(inp, lp, diag),  # type: ignore[arg-type]
        diagnosis=diag,
        lp=lp,
    )


def explain(inp: Inputs, lp: CompiledLP, diag: Diagnosis) -> list[str]:
    """Lines for the terminal: the conflicting set, then the smallest relaxation."""
    lines = []
    if diag.rows or diag.cols:
        lines.append(
            "These constraints conflict (an irreducible infeasible subset: without any "
            "one of them the rest can be met):"
        )
        for i, side in diag.rows:
            fam, labels, words = _row_words(lp, i, side)
            lines.append(f"  - {lp.row_names[i]}: {words} ({where(inp, fam, labels)})")
        for j, side in diag.cols:
            fam = lp.col_family[j]
            labels = labels_of(fam, lp.col_index[j])
            bound = lp.col_upper[j] if side == "upper" else lp.col_lower[j]
            what = (
                "timing window: no money" if fam == "invest" and bound == 0 else f"bound {bound:g}"
            )
            if side == "lower" and bound == 0:
                continue  # money is never negative: true of every variable, not worth a line
            lines.append(f"  - {lp.col_names[j]}: {what} ({where(inp, fam, labels)})")
    else:
        lines.append("HiGHS found no irreducible infeasible subset for this model.")
    if diag.relaxation:
        inside = {i for i, _ in diag.rows}
        scope = "of the rows above" if inside and not diag.outside else "of the data"
        lines.append(
            f"The smallest change {scope} that makes the plan feasible (least total "
            f"change, each in its row's unit: {diag.total:,.6g}):"
        )
        if diag.outside:
            lines.append(
                "  (changing the rows above alone cannot make the plan feasible: it has more "
                "than one conflict, so this change also moves rows outside that set, marked "
                "'outside the set above')"
            )
        for i, side, amount in diag.relaxation:
            fam, labels, _ = _row_words(lp, i, side)
            what = words_of(fam, labels)
            old = lp.row_upper[i] if side == "upper" else lp.row_lower[i]
            new = old + amount if side == "upper" else old - amount
            verb = "raise" if side == "upper" else "lower"
            unit = unit_of(fam, labels)
            mark = "; outside the set above" if diag.outside and i not in inside else ""
            lines.append(
                f"  - {verb} {lp.row_names[i]} ({what}) by {amount:,.6g} {unit}: "
                f"from {old:,.6g} to {new:,.6g} ({where(inp, fam, labels)}{mark})"
            )
    return lines
