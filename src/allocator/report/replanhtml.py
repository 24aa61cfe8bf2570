"""The section of `report.html` that `allocator replan` adds: approved vs re-planned money by
program and phase (replan.csv), what the deviations up to the as-of year cost in the
objective's unit, and the rows that bind now and did not in the approved run (run.json's
`replan`). The page, its tables and numbers are `html.py`'s.
"""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd

from allocator.report.html import table


def replan_section(frame: pd.DataFrame, info: dict[str, Any]) -> str:
    """The re-plan in words, then replan.csv as a table."""
    from allocator.studies.replanout import summary_lines

    facts = info.get("replan")
    words = summary_lines(facts, source=False) if isinstance(facts, dict) else []
    items = "".join(f"<li>{escape(w)}</li>" for w in words)
    return (
        "<h2>Approved and re-planned</h2>"
        + (f'<ul id="replan">{items}</ul>' if items else "")
        + "<p>US$ million by program and phase: the approved run's allocation and the re-plan "
        "(phases up to the as-of year fixed to what was spent).</p>" + table(frame)
    )
