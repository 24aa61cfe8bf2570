"""The plan's sections of report.html: jobs and exports per milestone, the targets, the
processing shares, the money line, the allocation by phase and sector (its chart and table), and
the plans compared; each from the run folder's tables, as the terminal shows the numbers."""

from __future__ import annotations

from html import escape

import pandas as pd

from allocator.report.htmlparts import number, table
from allocator.report.rounding import EXPORTS_UNIT, parts_shown, whole
from allocator.report.svg import bars


def milestones_section(outcomes: pd.DataFrame) -> str:
    """Jobs and exports per milestone (outcomes.csv's totals, jobs whole; what existed before
    the plan and what is new where the dataset has a base), then the targets."""
    total = outcomes[outcomes["dimension"] == "total"]
    frame = pd.DataFrame(
        {
            "year": total["year"].astype(int),
            "jobs": [whole(v) for v in total["jobs"]],  # people read whole jobs
            "exports": total["exports_musd"],
        }
    )
    units = {"jobs": "jobs", "exports": EXPORTS_UNIT}
    frame, units, texts = _with_existing(frame, units, outcomes)
    targeted = outcomes[outcomes[["jobs_target", "exports_target_musd"]].notna().any(axis=1)]
    out = ["<h2>Jobs and exports per milestone</h2>", table(frame, units, texts)]
    if not targeted.empty:
        out.append(targets_section(targeted))
    return "".join(out)


def _with_existing(
    frame: pd.DataFrame, units: dict[str, str], outcomes: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, str], dict[str, list[str]]]:
    """The milestone table with, for each kind with a base (base.csv), the part that existed
    before the plan and the new part as columns of their own (outcomes.csv's `jobs_base` and
    `jobs_new`, `exports_base_musd` and `exports_new_musd`), as the terminal's lines split it,
    and their shown texts: at the level's decimals, adding up to the level shown (largest
    remainder, `rounding.parts_shown`: 800.4 + 750.18 jobs are 801 + 750 = 1,551; 100.04 +
    49.96 US$ million per year 100 + 50 = 150)."""
    from allocator.report.existing import PARTS, base_and_new

    frame, units, texts = frame.copy(), dict(units), {}
    for kind in ("jobs", "exports"):
        split = base_and_new(outcomes, kind)
        if not split:
            continue
        shown = [parts_shown(list(split[int(y)]), PARTS[kind][2]) for y in frame["year"]]
        for at, name in enumerate((f"{kind} existing before the plan", f"new {kind}")):
            texts[name] = [t[at] for t in shown]
            frame[name] = [_value(t) for t in texts[name]]
            units[name] = units[kind]
    return frame, units, texts


def _value(text: str) -> float:
    """The number a shown text says (`1,234.5` -> 1234.5): what its cell sorts by."""
    return float(text.replace(",", "")) if text not in ("", "n/a") else float("nan")


_TARGETS = {
    "jobs": ("jobs_target", ["jobs_base", "jobs_new", "jobs", "jobs_target", "jobs_shortfall"]),
    "exports": (
        "exports_target_musd",
        [
            "exports_base_musd",
            "exports_new_musd",
            "exports_musd",
            "exports_target_musd",
            "exports_shortfall_musd",
        ],
    ),
}
"""Each kind of target: the column of its targets and the columns its table shows."""


def targets_section(targeted: pd.DataFrame) -> str:
    """The targets, one table a kind (jobs in whole jobs; exports in US$ million per year), each
    with only its own columns; how many the plan misses."""
    parts, count, missed = [], 0, 0
    for kind, (target, numbers) in _TARGETS.items():
        rows = targeted[targeted[target].notna()] if target in targeted else targeted.iloc[:0]
        if rows.empty:
            continue
        cols = ["dimension", "member", "year", *[c for c in numbers if c in rows], "note"]
        shown = rows[[c for c in cols if c in rows.columns]].copy()
        if kind == "jobs":  # people read whole jobs; the CSV keeps the exact numbers
            for c in numbers:
                if c in shown:
                    shown[c] = [whole(v) if v == v else v for v in shown[c]]
        unit = "jobs" if kind == "jobs" else EXPORTS_UNIT
        shown, texts = _parts_of_level(shown, rows, numbers[:2], unit)
        count += len(shown)
        # counted on the table's shortfalls (`outcomes.shortfall`), not the rounded jobs shown
        missed += int((rows[numbers[-1]] > 0).sum()) if numbers[-1] in rows else 0
        parts.append(f"<h3>{kind.capitalize()} targets ({unit})</h3>" + table(shown, None, texts))
    said = f"{count} targets; the plan misses {missed} of them (shortfall above 0)."
    return f"<h2>Targets</h2><p>{said}</p>" + "".join(parts)


def _parts_of_level(
    shown: pd.DataFrame, rows: pd.DataFrame, columns: list[str], unit: str
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """A targets table's base and new columns (`columns`, from the exact `rows`) as texts that
    add up to the level the row shows (`rounding.parts_shown`), and the values they say."""
    if not set(columns) <= set(rows.columns):
        return shown, {}
    exact = rows[columns].astype(float).to_numpy()
    said = [parts_shown(list(p), unit) if (p == p).all() else ["", ""] for p in exact]
    shown, texts = shown.copy(), {}
    for at, name in enumerate(columns):
        texts[name] = [t[at] for t in said]
        values = [_value(t) if t else v for t, v in zip(texts[name], rows[name], strict=True)]
        shown[name] = values
    return shown, texts


def shares_section(shares: pd.DataFrame) -> str:
    """Processing shares per mineral against their targets (shares.csv of the run)."""
    from allocator.report.bookunits import SHEET_UNITS
    from allocator.report.tables import UNITS

    missed = int((shares["share_shortfall_pct"] > 0).sum())  # `outcomes.shortfall`
    units = {
        str(c): SHEET_UNITS["shares"].get(str(c)) or UNITS.get(str(c)) or "US$ million"
        for c in shares.columns
        if str(c) in SHEET_UNITS["shares"] or str(c).endswith("_musd")
    }  # the workbook's words: a shortfall in percentage points
    return (
        f"<h2>Processing shares</h2><p>{len(shares)} processing-share targets; the plan misses "
        f"{missed} of them. Share = today + (2040 share - today) x productive capital / "
        "investment, in percent.</p>" + table(shares, units)
    )


def money_section(budgets: pd.DataFrame) -> str:
    """The money line of the terminal: budget, spent and unspent, with the pools and risk
    mitigation apart (budgets.csv), in whole US$ million that add up as shown."""
    from allocator.report.budgets import money_words

    words = money_words(budgets)
    return (
        f"<h2>Money</h2><p>{escape(words[:1].upper() + words[1:])}. Each pool and phase, each "
        "risk budget, and why money stays: budgets.csv.</p>"
    )


def compared_table(frame: pd.DataFrame) -> str:
    """compare.csv as a table, each plan's numbers as the terminal shows them (jobs whole)."""
    from allocator.report.rounding import whole_counts

    plans = [c for c in frame.columns if c not in ("section", "metric", "unit")]
    return table(whole_counts(frame, plans))


def allocation_section(by_phase: pd.DataFrame, mitigation: pd.Series | None = None) -> str:
    """Money by sector and phase (allocation_by_phase.csv, summed as the CSV writes each
    number), risk mitigation as a row of its own when given: a bar chart and its table, both
    in the terminal's numbers (whole US$ million adding up to the totals, a total column and
    row: `rounding.rounded_grid`); the bars' lengths are the sums."""
    phases = [c for c in by_phase.columns if c.endswith("_musd") and c.startswith("phase")]
    if not phases:
        phases = [
            c for c in by_phase.columns
            if c.endswith("_musd") and c not in ("total_musd", "floor_musd", "cap_musd")
        ]  # fmt: skip
    from allocator.report.svg import as_written  # sums of the numbers the CSV holds: a rebuilt
    # page (from allocation_by_phase.csv) gives the same bytes

    written = by_phase[["sector", *phases]].copy()
    for p in phases:
        written[p] = [as_written(float(v)) for v in written[p]]
    sums = written.groupby("sector")[phases].sum().sort_index()
    if mitigation is not None:
        mitigation = mitigation.map(lambda v: as_written(float(v)))
    said = ""
    if mitigation is not None:
        sums, said = with_mitigation(sums, mitigation)
    from allocator.report.rounding import APART, NOTE, rounded_grid

    labels = list(sums.index)
    series = {p.removesuffix("_musd"): sums[p].tolist() for p in sums.columns}
    what = "Investment" if mitigation is None else "Investment and risk mitigation"
    named = sums if mitigation is None else sums.rename(index={str(mitigation.name): APART})
    grid = rounded_grid(named.rename(columns=lambda c: str(c).removesuffix("_musd")))
    rows = range(len(labels))  # the grid's first rows are `labels`, in their order
    shown = (
        {name: [f"{int(grid[name].iloc[i]):,}" for i in rows] for name in series},
        [f"{int(grid['total'].iloc[i]):,}" for i in rows],
    )  # the chart says the table's numbers
    exact = named.rename(columns=lambda c: str(c).removesuffix("_musd"))
    exact["total"] = exact.sum(axis=1)
    exact.loc["total"] = exact.sum(axis=0)  # the exact sums sort the table, as in every table
    texts = {str(c): [f"{int(v):,}" for v in grid[c]] for c in grid.columns}
    units = {str(c): "US$ million" for c in grid.columns}
    note = f"<p>{escape(what)} by sector and phase (US$ million; {escape(NOTE)}).</p>"
    return (
        "<h2>Allocation by phase and sector</h2>"
        + said
        + bars(labels, series, "US$ million", f"{what} by sector and phase", shown=shown)
        + note
        + table(exact.reset_index(names="sector"), units, texts)
    )


def with_mitigation(sums: pd.DataFrame, mitigation: pd.Series) -> tuple[pd.DataFrame, str]:
    """The sector x phase sums with a risk mitigation row (phases it alone spends in become
    columns), and a sentence with the total, rounded as the terminal's table rounds it (the
    money line's split too: `rounding.rounded_grid`, largest remainder)."""
    from allocator.report.rounding import APART, rounded_grid

    sums = sums.copy()
    for phase, value in mitigation.items():
        column = f"{phase}_musd"
        if column not in sums.columns and value:
            sums[column] = 0.0
    sums.loc[str(mitigation.name)] = [
        float(mitigation.get(c.removesuffix("_musd"), 0.0)) for c in sums.columns
    ]
    grid = rounded_grid(sums.rename(index={str(mitigation.name): APART}))
    total, spent = int(grid["total"].loc["total"]), int(grid["total"].loc[APART])
    said = (
        f"<p>Money spent: {number(total)} US$ million, of which {number(spent)} on risk "
        "mitigation (the mitigation budgets of risks.csv, by the phase of the years spent).</p>"
    )
    return sums, said
