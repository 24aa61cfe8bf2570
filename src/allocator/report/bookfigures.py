"""The workbook's sheets of the numbers a run's terminal and report.html lead with, where no
table holds them: a two-stage plan's expected objective, EVPI and VSS with their operands
(`two_stage`, from run.json's `two_stage` block) and a re-plan's objectives, the cost of its
deviations and the money moved (`replan_summary`, from run.json's `replan`). One shape with the
`--risk` run's `risk` sheet (`riskhtml.risk_sheets`): per number its words, the exact value, its
unit, the text the terminal and the page show for it, and what it says."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import pandas as pd

from allocator.report.riskhtml import price_meaning, price_unit
from allocator.report.twostagehtml import amount, operands

COLUMNS = ("quantity", "number", "unit", "shown", "what it says")
"""The risk sheet's columns; `number`'s unit is its row's `unit` (`bookunits.SHEET_UNITS`)."""
TWO_STAGE = "two_stage"
REPLAN = "replan_summary"


class Row(NamedTuple):
    quantity: str
    number: float | None
    unit: str
    shown: str
    meaning: str


def _frame(rows: list[Row]) -> pd.DataFrame:
    data = {c: [r[k] for r in rows] for k, c in enumerate(COLUMNS)}
    data["number"] = [math.nan if v is None else float(v) for v in data["number"]]
    return pd.DataFrame(data, columns=list(COLUMNS))


def two_stage_sheets(info: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The `two_stage` sheet of a run with a `two_stage` block (else none): the expected
    objective, EVPI and VSS, each difference followed by its two operands as the terminal's and
    report.html's sentences show them (`twostagehtml.operands`: they subtract to the value
    shown), then progressive hedging's bounds, a CVaR cap and the shortfalls the page states."""
    block = info.get("two_stage")
    if not isinstance(block, dict):
        return {}
    now, unit, n = ", ".join(block["decide_now"]), block["unit"], block["scenarios"]
    hn, ws = block["here_and_now"], block["wait_and_see"]
    label = (info.get("objective") or {}).get("label") or f"expected {unit}"
    ws_said, hn_evpi = operands(ws, hn, block["evpi"])
    most = " (at most: the plan is a lower bound)" if isinstance(block.get("bounds"), dict) else ""
    rows = [
        Row("scenarios", n, "scenarios", f"{n:,}", f"{block['sampling']}, seed {block['seed']}"),
        Row(
            "expected objective (here and now)", hn, unit, amount(hn),
            f"{label}: {now} committed now, the later phases adapted to each scenario; the "
            "average over the scenarios",
        ),
        Row(
            "EVPI (value of perfect information)", block["evpi"], unit, amount(block["evpi"]),
            f"wait-and-see minus here-and-now: what knowing the numbers before committing {now} "
            f"would add on average{most}",
        ),
        Row("EVPI operand: wait-and-see", ws, unit, ws_said,
            "each scenario planned alone, on average"),
        Row("EVPI operand: here-and-now", hn, unit, hn_evpi, "the here-and-now plan, on average"),
    ]  # fmt: skip
    rows[2:2] = _split_rows(info, block)
    rows += _vss_rows(block, now, unit)
    return {TWO_STAGE: _frame(rows + _bound_rows(block) + _cvar_rows(block) + _short_rows(block))}


def _split_rows(info: dict[str, Any], block: dict[str, Any]) -> list[Row]:
    """The expected objective's two parts, as the headline says them (`existing.expected_split`):
    what exists before the plan (the same in every scenario) and the new part on average; none
    without a base or under another measure than `final`."""
    from allocator.report.existing import PARTS, expected_parts
    from allocator.report.rounding import parts_shown

    parts = expected_parts(info, block)
    if parts is None:
        return []
    kind, base, new = parts
    base_said, new_said = parts_shown([base, new], PARTS[kind][2])
    return [
        Row("expected objective: existing before the plan", base, block["unit"], base_said,
            "what exists before the plan (base.csv), the same in every scenario"),
        Row("expected objective: new on average", new, block["unit"], new_said,
            "what the plan adds on average over the scenarios: the expected objective minus "
            "what exists before the plan"),
    ]  # fmt: skip


def _vss_rows(block: dict[str, Any], now: str, unit: str) -> list[Row]:
    """VSS and its operands, or the scenarios the nominal plan's decide-now part does not fit."""
    hn, eev, vss = block["here_and_now"], block["nominal_decide_now"], block["vss"]
    if vss is None:
        k = block["nominal_infeasible_scenarios"]
        return [
            Row(
                "VSS (value of the stochastic solution)", None, unit, "n/a",
                f"the nominal plan's {now} money cannot be carried out in {k} of "
                f"{block['scenarios']} scenarios: only a plan made for the scenarios fits them all",
            ),
            Row(
                "scenarios the nominal decide-now plan does not fit", k, "scenarios", f"{k:,}",
                "a sampled budget or limit is below its money",
            ),
        ]  # fmt: skip
    hn_said, eev_said = operands(hn, eev, vss)
    return [
        Row(
            "VSS (value of the stochastic solution)", vss, unit, amount(vss),
            f"here-and-now minus nominal decide-now: what planning {now} for the scenarios "
            "instead of the nominal numbers adds on average",
        ),
        Row("VSS operand: here-and-now", hn, unit, hn_said, "the here-and-now plan, on average"),
        Row(
            "VSS operand: nominal decide-now", eev, unit, eev_said,
            f"the nominal plan's {now} committed and the rest adapted, on average",
        ),
    ]  # fmt: skip


def _bound_rows(block: dict[str, Any]) -> list[Row]:
    """Progressive hedging's bounds, the gap their difference (as the sentence shows them)."""
    b, unit = block.get("bounds"), block["unit"]
    if not isinstance(b, dict):
        return []
    upper_said, lower_said = operands(b["upper"], b["lower"], b["gap"])
    return [
        Row("bound gap (progressive hedging)", b["gap"], unit, amount(b["gap"]),
            "upper bound minus lower bound: what progressive hedging leaves unproven"),
        Row("gap operand: upper bound", b["upper"], unit, upper_said,
            "no decide-now plan gives more on average"),
        Row("gap operand: lower bound", b["lower"], unit, lower_said,
            "the reported plan, feasible in every scenario, on average"),
    ]  # fmt: skip


def _cvar_rows(block: dict[str, Any]) -> list[Row]:
    """--risk cvar's cap: the nominal plan's value it counts from, the tail shortfall, the cap
    and its price."""
    r, unit = block.get("risk"), block["unit"]
    if not isinstance(r, dict):
        return []
    share = f"{1 - r['beta']:.0%}"
    return [
        Row("CVaR reference (nominal plan)", r["reference"], unit, amount(r["reference"]),
            "the nominal plan's value each scenario's shortfall is counted from"),
        Row("CVaR tail shortfall", r["tail_shortfall"], unit, amount(r["tail_shortfall"]),
            f"the average shortfall in the worst {share} of the scenarios"),
        Row("CVaR cap", r["cap"], unit, amount(r["cap"]), "the most tail shortfall allowed"),
        Row("CVaR cap price", r["price"], price_unit(unit), amount(r["price"]),
            f"{price_meaning(unit)}: " + ("it binds" if r["binds"] else "it is slack")),
    ]  # fmt: skip


def _short_rows(block: dict[str, Any]) -> list[Row]:
    """The expected weighted shortfalls, where the page states them (they differ)."""
    short = block.get("expected_shortfall") or {}
    values = [v for v in short.values() if v is not None]
    if not values or max(values) - min(values) <= 1e-6 * max(1.0, max(values)):
        return []
    unit = block.get("shortfall_unit") or "weighted shortfall"
    return [
        Row(f"expected weighted shortfall: {key.replace('_', ' ')}", short.get(key), unit,
            amount(short.get(key)), "soft targets come first: EVPI and VSS compare the "
            "objective at these shortfalls")
        for key in ("here_and_now", "wait_and_see", "nominal_decide_now")
    ]  # fmt: skip


def replan_sheets(info: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The `replan_summary` sheet of a re-plan (run.json's `replan`, else none): the re-planned
    and approved objectives, what the deviations cost (their difference), what was spent and
    the money moved, each shown as the terminal's and report.html's lines show it."""
    facts = info.get("replan")
    if not isinstance(facts, dict):
        return {}
    label, unit, as_of = facts["label"], facts["unit"], facts["as_of"]
    cost = facts["cost_of_deviations"]
    rows = [
        Row("re-planned objective", facts["replanned_objective"], unit,
            f"{facts['replanned_objective']:,.6g}", f"{label}, re-planned from what was spent "
            f"up to {as_of}"),
        Row("approved objective", facts["approved_objective"], unit,
            f"{facts['approved_objective']:,.6g}", f"{label}, the approved plan"),
        Row("cost of the deviations", cost, unit, f"{cost:,.6g}",
            f"approved objective minus re-planned objective: what the deviations up to {as_of} "
            "cost (negative: a gain)" + _churn(facts)),
    ]  # fmt: skip
    rows[2:2] = _replan_split_rows(facts)
    spent = (facts.get("actuals") or {}).get("spent_musd")
    if isinstance(spent, int | float):
        rows.append(
            Row("spent (the actuals)", spent, "US$ million", f"{spent:,.12g}",
                f"what was spent up to {as_of}")
        )  # fmt: skip
    least = " (the least at this optimum: --least-change)" if facts["least_change"] else ""
    rows.append(
        Row("money moved", facts["moved_musd"], "US$ million", f"{facts['moved_musd']:,.6g}",
            f"moved against the approved plan after {as_of}{least}")
    )  # fmt: skip
    return {REPLAN: _frame(rows)}


def _replan_split_rows(facts: dict[str, Any]) -> list[Row]:
    """Each objective's two parts, as the terminal's first line says them (`replanhtml`):
    what exists before the plan and what the plan adds; none without a base."""
    from allocator.report.existing import PARTS
    from allocator.report.rounding import parts_shown

    split, rows = facts.get("headline_split"), []
    if not isinstance(split, dict):
        return []
    for which, name in (("replanned", "re-planned objective"), ("approved", "approved objective")):
        part = split.get(which)
        if not isinstance(part, dict):
            continue
        base_said, new_said = parts_shown([part["base"], part["new"]], PARTS[split["kind"]][2])
        rows += [
            Row(f"{name}: existing before the plan", part["base"], facts["unit"], base_said,
                "what exists before the plan (base.csv" + (", as the approved run was solved"
                if which == "approved" else "") + ")"),
            Row(f"{name}: new", part["new"], facts["unit"], new_said,
                f"what the {'re-planned' if which == 'replanned' else 'approved'} plan adds"),
        ]  # fmt: skip
    return rows


def _churn(facts: dict[str, Any]) -> str:
    limit = facts["max_change"]
    return f", with the churn limit --max-change {limit} per program" if limit else ""
