"""`allocator replan RUN --actuals FILE --as-of YEAR`: re-plan the later years of an approved
plan from what was actually spent.

The approved plan is a run folder of `allocator solve` (its run.json gives the dataset and the
options, read by `recheck.options_of_run` in `_options` only; its allocation.csv the money).
The LP is the solve's, with rows added (families registered only while a re-plan runs):

- `replan_spent[program, pool, phase]`: for every phase that starts on or before the as-of
  year, the money of (program, pool) in that phase's years up to the as-of year equals what was
  spent there (0 where the actuals say nothing). A phase that has ended is fixed as a whole; a
  phase that straddles the as-of year keeps what was spent so far, and its later years are free.
- `replan_change[program]` (`--max-change`): a program's money after the as-of year stays within
  the limit of what the approved plan put there (a share of it, or US$ million).
- `--least-change`: columns `replan_move[program, pool, phase]` >= |re-planned - approved| money
  after the as-of year (rows `replan_above`, `replan_below`), and an objective `least_change`
  (minus their sum) maximised on the optimal face right after the objective, before the
  efficiency passes: at the same optimum, within the passes' own tolerance, the plan that moves
  the least money.

Every pass of a solve runs (`results.solve_lp`); the tables are the solve's, plus replan.csv.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.errors import InfeasibleError, UsageError
from allocator.model.families import FAMILIES, VARIABLES, Family
from allocator.pipeline import SolveOptions

LEAST_CHANGE = "least_change"
"""The name of the least-change objective (minus the money moved)."""

_FAMILIES = {
    "replan_spent": Family(
        ("program", "pool", "phase"),
        "musd",
        "money of pool {pool} into {program} in {phase} up to the as-of year, fixed to actuals",
    ),
    "replan_change": Family(
        ("program",),
        "musd",
        "change of {program}'s money after the as-of year against the approved plan",
    ),
    "replan_above": Family(
        ("program", "pool", "phase"), "musd", "money moved up: {pool} into {program} in {phase}"
    ),
    "replan_below": Family(
        ("program", "pool", "phase"), "musd", "money moved down: {pool} into {program} in {phase}"
    ),
}
_VARIABLES = {
    "replan_move": Family(
        ("program", "pool", "phase"),
        "musd",
        "money of pool {pool} into {program} in {phase} moved against the approved plan",
    )
}


@contextmanager
def replan_families() -> Iterator[None]:
    """The re-plan's row and column families in the registry while a re-plan runs (the solve's
    registry, its docs and its tests, stay as they are otherwise)."""
    added = [(reg, k) for reg, new in ((FAMILIES, _FAMILIES), (VARIABLES, _VARIABLES)) for k in new]
    for reg, new in ((FAMILIES, _FAMILIES), (VARIABLES, _VARIABLES)):
        for k, v in new.items():
            reg.setdefault(k, v)
    try:
        yield
    finally:
        for reg, k in added:
            reg.pop(k, None)


@dataclass(frozen=True)
class Churn:
    """`--max-change`: a share of a program's approved money after the as-of year, or musd."""

    text: str
    share: float | None = None
    musd: float | None = None

    def limit(self, approved: float) -> float:
        """The most a program with `approved` musd after the as-of year may move."""
        return self.musd if self.musd is not None else (self.share or 0.0) * approved


def churn_of(text: str | None) -> Churn | None:
    """`--max-change` read by the number rule: `10%` (a share) or `50musd` (US$ million).

    Raises:
        UsageError: anything else, with an example.
    """
    from allocator.data.numbers import parse_money, parse_share

    if text is None:
        return None
    t = text.strip()
    fix = "Fix: write a share such as 10% or an amount such as 50musd"
    try:
        if t.endswith("%"):
            churn = Churn(t, share=parse_share(t))
        elif t.lower().endswith(("musd", "m", "b", "bn", "k")):
            churn = Churn(t, musd=parse_money(t))
        else:
            raise UsageError(f"--max-change '{text}' has no unit (% or musd). {fix}")
    except ValueError as exc:
        raise UsageError(f"--max-change '{text}': {exc}. {fix}") from None
    if min(churn.share or 0.0, churn.musd or 0.0) < 0:
        raise UsageError(f"--max-change '{text}' is negative. {fix}")
    return churn


@dataclass
class ReplanOptions:
    """What `allocator replan` was asked to do."""

    run: Path
    actuals: Path | None
    """None: the `actuals` sheet of the run's input workbook."""
    as_of: int
    max_change: str | None = None
    least_change: bool = False
    out: Path | None = None
    force: bool = False
    results: Path = Path("results")


@dataclass
class Approved:
    """The approved run: its options, money by (program, pool, year), objective and binding
    rows."""

    folder: Path
    info: dict[str, Any]
    opts: SolveOptions
    money: dict[tuple[str, str, int], float]
    binding: list[str]


def _options(info: dict[str, Any]) -> SolveOptions:
    """The approved run's options: the one call to the run reader (to be swapped for the typed
    run spec in one place)."""
    from allocator.recheck import options_of_run

    return options_of_run(info)


def read_approved(folder: Path) -> Approved:
    """The approved plan of a solve run folder.

    Raises:
        UsageError: not a solve run folder (run.json), or no allocation.csv.
    """
    from allocator.recheck import run_record
    from allocator.report.write import read_table

    info = run_record(folder)
    fix = "Fix: pass a run folder written by allocator solve"
    path = folder / "allocation.csv"
    if not path.is_file():
        raise UsageError(f"{folder} has no allocation.csv. {fix}")
    table = read_table(path, fix)
    parts: dict[tuple[str, str, int], list[float]] = defaultdict(list)
    for n, r in enumerate(table.to_dict("records"), start=2):
        try:
            key = (str(r["program"]), str(r["pool"]), int(r["year"]))
            parts[key].append(float(r["invest_musd"]))
        except (KeyError, TypeError, ValueError):
            raise UsageError(
                f"{path}, row {n}: not a row of allocator's allocation.csv (program, pool, year, "
                f"invest_musd). {fix}, unedited"
            ) from None
    money = {k: math.fsum(v) for k, v in sorted(parts.items())}
    prices = folder / "shadow_prices.csv"
    t = read_table(prices, fix) if prices.is_file() else pd.DataFrame()
    columns = {"constraint", "family", "binding", "shadow_price"}
    binding = binding_rows(t) if columns <= set(t.columns) else []
    return Approved(folder, info, _options(info), money, binding)


def _true(value: object) -> bool:
    return value is True or str(value).strip().lower() == "true"


def run_replan(ro: ReplanOptions) -> dict[str, Any]:
    """Re-plan and write the run folder atomically; returns run.json's `replan` part with the
    folder (`folder`) and the summary lines (`lines`)."""
    from allocator.pipeline import load_scenario, run_info, sources_of
    from allocator.report.write import check_target
    from allocator.studies import replanout
    from allocator.studies.actuals import load_actuals

    approved = read_approved(ro.run)
    opts = approved.opts
    given = ro.actuals or _input_book(opts)
    churn = churn_of(ro.max_change)
    sources = [*sources_of(opts), ("approved run", ro.run), ("actuals", given)]
    if ro.out is not None:
        check_target(ro.out, ro.force, sources)
    t0 = time.perf_counter()
    inp = load_scenario(opts)
    _check_as_of(inp, ro.as_of)
    actuals = load_actuals(given, inp, ro.as_of)
    load_s = time.perf_counter() - t0
    with replan_families():  # the tables, workbook and report name the re-plan's rows
        sol, timings = _solve(inp, opts, approved, actuals.spent, ro, churn)
        tables = _tables(inp, sol, approved, ro.as_of)
        facts = _facts(inp, sol, approved, actuals, ro, churn, tables)
        info = run_info(inp, sol, opts, {"load": load_s, **timings})
        info["command"] = "replan"  # --check-against and a re-plan refuse it: not a solve run
        info["replan"] = facts
        folder = _write(ro, opts, inp, sol, tables, info, sources)
    shown = tables["replan"].to_dict("records")
    lines = replanout.summary_lines(facts)
    return facts | {"folder": folder, "lines": lines, "table": shown}


def _input_book(opts: SolveOptions) -> Path:
    """The run's input workbook, whose `actuals` sheet holds the actuals when --actuals is not
    given.

    Raises:
        UsageError: the run's inputs are a folder of CSV tables.
    """
    from allocator.data.inputs import BOOK_SUFFIXES

    book = Path(opts.inputs)
    if book.suffix.lower() not in BOOK_SUFFIXES:
        raise UsageError(
            f"--actuals is missing, and the run's inputs ({book}) are no workbook with an "
            "actuals sheet. Fix: pass --actuals actuals.csv (program, pool, year, spent_musd)"
        )
    return book


def _check_as_of(inp: Any, as_of: int) -> None:
    first, last = inp.years[0], inp.years[-1]
    if not first <= as_of < last:
        raise UsageError(
            f"--as-of {as_of} is outside the years a re-plan can split ({first}-{last - 1}): "
            f"nothing {'was spent' if as_of < first else 'is left to re-plan'}. "
            f"Fix: pass a year from {first} to {last - 1}"
        )


def _solve(
    inp: Any,
    opts: SolveOptions,
    approved: Approved,
    spent: dict[tuple[str, str, str], float],
    ro: ReplanOptions,
    churn: Churn | None,
) -> tuple[Any, dict[str, float]]:
    """The solve's LP with the re-plan's rows, solved with every pass of a solve."""
    from allocator.model.build import build_model
    from allocator.model.linear import paused_gc
    from allocator.pipeline import objective_unit, objective_words
    from allocator.report.explain import explained
    from allocator.solver.compile import compile_lp
    from allocator.solver.passes import apply_options
    from allocator.solver.results import solve_lp
    from allocator.studies.replanlp import add_replan_rows

    measure = opts.measured()
    t0 = time.perf_counter()
    with paused_gc():
        model, sets = build_model(inp, opts.targets, None, measure)
        add_replan_rows(model, sets, spent, approved.money, ro.as_of, churn, ro.least_change)
        tb = time.perf_counter()
        lp = compile_lp(model)
    apply_options(lp, opts.solver)
    t1 = time.perf_counter()
    first = LEAST_CHANGE if ro.least_change else None
    unit = objective_unit(opts.objective, measure)
    try:
        sol = solve_lp(lp, opts.objective, opts.weights, unit, first=first)
    except InfeasibleError as exc:
        raise explained(inp, exc) from None
    sol.lp = lp
    sol.label = objective_words(inp, opts.objective, measure)
    t2 = time.perf_counter()
    return sol, {"build": tb - t0, "handoff": t1 - tb, "solve": t2 - t1}


def binding_rows(prices: pd.DataFrame) -> list[str]:
    """The rows that bind (shadow_prices.csv's `binding`), sorted; of the re-plan's own rows
    only a churn limit whose shadow price is not 0 (the actuals and the least-change rows hold
    by construction, and a limit of 0 on a program the plan leaves alone costs nothing)."""
    found = []
    for r in prices.itertuples(index=False):
        if not _true(r.binding) or str(r.family) in (
            "replan_spent",
            "replan_above",
            "replan_below",
        ):
            continue
        if r.family == "replan_change" and not float(r.shadow_price):
            continue
        found.append(str(r.constraint))
    return sorted(found)


def _cost(before: float, after: float) -> float:
    """What the deviations cost: the approved objective minus the re-planned optimum, 0 within
    the solver's relative tolerance (1e-9), so noise is not reported as a cost."""
    cost = before - after
    return 0.0 if abs(cost) <= 1e-9 * max(1.0, abs(before)) else cost


def _tables(inp: Any, sol: Any, approved: Approved, as_of: int) -> dict[str, pd.DataFrame]:
    from allocator.pipeline import tables_of
    from allocator.studies.replanout import replan_table

    tables = tables_of(inp, sol)
    tables["replan"] = replan_table(inp, approved.money, tables["allocation"], as_of)
    return tables


def _facts(
    inp: Any,
    sol: Any,
    approved: Approved,
    actuals: Any,
    ro: ReplanOptions,
    churn: Churn | None,
    tables: dict[str, pd.DataFrame],
) -> dict[str, Any]:
    """run.json's `replan`: what was asked, what the deviations cost, what binds now."""
    from allocator.studies import replanout

    obj = approved.info.get("objective", {})
    before = float(obj.get("value", float("nan")))
    prices = tables["shadow_prices"]
    now = binding_rows(prices)
    changed = [
        n for n, old in approved.info["inputs"]["sha256"].items() if inp.file_hashes.get(n) != old
    ]
    data = Path(actuals.file).read_bytes() if Path(actuals.file).is_file() else b""
    return {
        "approved_run": str(approved.folder),
        "actuals": {
            "file": actuals.file,
            "sha256": hashlib.sha256(data).hexdigest(),
            "rows": actuals.rows,
        },
        "as_of": ro.as_of,
        "max_change": None if churn is None else churn.text,
        "least_change": ro.least_change,
        "approved_objective": before,
        "replanned_objective": sol.objective_value,
        "cost_of_deviations": _cost(before, sol.objective_value),
        "unit": sol.objective_unit,
        "label": sol.label,
        "moved_musd": replanout.moved(approved.money, tables["allocation"], inp, ro.as_of),
        "binding_new": [c for c in now if c not in approved.binding],
        "binding_gone": [c for c in approved.binding if c not in now],
        "inputs_changed_since_approved": changed,
    }


def _write(
    ro: ReplanOptions,
    opts: SolveOptions,
    inp: Any,
    sol: Any,
    tables: dict[str, pd.DataFrame],
    info: dict[str, Any],
    sources: list[tuple[str, Path | None]],
) -> Path:
    """The run folder, atomically: the solve's tables, replan.csv, workbook, report, run.json."""
    from allocator.pipeline import sheets_of
    from allocator.report.folders import output_faults
    from allocator.report.html import assumptions_of
    from allocator.report.write import (
        atomic_run_dir,
        default_run_dir,
        release_run_dir,
        write_run,
    )

    label = opts.name or Path(opts.inputs).name
    with output_faults(ro.results):
        folder = ro.out or default_run_dir(ro.results, label, "replan")
    sheets = sheets_of(inp, sol, tables)
    try:
        with atomic_run_dir(folder, ro.force, sources) as tmp:
            write_run(
                tmp, tables, info, None, sheets, command="replan", assumptions=assumptions_of(inp)
            )
    except BaseException:
        if ro.out is None:
            release_run_dir(folder)
        raise
    return folder
