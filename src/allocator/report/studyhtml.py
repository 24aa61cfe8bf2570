"""The sections of `report.html` that studies add: the frontier of `allocator frontier`, the
near-optimal ranges of `allocator alternatives` and the samples of `allocator sweep` (what the
fixed plan delivers, and what perfect foresight would reach, labelled apart). The page itself,
its tables and numbers are `html.py`'s.
"""

from __future__ import annotations

from html import escape
from typing import Any, Final

import numpy as np
import pandas as pd

from allocator.report.frontierbase import existing_words
from allocator.report.htmlparts import table
from allocator.report.rounding import (
    WHOLE_UNITS,
    cell,
    parts_shown,
    percent,
    percentile_words,
    whole,
    whole_counts,
)
from allocator.report.rounding import shown as shown_number
from allocator.report.svg import bars, line
from allocator.report.sweepbase import spread_split

UNIT_COLUMNS = ("x_unit", "y_unit")
"""frontier.csv's units of x_value and y_value."""


def frontier_section(frame: pd.DataFrame) -> str:
    x_name = str(frame["x_words"].iloc[0]) if "x_words" in frame and len(frame) else "x"
    y_name = str(frame["y_words"].iloc[0]) if "y_words" in frame and len(frame) else "y"
    xs = frame["x_value"].tolist() if "x_value" in frame else []
    ys = frame["y_value"].tolist() if "y_value" in frame else []
    units = tuple(str(frame[c].iloc[0]) if c in frame and len(frame) else "" for c in UNIT_COLUMNS)
    based = "".join(f" {escape(said[:1].upper() + said[1:])}." for said in existing_words(frame))
    return (
        f"<h2>Frontier</h2><p>{len(frame)} points: the most {escape(y_name)} for each level "
        f"of {escape(x_name)}.{based}</p>"
        + line(xs, ys, x_name, y_name, "Frontier", (units[0], units[1]))
        + _frontier_table(frame)
        + _money_by_point(frame)
    )


def _frontier_table(frame: pd.DataFrame) -> str:
    """The points, each column with its unit in the header (frontier.csv's `x_unit`, `y_unit`),
    jobs whole as the terminal's table and the headline show them, then the change of y per
    unit more x and per unit less, each with its unit and how far it holds (`side_words`), as
    the terminal says them."""
    cols = [c for c in ("point", "x_value", "y_value") if c in frame]
    shown = frame[cols].copy()
    units: dict[str, str] = {}
    for column, unit_column in (("x_value", "x_unit"), ("y_value", "y_unit")):
        if column in shown and unit_column in frame and len(frame):
            units[column] = str(frame[unit_column].iloc[0])
            if units[column] in WHOLE_UNITS:
                shown[column] = [whole(v) for v in shown[column]]
    if len(frame) and "rate_end" in frame:
        first = frame.iloc[0]
        for side, way in (("rate", "more"), ("rate_less", "less")):
            head = f"change of {first['y']} per unit {way} {first['x']}"
            shown[head] = [side_words(r, side) for _, r in frame.iterrows()]
    return table(shown, units)


def side_words(row: pd.Series, side: str) -> str:
    """One side of a frontier point in words, as report.html and the terminal show it:
    `-5 jobs per musd of exports, for 10 musd of exports, then no plan has more`, `no plan has
    more`, `0 jobs per musd of exports, for any amount` (`side`: `rate` or `rate_less`, the
    change of y per unit more x or per unit less; frontier.csv's columns)."""
    end = str(row[f"{side}_end"]) if row[f"{side}_end"] == row[f"{side}_end"] else ""
    rate = float(row[side])
    if rate != rate:
        return end or "n/a"
    said = f"{cell(rate, str(row['rate_unit']))} {row['rate_unit']}, for "
    holds = float(row[f"{side}_holds_for"])
    if holds != holds or holds == np.inf:
        return said + "any amount"
    amount = f"{cell(holds, str(row['x_unit']))} {row['x_unit']}"
    if end == "at least":
        return f"{said}at least {amount}"
    return said + amount + (f", {end}" if end else "")


def study_headline(tables: dict[str, pd.DataFrame], info: dict[str, Any]) -> str | None:
    """The headline sentence of a study's report (sweep, frontier, alternatives, compare, core),
    with units; None for a plan's report (its objective is the headline)."""
    if "sweep_summary" in tables:
        return sweep_headline(tables["sweep_summary"])
    if "frontier" in tables:
        return frontier_headline(tables["frontier"])
    if "ranges" in tables:
        return (
            f'<p class="headline" id="headline">Near-optimal ranges of {len(tables["ranges"])} '
            f"members: the least and the most money of each among the plans "
            f"{_within(info)}.</p>"
        )
    if "compare" in tables:
        return _compare_headline(tables["compare"])
    if "core" in tables and "class" in tables["core"]:
        counts = tables["core"]["class"].value_counts()
        said = ", ".join(f"{int(counts.get(c, 0))} {c}" for c in ("core", "borderline", "exterior"))
        from allocator.report.corehtml import held_words

        held = held_words(info)
        return (
            f'<p class="headline" id="headline">Core index of {len(tables["core"])} members: '
            f"{said}.</p>" + (f"<p>Good plans: {escape(held)}</p>" if held else "")
        )
    return None


def _compare_headline(frame: pd.DataFrame) -> str | None:
    """`Plans compared: jobs: 545,334 jobs; exports: 47,815 musd.` from compare.csv's objective
    rows (each plan's own objective)."""
    if not {"section", "metric", "unit"} <= set(frame.columns):
        return None
    rows = frame[frame["section"] == "objective"]
    plans = [c for c in frame.columns if c not in ("section", "metric", "unit")]
    parts = []
    for plan in plans:
        metric = rows["metric"].astype(str)  # under a measure: `objective (jobs, cumulative)`
        own = rows[
            (metric == f"objective ({plan})") | metric.str.startswith(f"objective ({plan}, ")
        ]
        if len(own) and pd.notna(own[plan].iloc[0]):
            unit = _own_unit(str(own["unit"].iloc[0]), plan)
            value = shown_amount(float(own[plan].iloc[0]), unit)
            split = (
                _compare_split(frame, plan)
                if own["metric"].iloc[0] == f"objective ({plan})"
                else ""
            )
            parts.append(f"{escape(plan)}: <strong>{value} {escape(unit)}</strong>{split}")
    if not parts:
        return None
    return f'<p class="headline" id="headline">Plans compared: {"; ".join(parts)}.</p>'


def _compare_split(frame: pd.DataFrame, plan: str) -> str:
    """` (800 existing before the plan + 750 new)` after a jobs or exports plan's objective in
    the last milestone year (the final measure: the level of compare's last `total` row), as
    solve's headline splits it, from compare's rows of the two parts; empty without them."""
    if plan not in ("jobs", "exports"):
        return ""
    metric = frame["metric"].astype(str)
    existing = frame[metric.str.match(rf"{plan} in \d+ existing before the plan")]
    if not len(existing):
        return ""
    last = existing.iloc[-1]
    year = str(last["metric"]).split()[2]
    new = frame[metric.str.startswith(f"new {plan} in {year} ")]
    if not len(new) or pd.isna(last[plan]) or pd.isna(new[plan].iloc[0]):
        return ""
    said = parts_shown([float(last[plan]), float(new[plan].iloc[0])], str(last["unit"]))
    return escape(f" ({said[0]} existing before the plan + {said[1]} new)")


def _own_unit(unit: str, plan: str) -> str:
    """A plan's unit in a compare row's `unit`: the whole, else the part that names the plan
    among its views (`blank: ... (jobs, exports); index (weighted)`: `index` for weighted)."""
    for part in unit.split("; "):
        said, _, views = part.rpartition(" (")
        if said and plan in views.removesuffix(")").split(", "):
            return said
    return unit


def frontier_headline(frame: pd.DataFrame) -> str | None:
    """`Frontier of 11 plans: from 481,851 jobs (direct jobs in 2040) with 41,364.9 musd (...)
    to 475,971 jobs with 46,261.2 musd.`; None for a frontier without points."""
    if not len(frame) or not {"x_value", "y_value", "x_unit", "y_unit"} <= set(frame.columns):
        return None
    first, last = frame.iloc[0], frame.iloc[-1]
    x_unit, y_unit = str(first["x_unit"]), str(first["y_unit"])

    def said(row: pd.Series, value: str, unit: str) -> str:
        return f"{shown_amount(float(row[value]), unit)} {escape(unit)}"

    return (
        f'<p class="headline" id="headline">Frontier of {len(frame)} plans: from '
        f"<strong>{said(first, 'y_value', y_unit)}</strong> ({escape(str(first['y_words']))}) "
        f"with {said(first, 'x_value', x_unit)} ({escape(str(first['x_words']))}) to "
        f"<strong>{said(last, 'y_value', y_unit)}</strong> with "
        f"{said(last, 'x_value', x_unit)}.</p>"
    )


def shown_amount(value: float, unit: str) -> str:
    """A number for people, as every table cell and the terminal show it (`rounding.cell`):
    whole jobs, else one decimal from 100 up, two from 1, four below."""
    return cell(value, unit)


def _money_by_point(frame: pd.DataFrame) -> str:
    """The money by sector at each point (frontier.csv's `<sector>_musd` columns) and, in words,
    the largest move of money between two neighbouring points."""
    sectors = [c for c in frame.columns if c.endswith("_musd")]
    if not sectors or "point" not in frame:
        return ""
    shown = frame[["point", *sectors]].rename(columns=lambda c: c.removesuffix("_musd"))
    return (
        "<h3>Money by sector at each point (US$ million)</h3>"
        + _largest_move(frame, sectors)
        + table(shown)
    )


def _largest_move(frame: pd.DataFrame, sectors: list[str]) -> str:
    """`<p>The largest move: from point 2 to point 3, 4,600 musd moves from A to B ...</p>`: the
    neighbouring points between which one sector gains what another loses the most."""
    best: tuple[float, int, str, str] | None = None
    money = frame[sectors].to_numpy(dtype=float)
    for k in range(len(frame) - 1):
        step = money[k + 1] - money[k]
        gain, loss = int(np.argmax(step)), int(np.argmin(step))
        moved = min(step[gain], -step[loss])
        if moved > 0.05 and (best is None or moved > best[0]):
            best = (moved, k, sectors[loss], sectors[gain])
    if best is None:
        return "<p>No money moves between sectors from one point to the next.</p>"
    moved, k, source, target = best
    a, b = frame["point"].iloc[k], frame["point"].iloc[k + 1]
    return (
        f"<p>The largest move: from point {a} to point {b}, {shown_amount(moved, 'musd')} musd "
        f"moves from {escape(source.removesuffix('_musd'))} to "
        f"{escape(target.removesuffix('_musd'))}. Where two sectors give the same jobs per US$ "
        "million such a move changes nothing else: read it with the rates in the table above."
        "</p>"
    )


def ranges_section(frame: pd.DataFrame, info: dict[str, Any] | None = None) -> str:
    """`allocator alternatives`: each member's least and most funding within the slack, as bars
    from 0 to the least (funded in every near-optimal plan) and on to the most (free to move),
    with the optimum's funding marked."""
    labels = [f"{m} ({c})" for m, c in zip(frame["member"], frame["classification"], strict=True)]
    least = frame["min_musd"].astype(float).tolist()
    free = (frame["max_musd"].astype(float) - frame["min_musd"].astype(float)).tolist()
    optimum = frame["optimum_musd"].astype(float).tolist() if "optimum_musd" in frame else None
    chart = bars(
        labels, {"least": least, "free to move": free}, "US$ million", "Funding ranges",
        marks=optimum, mark_name="the optimum",
    )  # fmt: skip
    cols = [
        c
        for c in ("member", "classification", "optimum_musd", "min_musd", "max_musd")
        if c in frame
    ]
    return (
        f"<h2>Near-optimal ranges</h2><p>{len(frame)} members: the least and the most funding of "
        f"each among the plans {_within(info or {})}; the black tick is the optimum's "
        "funding.</p>" + chart + table(frame[cols])
    )


def _within(info: dict[str, Any]) -> str:
    """`within 2% of the optimum (545,334 jobs)`, from the run's run.json: the slack as asked
    (`nearoptimal.slack_percent`); where the objective has a part that exists before the plan,
    the floor and the optimum split as the terminal says them (`nearoptimal.held_words`)."""
    from allocator.report.nearoptimal import held_words, slack_percent

    slack, objective = info.get("slack"), info.get("objective")
    if not isinstance(slack, int | float):
        return "within the slack of the optimum"
    said = f"within {slack_percent(slack)} of the optimum"
    if isinstance(objective, dict) and isinstance(objective.get("optimum"), int | float):
        optimum, unit = float(objective["optimum"]), str(objective.get("unit", ""))
        if "existing" in objective and "name" in objective:
            floor = optimum - float(slack) * abs(optimum) + 0.0  # as `holds` (never -0)
            return f"{said} ({escape(held_words(objective, float(slack), floor))})"
        said += f" ({escape(shown_number(optimum, unit))} {escape(unit)})"
    return said


FORESIGHT = "with perfect foresight (each sample re-optimised)"

PERCENTILE_METHOD: Final = "inverted_cdf"
"""How a sweep's P5, P50 and P95 are read from its samples: numpy's `inverted_cdf` (Hyndman
and Fan's type 1, the samples' own distribution function inverted), so each is a value some
sample reached. numpy's default (`linear`) interpolates between two samples: with 5 samples
of which one funds a program with 0, its P5 was 10 where no sample funded 10."""

PERCENTILE_WORDS = (
    f"percentiles: {PERCENTILE_METHOD} (each P5, P50 and P95 is a value some sample reached: "
    "the smallest sample with at least that share of the samples at or below it)"
)
"""The rule in words, as the report says it under the sweep's table."""


def percentiles(values: Any, quantiles: tuple[int, ...] = (5, 50, 95)) -> dict[str, float]:
    """`{"p5": .., "p50": .., "p95": ..}` of `values` by `PERCENTILE_METHOD` ({} if none):
    the one reading of a sweep's percentiles, for its CSV, terminal, report and chart."""
    v = np.asarray(values, dtype=float)
    if not len(v):
        return {}
    got = np.percentile(v, list(quantiles), method=PERCENTILE_METHOD)
    return {f"p{q}": float(x) for q, x in zip(quantiles, got, strict=True)}


def _spread(summary: pd.DataFrame, item: str) -> str | None:
    """`P50 X unit (P5 a, P95 b)` of one summary row, or None if it has no numbers."""
    rows = summary[summary["item"] == item]
    if not len(rows) or not rows["p50"].notna().all():
        return None
    r = rows.iloc[0]
    unit = str(r["unit"])
    return (
        f"P50 <strong>{shown_amount(float(r['p50']), unit)} {escape(unit)}</strong> (P5 "
        f"{shown_amount(float(r['p5']), unit)}, P95 {shown_amount(float(r['p95']), unit)})"
        + escape(spread_split(r.to_dict()))  # the part existing before the plan (base.csv)
    )


def sweep_headline(summary: pd.DataFrame) -> str | None:
    """A sweep's headline: what the fixed plan delivers first, then the jobs with perfect
    foresight, labelled as such."""
    plan, foresight = _spread(summary, "plan jobs"), _spread(summary, "jobs")
    if plan is None and foresight is None:
        return None
    parts = []
    if plan is not None:
        basis = summary.loc[summary["item"] == "plan jobs", "basis"].iloc[0]
        parts.append(f"Jobs of {escape(str(basis))}: {plan}")
    if foresight is not None:
        parts.append(f"jobs {FORESIGHT}: {foresight}")
    return f'<p class="headline" id="headline">{"; ".join(parts)}</p>'


def sweep_section(sweep: pd.DataFrame, summary: pd.DataFrame) -> str:
    ok = sweep[sweep["status"] == "optimal"]
    jobs = ok["jobs"].to_numpy(dtype=float)
    out = [
        f"<h2>Sweep</h2><p>{len(sweep)} samples, {len(ok)} re-optimised to an optimum. Rows "
        "whose basis is <em>this plan</em> say what the plan delivers as it stands in each "
        f"sample; the others are {FORESIGHT}: what a planner who knew the sample in advance "
        "would reach.</p>"
    ]
    if len(jobs):
        edges = np.linspace(jobs.min(), jobs.max(), 11) if jobs.max() > jobs.min() else None
        if edges is not None:
            counts, _ = np.histogram(jobs, bins=edges)
            labels = [
                f"{cell(a, 'jobs')} - {cell(b, 'jobs')}"  # jobs whole, as in the table
                for a, b in zip(edges[:-1], edges[1:], strict=True)
            ]
            out.append(
                bars(
                    labels,
                    {"samples": counts.tolist()},
                    "samples",
                    f"Jobs across the samples, {FORESIGHT}",
                )
            )
    funded = summary[summary["item"].astype(str).str.startswith("program ")]
    if len(funded) and "p50" in funded:
        top = funded.sort_values(["p50", "item"], ascending=[False, True]).head(15)
        labels = [str(i).removeprefix("program ") for i in top["item"]]
        out.append(
            bars(
                labels,
                {"P50": top["p50"].tolist()},
                "US$ million",
                f"Median funding (largest 15 programs), {FORESIGHT}",
            )
        )
    out.append(table(summary_shown(summary)))
    out.append(f"<p>{escape(PERCENTILE_WORDS)}.</p>")
    return "".join(out)


_SPREAD = ("p5", "p50", "p95", "nominal", "min", "max")
"""The columns of a summary row in the row's unit."""


def summary_shown(summary: pd.DataFrame) -> pd.DataFrame:
    """sweep_summary as the terminal says it: counts whole (`whole_counts`), a program's
    funded_share as a percent (`percent`: 50%, not 0.5 in a row whose unit is US$ million) and
    the nominal plan's percentile whole (`percentile_words`)."""
    shown = whole_counts(summary, _SPREAD).copy()
    for column, say in (("funded_share", percent), ("nominal_percentile", percentile_words)):
        if column in shown:
            shown[column] = [say(float(v)) if v == v else "" for v in shown[column]]
    return shown
