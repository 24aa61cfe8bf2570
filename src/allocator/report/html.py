"""`report.html`: one self-contained page a planner can e-mail (no network, no external script,
style or font), written into every solve and frontier run folder and rebuilt from a run folder by
`allocator report RUN_DIR`.

It reads only what the run folder holds (the tables and run.json), plus the dataset's
assumptions when the dataset is at hand, so the page rebuilt later is the page written then.
Charts are inline SVG (`svg.py`); tables sort with a dozen lines of inline script; it prints on
A4 or Letter and reads on a phone's width. The same run gives the same bytes.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.data.numbers import style_words
from allocator.errors import UsageError
from allocator.report.svg import bars
from allocator.report.svg import number as _svg_number

REPORT = "report.html"
TOP_PRICES = 12

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:960px;padding:12px;color:#222}
h1{font-size:1.5em;margin:.3em 0}h2{font-size:1.15em;border-bottom:1px solid #ccc;margin-top:1.6em}
.headline{font-size:1.3em;background:#eef5fb;border-left:4px solid #1f77b4;padding:.5em .8em}
.wrap{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border-bottom:1px solid #e3e3e3;padding:3px 6px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}th{cursor:pointer;background:#f4f4f4}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
svg.chart{width:100%;height:auto;max-width:720px}svg .t{font-size:13px;font-weight:600}
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
    assumptions: list[tuple[str, str]] | None = None,
) -> Path:
    """Write report.html into `folder` from the run's tables and run.json's content."""
    path = folder / REPORT
    path.write_text(render(tables, info, assumptions), encoding="utf-8")
    return path


def rebuild_report(folder: Path) -> Path:
    """Rebuild report.html of a run folder from the CSV tables its run.json says allocator wrote
    there, and run.json. A folder allocator did not write is refused (its report.html may be the
    user's); the new page replaces the old one in one rename, so a full disk leaves the old page.

    Raises:
        UsageError: not a run folder of allocator, a damaged table, or a disk fault.
    """
    from allocator.report.folders import marked_files, output_faults
    from allocator.report.write import read_table, write_text_atomic

    record = folder / "run.json"
    if not record.is_file():
        raise UsageError(f"{folder} has no run.json. Fix: give a run folder written by allocator")
    files = marked_files(folder)
    if files is None or REPORT not in files:
        raise UsageError(
            f"{folder} is not a run folder allocator wrote (its run.json does not say so), so its "
            f"{REPORT} is not replaced. Fix: give a run folder written by allocator"
        )
    info = json.loads(record.read_text(encoding="utf-8"))
    again = "Fix: re-run the command that wrote the run folder"
    names = sorted(f for f in files if f.endswith(".csv") and (folder / f).is_file())
    tables = {Path(f).stem: read_table(folder / f, again) for f in names}
    if not tables:
        raise UsageError(f"{folder} has no tables. Fix: give a run folder written by allocator")
    page = _render_folder(folder, tables, info)
    path = folder / REPORT
    with output_faults(path, "RUN_DIR"):
        write_text_atomic(path, page)
    return path


def _render_folder(folder: Path, tables: dict[str, pd.DataFrame], info: dict[str, Any]) -> str:
    """The page of a run folder; a table that lacks a column or holds text where a number
    belongs (edited by hand) is one line naming the folder."""
    try:
        return render(tables, info, dataset_assumptions(info))
    except (KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
        why = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise UsageError(
            f"{folder}: its tables and run.json do not make a report ({why}). "
            "Fix: re-run the command that wrote the run folder"
        ) from None


def dataset_assumptions(info: dict[str, Any]) -> list[tuple[str, str]] | None:
    """The assumptions of the run's dataset, if it can still be read (else None: unknown)."""
    from allocator.data.inputs import load_inputs
    from allocator.errors import InputError

    inputs = info.get("inputs") or {}
    folder = inputs.get("folder") if isinstance(inputs, dict) else None
    try:
        return assumptions_of(load_inputs(folder)) if folder else None
    except (InputError, OSError):
        return None


def assumptions_of(inp: Any) -> list[tuple[str, str]]:
    """(where, assumption) for every input row that states an assumption no source does."""
    from allocator.data.schema import TABLES

    out = []
    for field, (file, *_rest) in TABLES.items():
        for row in getattr(inp, field):
            if row.assumption.strip():
                out.append((f"{file} row {row.line}", row.assumption.strip()))
    return sorted(out, key=lambda a: (a[0].split(" row ")[0], int(a[0].split(" row ")[1])))


def render(
    tables: dict[str, pd.DataFrame],
    info: dict[str, Any],
    assumptions: list[tuple[str, str]] | None = None,
) -> str:
    """The page's HTML."""
    from allocator.report import studyhtml  # the sections of studies (frontier, sweep, ranges)
    from allocator.report.twostagehtml import two_stage_sections

    sections = [_headline(info, tables.get("sweep_summary"))]
    if "outcomes" in tables:
        sections.append(_milestones(tables["outcomes"]))
    if "shares" in tables:
        sections.append(_shares(tables["shares"]))
    if "budgets" in tables and len(tables["budgets"]):
        sections.append(_money(tables["budgets"]))
    if "allocation_by_phase" in tables:
        sections.append(_allocation(tables["allocation_by_phase"], _mitigation(tables)))
    if "shadow_prices" in tables:
        sections.append(_binding(tables["shadow_prices"], tables.get("sensitivity")))
        sections.append(_unspent(tables["shadow_prices"]))
    if "frontier" in tables:
        sections.append(studyhtml.frontier_section(tables["frontier"]))
    if "compare" in tables:
        sections.append("<h2>Plans compared</h2>" + table(tables["compare"]))
    if "sweep_summary" in tables and "sweep" in tables:
        sections.append(studyhtml.sweep_section(tables["sweep"], tables["sweep_summary"]))
    if "ranges" in tables:
        sections.append(studyhtml.ranges_section(tables["ranges"]))
    sections += two_stage_sections(info)  # solve --decide-now (report/twostagehtml.py)
    sections.append(_assumptions(info, assumptions))
    title = f"allocator {info.get('command', info.get('written_by', {}).get('command', 'run'))}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}: {escape(_dataset(info))}</title><style>{_CSS}</style></head>"
        f"<body><h1>{escape(title)} report</h1>"
        f'<p class="muted">Dataset: {escape(_dataset(info))}; status: '
        f"{escape(str(info.get('status', 'see run.json')))}. Money in US$ million (musd)"
        f"{escape(_numbers(info))}.</p>"
        + "".join(sections)
        + f"<script>{_SORT}</script></body></html>\n"
    )


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


def _headline(info: dict[str, Any], summary: pd.DataFrame | None = None) -> str:
    obj = info.get("objective")
    if summary is not None:
        from allocator.report.studyhtml import sweep_headline

        shown = sweep_headline(summary)
        if shown:
            return shown
    if not isinstance(obj, dict) or obj.get("value") is None:
        points = info.get("points")
        shown = f"{len(points)} points" if isinstance(points, list) else "see the tables below"
        kind = escape(str(info.get("command", "run")))
        return f'<p class="headline" id="headline">{kind}: {escape(shown)}.</p>'
    value = float(obj["value"])
    return (
        f'<p class="headline" id="headline">Headline: '
        f'<strong><span id="headline-value" data-value="{obj["value"]!r}">{number(value)}</span> '
        f"{escape(str(obj.get('label') or obj.get('unit', '')))}</strong> "
        f"({escape(str(obj.get('unit', '')))}, {escape(str(obj.get('sense', 'maximize')))}d)</p>"
    )


def table(frame: pd.DataFrame, units: dict[str, str] | None = None) -> str:
    """A sortable HTML table; numbers right-aligned with their exact value kept for sorting."""
    units = units or {}
    head = "".join(
        f'<th scope="col"{_n(frame[c])}>{escape(c)}'
        + (f" ({escape(units[c])})" if c in units else "")
        + "</th>"
        for c in frame.columns
    )
    rows = []
    years = [c == "year" or c.endswith("_year") or c == "point" for c in frame.columns]
    for record in frame.itertuples(index=False):
        cells = []
        for v, plain in zip(record, years, strict=True):
            if isinstance(v, int | float) and not isinstance(v, bool) and v == v:
                x = float(v) + 0.0  # -0.0 + 0.0 is 0.0
                shown = str(int(x)) if plain and x.is_integer() else number(x)
                cells.append(f'<td class="n" data-v="{x:.12g}">{shown}</td>')
            else:
                cells.append(f"<td>{'' if v is None or v != v else escape(str(v))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="wrap"><table class="sortable"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def number(value: float) -> str:
    """A number for people (`svg.number`), never -0: a negative number that rounds to zero is
    shown as 0."""
    text = _svg_number(value)
    return "0" if text == "-0" else text


def _n(column: pd.Series) -> str:
    return ' class="n"' if pd.api.types.is_numeric_dtype(column) else ""


def _milestones(outcomes: pd.DataFrame) -> str:
    total = outcomes[outcomes["dimension"] == "total"]
    frame = pd.DataFrame(
        {
            "year": total["year"].astype(int),
            "jobs": total["jobs"],
            "exports": total["exports_musd"],
        }
    )
    targeted = outcomes[outcomes[["jobs_target", "exports_target_musd"]].notna().any(axis=1)]
    out = [
        "<h2>Jobs and exports per milestone</h2>",
        table(frame, {"jobs": "jobs", "exports": "US$ million a year"}),
    ]
    if not targeted.empty:
        cols = ["dimension", "member", "year", "jobs_base", "jobs_new", "jobs", "jobs_target",
                "jobs_shortfall", "exports_musd", "exports_target_musd", "exports_shortfall_musd",
                "note"]  # fmt: skip
        shown = targeted[[c for c in cols if c in targeted.columns]]
        missed = int(
            (
                (shown.get("jobs_shortfall", 0) > 1e-9)
                | (shown.get("exports_shortfall_musd", 0) > 1e-9)
            ).sum()
        )
        out.append(
            f"<h2>Targets</h2><p>{len(shown)} targets; the plan misses {missed} of them "
            "(shortfall above 0). Jobs in jobs, exports in US$ million a year.</p>"
        )
        out.append(table(shown))
    return "".join(out)


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
    sums = by_phase.groupby("sector")[phases].sum().sort_index()
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
    columns), and a sentence with the total, rounded as the terminal's table rounds it."""
    from allocator.report.rounding import whole

    sums = sums.copy()
    for phase, value in mitigation.items():
        column = f"{phase}_musd"
        if column not in sums.columns and value:
            sums[column] = 0.0
    sums.loc[str(mitigation.name)] = [
        float(mitigation.get(c.removesuffix("_musd"), 0.0)) for c in sums.columns
    ]
    total = whole(float(sums.to_numpy(dtype=float).sum()))
    spent = whole(float(mitigation.sum()))
    said = (
        f"<p>Money spent: {number(total)} US$ million, of which {number(spent)} on risk "
        "mitigation (the mitigation budgets of risks.csv, by the phase of the years spent).</p>"
    )
    return sums, said


def _binding(prices: pd.DataFrame, sensitivity: pd.DataFrame | None) -> str:
    from allocator.report.tables import rate_words, top_shadow_prices

    if "gain_per_unit_up" not in prices:
        return _binding_duals(prices, sensitivity)
    top = top_shadow_prices(prices, TOP_PRICES)
    words = []
    for r in top.itertuples(index=False):
        more, less = rate_words(r, str(r.unit))
        words.append(
            f"<li><strong>{escape(str(r.description))}</strong> ({escape(str(r.constraint))}): "
            f"{escape(more)}; {escape(less)}.</li>"
        )
    chart = bars(
        [str(c) for c in top["constraint"]],
        {"gain": top["magnitude"].tolist()},
        str(top["unit"].iloc[0]) if len(top) else "",
        f"The {len(top)} limits whose room buys the most",
    )
    whole = "gain_of_one_unit_up" in prices
    said = (
        "<p>What one more unit of each limit buys and what one unit less costs (for a floor, "
        "one unit less is more room), in the objective's unit: what <code>allocator solve</code> "
        "on the data moved by that unit reports (under soft targets it finds the least target "
        "shortfall again, and the line says when that changes). In brackets, the rate at the "
        "margin and the amount it holds for (<em>at today's least shortfall</em>: with the "
        "least shortfall held, as the objective's pass holds it). The simplex's single shadow "
        "price of a degenerate optimum can be either side or neither; "
        "<code>sensitivity.csv</code> has both sides. <em>No plan is feasible</em>: no plan "
        "meets every limit after that move.</p>"
        if whole
        else "<p>What one more unit of each limit buys and what one unit less costs (for a "
        "floor, one unit less is more room), each in the objective's unit per unit of the limit "
        "and exact for the amount in brackets, as a re-solve gives it. The simplex's single "
        "shadow price of a degenerate optimum can be either side or neither; "
        "<code>sensitivity.csv</code> has both sides. <em>No plan is feasible</em>: no plan "
        "meets every other limit after that move (under soft targets, nor the least target "
        "shortfall, which the objective's pass holds).</p>"
    )
    return (
        "<h2>What binds: the largest shadow prices</h2>"
        + said
        + chart
        + f"<ul>{''.join(words) or '<li>No limit buys anything at the margin.</li>'}</ul>"
    )


def _binding_duals(prices: pd.DataFrame, sensitivity: pd.DataFrame | None) -> str:
    """The section of a run folder written before the one-sided rates: the simplex duals."""
    binding = prices[(prices["shadow_price"].abs() > 1e-9)].copy()
    # as the CSV holds it (12 digits), so ties sort by name alike when rebuilt from the folder
    binding["size"] = [float(f"{abs(v):.12g}") for v in binding["shadow_price"]]
    binding = binding.sort_values(["size", "constraint"], ascending=[False, True]).head(TOP_PRICES)
    ranges: dict[str, tuple[Any, Any]] = {}
    if sensitivity is not None and "section" in sensitivity.columns:
        rows = sensitivity[sensitivity["section"] == "constraint"]
        pairs = zip(rows["allowable_increase"], rows["allowable_decrease"], strict=True)
        ranges = dict(zip(rows["name"].astype(str), pairs, strict=True))
    words = []
    for r in binding.itertuples(index=False):
        inc, dec = ranges.get(str(r.constraint), (None, None))
        span = (
            f" The price holds for an increase of up to {_amount(inc)} and a decrease of up to "
            f"{_amount(dec)} of the limit."
            if inc is not None
            else ""
        )
        more = "more" if r.shadow_price > 0 else "less"
        words.append(
            f"<li><strong>{escape(str(r.description))}</strong> ({escape(str(r.constraint))}): "
            f"one unit more of this limit gives {number(abs(r.shadow_price))} "
            f"{escape(str(r.unit))} {more} objective.{span}</li>"
        )
    chart = bars(
        [str(c) for c in binding["constraint"]],
        {"price": binding["size"].tolist()},
        str(binding["unit"].iloc[0]) if len(binding) else "",
        f"The {len(binding)} largest shadow prices (size)",
    )
    return (
        "<h2>What binds: the largest shadow prices</h2>"
        "<p>A shadow price is the change of the objective per unit increase of the limit's "
        "right-hand side.</p>"
        + chart
        + f"<ul>{''.join(words) or '<li>No constraint has a non-zero price.</li>'}</ul>"
    )


def _amount(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "an unknown amount"
    return "any amount" if v != v or v >= 1e29 else number(v)


def _unspent(prices: pd.DataFrame) -> str:
    families = ("budget", "risk_budget")  # pools and risk mitigation
    budgets = prices[prices["family"].isin(families) & (prices["slack"] > 1e-6)]
    if budgets.empty:
        return "<h2>Unspent budgets</h2><p>Every budget is spent in full.</p>"
    frame = budgets[["constraint", "description", "rhs", "body", "slack"]].rename(
        columns={"rhs": "budget", "body": "spent", "slack": "unspent"}
    )
    units = dict.fromkeys(("budget", "spent", "unspent"), "US$ million")
    return (
        f"<h2>Unspent budgets</h2><p>{len(frame)} budgets are not spent in full, "
        f"{number(float(frame['unspent'].sum()))} US$ million in all.</p>" + table(frame, units)
    )


def _assumptions(info: dict[str, Any], assumptions: list[tuple[str, str]] | None) -> str:
    opts = info.get("options") or {}
    told = [
        f"objective {opts.get('objective')}" if opts.get("objective") else "",
        f"targets {opts.get('targets')}" if opts.get("targets") else "",
        f"measure {opts.get('measure')}" if opts.get("measure") else "",
        f"model file {opts.get('model_file')}" if opts.get("model_file") else "",
    ]
    head = "<h2>Assumptions this run depends on</h2>"
    head += f"<p>Options: {escape(', '.join(t for t in told if t) or 'see run.json')}.</p>"
    if assumptions is None:
        return head + (
            "<p>The input rows that rest on an assumption are not listed here: the dataset "
            "could not be read, or the run compares plans with datasets of their own.</p>"
        )
    if not assumptions:
        return head + "<p>No input row states an assumption: every number cites a source.</p>"
    items = "".join(f"<li>{escape(w)}: {escape(a)}</li>" for w, a in assumptions)
    return head + f"<p>{len(assumptions)} input rows rest on an assumption:</p><ul>{items}</ul>"
