"""The section of `report.html` that `allocator replan` adds: approved vs re-planned money by
program and phase (replan.csv), what the deviations up to the as-of year cost in the
objective's unit, and the rows that bind now and did not in the approved run (run.json's
`replan`). The page, its tables and numbers are `html.py`'s.
"""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd

from allocator.report.htmlparts import table


def replan_section(frame: pd.DataFrame, info: dict[str, Any]) -> str:
    """The re-plan in words, then replan.csv as a table."""
    facts = info.get("replan")
    words = summary_lines(facts, source=False) if isinstance(facts, dict) else []
    items = "".join(f"<li>{escape(w)}</li>" for w in words)
    sheet = (
        "<p>These numbers, exact, with their units and as shown here: run.json's replan block "
        "and workbook.xlsx's replan_summary sheet.</p>"
        if items
        else ""
    )
    return (
        "<h2>Approved and re-planned</h2>"
        + (f'<ul id="replan">{items}</ul>{sheet}' if items else "")
        + "<p>US$ million by program and phase: the approved run's allocation and the re-plan "
        "(phases up to the as-of year fixed to what was spent).</p>" + table(frame)
    )


def summary_lines(facts: dict[str, Any], source: bool = True) -> list[str]:
    """The re-plan in words: the optimum against the approved plan's, what the deviations cost,
    the churn rule and the rows that now bind. Without `source`, the actuals file is not named
    (report.html: the same money from another file, or its rows in another order, gives the
    same page; run.json names the file)."""
    label, unit, as_of = facts["label"], facts["unit"], facts["as_of"]
    cost = facts["cost_of_deviations"]
    given = facts["actuals"]
    said = f" ({given['rows']} rows of {given['file']})" if source else ""
    now, before = _splits(facts)
    lines = [
        f"Re-planned from what was spent up to {as_of}{said}: "
        f"{facts['replanned_objective']:,.6g} {label}{now}; the "
        f"approved plan: {facts['approved_objective']:,.6g} {label}{before}.",
        f"The deviations up to {as_of} cost {cost:,.6g} {label} ({unit}: the approved plan's "
        "objective minus the re-planned optimum"
        + (", with the churn limit" if facts["max_change"] else "")
        + ")."
        if cost >= 0
        else f"The deviations up to {as_of} gain {-cost:,.6g} {label} ({unit}).",
        *_spent_line(given, as_of),
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


def _spent_line(given: dict[str, Any], as_of: int) -> list[str]:
    """What already happened: the actuals' total, to the digit (12 significant, as the CSV tables
    write money), so it is the sum of the actuals and of replan.csv's spent phases; none for a
    run.json written before it said the total."""
    spent = given.get("spent_musd")
    if not isinstance(spent, int | float):
        return []
    return [f"Spent up to {as_of} (the actuals): {spent:,.12g} musd."]


def _splits(facts: dict[str, Any]) -> tuple[str, str]:
    """What exists before the plan and what each plan adds, after the re-planned and the
    approved objective, as solve's headline says them (`existing.split_words`; run.json's
    `headline_split`): ` (800 existing before the plan + 2,160 new)`, then ` (800 existing +
    2,360 new)`; empty without a base (or in a run.json written before it said them)."""
    from allocator.report.existing import split_words

    split = facts.get("headline_split")
    if not isinstance(split, dict):
        return "", ""
    said, first = [], True
    for which in ("replanned", "approved"):
        part = split.get(which)
        if isinstance(part, dict):
            said.append(" " + split_words(split["kind"], part["base"], part["new"], first))
            first = False
        else:
            said.append("")
    return said[0], said[1]
