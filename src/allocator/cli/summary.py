"""Parts of a solve's terminal summary: what was solved (model file, overrides, target mode,
measure), where the money went and why some stays, ties, the sector x phase table and the
largest shadow prices.

Numbers of money are rounded once (`report.rounding`), so shown parts add up to shown totals.
Identifiers are never broken: lines are printed whole (the console soft-wraps), and the tables
keep names in columns that do not fold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape

from allocator.cli.console import out
from allocator.data.numbers import style_words
from allocator.errors import printable

if TYPE_CHECKING:
    import pandas as pd

    from allocator.runs.common import Run

MONEY = "US$ million"


def _line(text: str) -> None:
    out.print(escape(printable(text)), highlight=False)  # a path may hold a newline or an ESC


def show_setup(run: Run) -> None:
    """The model file and its overrides, the cells set (model file's `set:`, then `--set`), the
    dataset, the target mode and the measure."""
    opts = run.info["options"]
    measure = run.info["measure"]
    model = opts.get("model_file") or "none (the command line only)"
    overrides = [o for o in opts.get("overrides") or [] if "set_cell" not in o]
    said = "; ".join(_override_words(o) for o in overrides) or "none"
    sets = _set_words(opts.get("overrides") or [])
    said += f"; sets: {sets}" if sets else ""
    kind = measure.get("measure", "final")
    given = measure.get("discount_rate")  # 0 is a rate: no discounting
    rate = f" at {given:g} a year" if given is not None else ""
    folder = run.info["inputs"]["folder"]
    numbers = style_words(run.inputs.number_style, str(folder).lower().endswith(".xlsx"))
    _line(
        f"  model file: {model}; overrides: {said}; dataset: {folder}; "
        f"targets: {opts['targets']}; measure of the objective: {kind}{rate} "
        f"({run.solution.label or run.solution.objective}); {numbers}"
    )
    show_cells_set(run.info)


def show_cells_set(info: dict[str, Any], indent: str = "  ") -> None:
    """`cells set: pools.public/p1.budget_musd from 100 to 150 (--set)`: the cells the model
    file (`set:`) and `--set` changed, as run.json's `cells_set` holds them (solve's setup, and
    frontier's, alternatives' and core's terminals); nothing where none was set."""
    if info.get("cells_set"):
        from allocator.data.cellset import change_words

        _line(f"{indent}cells set: {change_words(info['cells_set'])}")


def _set_words(overrides: list[dict[str, Any]]) -> str:
    """Every set of a run as written, `--set` marked: `pools.a/p1.budget_musd=150 (--set)`."""
    words = []
    for o in overrides:
        cell = o.get("set_cell")
        if isinstance(cell, dict):
            text = f"{cell['table']}.{cell['key']}.{cell['column']}={cell['value']}"
            words.append(text + (" (--set)" if cell.get("origin") == "--set" else ""))
    return ", ".join(words)


def _override_words(override: dict[str, Any]) -> str:
    """One override of a model file as `key value`, e.g. `exclude_pool korea`."""
    return ", ".join(
        f"{k} {v if not isinstance(v, dict) else ' '.join(f'{a}={b}' for a, b in v.items())}"
        for k, v in override.items()
    )


def show_levels(run: Run) -> None:
    """Jobs and exports at each milestone (nominal data under `--risk`), each level with the part
    that existed before the plan and the new part where the dataset has a base of its kind
    (outcomes.csv's `jobs_base` and `jobs_new`, `exports_base_musd` and `exports_new_musd`)."""
    from allocator.report.existing import PARTS, base_and_new, split_words
    from allocator.report.rounding import cell

    totals = run.solution.totals
    years = [m.year for m in run.inputs.milestones]
    which = "nominal data, " if "risk" in run.info else ""
    for kind, (*_cols, unit, _key) in PARTS.items():
        split = base_and_new(run.tables.get("outcomes"), kind)
        path = ", ".join(
            f"{y} {cell(totals.get(f'{kind}@{y}', 0), unit)}"
            + (f" {split_words(kind, *split[y])}" if y in split else "")
            for y in years
        )
        _line(f"  {kind} ({which}{unit}): {path}")


def show_money(budgets: pd.DataFrame | None) -> None:
    """Total budget, spent and unspent (adding up as shown), split into the pools and risk
    mitigation where the dataset has risk budgets, then each pool and phase, and each risk
    budget, that leaves money, with why (budgets.csv)."""
    from allocator.report.budgets import MONEY as UNSPENT
    from allocator.report.budgets import money_words
    from allocator.report.rounding import cell

    if budgets is None or budgets.empty:
        return
    risks = budgets["pool"].astype(str).str.startswith("risk:").any()
    each = "each pool and phase, each risk budget" if risks else "each pool and phase"
    _line(f"  money: {money_words(budgets, MONEY)} (budgets.csv: {each}, carried money, why)")
    left = budgets[budgets["unspent_musd"] > UNSPENT]
    names = ("pool", "phase", "unspent_musd", "budget_musd", "why_unspent")
    for pool, phase, unspent, budget, why in zip(*(left[c].tolist() for c in names), strict=True):
        _line(
            f"    unspent {pool} {phase}: {cell(unspent, MONEY)} of "
            f"{cell(budget, MONEY)} {MONEY} ({_short(str(why))})"
        )


def _short(why: str, width: int = 240) -> str:
    """The first reasons of `why` (whole, cut at "; "), and how many more budgets.csv gives."""
    parts = why.split("; ")
    shown: list[str] = []
    for part in parts:
        if shown and len("; ".join([*shown, part])) > width:
            break
        shown.append(part)
    more = len(parts) - len(shown)
    return "; ".join(shown) + (
        f"; {more} more reason{'s' if more > 1 else ''} in budgets.csv" if more else ""
    )


def show_ties(run: Run) -> None:
    """One line when other plans reach the same outcome (the optimum is not unique): each tie
    class (programs whose money can move between them with every outcome unchanged, each with
    the least and most it may receive) and the rule this plan follows among them."""
    ties = run.solution.solver.get("ties")
    if not ties:
        return
    from allocator.solver.ties import RULE, WITHIN

    see = "; see `allocator alternatives`"  # registered with the app (cli/__init__.py)
    classes = run.solution.solver.get("tie_classes")
    if classes is None:  # a run written before tie classes were named
        _line(
            f"  Ties: other plans reach the same outcome (one of them funds {ties} of the "
            "investments, by pool, program and year, differently); this plan is the tie-break of "
            f"docs/outputs.md, 'Ties'{see}."
        )
        return
    if not classes:
        _line(
            f"  Ties: other plans reach the same outcome with every program's money unchanged "
            f"(one of them funds {ties} of the investments, by pool and year, differently); this "
            f"plan takes {WITHIN} (docs/outputs.md, 'Ties'{see})."
        )
        return
    said = "; ".join(_tie_class_words(k, cls) for k, cls in enumerate(classes, 1))
    _line(
        f"  Ties: other plans reach the same outcome. Interchangeable programs (money can move "
        f"between them with every outcome unchanged; least to most, {MONEY}): {said}. This plan: "
        f"{RULE}; then {WITHIN} (docs/outputs.md, 'Ties'{see})."
    )


def _tie_class_words(k: int, cls: dict[str, Any]) -> str:
    """One tie class: its programs' ranges, its money and the plan's split."""
    from allocator.report.rounding import cell
    from allocator.report.tieclasses import class_total_words

    members = cls["programs"]
    ranges = ", ".join(
        f"{m['program']} {cell(m['low'], MONEY)} to {cell(m['high'], MONEY)}" for m in members
    )
    split = ", ".join(f"{m['program']} {cell(m['plan'], MONEY)}" for m in members)
    return f"class {k}, {class_total_words(cls)}: {ranges} (this plan: {split})"


def show_grid(grid: pd.DataFrame) -> None:
    """Investment by sector and phase (and the risk mitigation row, when the grid has one:
    money spent, all of it), rounded so that rows and columns add up to the totals."""
    from rich.table import Table

    from allocator.report.budgets import MITIGATION
    from allocator.report.rounding import NOTE, rounded_grid

    shown = rounded_grid(grid)
    what = "Investment" if MITIGATION not in grid.index else f"Investment and {MITIGATION}"
    table = Table(
        title=f"{what} by sector and phase ({MONEY}; {NOTE})",
        title_justify="left",
    )
    table.add_column("sector", no_wrap=True)
    for col in shown.columns:
        table.add_column(str(col), justify="right", no_wrap=True)
    for sector, row in shown.iterrows():
        cells = [f"{int(v):,}" for v in row]
        if sector == "total":
            table.add_row("[bold]total[/]", *[f"[bold]{c}[/]" for c in cells])
        else:
            table.add_row(escape(str(sector)), *cells)
    out.print(table)


def show_prices(top: pd.DataFrame, unit: str, targets: bool = True) -> None:
    """The limits whose room buys the most, one line each: what one more unit buys and what one
    less costs (a floor's room is one unit less), each with the amount it holds for, in words,
    and the row's name (as in model.lp and model.mps, written with --write-model). Placeholder
    rows of one price (budgets of 0 set by assumption) are grouped on one line. Without
    `targets` (a dataset with none) the notes say nothing of a least target shortfall."""
    from allocator.report.rates import rate_words

    whole = "gain_of_one_unit_up" in top
    what = (
        "what one more unit of a limit buys and what one less costs, as `allocator solve` on "
        "the data moved by that unit gives it; in brackets the rate at the margin and the "
        "amount it holds for"
        if whole
        else "what one more unit of a limit buys and what one less costs, each exact for the "
        "amount in brackets"
    )
    out.print(
        f"[bold]Largest shadow prices[/]: {what} ({escape(unit)} per unit; row names as "
        "in shadow_prices.csv, and in model.lp with --write-model)"
    )
    if top.empty:
        from allocator.report.pricehtml import no_limit_words

        _line(f"  {no_limit_words(top)}")
        return
    if "gain_per_unit_up" not in top:
        for r in top.itertuples():
            _line(f"  {r.shadow_price:+,.4g} {r.unit}: {r.description} [{r.constraint}]")
        return
    said = [rate_words(r, str(r.unit)) for r in top.itertuples()]
    for (more, less), r in zip(said, top.itertuples(), strict=True):
        _line(f"  {more}; {less}: {r.description} [{r.constraint}]")
    if any("no plan is feasible" in f"{a} {b}" for a, b in said):
        held = (
            ". At today's least shortfall: the rate with the least target shortfall held, as "
            "the objective's pass holds it; `allocator solve` finds the new least instead"
            if whole
            else ", and under soft targets the least target shortfall, which the objective's "
            "pass holds"
        )
        held = held if targets else ""
        _line(f"  (no plan is feasible: no plan meets every other limit after that move{held})")
    if any("for at least" in f"{a} {b}" for a, b in said):
        from allocator.solver.marginal import MAX_PROBES
        from allocator.solver.units import EXTEND_UP_TO

        _line(
            "  (for at least: the optimal basis's range only; past "
            f"{EXTEND_UP_TO:,} nonzeros re-solves do not follow the rate further, or the "
            f"{MAX_PROBES} re-solves allowed per side ran out before its end; it may hold further)"
        )
