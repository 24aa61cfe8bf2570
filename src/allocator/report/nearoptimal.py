"""What a near-optimal study (`allocator alternatives`, `allocator core`) held, in the words the
terminal and report.html share: the slack as it was asked (`slack_percent`: 0.001%, never the
0.00% a fixed number of decimals makes of it) and, where the dataset has a base (base.csv), the
objective's floor and optimum each said as the part that exists before the plan and the new part
(`existing.split_words`, solve's headline), with what the slack gives up as a share of the new
part: a slack is a share of the whole level, base included, and a planner must not read it as a
share of the jobs the plan creates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from allocator.report.existing import PARTS, split_words
from allocator.report.rounding import cell, number


def slack_percent(share: float) -> str:
    """`share` (a slack, from 0 to below 1) as the percent that was asked, every digit typed
    and none added: 0.02 is `2%`, 0.00001 `0.001%`, 0.99999 `99.999%` (the float's shortest
    text, so 0.07 is `7%`, not 7.000000000000001%)."""
    percent = Decimal(repr(float(share))).scaleb(2).normalize()
    return f"{percent:f}%"


def objective_existing(inp: Any, objective: str, measure: str) -> float | None:
    """The part of the objective that exists before the plan, whatever is spent: the dataset's
    base (base.csv) of the objective's kind, where the objective is jobs or exports measured in
    the last milestone year (`final`: the level there is base + new, as solve's headline splits
    it); None for a weighted index, another measure or a dataset without a base of that kind."""
    from allocator.data.levels import base_of

    if objective not in PARTS or measure != "final":
        return None
    base = base_of(inp, objective, "total", None)
    return float(base) if base else None


def _existing(obj: dict[str, Any]) -> float | None:
    """run.json's `objective.existing` where the objective has one (a jobs or exports level)."""
    existing = obj.get("existing")
    if obj.get("name") not in PARTS or not isinstance(existing, int | float):
        return None
    return float(existing)


def level_words(obj: dict[str, Any], level: float, first: bool = False) -> str:
    """`1,519 jobs (800 existing before the plan + 719 new)` (`first`; else `(800 existing +
    719 new)`): a level of the objective (its floor, its optimum) with its unit and, where the
    objective has a part that exists before the plan, the split; `1,519 jobs` without."""
    unit = str(obj.get("unit", ""))
    said = f"{level_text(level)} {unit}"
    existing = _existing(obj)
    if existing is None:
        return said
    return f"{said} {split_words(str(obj['name']), existing, level - existing, first)}"


def level_text(level: float) -> str:
    """A floor or an optimum at 6 significant digits (959.99, not a floor rounded up to 960),
    whole from a million up (1,234,567, never 1.23457e+06); never -0."""
    return f"{level + 0.0:,.6g}" if abs(level) < 1e6 else f"{level + 0.0:,.0f}"


def given_up_words(obj: dict[str, Any], slack: float) -> str:
    """`the slack gives up 31 jobs: 2% of the optimum's level (existing included), 4.13% of the
    750 jobs the optimum adds` where the objective has a part that exists before the plan (''
    without: the slack is then a share of what the plan creates alone)."""
    existing, optimum = _existing(obj), obj.get("optimum")
    if existing is None or not isinstance(optimum, int | float):
        return ""
    unit = str(obj.get("unit", ""))
    given, new = slack * abs(float(optimum)), float(optimum) - existing
    said = (
        f"the slack gives up {cell(given, unit)} {unit}: {slack_percent(slack)} of the "
        "optimum's level (existing included)"
    )
    if new <= 0:
        return f"{said}; the optimum adds nothing to what exists before the plan"
    share = 100 * given / new
    shown = number(share) if share >= 0.0001 or share == 0 else f"{share:.1g}"
    return f"{said}, {shown}% of the {cell(new, unit)} {unit} the optimum adds"


def held_words(obj: dict[str, Any], slack: float, floor: float, name: str | None = None) -> str:
    """What every plan counted keeps, as both commands and their pages say it:
    `jobs >= 1,519 jobs (800 existing before the plan + 719 new); optimum 1,550 jobs (800
    existing + 750 new); the slack gives up 31 jobs: 2% of the optimum's level (existing
    included), 4.13% of the 750 jobs the optimum adds`
    where the objective has a part that exists before the plan, else `jobs >= 1,519 jobs`
    (`name`: the objective's words, by default run.json's `objective.name`)."""
    held = f"{name or obj['name']} >= {level_words(obj, floor, first=True)}"
    given = given_up_words(obj, slack)
    if not given:
        return held
    return f"{held}; optimum {level_words(obj, float(obj['optimum']))}; {given}"
