"""The `objective` section of `allocator compare` (`studies/compare.py`): one row per objective
under one measure, so that two different things are never on one row.

A row is a view's own objective keyed by its name, its measure (run.json's `measure`: final,
cumulative, or discounted at a rate) and, for a `--risk` plan, the scenarios its value is over:
`objective (jobs)` is the final measure's (direct jobs in the last milestone year), `objective
(jobs, cumulative)` job-years, `objective (exports, discounted at 5% a year)` a present value,
`objective (jobs, cvar over 50 scenarios, seed 0)` a risk plan's value over its scenarios. The
unit is the row's measure's (run.json's `objective.unit` of the view that optimised it). Each
view's cell, where it can be computed:

- its own objective, on its own row;
- on a final row of jobs or exports, its total in the last milestone year from its outcomes
  table, whatever its own measure (what the final measure counts);
- on a row of its own measure, the other objective's value at its plan (`measured`: the LP's
  cost row of that objective at the plan, which compare records for the plans it solves);
- else blank, and the unit column says why (`OTHER_MEASURE`, `OTHER_OBJECTIVE`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allocator.studies.compareprices import NAN, Row, units_by_view

if TYPE_CHECKING:
    from allocator.studies.compare import RunView

OTHER_OBJECTIVE = (
    "blank: its run optimised another objective, and its tables give this one only as a final "
    "measure of jobs or exports (the last milestone year's total)"
)
"""Why a weighted objective's cell is blank for a plan that optimised another one: the index
needs the bests only a weighted run finds."""
OTHER_MEASURE = (
    "blank: its run measured another objective or another way, and its tables hold each "
    "milestone year only (compare the objectives solved here, or solve it with this measure)"
)
"""Why a cumulative, discounted or risk row's cell is blank for a run folder that optimised
something else: the measure adds up every year (or every scenario), which its tables lack."""
MEASURED = "measured"
"""The key of a view's `info` under which compare records, for a plan it solved, each
objective's value at the plan under the plan's own measure (`solution.totals`)."""

Key = tuple[str, str, float, str]
"""A row: objective name, measure, discount rate (0 but discounted), the risk plan's scenarios."""


def measure_of(info: dict[str, Any]) -> tuple[str, float]:
    """A view's measure and rate from run.json's `measure` (an older run's: final)."""
    measure = info.get("measure")
    if not isinstance(measure, dict):
        return "final", 0.0
    kind = str(measure.get("measure") or "final")
    rate = measure.get("discount_rate") if kind == "discounted" else None
    return kind, float(rate or 0.0)


def _risk_of(info: dict[str, Any]) -> str:
    """A --risk plan's scenarios as the row names them (its value is over them), else ''."""
    risk = info.get("risk")
    if not isinstance(risk, dict):
        return ""
    return f"{risk.get('kind')} over {risk.get('scenarios')} scenarios, seed {risk.get('seed')}"


def key_of(info: dict[str, Any]) -> Key:
    """The row of a view's own objective."""
    return (str(info["objective"]["name"]), *measure_of(info), _risk_of(info))


def metric_of(key: Key) -> str:
    """The row's name: `objective (jobs)` for the final measure, else with its measure."""
    name, kind, rate, risk = key
    said = [name]
    if kind == "discounted":
        said.append(f"discounted at {rate * 100:.4g}% a year")
    elif kind != "final":
        said.append(kind)
    if risk:
        said.append(risk)
    return f"objective ({', '.join(said)})"


def objective_rows(views: list[RunView], labels: list[str]) -> list[Row]:
    """The section's rows, in the order the views first optimise them (see the module)."""
    keys: dict[Key, str] = {}
    for v in views:
        keys.setdefault(key_of(v.info), str(v.info["objective"]["unit"]))
    rows = []
    for key, unit in keys.items():
        found = [_value_of(v, key, unit) for v in views]
        rows.append((metric_of(key), units_by_view(labels, found), [x for x, _ in found]))
    return rows


def _value_of(v: RunView, key: Key, unit: str) -> tuple[float, str]:
    """A view's value on row `key` with its unit, else NaN with why (the module's rules)."""
    name, kind, rate, risk = key
    if key_of(v.info) == key:
        return float(v.info["objective"]["value"]), unit
    if kind == "final" and not risk and name in ("jobs", "exports"):
        value = last_total(v, name)
        if value == value:
            return value, unit
    measured = v.info.get(MEASURED)
    same = measure_of(v.info) == (kind, rate) and not risk and not _risk_of(v.info)
    if same and isinstance(measured, dict) and name in measured:
        return float(measured[name]), unit
    return NAN, OTHER_OBJECTIVE if name == "weighted" else OTHER_MEASURE


def last_total(v: RunView, name: str) -> float:
    """A plan's total jobs (or exports) in its last milestone year, from its outcomes table."""
    frame = v.tables["outcomes"]
    frame = frame[frame["dimension"] == "total"]
    last = frame[frame["year"].astype(int) == frame["year"].astype(int).max()]
    return float(last["jobs" if name == "jobs" else "exports_musd"].iloc[0]) if len(last) else NAN
