"""Rich renderers of the command line: what each command prints (a run, a sweep, a frontier,
an audit, warnings, the progress bar, JSON for scripts); the two Consoles are `console`'s.

Data (names, sources, paths, references) is printed as written: emoji codes such as `:x:` are
off, and every user-supplied string goes through `escape` so brackets are not read as markup.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from allocator.cli.console import STDOUT as STDOUT  # the consoles, importable from here as before
from allocator.cli.console import OutputLost as OutputLost
from allocator.cli.console import drop_stdout as drop_stdout
from allocator.cli.console import err as err
from allocator.cli.console import out as out
from allocator.cli.console import shown as shown
from allocator.cli.scripts import run_summary as run_summary  # --json's document of a run

if TYPE_CHECKING:
    import pandas as pd

    from allocator.data.audit import Report
    from allocator.runs.common import Run


def warn(message: str) -> None:
    """A warning on stderr, one line."""
    err.print(f"[bold yellow]warning:[/] {shown(message)}", highlight=False, soft_wrap=True)


def print_json(data: object) -> None:
    """JSON on stdout, nothing else."""
    from allocator.report.write import json_text  # strict: no bare NaN for a script to choke on

    STDOUT.write(json_text(data) + "\n")
    STDOUT.flush()


@contextmanager
def progress(total: int) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr, advanced by `advance(done, total)`; none when stderr is no
    terminal, where it could not be erased and would leave a blank line before an error."""
    if not err.is_terminal:
        yield lambda _done, _total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = (BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("samples", total=total)
        yield lambda done, _total: bar.update(task, completed=done)


def _reach_less(table: Any, item: str, nominal: float) -> str:
    """`X% of them reach less` over the optimal samples, and `Y% the same` where some tie with
    the nominal value (the percentile counts a tie half, so it alone would overstate X)."""
    import numpy as np

    values = table.loc[table["status"] == "optimal", item].to_numpy(dtype=float)
    same = np.isclose(values, nominal, rtol=1e-9, atol=1e-9)
    less, tied = float((~same & (values < nominal)).mean()), float(same.mean())
    return f"{less:.0%} of them reach less" + (f", {tied:.0%} the same" if tied else "")


def show_sweep(summary: Any, table: Any) -> None:
    """With perfect foresight, labelled so (the fixed plan comes first: `sweeping.show_plan`):
    the spread of the re-optimised jobs and exports beside the nominal plan's, failed samples,
    and the least stable programs."""
    from allocator.report.rounding import cell, percent, percentile_words
    from allocator.report.studyhtml import FORESIGHT as foresight
    from allocator.report.sweepbase import nominal_split, spread_split

    failed = int((table["status"] != "optimal").sum())
    nominal = table.attrs.get("nominal") or {}
    if nominal.get("status", "optimal") != "optimal":
        out.print(
            f"  nominal plan (every number as given): {nominal['status']}, so the samples "
            "cannot be placed against it",
            markup=False,
        )
    for r in summary.itertuples():
        if r.item in ("jobs", "exports_musd") and r.samples:
            out.print(
                f"  {r.item} {foresight}: P5 {cell(r.p5, r.unit)}, P50 {cell(r.p50, r.unit)}, "
                f"P95 {cell(r.p95, r.unit)} {r.unit} ({r.samples:,} optimal samples)"
                + spread_split(r, ("p5", "p50", "p95")),
                markup=False,
            )
            nominal = getattr(r, "nominal", None)
            if nominal is not None and nominal == nominal:  # not NaN: the nominal plan solved
                where = getattr(r, "nominal_percentile", float("nan"))
                out.print(
                    f"    nominal plan (every number as given): {cell(nominal, r.unit)} {r.unit}"
                    f"{nominal_split(r, nominal)}, at percentile {percentile_words(where)} of "
                    f"the re-optimised samples ({_reach_less(table, r.item, nominal)})",
                    markup=False,
                )
    _show_missed(summary, foresight)
    kinds = sorted(set(table.loc[table["status"] != "optimal", "status"]))
    out.print(f"  failed samples: {failed:,}" + (f" ({', '.join(kinds)})" if failed else ""))
    progs = summary[summary["item"].str.startswith("program ")].copy()
    if len(progs):
        progs["spread"] = progs["p95"] - progs["p5"]
        for r in progs.sort_values("spread", ascending=False).head(5).itertuples():
            out.print(
                f"  {r.item}: funded in {percent(r.funded_share)} of re-optimised samples, "
                f"P5 {cell(r.p5, r.unit)} to P95 {cell(r.p95, r.unit)} US$ million",
                markup=False,
            )


def _show_missed(summary: Any, foresight: str) -> None:
    """How many targets the re-optimised samples miss (P5, P50, P95), beside the nominal
    plan's count on the data as given."""
    found = summary[summary["item"] == "targets_missed"]
    if not len(found) or not found.iloc[0]["samples"]:
        return
    r = found.iloc[0]
    nominal = r["nominal"]
    beside = "" if nominal != nominal else f"; the nominal plan misses {nominal:,.0f}"
    out.print(
        f"  targets missed {foresight}: P5 {r['p5']:,.0f}, P50 {r['p50']:,.0f}, P95 "
        f"{r['p95']:,.0f} targets (targets.csv rows and shares.csv milestones){beside}",
        markup=False,
    )


def show_frontier(table: Any, notes: list[str], info: dict[str, Any] | None = None) -> None:
    """The cells set behind the run (run.json `info`'s, as solve says them), the points of the
    frontier with their trade-off rate, then what the planner must be told."""
    from rich.table import Table

    from allocator.cli.summary import show_cells_set
    from allocator.report.frontierbase import existing_words
    from allocator.report.rounding import cell
    from allocator.report.studyhtml import side_words

    show_cells_set(info or {}, indent="")

    first = table.iloc[0]
    x, y = f"{first['x_words']} ({first['x_unit']})", f"{first['y_words']} ({first['y_unit']})"
    grid = Table(title=f"{first['y_words']} against {first['x_words']}", title_justify="left")
    more = f"change of {first['y']} per unit more {first['x']}"
    less = f"change of {first['y']} per unit less {first['x']}"
    for col in ("point", x, y, more, less):
        grid.add_column(escape(col), justify="right")
    for _, r in table.iterrows():
        grid.add_row(
            str(r["point"]),
            cell(r["x_value"], str(r["x_unit"])),
            cell(r["y_value"], str(r["y_unit"])),
            escape(side_words(r, "rate")),
            escape(side_words(r, "rate_less")),
        )
    out.print(grid)
    for line in [*(f"{said}." for said in existing_words(table)), *notes]:
        out.print(shown(line), highlight=False)


def show_audit(report: Report, book: str | None = None) -> None:
    """Disagreements with both numbers and citations, agreeing totals, warnings, assumptions;
    a workbook dataset's (`book`, e.g. plan.xlsx) rows cited by sheet, as its loader does."""
    from allocator.report.assumed import cited_words, row_place

    def said(text: str) -> str:
        return shown(cited_words(book, text))

    bad = report.disagreements
    good = [c for c in report.comparisons if c.agrees]
    out.print(f"\n[bold]Disagreements found by arithmetic on cited numbers ({len(bad)})[/]")
    for c in bad:
        out.print(f"  [yellow]![/] {said(c.describe())}", highlight=False)
    out.print(f"\n[bold]Stated totals and repeated figures that agree ({len(good)})[/]")
    for c in good:
        out.print(f"  [green]=[/] {said(c.describe_agreement())}", highlight=False)
    warns = report.warnings
    out.print(f"\n[bold]Warnings ({len(warns)})[/]")
    for w in warns:
        out.print(f"  [yellow]![/] {said(w)}", highlight=False)
    assumed = report.assumptions
    out.print(f"\n[bold]Assumptions: numbers with no seed behind them ({len(assumed)})[/]")
    for a in assumed:
        where = row_place(book, a.file, a.line)
        out.print(f"  - {shown(where)} ({shown(a.key)}): {said(a.text)}", highlight=False)


def show_run(run: Run, summary: str | None = None) -> None:
    """What was solved, the objective with its unit, the money spent and unspent, ties, the
    allocation by sector and phase, and the ten largest shadow prices (`summary`: all that,
    as `run_summary_text` rendered it while the workbook was written), then the folder."""
    if summary is None:
        _show_summary(run)
    elif not out.quiet:
        STDOUT.write(summary)
    if run.folder is not None:
        out.print(
            f"Wrote [bold]{shown(run.folder)}[/]: "
            + ", ".join(sorted(p.name for p in run.folder.iterdir()))
        )


def run_summary_text(run: Run) -> str:
    """`show_run`'s lines above the folder's, rendered for standard output as it is now (its
    width and colours) but not printed: the command renders them while the workbook's
    process still writes (`runs.solve`'s `meanwhile`), and prints them once the folder is."""
    with out.capture() as captured:
        _show_summary(run)
    return captured.get()


def _show_summary(run: Run) -> None:
    """`show_run` but the folder's line."""
    from allocator.cli import summary
    from allocator.report import tables as reports
    from allocator.report.budgets import grouped_top_prices, mitigation_of
    from allocator.report.rounding import shown as shown_number

    sol, inp = run.solution, run.inputs
    value = sol.objective_value
    out.print(
        f"[bold green]Optimal[/] ({shown(run.inputs.folder)}, objective {sol.objective}): "
        f"[bold]{shown_number(value, sol.objective_unit)}[/] {shown(_headline(run))}"
    )
    _show_empty(run)
    summary.show_setup(run)
    summary.show_levels(run)
    summary.show_money(run.tables.get("budgets"))
    summary.show_ties(run)
    _show_targets_price(run)
    summary.show_grid(
        reports.sector_by_phase(
            run.tables["allocation"],
            [p.phase for p in inp.phases],
            sorted({p.sector for p in inp.programs}),
            mitigation_of(run.tables),
        )
    )
    if "risk" in run.info:
        _show_risk(run.info["risk"])
    targets = bool(inp.targets or inp.shares)  # none: nothing to say of targets
    if targets:
        show_shortfalls(run.tables["outcomes"], run.tables.get("shares"))
    _show_links(run)
    top = grouped_top_prices(run.tables["shadow_prices"], inp)
    summary.show_prices(top, sol.objective_unit, targets=targets)


def _show_targets_price(run: Run) -> None:
    """Under soft targets that fall short: what the least-shortfall rule gives up."""
    from allocator.model.targets import shortfall_words
    from allocator.report.rounding import cell

    sol = run.solution
    least = sol.totals.get("weighted_shortfall")
    free = sol.totals.get("objective_without_targets")
    if not least or free is None:
        return
    lost = free - sol.objective_value
    unit = sol.objective_unit
    words = shortfall_words(run.inputs)
    least_text = f"{cell(least)} {words}"
    if lost > 1e-6 * max(1.0, abs(free)):
        out.print(
            f"  The soft targets decide part of this plan: holding their least weighted "
            f"shortfall ({least_text}) gives up {cell(lost, unit)} {unit} "
            f"(with the targets off: {cell(free, unit)} {unit}).",
            highlight=False,
        )
    else:
        out.print(
            f"  Holding the targets' least weighted shortfall ({least_text}) costs no {unit}: "
            "the objective is the same with the targets off.",
            highlight=False,
        )


def _headline(run: Run) -> str:
    """The headline's words, with what already existed where the dataset has a base."""
    from allocator.report import tables as reports
    from allocator.report.existing import headline_split

    label = reports.objective_label(run.solution, run.inputs.last_milestone)
    said = reports.headline_label(label, run.info.get("risk"))
    return said + headline_split(run.info, run.tables.get("outcomes"))


def _show_risk(risk: dict[str, Any]) -> None:
    """The robust plan's lines (`riskhtml.risk_lines`, the words of report.html's section): one
    plan in every scenario beside the nominal plan, fixed, what hedging changes, and for CVaR
    the tail shortfall reached next to the cap: binding (with its price), slack, or none."""
    from allocator.report.riskhtml import risk_lines

    first, *rest = risk_lines(risk)
    out.print("[bold]Robust plan[/]" + escape(first.removeprefix("Robust plan")))
    for line in rest:
        out.print(escape(f"  {line}"), highlight=False)


def show_shortfalls(outcomes: pd.DataFrame, shares: pd.DataFrame | None = None) -> None:
    """The targets the plan does not reach, and by how much (with the processing shares of
    shares.csv, in percent)."""
    from allocator.report.rounding import EXPORTS_UNIT, cell

    missed = []
    for r in outcomes.to_dict("records"):
        for kind, unit, target, short, got in (
            ("jobs", "jobs", r["jobs_target"], r["jobs_shortfall"], r["jobs"]),
            (
                "exports",
                EXPORTS_UNIT,
                r["exports_target_musd"],
                r["exports_shortfall_musd"],
                r["exports_musd"],
            ),
        ):
            if short == short and short is not None and short > 0:  # `outcomes.shortfall`
                missed.append(
                    f"  {kind} of {r['dimension']} {r['member']} in {r['year']}: target "
                    f"{cell(target, unit)}, reached {cell(got, unit)}, short by "
                    f"{cell(short, unit)} {unit}"
                )
    missed += _missed_shares(shares)
    if missed:
        out.print(f"[bold]Targets this plan does not reach ({len(missed)})[/]")
        for line in missed:
            out.print(escape(line), highlight=False)
    else:
        out.print("[bold]Every target is reached.[/]")


def _missed_shares(shares: pd.DataFrame | None) -> list[str]:
    """The processing-share milestones the plan does not reach, one line each."""
    from allocator.report.rounding import cell

    if shares is None:
        return []
    return [
        f"  processing share of {r['mineral']} in {r['year']}: target "
        f"{cell(r['share_target_pct'])}%, reached {cell(r['share_pct'])}%, short by "
        f"{cell(r['share_shortfall_pct'])} percentage points"
        for r in shares.to_dict("records")
        if r["share_shortfall_pct"] > 0  # `outcomes.shortfall`: 0 when reached
    ]


def _show_links(run: Run) -> None:
    """Each enabling link in words, with what one more US$ million of its enabler is worth."""
    from allocator.report.links import link_values

    if not run.inputs.links:
        return
    out.print(f"[bold]Enabling links ({len(run.inputs.links)})[/]")
    for r in link_values(run.inputs, run.tables["shadow_prices"]).itertuples():
        worth = f"{r.worth_per_musd:+,.4g} {r.unit}" if r.rows else "no rows in this plan"
        start: object = r.from_year
        if r.rows and isinstance(start, numbers.Real) and math.isfinite(start):
            worth += f" productive from {float(start):.0f}, the earliest it can be"
        out.print(
            escape(f"  {r.link}: {r.words}; worth {worth} (binding in {r.binding} of {r.rows})"),
            highlight=False,
        )


def _show_empty(run: Run) -> None:
    """When the plan funds nothing, why: every cap is 0, every budget is 0, or neither (then
    budgets.csv says what holds each pool's money)."""
    if not run.tables["allocation"].empty:
        return
    inp = run.inputs
    if all(p.cap_musd == 0 for p in inp.programs):
        why = "every program's cap is 0 (programs.csv, cap_musd)"
    elif all(p.budget_musd == 0 for p in inp.pools):
        why = "every budget is 0 (pools.csv, budget_musd)"
    else:
        why = "no money can go where it counts (budgets.csv says, for each pool, what holds it)"
    out.print(f"  [bold]The plan funds nothing: {escape(why)}.[/]", highlight=False)
