"""A robust plan (`solve --risk cvar|worst-case`) said the same way on every surface: the
terminal's "Robust plan" lines (`cli/render.py`), report.html's section and the workbook's
`risk` sheet, all read from run.json's `risk` block (`runs/solve.py` `risk_info`). Every number
goes through `rounding.cell`, so the three agree number for number.
"""

from __future__ import annotations

from html import escape
from typing import Any, NamedTuple

import pandas as pd

from allocator.report.rounding import cell, whole

FIXED = "one plan for every scenario, not re-optimised per scenario"
SAMPLING = (
    "jobs per US$ million and lags drawn from the ranges of uncertainty.csv (Latin hypercube), "
    "each scenario equally likely; the same --scenarios and --seed give the same scenarios."
)


class Figure(NamedTuple):
    """One number of the robust plan: its run.json key, words, value, unit and meaning."""

    key: str
    label: str
    value: float
    unit: str
    meaning: str


def _unit(risk: dict[str, Any]) -> str:
    return str(risk.get("jobs_unit") or "jobs")


def plan_jobs(risk: dict[str, Any]) -> tuple[float | None, float | None]:
    """This plan's (expected, worst-scenario) jobs: the objective is one of them (the
    expectation under CVaR, the worst scenario under worst-case); None where run.json lacks it
    (a run written before it was recorded)."""
    if risk["kind"] == "cvar":  # worst_jobs: the same number, from the LP's rows
        return risk["objective"], risk.get("plan_worst_jobs", risk.get("worst_jobs"))
    return risk.get("plan_expected_jobs"), risk["objective"]


def changes(risk: dict[str, Any]) -> tuple[int, int] | None:
    """What planning for the scenarios changes against the nominal plan, fixed: (expected,
    worst-scenario) jobs, as the difference of the whole numbers shown; None if unknown."""
    expected, worst = plan_jobs(risk)
    nominal = risk.get("nominal_plan_expected_jobs")
    nominal_worst = risk.get("nominal_plan_worst_jobs")
    if expected is None or worst is None or nominal is None or nominal_worst is None:
        return None
    return whole(expected) - whole(nominal), whole(worst) - whole(nominal_worst)


def signed(value: float, unit: str) -> str:
    """`cell`'s text with a plus sign on a gain (a loss has its minus)."""
    text = cell(value, unit)
    return f"+{text}" if value > 0 and text != "0" else text


def price_unit(unit: str) -> str:
    """The price of risk's unit: jobs of expected value per job of the CVaR cap."""
    return f"{unit} of expected value per {unit.removesuffix('s')} of CVaR cap"


def price_meaning(unit: str) -> str:
    """The price of risk in one phrase."""
    one = unit.removesuffix("s")
    return f"the expected {unit} it gives up per {one} the cap is tightened; 0 when it is slack"


def risk_lines(risk: dict[str, Any]) -> list[str]:
    """The robust plan in sentences, as the terminal prints them and report.html shows them:
    the plan over the scenarios beside the nominal plan, fixed, what hedging changes, and for
    CVaR the tail shortfall reached beside the cap."""
    lines = [_first_line(risk)]
    moved = changes(risk)
    if moved is not None:
        unit = _unit(risk)
        lines.append(
            f"Against the nominal plan, fixed, in the same scenarios: {signed(moved[0], unit)} "
            f"{unit} expected and {signed(moved[1], unit)} {unit} in the worst scenario (what "
            "planning for the scenarios changes)."
        )
    if "tail_shortfall_jobs" in risk:
        lines.append(tail_words(risk))
    return lines


def _first_line(risk: dict[str, Any]) -> str:
    """The kind, scenarios and seed, this plan's jobs and the nominal plan's, and for CVaR the
    price of risk."""
    unit, n, seed = _unit(risk), risk["scenarios"], risk.get("seed")
    expected, worst = plan_jobs(risk)
    if risk["kind"] == "worst-case":
        head = f"Robust plan (worst case of {n} scenarios, seed {seed}; {FIXED}): "
        said = [f"the worst scenario reaches {cell(worst or 0.0, unit)} {unit}"]
        if expected is not None:
            said.append(f"this plan expects {cell(expected, unit)} {unit} over the scenarios")
    else:
        head = f"Robust plan (CVaR, beta {risk['beta']:g}, {n} scenarios, seed {seed}; {FIXED}): "
        said = [f"expected {cell(expected or 0.0, unit)} {unit} over the scenarios"]
        if worst is not None:
            said[0] += f", its worst scenario {cell(worst, unit)} {unit}"
    said.append(f"on the nominal data it gives {cell(risk['jobs_nominal'], unit)} {unit}")
    if risk.get("nominal_plan_expected_jobs") is not None:
        said.append(
            f"the nominal plan, fixed, expects {cell(risk['nominal_plan_expected_jobs'], unit)} "
            f"{unit} over the same scenarios (its worst: "
            f"{cell(risk['nominal_plan_worst_jobs'], unit)} {unit})"
        )
    if risk.get("price_of_risk") is not None:
        said.append(
            f"price of risk {cell(risk['price_of_risk'])} {price_unit(unit)} "
            f"({price_meaning(unit)})"
        )
    return head + "; ".join(said) + "."


def tail_words(risk: dict[str, Any]) -> str:
    """The tail shortfall reached, in words, and what the cap (or its absence) does."""
    tail, state = risk["tail_shortfall_jobs"], risk["cap_state"]
    cap = float(risk["cap"]) if state in ("binding", "slack") else 0.0  # a cap only then
    n, unit = risk["tail_scenarios"], _unit(risk)
    count = f", {n:,.0f} of {risk['scenarios']}" if abs(n - round(n)) < 1e-9 else ""
    reached = (
        f"the tail shortfall reached is {cell(tail, unit)} {unit} (expected shortfall against "
        f"the nominal plan's {cell(risk['reference_jobs'], unit)} {unit} in the worst "
        f"{1 - risk['beta']:.0%} of scenarios{count}"
        + (
            f"; negative: even those scenarios beat the nominal plan by {cell(-tail, unit)} {unit})"
            if tail < 0
            else ")"
        )
    )
    if state == "binding":
        return f"CVaR cap {cell(cap, unit)} {unit} binds: {reached}."
    if state == "slack":
        return (
            f"CVaR cap {cell(cap, unit)} {unit} is slack: {reached}, below the cap, so the cap "
            f"does not shape this plan (price of risk 0); only a cap below {cell(tail, unit)} "
            f"{unit} would."
        )
    return (
        f"No CVaR cap (--cvar-cap not given): the plan maximises expected jobs over the "
        f"scenarios with no limit on its tail; {reached}. A --cvar-cap below {cell(tail, unit)} "
        f"{unit} would trade expected jobs for a smaller tail."
    )


def figures(risk: dict[str, Any]) -> list[Figure]:
    """The robust plan's numbers with units and meanings: report.html's table and the
    workbook's `risk` sheet (those run.json lacks are left out)."""
    unit = _unit(risk)
    cvar = risk["kind"] == "cvar"
    rows = [
        (
            "objective" if cvar else "plan_expected_jobs",
            "this plan: expected jobs",
            unit,
            "its jobs averaged over the scenarios" + (" (what it maximises)" if cvar else ""),
        ),
        (
            "plan_worst_jobs" if cvar else "objective",
            "this plan: worst scenario",
            unit,
            "its jobs in its worst scenario" + ("" if cvar else " (what it maximises)"),
        ),
        (
            "jobs_nominal",
            "this plan on the nominal data",
            unit,
            "its jobs with the nominal numbers of programs.csv",
        ),
        (
            "nominal_plan_expected_jobs",
            "nominal plan, fixed: expected jobs",
            unit,
            "the plan made for the nominal numbers, not re-optimised, over the same scenarios",
        ),
        (
            "nominal_plan_worst_jobs",
            "nominal plan, fixed: worst scenario",
            unit,
            "the nominal plan's jobs in its worst scenario among the same ones",
        ),
    ]
    if cvar:
        rows += [
            ("price_of_risk", "price of risk", price_unit(unit), price_meaning(unit)),
            ("cap", "CVaR cap", unit, "the most tail shortfall allowed (--cvar-cap)"),
            (
                "tail_shortfall_jobs",
                "tail shortfall reached",
                unit,
                f"expected shortfall against the reference in the worst {1 - risk['beta']:.0%} "
                "of scenarios",
            ),
            (
                "reference_jobs",
                "reference: the nominal plan on the nominal data",
                unit,
                "the jobs each scenario's shortfall is counted from",
            ),
        ]
    found = [Figure(k, label, float(risk[k]), u, m) for k, label, u, m in rows if _known(risk, k)]
    return found + _change_figures(risk, unit)


def _known(risk: dict[str, Any], key: str) -> bool:
    return isinstance(risk.get(key), int | float) and not isinstance(risk.get(key), bool)


def _change_figures(risk: dict[str, Any], unit: str) -> list[Figure]:
    """What planning for the scenarios changes against the nominal plan, fixed."""
    moved = changes(risk)
    if moved is None:
        return []
    return [
        Figure(
            "hedging_expected_jobs",
            "change in expected jobs",
            float(moved[0]),
            unit,
            "this plan's expected jobs minus the nominal plan's, fixed (as shown)",
        ),
        Figure(
            "hedging_worst_jobs",
            "change in the worst scenario",
            float(moved[1]),
            unit,
            "this plan's worst scenario minus the nominal plan's, fixed (as shown)",
        ),
    ]


def shown(figure: Figure) -> str:
    """A figure's number as every surface shows it (a change with its sign)."""
    if figure.key.startswith("hedging_"):
        return signed(figure.value, figure.unit)
    return cell(figure.value, figure.unit)


def risk_section(risk: dict[str, Any]) -> str:
    """report.html's "Robust plan" section: the terminal's sentences, the numbers with units
    and meanings, and how the scenarios were drawn."""
    kind = f"CVaR at beta {risk['beta']:g}" if risk["kind"] == "cvar" else "worst case"
    said = "".join(f"<p>{escape(line)}</p>" for line in risk_lines(risk))
    rows = "".join(
        f'<tr data-key="{escape(f.key)}"><td>{escape(f.label)}</td>'
        f'<td class="n" data-v="{f.value!r}">{shown(f)}</td><td>{escape(f.unit)}</td>'
        f'<td class="note">{escape(f.meaning)}</td></tr>'
        for f in figures(risk)
    )
    return (
        f'<h2 id="robust-plan">Robust plan: {escape(kind)}</h2>{said}'
        '<div class="wrap"><table class="sortable"><thead><tr><th scope="col">quantity</th>'
        '<th scope="col" class="n">number</th><th scope="col">unit</th>'
        f'<th scope="col">what it says</th></tr></thead><tbody>{rows}</tbody></table></div>'
        f'<p class="muted">{risk["scenarios"]} scenarios, seed {risk.get("seed")}: '
        f"{escape(SAMPLING)} The exact numbers: run.json's risk block and the workbook's risk "
        "sheet.</p>"
    )


def risk_sections(info: dict[str, Any]) -> list[str]:
    """The robust-plan section of a run whose run.json has a `risk` block, else none."""
    risk = info.get("risk")
    return [risk_section(risk)] if isinstance(risk, dict) and "kind" in risk else []


def risk_sheets(info: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The workbook's `risk` sheet (the numbers of report.html's section, exact, with their
    units and their text as shown) of a run with a `risk` block, else none."""
    risk = info.get("risk")
    if not (isinstance(risk, dict) and "kind" in risk):
        return {}
    found = figures(risk)
    frame = pd.DataFrame(
        {
            "quantity": [f.label for f in found],
            "number": [f.value for f in found],
            "unit": [f.unit for f in found],
            "shown": [shown(f) for f in found],
            "what it says": [f.meaning for f in found],
        }
    )
    return {"risk": frame}
