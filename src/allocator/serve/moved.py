"""What moved against the plan first loaded: the headline, the outcomes at every milestone, the
money of every program, and which rows bind now that did not (and the other way round)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from allocator.model.declare import WEIGHTED_SHORTFALL
from allocator.serve.brief import Brief, as_tables

TOLERANCE = 1e-6
"""A change smaller than this (in the unit of the number, relative above 1) is not a move."""


def moved(first: Brief, now: Brief) -> dict[str, Any]:
    """The moves of `now` against `first`, each list sorted as the tables are."""
    unit = str(now.objective.get("unit", ""))
    headline = pair(first.objective["value"], now.objective["value"])
    return {
        "headline": headline | {"shown": _shown(headline, unit)},
        "outcomes": _with_units(
            _changes(_numbers(first.outcomes), _numbers(now.outcomes)),
            unit,
        ),
        "programs": [
            r | {"shown": _shown(r, MONEY)} for r in _changes(first.programs, now.programs)
        ],
        "binding": {
            "now_binding": sorted(now.binding - first.binding),
            "no_longer_binding": sorted(first.binding - now.binding),
        },
    }


SHORTFALL_UNIT = WEIGHTED_SHORTFALL
"""The unit of the least weighted target shortfall, as every other surface names it
(`model.targets.shortfall_unit`; a share of each target missed only where no weight is given)."""


def unit_of(name: str, objective_unit: str) -> str:
    """The unit of an outcome of run.json by its name: jobs, exports (US$ million per year), the
    objective without targets (the objective's unit), the least weighted target shortfall."""
    from allocator.report.rounding import EXPORTS_UNIT

    if name.startswith("jobs_"):
        return "jobs"
    if name.startswith("exports_"):
        return EXPORTS_UNIT
    if name == "least_weighted_target_shortfall":
        return SHORTFALL_UNIT
    return objective_unit


def _with_units(rows: list[dict[str, Any]], objective_unit: str) -> list[dict[str, Any]]:
    """Each moved outcome with its unit (`unit_of`)."""
    out = []
    for r in rows:
        unit = unit_of(str(r["name"]), objective_unit)
        out.append(r | {"unit": unit, "shown": _shown(r, unit)})
    return out


MONEY = "US$ million"
"""The unit of a program's money over the horizon."""


def _shown(move: dict[str, Any], unit: str) -> dict[str, str]:
    """`first`, `now` and `change` of a move as report.html and the terminal show numbers of
    `unit` (`rounding.cell`): the page prints these, never a rounding of its own. The change is
    the difference of the two numbers as shown (`shown_change`), so a slide's own subtraction
    gives it; it carries its sign."""
    from allocator.report.rounding import cell

    said = {k: "" if move[k] is None else cell(move[k], unit) for k in ("first", "now")}
    change = move["change"]
    if change is None:
        said["change"] = ""
    else:
        said["change"] = shown_change(said["first"], said["now"]) or cell(change, unit)
        if change > 0 and said["change"] != "0" and not said["change"].startswith("-"):
            said["change"] = "+" + said["change"]
    return said


def shown_change(first: str, now: str) -> str:
    """`now` minus `first`, two numbers as `rounding.cell` shows them (`425.3`, `1,234.6`), to
    the decimals of the finer: 457.5 minus 425.3 is `32.2` (the unrounded 32.13 is not what
    the two shown give); "" where either is no number (`n/a`)."""
    try:
        a, b = (Decimal(t.replace(",", "")) for t in (first, now))
    except (InvalidOperation, ValueError):
        return ""
    text = f"{b - a:,f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def pair(a: float | None, b: float | None) -> dict[str, Any]:
    """Both numbers and the change `b - a`, given as every number of an answer is (to 12
    significant digits, `brief.as_tables`): 100.08 - 100 is 0.08, not the float difference
    0.0799999999999983."""
    change = None if a is None or b is None else as_tables(b - a)
    return {"first": a, "now": b, "change": change}


def _changes(first: dict[str, float], now: dict[str, float]) -> list[dict[str, Any]]:
    """Every name whose value moved by more than TOLERANCE, with both values."""
    out = []
    for name in sorted(first.keys() | now.keys()):
        a, b = first.get(name, 0.0), now.get(name, 0.0)
        if abs(b - a) > TOLERANCE * max(1.0, abs(a), abs(b)):
            out.append({"name": name, **pair(a, b)})
    return out


def _numbers(outcomes: dict[str, Any]) -> dict[str, float]:
    """The outcomes that are numbers (run.json writes null where one does not apply)."""
    return {k: float(v) for k, v in outcomes.items() if isinstance(v, int | float)}


def shown_ties(classes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tie classes of a run (`solver["tie_classes"]`), each program with `shown`: its
    money in this plan and its least and most, and each class with `shown_total`: its money in
    all and what that total can move to, as the terminal's Ties line shows them
    (`rounding.cell`, US$ million; `tieclasses.class_total_words`)."""
    from allocator.report.rounding import cell
    from allocator.report.tieclasses import class_total_words

    return [
        c
        | {
            "shown_total": class_total_words(c),
            "programs": [
                m | {"shown": {k: cell(m[k], MONEY) for k in ("plan", "low", "high")}}
                for m in c["programs"]
            ],
        }
        for c in classes
    ]
