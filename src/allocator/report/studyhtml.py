"""The sections of `report.html` that studies add: the frontier of `allocator frontier`, the
near-optimal ranges of `allocator alternatives` and the samples of `allocator sweep` (what the
fixed plan delivers, and what perfect foresight would reach, labelled apart). The page itself,
its tables and numbers are `html.py`'s.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
import pandas as pd

from allocator.report.html import number, table
from allocator.report.rounding import shown as shown_number
from allocator.report.svg import bars, line


def frontier_section(frame: pd.DataFrame) -> str:
    x_name = str(frame["x_words"].iloc[0]) if "x_words" in frame and len(frame) else "x"
    y_name = str(frame["y_words"].iloc[0]) if "y_words" in frame and len(frame) else "y"
    xs = frame["x_value"].tolist() if "x_value" in frame else []
    ys = frame["y_value"].tolist() if "y_value" in frame else []
    cols = [c for c in ("point", "x_value", "y_value", "rate", "rate_unit") if c in frame]
    return (
        f"<h2>Frontier</h2><p>{len(frame)} points: the most {escape(y_name)} for each level "
        f"of {escape(x_name)}.</p>" + line(xs, ys, x_name, y_name, "Frontier") + table(frame[cols])
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
    """`within 2% of the optimum (545,334 jobs)`, from the run's run.json."""
    slack, objective = info.get("slack"), info.get("objective")
    if not isinstance(slack, int | float):
        return "within the slack of the optimum"
    said = f"within {number(100 * float(slack))}% of the optimum"
    if isinstance(objective, dict) and isinstance(objective.get("optimum"), int | float):
        unit = str(objective.get("unit", ""))
        said += f" ({escape(shown_number(float(objective['optimum']), unit))} {escape(unit)})"
    return said


FORESIGHT = "with perfect foresight (each sample re-optimised)"


def _spread(summary: pd.DataFrame, item: str) -> str | None:
    """`median X unit (P5 a, P95 b)` of one summary row, or None if it has no numbers."""
    rows = summary[summary["item"] == item]
    if not len(rows) or not rows["p50"].notna().all():
        return None
    r = rows.iloc[0]
    return (
        f"median <strong>{number(float(r['p50']))} {escape(str(r['unit']))}</strong> (P5 "
        f"{number(float(r['p5']))}, P95 {number(float(r['p95']))})"
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
                f"{number(a)} - {number(b)}" for a, b in zip(edges[:-1], edges[1:], strict=True)
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
    out.append(table(summary))
    return "".join(out)
