"""What a served page shows of a plan and of its data, read as `allocator solve`'s tables and
run.json read them: an answer's brief (the headline, the outcomes, the money by program, the rows
that bind) and the cells the page may set. No HiGHS here: the held instance and its re-solves are
`serve/held.py`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from allocator.data.schema import Inputs
from allocator.model.solution import Solution
from allocator.report import tables as reports
from allocator.report.csvtext import FLOAT_FORMAT
from allocator.runs.common import run_info
from allocator.runs.spec import RunSpec


@dataclass(frozen=True)
class Brief:
    """What an answer shows at once, as `allocator solve` reports it: run.json's `objective`
    and `outcomes`, each program's money over the horizon (allocation_by_phase.csv's
    `total_musd`), the rows that bind (shadow_prices.csv's `binding`), and the words solve
    prints of what existed before the plan: after the headline (`split`) and at each milestone
    (`levels`)."""

    objective: dict[str, Any]
    outcomes: dict[str, Any]
    programs: dict[str, float]
    binding: frozenset[str]
    split: str = ""
    """` (63,000 existing before the plan + 482,334 new)`, or empty (`existing.headline_split`)."""
    levels: tuple[str, ...] = ()
    """`jobs (jobs): 2030 238,941 (63,000 existing + 175,941 new), ...`: each kind's line of
    `allocator solve`'s summary (`cli.summary.show_levels`), without its indent."""


def brief_of(inp: Inputs, sol: Solution, spec: RunSpec) -> Brief:
    """What an answer shows at once, read as the run's tables and run.json read it (without the
    model file, which run.json's options hash: an edit needs only what serve read)."""
    from allocator.report.existing import headline_split
    from allocator.report.outcomes import outcomes as outcome_rows

    info = run_info(inp, sol, spec.with_(model_file=None), {})
    alloc = reports.allocation(inp, sol)
    by_phase = reports.allocation_by_phase(inp, alloc)
    programs = zip(by_phase["program"], by_phase["total_musd"], strict=True)
    info["objective"] = {k: as_tables(v) for k, v in info["objective"].items()}
    info["outcomes"] = {k: as_tables(v) for k, v in info["outcomes"].items()}
    levels = outcome_rows(inp, sol, alloc)
    for column in ("jobs_base", "jobs_new", "exports_base_musd", "exports_new_musd"):
        levels[column] = [as_tables(float(v)) for v in levels[column]]  # as outcomes.csv has them
    return Brief(
        objective=info["objective"],
        outcomes=info["outcomes"],
        programs={str(p): as_tables(float(v)) for p, v in programs},
        binding=binding_rows(sol.rows),
        split=headline_split(info, levels),
        levels=level_lines(info["outcomes"], [m.year for m in inp.milestones], levels),
    )


def level_lines(
    outcomes: dict[str, Any], years: list[int], levels: pd.DataFrame
) -> tuple[str, ...]:
    """Each kind's levels at every milestone, as `allocator solve`'s summary says them
    (`cli.summary.show_levels`, no `--risk`): run.json's `outcomes`, each with the part that
    existed before the plan and the new part where the dataset has a base of that kind
    (outcomes.csv's total rows, `levels`)."""
    from allocator.report.existing import PARTS, base_and_new, split_words
    from allocator.report.rounding import cell

    lines = []
    for kind, (*_cols, unit, key) in PARTS.items():
        split = base_and_new(levels, kind)
        path = ", ".join(
            f"{y} {cell(outcomes.get(key.format(year=y)) or 0.0, unit)}"
            + (f" {split_words(kind, *split[y])}" if y in split else "")
            for y in years
        )
        lines.append(f"{kind} ({unit}): {path}")
    return tuple(lines)


def as_tables(value: Any) -> Any:
    """A number as the run folder's CSV tables write it (`csvtext.FLOAT_FORMAT`, 12 significant
    digits, no -0); anything else as it is. The held instance re-solves from the last basis, so
    a scenario's last bits depend on the edits before it (550633.54 or 550633.5399999999), and
    `allocator solve --set`'s own are a third path's: to 12 digits all agree (measured on 60
    random edits of the baseline: most values differ in their bits, none at 12 digits), so the same
    scenario is always answered with the same numbers, those of solve's tables."""
    if isinstance(value, float) and math.isfinite(value):
        return float(FLOAT_FORMAT % value) + 0.0
    return value


def binding_rows(rows: Any) -> frozenset[str]:
    """The rows whose slack is nil, by shadow_prices.csv's rule (`report.tables`): the slack
    on the finite side, within `BINDING_TOLERANCE` of the right-hand side's size."""
    upper = rows["upper"].to_numpy(dtype=float)
    lower = rows["lower"].to_numpy(dtype=float)
    body = rows["body"].to_numpy(dtype=float)
    upper_side = np.isfinite(upper)
    rhs = np.where(upper_side, upper, lower)
    slack = np.where(upper_side, upper - body, body - lower)
    slack = np.where(np.abs(slack) < 1e-9, 0.0, slack) + 0.0
    hit = slack <= reports.BINDING_TOLERANCE * np.maximum(1.0, np.abs(rhs))
    return frozenset(str(c) for c in rows["constraint"].to_numpy()[hit])


def cells_of(inp: Inputs, dataset: Inputs | None = None) -> list[dict[str, Any]]:
    """The cells a page may set, by table: each row's key (its data now), the key a set names
    it by (`set_key`: its key in `dataset`, the data before any set, which differs where a set
    moved a key cell: `serve/naming.py`), and its numbers and yes/no cells."""
    from allocator.data.cellset import SETTABLE
    from allocator.data.keytext import key_text
    from allocator.data.schema import TABLES
    from allocator.serve.naming import set_keys

    out = []
    for table, columns in SETTABLE.items():
        rows = []
        now = [key_text(row, table) for row in getattr(inp, table)]
        named = now if dataset is None else set_keys(dataset, inp, table)
        for row, key, set_key in zip(getattr(inp, table), now, named, strict=True):
            values = [_plain(getattr(row, c)) for c in columns]
            rows.append({"key": key, "set_key": set_key, "values": values})
        out.append(
            {"table": table, "file": TABLES[table][0], "columns": list(columns), "rows": rows}
        )
    return out


def _plain(value: Any) -> Any:
    """A cell's value for JSON: a number, yes or no (what the page's text box sends back), or
    None for an empty cell."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return value
    if isinstance(value, int | float):
        return value
    return str(value)
