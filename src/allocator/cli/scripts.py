"""What `allocator solve --json` prints for a script: one JSON document of the run, its numbers
as the run folder's CSV tables write them."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from allocator.runs.common import Run


def run_summary(run: Run) -> dict[str, Any]:
    """What a script needs from a run: status, objective, outcomes (with `base_and_new` where
    the dataset has a base), folder, top prices; every number as the run folder's CSV tables
    write it (`as_written`)."""
    from allocator.report.existing import json_parts
    from allocator.report.rates import ONE_SIDED, rate_words, top_shadow_prices

    top = top_shadow_prices(run.tables["shadow_prices"], 10)
    # both sides of each price (one more unit, one less, and the amount each rate holds for),
    # as shadow_prices.csv, the terminal and report.html give them, and their words (`for at
    # least`, `then no plan is feasible`: what the numbers alone do not say)
    keys = ["constraint", "description", "shadow_price", "unit", *ONE_SIDED]
    said = [rate_words(r, str(r.unit)) for r in top.itertuples()]
    parts = json_parts(run.tables.get("outcomes"))
    summary = {
        "status": run.solution.status,
        "objective": run.info["objective"],
        "outcomes": run.info["outcomes"],
        "run_folder": None if run.folder is None else str(run.folder),
        "money_musd": _money(run.tables.get("budgets")),
        "ties": run.solution.solver.get("ties"),
        "tie_classes": run.solution.solver.get("tie_classes"),
        "top_shadow_prices": [
            {k: getattr(r, k) for k in keys} | {"one_more": more, "one_less": less}
            for r, (more, less) in zip(top.itertuples(), said, strict=True)
        ],
        **({"base_and_new": parts} if parts else {}),
        **({"cells_set": run.info["cells_set"]} if run.info.get("cells_set") else {}),
    }
    snapped: dict[str, Any] = as_written(summary)
    return snapped


def as_written(data: Any) -> Any:
    """`data` with every finite float as the CSV tables write it (`%.12g`, read back): --json
    says 900 where shadow_prices.csv does, not the solver's 899.9999999999999."""
    from allocator.report.csvtext import FLOAT_FORMAT

    if isinstance(data, dict):
        return {k: as_written(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [as_written(v) for v in data]
    if isinstance(data, float) and math.isfinite(data):
        return float(FLOAT_FORMAT % data)
    return data


def _money(budgets: Any) -> dict[str, Any] | None:
    """Budget, spent and unspent (US$ million) of budgets.csv, for scripts: in all (pools and
    risk mitigation), then `pools` and `risk_mitigation` apart, each with the same keys."""
    from allocator.report.budgets import money

    if budgets is None:
        return None
    parts = money(budgets)
    return {**parts["total"], "pools": parts["pools"], "risk_mitigation": parts["risk_mitigation"]}
