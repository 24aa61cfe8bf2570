"""`report.html`: one self-contained page a planner can e-mail (no network, no external script,
style or font), written into every solve and frontier run folder and rebuilt from a run folder by
`allocator report RUN_DIR`.

It reads only what the run folder holds (the tables and run.json), plus the dataset's
assumptions when the dataset is at hand, so the page rebuilt later is the page written then.
The plan's sections are `planhtml`'s, the assumptions `assumedhtml`'s, the studies' their own
modules'. Charts are inline SVG (`svg.py`); tables sort with a dozen lines of inline script; it
prints on A4 or Letter and reads on a phone's width. The same run gives the same bytes.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.data.numbers import style_words
from allocator.report.assumed import Assumed, plan_known, relied_basis
from allocator.report.assumedhtml import assumptions_section
from allocator.report.htmlparts import table as table  # where tests import it
from allocator.report.nearoptimal import slack_percent
from allocator.report.planhtml import (
    allocation_section,
    compared_table,
    milestones_section,
    money_section,
    shares_section,
)
from allocator.report.pricehtml import binding_section, unspent_section
from allocator.report.rounding import shown as shown_number

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
        sections.append(milestones_section(tables["outcomes"]))
    if "shares" in tables:
        sections.append(shares_section(tables["shares"]))
    if "budgets" in tables and len(tables["budgets"]):
        sections.append(money_section(tables["budgets"]))
    if "allocation_by_phase" in tables:
        sections.append(allocation_section(tables["allocation_by_phase"], _mitigation(tables)))
    if "shadow_prices" in tables:
        sections.append(binding_section(tables["shadow_prices"], tables.get("sensitivity")))
        sections.append(unspent_section(tables["shadow_prices"], tables.get("budgets")))
    if "frontier" in tables:
        sections.append(studyhtml.frontier_section(tables["frontier"]))
    if "compare" in tables:
        sections.append("<h2>Plans compared</h2>" + compared_table(tables["compare"]))
    if "sweep_summary" in tables and "sweep" in tables:
        sections.append(studyhtml.sweep_section(tables["sweep"], tables["sweep_summary"]))
    if "ranges" in tables:
        sections.append(studyhtml.ranges_section(tables["ranges"], info))
    sections += corehtml.sections(tables)  # `allocator core`
    sections += two_stage_sections(info)  # solve --decide-now (report/twostagehtml.py)
    known = relied_basis(tables, info) if plan_known(tables, info) else ""
    sections.append(assumptions_section(info, assumptions, left_out, known))
    return _page(info, sections)


def _page(info: dict[str, Any], sections: list[str]) -> str:
    """The page around its sections: the head (title, style), the dataset line, the settings,
    and the script that sorts the tables."""
    title = _title(info)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}: {escape(_dataset(info))}</title><style>{_CSS}</style></head>"
        f"<body><h1>{escape(title)} report</h1>"
        f'<p class="muted">{escape(_dataset_words(info))}{escape(_status(info))}. Money in '
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
        within = f"within {slack_percent(slack)} of " if isinstance(slack, int | float) else ""
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
    if not isinstance(spec, dict):  # core's run.json: its settings, and the cells set
        cells = info.get("cells_set")
        said = _cells_set(info, 0) if isinstance(cells, list) and cells else ""
        return f'<p class="muted" id="settings">Settings: {escape(said)}.</p>' if said else ""
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


def _datasets(info: dict[str, Any]) -> list[str]:
    """The dataset the run was solved on: run.json's `inputs`; a compare's (which has none) the
    datasets of the plans it compared (`compared`), each once in the order of the items."""
    named = [info.get("inputs")]
    compared = info.get("compared")
    if not named[0] and isinstance(compared, list):
        named = [c.get("inputs") for c in compared if isinstance(c, dict)]
    folders = [str(i.get("folder", "") if isinstance(i, dict) else i) for i in named if i]
    return list(dict.fromkeys(f for f in folders if f))


def _dataset(info: dict[str, Any]) -> str:
    return ", ".join(_datasets(info))


def _dataset_words(info: dict[str, Any]) -> str:
    """`Dataset: inputs/peru2040`, `Datasets: a, b` for a compare of plans of several."""
    names = _datasets(info)
    return f"Dataset{'s' if len(names) > 1 else ''}: {', '.join(names)}"


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
    from allocator.report.existing import headline_split
    from allocator.report.tables import headline_label

    value = float(obj["value"])
    risk = info.get("risk") if isinstance(info.get("risk"), dict) else None
    return (
        f'<p class="headline" id="headline">Headline: '
        f'<strong><span id="headline-value" data-value="{obj["value"]!r}">'
        f"{shown_number(value, str(obj.get('unit', '')))}</span> "
        f"{escape(headline_label(str(obj.get('label') or obj.get('unit', '')), risk))}"
        f"{escape(headline_split(info, tables.get('outcomes')))}</strong> "
        f"({escape(str(obj.get('unit', '')))}, {escape(_sense(info, obj))})</p>"
    )


def _mitigation(tables: dict[str, pd.DataFrame]) -> pd.Series | None:
    from allocator.report.budgets import mitigation_of

    return mitigation_of(tables)
