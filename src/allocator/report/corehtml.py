"""What `allocator core` adds to the reports: the section of `report.html` (the share of good
plans that fund each member, as horizontal bars coloured by class, the three lists to act on,
and core.csv's table) and the native chart of the workbook's charts sheet (`book_blocks`).
Both read only core.csv's columns, so `allocator report RUN_DIR` rebuilds the same page."""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd

from allocator.data.checks import OBJECTIVES
from allocator.report.htmlparts import table
from allocator.report.rounding import number
from allocator.report.rounding import percent as percent  # cli.core imports it from here

ACTIONS = {"core": "Commit now", "borderline": "Decide later", "exterior": "Drop"}
COLOURS = {"core": "#2ca02c", "borderline": "#ff7f0e", "exterior": "#7f7f7f"}
LEGEND = {
    "core": "core: funded in every good plan, commit now",
    "borderline": "borderline: in some, decide later",
    "exterior": "exterior: in none, drop",
}
SHOWN = (
    "name",
    "member",
    "class",
    "share_funded",
    "plans_funded",
    "plans_counted",
    "min_musd",
    "p50_musd",
    "max_musd",
)


def objective_name(objective: dict[str, Any]) -> str:
    """`jobs`, or `weighted (weights jobs 0.9, exports 0.1)`: the weights a weighted core held
    (run.json's `objective`), as the terminal and report.html say it."""
    weights = objective.get("weights")
    if not weights:
        return str(objective["name"])
    # in the objectives' order, not the dict's: run.json sorts its keys, and `allocator
    # report` rebuilds the page from it, so the words must not depend on how it was typed
    order = {name: k for k, name in enumerate(OBJECTIVES)}
    named = sorted(weights.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    said = ", ".join(f"{k} {v:g}" for k, v in named)
    return f"{objective['name']} (weights {said})"


def held_words(info: dict[str, Any]) -> str:
    """What core's good plans held, from its run.json, as the terminal says it (`0 of 0
    samples re-optimised (seed 0) and 5 distinct near-optimal plans within 2% of the optimum
    (weighted (weights jobs 0.9, exports 0.1) >= 0.882 index)`), then what a --risk or
    --decide-now RUN's core studies instead ('' without an objective)."""
    obj, s = info.get("objective") or {}, info.get("settings") or {}
    if "name" not in obj or "bound" not in obj:
        return ""
    words = good_plans_words(info)
    studied = s.get("studied")
    return f"{words}. {studied}" if studied else words


def good_plans_words(info: dict[str, Any]) -> str:
    """`0 of 0 samples re-optimised (seed 0) and 2 distinct near-optimal plans within 2% of the
    optimum (jobs >= 1,519 jobs (800 existing before the plan + 719 new); optimum 1,550 jobs
    (800 existing + 750 new); the slack gives up 31 jobs: 2% of the optimum's level (existing
    included), 4.13% of the 750 jobs the optimum adds)`: what core counted and held, from its
    run.json (`objective` with its `bound`), the slack as asked and each level split where the
    dataset has a base (`nearoptimal.held_words`), in the terminal's words and the page's."""
    from allocator.report.nearoptimal import held_words, slack_percent

    obj, s = info["objective"], info.get("settings") or {}
    c = info.get("counts") or {}
    slack = float(s.get("slack", 0))
    held = held_words(obj, slack, float(obj["bound"]), objective_name(obj))
    return (
        f"{c.get('samples_optimal', 0):,} of {c.get('samples_drawn', 0):,} samples "
        f"re-optimised (seed {s.get('seed', 0)}) and {c.get('alternatives_distinct', 0):,} "
        f"distinct near-optimal plans within {slack_percent(slack)} of the optimum ({held})"
    )


def sections(tables: dict[str, pd.DataFrame]) -> list[str]:
    """The core index's section if the run has core.csv, else none."""
    return [core_section(tables["core"])] if "core" in tables else []


def core_section(frame: pd.DataFrame) -> str:
    """The chart, the verdict in words and the table of core.csv."""
    said = "".join(
        f"<li><strong>{action}</strong> ({len(names)}): {escape(', '.join(names) or 'none')}</li>"
        for action, names in (
            (ACTIONS[kind], sorted(frame.loc[frame["class"] == kind, "member"].astype(str)))
            for kind in LEGEND
        )
    )
    threshold = float(frame["threshold_musd"].iloc[0]) if len(frame) else float("nan")
    counted = int(frame["plans_counted"].iloc[0]) if len(frame) else 0
    return (
        f"<h2>Core index</h2><p>{len(frame)} members, {counted} good plans (re-optimised samples "
        "and near-optimal plans, run.json): the share of them that fund each member above "
        f"{number(threshold)} US$ million.</p>"
        f"<ul>{said}</ul>" + share_chart(frame) + table(_shown(frame))
    )


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """core.csv's columns people read; the share funded in percent as the chart and the
    terminal say it (`percent`), not core.csv's fraction."""
    shown = frame[[c for c in SHOWN if c in frame.columns]].copy()
    if "share_funded" in shown:
        shown["share_funded"] = [percent(float(v)) if v == v else "" for v in shown["share_funded"]]
    return shown


def share_chart(frame: pd.DataFrame) -> str:
    """Horizontal bars of the share funded (0 to 100%), one a member labelled by its name, in
    the table's order, coloured by class, with the classes in words as the legend."""
    left, width, row, top = 300, 360, 22, 62
    height = top + row * len(frame) + 10
    title = "Share of good plans that fund each member"
    parts = [
        f'<svg viewBox="0 0 {left + width + 60} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>',
        f'<text x="0" y="16" class="t">{escape(title)} (%)</text>',
    ]
    for k, (kind, words) in enumerate(LEGEND.items()):
        x, y = (k % 2) * 340, 26 + (k // 2) * 16
        parts.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{COLOURS[kind]}"/>')
        parts.append(f'<text x="{x + 14}" y="{y + 9}" class="s">{escape(words)}</text>')
    rows = zip(frame["member"], frame["name"], frame["class"], frame["share_funded"], strict=True)
    for i, (member, name, kind, value) in enumerate(rows):
        parts += _bar(top + i * row, (left, width, row), str(member), str(name), str(kind), value)
    parts.append("</svg>")
    return "".join(parts)


def _bar(
    y: int, box: tuple[int, int, int], member: str, name: str, kind: str, value: float
) -> list[str]:
    """One member's label, bar and share."""
    left, width, row = box
    label = name if name == member else f"{name} ({member})"
    short = name if len(name) <= 44 else name[:43] + "\u2026"
    share = float(value) if value == value else 0.0
    w = width * max(0.0, min(1.0, share))
    return [
        f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" class="s">{escape(short)}'
        f"<title>{escape(label)}</title></text>",
        f'<rect x="{left}" y="{y + 3}" width="{w:.2f}" height="{row - 6}" '
        f'fill="{COLOURS.get(kind, "#1f77b4")}"><title>{escape(label)}: {percent(share)} of good '
        f"plans ({escape(kind)})</title></rect>",
        f'<text x="{left + w + 4:.2f}" y="{y + 14}" class="s">{percent(share)}</text>',
    ]


def book_blocks(tables: dict[str, pd.DataFrame]) -> list[tuple[str, pd.DataFrame, str, str]]:
    """The workbook's native chart of the core index (`bookcharts.charts`): the share funded (%) by
    member name, one column a class, so Excel colours each bar by its class."""
    frame = tables.get("core")
    if frame is None or not len(frame) or "share_funded" not in frame.columns:
        return []
    labels = [
        str(n) if str(n) == str(m) else f"{n} ({m})"
        for n, m in zip(frame["name"], frame["member"], strict=True)
    ]
    share = frame["share_funded"].astype(float).fillna(0.0) * 100
    data = pd.DataFrame(
        {LEGEND[k]: share.where(frame["class"] == k, 0.0).to_numpy() for k in LEGEND},
        index=pd.Index(labels, name="member"),
    )
    return [("core", data, "% of good plans", "Share of good plans that fund each member")]
