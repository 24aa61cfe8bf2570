"""The core index's verdict: each member's class from the good plans' money (core: funded above
the threshold in every good plan, exterior: in none, borderline: in some), as core.csv's rows,
and the action each class calls for (commit now, decide later, drop)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from allocator.report.studyhtml import percentiles
from allocator.studies.alternatives import ZERO_MUSD

if TYPE_CHECKING:
    from allocator.studies.core import CoreSettings, GoodPlans

CLASSES = ("core", "borderline", "exterior")
ACTIONS = {"core": "commit now", "borderline": "decide later", "exterior": "drop"}
CLASS_WORDS = {
    "core": "funded above the threshold in every good plan: commit now",
    "borderline": "funded in some good plans and not in others: decide later",
    "exterior": "funded above the threshold in no good plan: drop",
}
"""The classes, as run.json, the report and the terminal state them."""
METHOD = (
    "Robust Portfolio Modeling (Liesio, Mild and Salo 2007): core = funded in every good plan, "
    "exterior = in none; good plans = the re-optimised samples and the distinct near-optimal "
    "plans (the optimum and each member's least and most money within the slack)"
)


def core_table(plans: GoodPlans, setting: CoreSettings) -> pd.DataFrame:
    """One row per member: the share of good plans that fund it above the threshold, how many
    of each kind do, its least, P50 (the sweep's `percentiles`: a plan's value, never
    interpolated) and most money over them, and its class; rows by class
    (core first), then share (largest first), then name."""
    bar = max(setting.threshold, ZERO_MUSD)
    both = np.vstack([plans.samples, plans.alternatives])
    rows = []
    for j, member in enumerate(plans.members):
        funded = both[:, j] > bar
        k, n = int(funded.sum()), len(both)
        kind = "core" if k == n else "exterior" if k == 0 else "borderline"
        rows.append(
            {
                "dimension": setting.by,
                "member": member,
                "name": plans.names.get(member) or member,
                "class": kind,
                "action": ACTIONS[kind],
                "share_funded": round(k / n, 6) if n else float("nan"),
                "plans_funded": k,
                "plans_counted": n,
                "samples_funded": int((plans.samples[:, j] > bar).sum()),
                "samples_counted": len(plans.samples),
                "alternatives_funded": int((plans.alternatives[:, j] > bar).sum()),
                "alternatives_counted": len(plans.alternatives),
                "min_musd": _money(both[:, j].min()) if n else float("nan"),
                "p50_musd": _money(percentiles(both[:, j], (50,))["p50"]) if n else float("nan"),
                "max_musd": _money(both[:, j].max()) if n else float("nan"),
                "threshold_musd": setting.threshold,
                "unit": "US$ million over every pool and year",
            }
        )
    frame = pd.DataFrame(rows)
    frame["_order"] = frame["class"].map(CLASSES.index)
    frame = frame.sort_values(["_order", "share_funded", "member"], ascending=[True, False, True])
    return frame.drop(columns="_order").reset_index(drop=True)


def _money(value: float) -> float:
    return round(float(value), 6) + 0.0


def verdict(table: pd.DataFrame) -> dict[str, list[str]]:
    """The members to commit now, to decide later and to drop, each list by name."""
    return {
        ACTIONS[kind]: sorted(table.loc[table["class"] == kind, "member"].astype(str))
        for kind in CLASSES
    }


def verdict_line(table: pd.DataFrame) -> str:
    """`commit now: ...; decide later: ...; drop: ...` (`none` where a class is empty)."""
    return "; ".join(f"{action}: {', '.join(m) or 'none'}" for action, m in verdict(table).items())
