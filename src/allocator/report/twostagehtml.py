"""The two-stage plan in words (terminal and report.html) and its report.html section, read
from run.json's `two_stage` block (`runs/twostage.py`)."""

from __future__ import annotations

import math
from html import escape
from typing import Any

from allocator.model.declare import WEIGHTED_SHORTFALL
from allocator.report.rounding import fixed, shown, whole


def amount(value: float | None) -> str:
    """A value of the two-stage sentences (EVPI, VSS, their operands, prices): whole from 100
    up, else 4 digits. The expected objective itself is the run's headline, said as every
    headline is (`headline`)."""
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 100 or value == 0 else f"{value:,.4g}"


def headline(value: float | None, unit: str) -> str:
    """The expected objective in `unit` as the terminal's first line, report.html's headline and
    the Here-and-now sentence all show it (`rounding.shown`: jobs whole, 476.8 US$ million)."""
    return "n/a" if value is None else shown(value, unit)


def operands(
    first: float | None, second: float | None, difference: float | None
) -> tuple[str, str]:
    """`first` and `second` as a sentence that explains `difference` (= first - second, shown
    as `amount` shows it) says them: at the difference's shown decimals, and subtracting to it
    exactly (EVPI 0.3485 = 310.9097 minus 310.5612, not 311 minus 311). Each is within one unit
    of its last decimal of its value: the rounding left over is split between the two. A
    difference `amount` writes with an exponent (below 0.0001) leaves each as `amount` has it.
    """
    if first is None or second is None or difference is None:
        return amount(first), amount(second)
    said = amount(difference)
    if "e" in said or not all(map(math.isfinite, (first, second, difference))):
        return amount(first), amount(second)
    places = len(said.partition(".")[2])
    units = int(said.replace(",", "").replace(".", ""))  # the difference, in its last decimal
    scale = 10**places
    left = first * scale - second * scale - units  # what rounding the difference dropped
    top = whole(first * scale - left / 2)
    return fixed(top, places), fixed(top - units, places)


def two_stage_sentences(block: dict[str, Any]) -> list[str]:
    """One sentence each: the here-and-now plan, EVPI, VSS, the sign convention, and (where
    soft targets fall short differently) the shortfalls the values stand beside."""
    now, unit, n = ", ".join(block["decide_now"]), block["unit"], block["scenarios"]
    hn, ws = block["here_and_now"], block["wait_and_see"]
    ws_said, hn_said = operands(ws, hn, block["evpi"])
    lines = [
        f"Here and now: committing {now} now and adapting the later phases to each of {n} "
        f"scenarios gives {headline(hn, unit)} {unit} on average.",
        f"Value of perfect information (EVPI): knowing the numbers before committing {now} "
        f"would add {_bound(block)}{amount(block['evpi'])} {unit} on average ({ws_said} if "
        f"each scenario were planned alone, minus {hn_said}{_lower(block)}).",
    ]
    if block["vss"] is None:
        lines.append(
            f"Value of the stochastic solution (VSS): the nominal plan's {now} money cannot be "
            f"carried out in {block['nominal_infeasible_scenarios']} of {n} scenarios (a sampled "
            "budget or limit is below it), so only a plan made for the scenarios fits them all."
        )
    else:
        hn_said, nominal_said = operands(hn, block["nominal_decide_now"], block["vss"])
        lines.append(
            f"Value of the stochastic solution (VSS): planning {now} for the scenarios instead "
            f"of the nominal numbers adds {amount(block['vss'])} {unit} on average "
            f"({hn_said} minus {nominal_said} when the nominal plan's "
            f"{now} is committed and the rest adapts)."
        )
    lines += bound_sentences(block) + risk_sentences(block) + price_sentences(block)
    lines.append(f"Sign convention: {block['sign_convention']}.")
    short = block.get("expected_shortfall") or {}
    values = [v for v in short.values() if v is not None]
    if values and max(values) - min(values) > 1e-6 * max(1.0, max(values)):
        worth = f" {block.get('shortfall_unit') or WEIGHTED_SHORTFALL}"  # as solve says it
        lines.append(
            "Soft targets come first: expected weighted shortfall here and now "
            f"{amount(short.get('here_and_now'))}{worth}, wait-and-see "
            f"{amount(short.get('wait_and_see'))}{worth}, nominal decide-now "
            f"{amount(short.get('nominal_decide_now'))}{worth}; EVPI and VSS compare the "
            "objective at those shortfalls."
        )
    return lines


def _bound(block: dict[str, Any]) -> str:
    """Progressive hedging's plan is a lower bound, so its EVPI is an upper bound."""
    return "at most " if isinstance(block.get("bounds"), dict) else ""


def _lower(block: dict[str, Any]) -> str:
    return ", the plan's lower bound" if isinstance(block.get("bounds"), dict) else ""


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + amount(value)


def price_sentences(block: dict[str, Any]) -> list[str]:
    """decide_now_prices.csv in one sentence: the US$ million more that changes the expected
    objective most, the US$ million less that costs most, and how many have no plan."""
    s = block.get("price_summary")
    if not isinstance(s, dict):
        return []
    unit, n = block["unit"], s["commitments"]
    parts = []
    for key, side, none in (
        ("best_one_more", "more", "one_more_no_plan"),
        ("dearest_one_less", "less", "one_less_no_plan"),
    ):
        p = s[key]
        said = f"no US$ million {side} has a plan"
        if p is not None:
            which = "best" if side == "more" else "dearest"
            said = (
                f"the {which} US$ million {side}: {_signed(p['change'])} {unit} on average "
                f"({p['program']}/{p['pool']}/{p['year']}; {_rate_words(p, unit, side)})"
            )
        parts.append(f"{said}; {s[none]} of {n} commitments have no plan one US$ million {side}")
    return [
        f"One more US$ million committed now, or one less (the other commitments held, each "
        f"re-solved): {'; '.join(parts)} (decide_now_prices.csv)."
    ]


def _rate_words(pick: dict[str, Any], unit: str, side: str) -> str:
    """A pick's rate at the margin and how far it holds, in words: null (or HiGHS's 1e30 in a
    run.json written before fa) is no rate, or a rate that holds for every amount."""
    rate, holds = pick["rate"], pick["holds_for_musd"]
    if rate is None or abs(rate) >= 1e30:
        return "no plan at today's least expected shortfall at the margin"
    amount_ = "every amount" if holds is None or holds >= 1e30 else f"{amount(holds)} US$ million"
    return f"{_signed(rate)} {unit} per US$ million {side} for {amount_}"


def bound_sentences(block: dict[str, Any]) -> list[str]:
    """Progressive hedging's bounds in words (none for the deterministic equivalent)."""
    b = block.get("bounds")
    if not isinstance(b, dict):
        return []
    unit, lower, upper, gap = block["unit"], b["lower"], b["upper"], b["gap"]
    how = "converged" if b["converged"] else "stopped at its iteration limit"
    source = (
        "each scenario planned alone, within every scenario's limits on the decide-now money"
        if upper == b["alone"]
        else "its Lagrangian bound"
    )
    share = f" ({100 * gap / abs(upper):.2g}% of it)" if upper else ""
    upper_said, lower_said = operands(upper, lower, gap)  # the gap is their difference
    return [
        f"Progressive hedging ({b['iterations']} iterations, {how}): the decide-now plan "
        f"reported ({b['plan']}) is feasible in every scenario and gives {lower_said} {unit} "
        "on average "
        f"(lower bound); no decide-now plan gives more than {upper_said} {unit} (upper bound: "
        f"{source}). The gap, {amount(gap)} {unit}{share}, is what progressive hedging leaves "
        "unproven: the best plan lies within it, and EVPI and VSS use the lower bound."
    ]


def risk_sentences(block: dict[str, Any]) -> list[str]:
    """--risk cvar's cap in words (none without it)."""
    r = block.get("risk")
    if not isinstance(r, dict):
        return []
    from allocator.report.riskhtml import price_unit

    unit, share = block["unit"], f"{1 - r['beta']:.0%}"
    state = (
        f"binds at a price of {amount(r['price'])} {price_unit(unit)}"
        if r["binds"]
        else "is slack (it does not shape the plan)"
    )
    return [
        f"CVaR cap: in the worst {share} of the scenarios the plan falls short of the nominal "
        f"plan's {amount(r['reference'])} {unit} by {amount(r['tail_shortfall'])} {unit} on "
        f"average, at most the cap of {amount(r['cap'])} {unit}; the cap {state}. EVPI and VSS "
        "compare it with plans that have no cap."
    ]


def two_stage_section(block: dict[str, Any]) -> str:
    """report.html's section: the sentences, and where the tables are."""
    lines = two_stage_sentences(block)  # text nodes: a quote needs no escaping
    items = "".join(f"<li>{escape(line, quote=False)}</li>" for line in lines)
    return (
        '<h2 id="two-stage">Two-stage plan: decide now, adapt later</h2>'
        f"<ul>{items}</ul>"
        f'<p class="muted">{escape(block["later_phases"])}; decide_now_prices.csv: '
        f"{escape(block['decide_now_prices'])}; two_stage_scenarios.csv: each scenario's "
        f"values. {escape(block['sampling'])}, seed {block['seed']}; "
        f"{escape(block['method'])}. The numbers above, exact, with their units and as shown "
        "here: run.json's two_stage block and workbook.xlsx's two_stage sheet.</p>"
    )


def two_stage_sections(info: dict[str, Any]) -> list[str]:
    """The two-stage section of a run whose run.json has a `two_stage` block, else none."""
    block = info.get("two_stage")
    return [two_stage_section(block)] if isinstance(block, dict) else []
