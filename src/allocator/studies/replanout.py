"""The outputs of `allocator replan` (`studies.replan`): replan.csv (approved and re-planned
money by program and phase), the money moved against the approved plan, and the re-plan in
words for the terminal and report.html.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import pandas as pd

_ROUND = 6  # replan.csv: US$ million to the dollar


def replan_table(
    inp: Any, approved: dict[tuple[str, str, int], float], alloc: pd.DataFrame, as_of: int
) -> pd.DataFrame:
    """Approved and re-planned money by program and phase (every pool), and the change."""
    phase_of = inp.phase_of_year
    old: dict[tuple[str, str], list[float]] = defaultdict(list)
    new: dict[tuple[str, str], list[float]] = defaultdict(list)
    for (p, _s, t), v in approved.items():
        old[(p, phase_of.get(t, "?"))].append(v)
    for r in alloc.itertuples(index=False):
        new[(str(r.program), str(r.phase))].append(float(r.invest_musd))
    order = {ph.phase: k for k, ph in enumerate(inp.phases)}
    status = {ph.phase: _status(ph, as_of) for ph in inp.phases}
    rows = []
    for p, ph in sorted(set(old) | set(new), key=lambda k: (k[0], order.get(k[1], 99))):
        a, b = _money(old.get((p, ph), [])), _money(new.get((p, ph), []))
        rows.append(
            {
                "program": p,
                "phase": ph,
                "status": status.get(ph, "not in this dataset"),
                "approved_musd": a,
                "replanned_musd": b,
                "change_musd": round(b - a, _ROUND) + 0.0,
            }
        )
    return pd.DataFrame(rows, columns=_COLUMNS)


_COLUMNS = ["program", "phase", "status", "approved_musd", "replanned_musd", "change_musd"]


def _money(values: list[float]) -> float:
    return round(math.fsum(values), _ROUND) + 0.0


def _status(phase: Any, as_of: int) -> str:
    if phase.last_year <= as_of:
        return "spent (fixed to actuals)"
    if phase.first_year <= as_of:
        return f"spent to {as_of}, re-optimised after"
    return "re-optimised"


def moved(
    approved: dict[tuple[str, str, int], float], alloc: pd.DataFrame, inp: Any, as_of: int
) -> float:
    """US$ million moved against the approved plan after the as-of year: the sum over program,
    pool and phase of |re-planned - approved| (what --least-change minimises)."""
    phase_of = inp.phase_of_year
    diff: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for (p, s, t), v in approved.items():
        if t > as_of:
            diff[(p, s, phase_of.get(t, "?"))].append(-v)
    for r in alloc.itertuples(index=False):
        if int(r.year) > as_of:
            diff[(str(r.program), str(r.pool), str(r.phase))].append(float(r.invest_musd))
    return round(math.fsum(abs(math.fsum(v)) for _, v in sorted(diff.items())), _ROUND) + 0.0


def summary_lines(facts: dict[str, Any], source: bool = True) -> list[str]:
    """The re-plan in words: the optimum against the approved plan's, what the deviations cost,
    the churn rule and the rows that now bind. Without `source`, the actuals file is not named
    (report.html: the same money from another file, or its rows in another order, gives the
    same page; run.json names the file)."""
    label, unit, as_of = facts["label"], facts["unit"], facts["as_of"]
    cost = facts["cost_of_deviations"]
    given = facts["actuals"]
    said = f" ({given['rows']} rows of {given['file']})" if source else ""
    lines = [
        f"Re-planned from what was spent up to {as_of}{said}: "
        f"{facts['replanned_objective']:,.6g} {label}; the "
        f"approved plan: {facts['approved_objective']:,.6g} {label}.",
        f"The deviations up to {as_of} cost {cost:,.6g} {label} ({unit}: the approved plan's "
        "objective minus the re-planned optimum"
        + (", with the churn limit" if facts["max_change"] else "")
        + ")."
        if cost >= 0
        else f"The deviations up to {as_of} gain {-cost:,.6g} {label} ({unit}).",
        f"Money moved against the approved plan after {as_of}: {facts['moved_musd']:,.6g} musd"
        + (" (the least at this optimum: --least-change)." if facts["least_change"] else "."),
    ]
    if facts["max_change"]:
        held = [c for c in facts["binding_new"] if c.startswith("replan_change(")]
        lines.append(
            f"Churn limit --max-change {facts['max_change']} per program: binds for "
            + (", ".join(held) if held else "no program")
            + "."
        )
    new = ", ".join(facts["binding_new"]) or "none"
    gone = ", ".join(facts["binding_gone"]) or "none"
    lines.append(f"Rows that now bind (not in the approved run): {new}.")
    lines.append(f"Rows that no longer bind: {gone}.")
    if facts["inputs_changed_since_approved"]:
        lines.append(
            "Note: inputs changed since the approved run: "
            + ", ".join(facts["inputs_changed_since_approved"])
            + " (the approved objective is the run's own)."
        )
    return lines
