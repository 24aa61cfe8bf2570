"""`report.html`: one self-contained page a planner can e-mail (no network, no external script,
style or font), written into every solve and frontier run folder and rebuilt from a run folder by
`allocator report RUN_DIR`.

It reads only what the run folder holds (the tables and run.json), plus the dataset's
assumptions when the dataset is at hand, so the page rebuilt later is the page written then.
Charts are inline SVG (`svg.py`); tables sort with a dozen lines of inline script; it prints on
A4 or Letter and reads on a phone's width. The same run gives the same bytes.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.data.numbers import style_words
from allocator.report.assumed import RELIED_PRICED as RELIED
from allocator.report.assumed import Assumed, plan_known, relied_basis
from allocator.report.htmlparts import number, table
from allocator.report.pricehtml import binding_section, unspent_section
from allocator.report.rounding import EXPORTS_UNIT, whole
from allocator.report.rounding import shown as shown_number
from allocator.report.svg import bars

REPORT = "report.html"

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:960px;padding:12px;color:#222}
h1{font-size:1.5em;margin:.3em 0}h2{font-size:1.15em;border-bottom:1px solid #ccc;margin-top:1.6em}
.headline{font-size:1.3em;background:#eef5fb;border-left:4px solid #1f77b4;padding:.5em .8em}
.wrap{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border-bottom:1px solid #e3e3e3;padding:3px 6px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}th{cursor:pointer;background:#f4f4f4}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
svg.chart{width:100%;height:auto;max-width:720px}.chartbox{overflow-x:auto}
.chartbox svg.chart{min-width:640px}p,li,h1,h2,summary{overflow-wrap:anywhere}
svg .t{font-size:13px;font-weight:600}td.note{min-width:24em}
svg .s{font-size:11px}.muted{color:#666;font-size:.9em}
@media (max-width:600px){body{font-size:14px;padding:6px}td,th{padding:2px 3px}}
@media print{@page{size:A4;margin:14mm}body{max-width:none;font-size:10.5pt}
th{cursor:auto}h2{break-after:avoid}table,svg{break-inside:avoid}.noprint{display:none}}
"""

_SORT = """
document.querySelectorAll("table.sortable th").forEach(function (th) {
  th.addEventListener("click", function () {
    var table = th.closest("table"), body = table.tBodies[0], col = th.cellIndex;
    var asc = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var key = function (tr) { var c = tr.cells[col]; return c.dataset.v !== undefined ?
      parseFloat(c.dataset.v) : c.textContent.toLowerCase(); };
    Array.from(body.rows).sort(function (a, b) { var x = key(a), y = key(b);
      return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1); })
      .forEach(function (tr) { body.appendChild(tr); });
  });
});
"""


def write_report(
    folder: Path,
    tables: dict[str, pd.DataFrame],
    info: dict[str, Any],
    assumptions: list[Assumed] | None = None,
    left_out: str = "",
) -> Path:
    """Write report.html into `folder` from the run's tables and run.json's content (`left_out`:
    why `assumptions` is None, as `allocator report` says it when it rebuilds the page)."""
    path = folder / REPORT
    path.write_text(render(tables, info, assumptions, left_out), encoding="utf-8")
    return path


def render(
    tables: dict[str, pd.DataFrame],
    info: dict[str, Any],
    assumptions: list[Assumed] | None = None,
    left_out: str = "",
) -> str:
    """The page's HTML; `left_out`: why `assumptions` is None (else a general reason)."""
    from allocator.report import corehtml, studyhtml  # sections of studies (frontier, ...)
    from allocator.report.riskhtml import risk_sections
    from allocator.report.twostagehtml import two_stage_sections

    sections = [_headline(info, tables), *_replan(tables, info)]
    sections += risk_sections(info)  # solve --risk (report/riskhtml.py)
    if "outcomes" in tables:
        sections.append(_milestones(tables["outcomes"]))
    if "shares" in tables:
        sections.append(_shares(tables["shares"]))
    if "budgets" in tables and len(tables["budgets"]):
        sections.append(_money(tables["budgets"]))
    if "allocation_by_phase" in tables:
        sections.append(_allocation(tables["allocation_by_phase"], _mitigation(tables)))
    if "shadow_prices" in tables:
        sections.append(binding_section(tables["shadow_prices"], tables.get("sensitivity")))
        sections.append(unspent_section(tables["shadow_prices"], tables.get("budgets")))
    if "frontier" in tables:
        sections.append(studyhtml.frontier_section(tables["frontier"]))
    if "compare" in tables:
        sections.append("<h2>Plans compared</h2>" + _compared(tables["compare"]))
    if "sweep_summary" in tables and "sweep" in tables:
        sections.append(studyhtml.sweep_section(tables["sweep"], tables["sweep_summary"]))
    if "ranges" in tables:
        sections.append(studyhtml.ranges_section(tables["ranges"], info))
    sections += corehtml.sections(tables)  # `allocator core`
    sections += two_stage_sections(info)  # solve --decide-now (report/twostagehtml.py)
    known = relied_basis(tables, info) if plan_known(tables, info) else ""
    sections.append(_assumptions(info, assumptions, left_out, known))
    title = _title(info)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}: {escape(_dataset(info))}</title><style>{_CSS}</style></head>"
        f"<body><h1>{escape(title)} report</h1>"
        f'<p class="muted">Dataset: {escape(_dataset(info))}{escape(_status(info))}. Money in '
        f"US$ million (musd){escape(_numbers(info))}.</p>"
        + _settings(info)
        + "".join(sections)
        + f"<script>{_SORT}</script></body></html>\n"
    )


def _title(info: dict[str, Any]) -> str:
    """The page's title: the command that wrote the run (`allocator solve`); a near-optimal
    alternative's folder is `allocator alternatives`' plan, not a solve's optimum."""
    if isinstance(info.get("alternative"), int):
        return f"allocator alternatives: alternative-{info['alternative']}"
    return f"allocator {info.get('command', info.get('written_by', {}).get('command', 'run'))}"


def _sense(info: dict[str, Any], obj: dict[str, Any]) -> str:
    """How the headline's number was reached: `maximized`; a near-optimal alternative's
    `near-optimal: within 2% of the optimum 545,334` (it is held above a bound, not best)."""
    unit = str(obj.get("unit", ""))
    if info.get("status") == "near-optimal" and isinstance(obj.get("optimum"), int | float):
        slack = info.get("slack")
        within = f"within {100 * slack:g}% of " if isinstance(slack, int | float) else ""
        return f"near-optimal: {within}the optimum {shown_number(float(obj['optimum']), unit)}"
    return f"{obj.get('sense', 'maximize')}d"


def _replan(tables: dict[str, pd.DataFrame], info: dict[str, Any]) -> list[str]:
    """`allocator replan`'s section (approved vs re-planned), right under the headline."""
    if "replan" not in tables:
        return []
    from allocator.report.replanhtml import replan_section

    return [replan_section(tables["replan"], info)]


TARGET_WORDS = {
    "soft": "soft (least weighted shortfall first, then the objective)",
    "hard": "hard (must be met)",
    "off": "off (ignored)",
}
"""The targets modes in words, as the settings line of a report says them."""


def _status(info: dict[str, Any]) -> str:
    """`; status: optimal` where run.json has one status (a study's points each have theirs)."""
    return f"; status: {info['status']}" if isinstance(info.get("status"), str) else ""


def _settings(info: dict[str, Any]) -> str:
    """The settings that matter, in words, from run.json's spec: objective, measure, targets,
    risk, decide-now phases, model file and the cells set on the command line."""
    spec = info.get("spec")
    if not isinstance(spec, dict):
        return ""
    scenario = spec.get("scenario") or {}
    sets = [o for o in scenario.get("overrides") or [] if isinstance(o, dict) and o.get("set_cell")]
    parts = [
        f"objective {spec.get('objective')}",
        f"measure {spec.get('measure')}",
        f"targets {TARGET_WORDS.get(str(spec.get('targets')), spec.get('targets'))}",
        f"risk {spec.get('risk')}",
    ]
    if spec.get("decide_now"):
        now = spec["decide_now"]
        parts.append(f"decided now: {now if isinstance(now, str) else ', '.join(now)}")
    parts.append(f"model file {scenario.get('model_file') or 'none'}")
    parts.append(_cells_set(info, len(sets)))
    return f'<p class="muted" id="settings">Settings: {escape("; ".join(parts))}.</p>'


def _cells_set(info: dict[str, Any], count: int) -> str:
    """The cells set with their values before and after (run.json's `cells_set`), else their
    count (a run written before run.json said it)."""
    cells = info.get("cells_set")
    if isinstance(cells, list) and cells:
        from allocator.data.cellset import change_words

        return f"cells set: {change_words(cells)}"
    return f"{count} cell(s) set" if count else "no cell set"


def _numbers(info: dict[str, Any]) -> str:
    """`; numbers: point style (settings.csv)` from run.json; empty for runs of other commands
    or runs written before run.json said it."""
    inputs = info.get("inputs")
    if not isinstance(inputs, dict) or "number_style" not in inputs:
        return ""
    workbook = str(inputs.get("folder", "")).lower().endswith(".xlsx")
    return "; " + style_words(inputs["number_style"], workbook)


def _dataset(info: dict[str, Any]) -> str:
    inputs = info.get("inputs") or {}
    return str(inputs.get("folder", "") if isinstance(inputs, dict) else inputs)


def _headline(info: dict[str, Any], tables: dict[str, pd.DataFrame]) -> str:
    """The page's first line: the run's headline number with its unit and words; a study's
    headline sentence (`studyhtml.study_headline`) for the runs of other commands."""
    from allocator.report.studyhtml import study_headline

    obj = info.get("objective")
    study = study_headline(tables, info)
    if study:
        return study
    if not isinstance(obj, dict) or obj.get("value") is None:
        kind = escape(str(info.get("command", "run")))
        return f'<p class="headline" id="headline">{kind}: no single headline number.</p>'
    from allocator.report.tables import headline_label

    value = float(obj["value"])
    risk = info.get("risk") if isinstance(info.get("risk"), dict) else None
    return (
        f'<p class="headline" id="headline">Headline: '
        f'<strong><span id="headline-value" data-value="{obj["value"]!r}">'
        f"{shown_number(value, str(obj.get('unit', '')))}</span> "
        f"{escape(headline_label(str(obj.get('label') or obj.get('unit', '')), risk))}</strong> "
        f"({escape(str(obj.get('unit', '')))}, {escape(_sense(info, obj))})</p>"
    )


def _milestones(outcomes: pd.DataFrame) -> str:
    total = outcomes[outcomes["dimension"] == "total"]
    frame = pd.DataFrame(
        {
            "year": total["year"].astype(int),
            "jobs": [whole(v) for v in total["jobs"]],  # people read whole jobs
            "exports": total["exports_musd"],
        }
    )
    targeted = outcomes[outcomes[["jobs_target", "exports_target_musd"]].notna().any(axis=1)]
    out = [
        "<h2>Jobs and exports per milestone</h2>",
        table(frame, {"jobs": "jobs", "exports": EXPORTS_UNIT}),
    ]
    if not targeted.empty:
        out.append(_targets(targeted))
    return "".join(out)


_TARGETS = {
    "jobs": ("jobs_target", ["jobs_base", "jobs_new", "jobs", "jobs_target", "jobs_shortfall"]),
    "exports": (
        "exports_target_musd",
        ["exports_musd", "exports_target_musd", "exports_shortfall_musd"],
    ),
}
"""Each kind of target: the column of its targets and the columns its table shows."""


def _targets(targeted: pd.DataFrame) -> str:
    """The targets, one table a kind (jobs in whole jobs; exports in US$ million per year), each
    with only its own columns; how many the plan misses."""
    parts, count, missed = [], 0, 0
    for kind, (target, numbers) in _TARGETS.items():
        rows = targeted[targeted[target].notna()] if target in targeted else targeted.iloc[:0]
        if rows.empty:
            continue
        cols = ["dimension", "member", "year", *[c for c in numbers if c in rows], "note"]
        shown = rows[[c for c in cols if c in rows.columns]].copy()
        if kind == "jobs":  # people read whole jobs; the CSV keeps the exact numbers
            for c in numbers:
                if c in shown:
                    shown[c] = [whole(v) if v == v else v for v in shown[c]]
        count += len(shown)
        missed += int((shown[numbers[-1]] > 1e-9).sum()) if numbers[-1] in shown else 0
        unit = "jobs" if kind == "jobs" else EXPORTS_UNIT
        parts.append(f"<h3>{kind.capitalize()} targets ({unit})</h3>" + table(shown))
    said = f"{count} targets; the plan misses {missed} of them (shortfall above 0)."
    return f"<h2>Targets</h2><p>{said}</p>" + "".join(parts)


def _shares(shares: pd.DataFrame) -> str:
    """Processing shares per mineral against their targets (shares.csv of the run)."""
    missed = int((shares["share_shortfall_pct"] > 1e-9).sum())
    return (
        f"<h2>Processing shares</h2><p>{len(shares)} processing-share targets; the plan misses "
        f"{missed} of them. Share = today + (2040 share - today) x productive capital / "
        "investment, in percent.</p>" + table(shares)
    )


def _money(budgets: pd.DataFrame) -> str:
    """The money line of the terminal: budget, spent and unspent, with the pools and risk
    mitigation apart (budgets.csv), in whole US$ million that add up as shown."""
    from allocator.report.budgets import money_words

    words = money_words(budgets)
    return (
        f"<h2>Money</h2><p>{escape(words[:1].upper() + words[1:])}. Each pool and phase, each "
        "risk budget, and why money stays: budgets.csv.</p>"
    )


def _compared(frame: pd.DataFrame) -> str:
    """compare.csv as a table, each plan's numbers as the terminal shows them (jobs whole)."""
    from allocator.report.rounding import whole_counts

    plans = [c for c in frame.columns if c not in ("section", "metric", "unit")]
    return table(whole_counts(frame, plans))


def _mitigation(tables: dict[str, pd.DataFrame]) -> pd.Series | None:
    from allocator.report.budgets import mitigation_of

    return mitigation_of(tables)


def _allocation(by_phase: pd.DataFrame, mitigation: pd.Series | None = None) -> str:
    phases = [c for c in by_phase.columns if c.endswith("_musd") and c.startswith("phase")]
    if not phases:
        phases = [
            c for c in by_phase.columns
            if c.endswith("_musd") and c not in ("total_musd", "floor_musd", "cap_musd")
        ]  # fmt: skip
    from allocator.report.svg import as_written  # sums of the numbers the CSV holds: a rebuilt
    # page (from allocation_by_phase.csv) gives the same bytes

    written = by_phase[["sector", *phases]].copy()
    for p in phases:
        written[p] = [as_written(float(v)) for v in written[p]]
    sums = written.groupby("sector")[phases].sum().sort_index()
    if mitigation is not None:
        mitigation = mitigation.map(lambda v: as_written(float(v)))
    said = ""
    if mitigation is not None:
        sums, said = _with_mitigation(sums, mitigation)
    labels = list(sums.index)
    series = {p.removesuffix("_musd"): sums[p].tolist() for p in sums.columns}
    frame = sums.reset_index()
    frame["total_musd"] = sums.sum(axis=1).to_numpy()
    what = "Investment" if mitigation is None else "Investment and risk mitigation"
    return (
        "<h2>Allocation by phase and sector</h2>"
        + said
        + bars(labels, series, "US$ million", f"{what} by sector and phase")
        + table(frame)
    )


def _with_mitigation(sums: pd.DataFrame, mitigation: pd.Series) -> tuple[pd.DataFrame, str]:
    """The sector x phase sums with a risk mitigation row (phases it alone spends in become
    columns), and a sentence with the total, rounded as the terminal's table rounds it (the
    money line's split too: `rounding.rounded_grid`, largest remainder)."""
    from allocator.report.rounding import APART, rounded_grid

    sums = sums.copy()
    for phase, value in mitigation.items():
        column = f"{phase}_musd"
        if column not in sums.columns and value:
            sums[column] = 0.0
    sums.loc[str(mitigation.name)] = [
        float(mitigation.get(c.removesuffix("_musd"), 0.0)) for c in sums.columns
    ]
    grid = rounded_grid(sums.rename(index={str(mitigation.name): APART}))
    total, spent = int(grid["total"].loc["total"]), int(grid["total"].loc[APART])
    said = (
        f"<p>Money spent: {number(total)} US$ million, of which {number(spent)} on risk "
        "mitigation (the mitigation budgets of risks.csv, by the phase of the years spent).</p>"
    )
    return sums, said


def _assumptions(
    info: dict[str, Any], assumptions: list[Assumed] | None, why: str = "", known: str = RELIED
) -> str:
    """The assumptions section: the assumed input rows, those the plan relies on first (a
    study's: its reference plan's, `relied_on` of run.json, and which plan that is), `known`
    saying what they are (`relied_basis`); where no plan is known (empty: a study folder
    written without the record) the count is said unknown, never 0."""
    opts = info.get("options") or {}
    told = [
        f"objective {opts.get('objective')}" if opts.get("objective") else "",
        f"targets {opts.get('targets')}" if opts.get("targets") else "",
        f"measure {opts.get('measure')}" if opts.get("measure") else "",
        f"model file {opts.get('model_file')}" if opts.get("model_file") else "",
    ]
    head = "<h2>Assumptions this run depends on</h2>"
    said = ", ".join(t for t in told if t)
    if said and "spec" not in info:  # a run with a spec says its settings at the top
        head += f"<p>Options: {escape(said)}.</p>"
    if assumptions is None and why:
        said = f"The input rows that rest on an assumption are not listed here: {why}"
        return head + f"<p>{escape(said)}</p>"
    if assumptions is None:
        return head + (
            "<p>The input rows that rest on an assumption are not listed here: the dataset "
            "could not be read, or the run compares plans with datasets of their own.</p>"
        )
    if not assumptions:
        return head + "<p>No input row states an assumption: every number cites a source.</p>"
    relied = [a for a in assumptions if a.relied]
    if not known:
        head += (
            f"<p>{len(assumptions)} input rows rest on an assumption; which of them a plan of "
            "this study relies on is not recorded in its run folder. Fix: run the study again, "
            "or allocator solve for one plan's list.</p>"
        )
    else:
        head += (
            f"<p>{len(assumptions)} input rows rest on an assumption; this plan relies on "
            f"{len(relied)} of them ({escape(known)}"
            f"{escape(_which_plan(info))}):</p><ul>{_items(relied)}</ul>"
        )
    return head + (
        f"<details><summary>All {len(assumptions)} input rows that rest on an assumption"
        f"</summary><ul>{_items(assumptions)}</ul></details>"
    )


def _which_plan(info: dict[str, Any]) -> str:
    """`; this plan: allocator solve's plan of ...` for a study's reference plan (run.json
    `relied_on.plan`); empty for a run of one plan."""
    block = info.get("relied_on")
    plan = block.get("plan") if isinstance(block, dict) else None
    return f"; this plan: {plan}" if plan else ""


def _items(assumptions: list[Assumed]) -> str:
    return "".join(f"<li>{escape(a.where)}: {escape(a.text)}</li>" for a in assumptions)
