"""Plans side by side: one row per metric, one column per run.

A run is a `RunView`: a label, its `run.json` content (`info`) and its tables. `load_run` reads one
from a run folder, `view_of` wraps a run solved in memory. `compare` lays the views side by side:

| section | metric | unit | <label 1> | <label 2> | ... |

Sections, in this order:

- `objective`: one row per objective and measure among the views (`objective (jobs)`, the final
  measure's; `objective (jobs, cumulative)`, ...), in that measure's unit: each view's own value
  from `info["objective"]["value"]`, the final measure's from any view's outcomes table, another
  objective under a view's own measure where compare solved it; else blank, and `unit` says why
  (`compareobjective`: `OTHER_MEASURE`, `OTHER_OBJECTIVE`).
- `outcomes`: `total jobs in <year>` (jobs) and `total exports in <year>` (US$ million per year)
  for every milestone year, from the `total` rows of `outcomes`: levels, as `allocator solve`
  gives them. Where a plan's dataset states a base (base.csv) of that kind, each level is
  followed by its parts, as solve splits it: `jobs in <year> existing before the plan
  (base.csv)` and `new jobs in <year> (the plan's)` (outcomes.csv's `jobs_base`, `jobs_new`;
  exports likewise). Then `total investment` (US$ million), the sum of
  `allocation.invest_musd`; then how many plans of the comparison dominate each one
  (`DOMINATED`: no lower jobs or exports level at any milestone, higher at one).
  `compareoutcomes`.
- `sector x phase`: `<sector> / <phase>` (US$ million), the sum of `allocation.invest_musd`
  (`reports.sector_by_phase`), for every pair that is non-zero in any view (0 where a view has
  none); by sector, then phases in time order (by the first year any view invests in them).
- `shadow prices`: each view's five limits whose room buys the most
  (`rates.top_shadow_prices`: at least `rates.ZERO_PRICE`; ties by constraint name, as `allocator
  solve` lists them), the first view's in rank order, then the ones later views add. The metric
  is the constraint's name in `model.lp`; every view shows what one unit more room of that row
  buys in its plan (`compareprices.room_of`: one more unit of a `<=` limit, one less of a `>=`
  one, as `allocator solve` on the data moved gives it), never the shadow price (the rate at the
  margin, which may hold for a thousandth of a unit). Where its run did not re-solve the row (it
  re-solves only those whose room buys the most), a limit the plan does not reach shows 0 (more
  room changes no plan); any other is blank, and `unit` says why for the views it applies to
  (`blank: no such limit in its plan`, `blank: its run did not re-solve this limit ...`).
  `unit` is e.g. `jobs from one more musd of room`: the common unit when the views agree, else
  each unit (or blank's why) followed by the views it applies to.
- `largest differences`: the ten programs whose `allocation_by_phase.total_musd` differs most
  between views (max - min, a program missing from a view has 0 there and shows 0), ties by
  program name; programs that differ by less than 1e-9 of their funding are not listed.

Numbers are copied from the tables (sums use `math.fsum`), never rounded; blank cells are NaN.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.errors import UsageError
from allocator.report.csvtext import write_csv
from allocator.report.rates import RATES, UNITS
from allocator.report.readback import (
    TEXT_COLUMNS,
    read_run_json,
    read_table,
    refuse_edited,
    refuse_two_stage,
)
from allocator.report.tables import phases_in_time_order, sector_by_phase
from allocator.studies.compareobjective import OTHER_MEASURE as OTHER_MEASURE  # its blanks' why
from allocator.studies.compareobjective import OTHER_OBJECTIVE as OTHER_OBJECTIVE
from allocator.studies.compareobjective import objective_rows
from allocator.studies.compareoutcomes import DOMINATED as DOMINATED  # the table's row
from allocator.studies.compareoutcomes import dominated_by, outcome_rows
from allocator.studies.compareprices import Row, price_rows

REQUIRED_TABLES = ("allocation", "allocation_by_phase", "outcomes", "shadow_prices")
NUMBER_COLUMNS = {
    "allocation": ("year", "invest_musd"),
    "allocation_by_phase": ("total_musd",),
    "outcomes": ("year", "jobs", "exports_musd"),
    "shadow_prices": ("shadow_price",),
}
"""The columns of each run table that compare reads as numbers."""
EDITED = "compare does not set it beside other plans as allocator's plan"
EDITED_FIX = (
    "re-run allocator solve into another --out and compare that run (the edited folder is left "
    "as it is); edit copies of a run's tables outside its folder"
)
"""What compare says of a run folder's table changed since allocator wrote it, and the fix."""
KEY_COLUMNS = ("section", "metric", "unit")
SECTIONS = ("objective", "outcomes", "sector x phase", "shadow prices", "largest differences")
TOP_DIFFERENCES = 10
DIFFERENCE_TOLERANCE = 1e-9

_NEEDED_COLUMNS = {
    "allocation": ("program", "sector", "phase", "year", "invest_musd"),
    "allocation_by_phase": ("program", "sector", "total_musd"),
    "outcomes": ("dimension", "year", "jobs", "exports_musd"),
    "shadow_prices": ("constraint", "shadow_price", "unit"),
}


@dataclass(frozen=True)
class RunView:
    """One plan to compare: a label (the column name), its run.json content and its tables."""

    label: str
    info: dict[str, Any]
    tables: dict[str, pd.DataFrame]


def load_run(folder: Path) -> RunView:
    """Read a run folder written by `allocator solve`: run.json and the tables `compare` needs.

    Raises:
        UsageError: the folder, its run.json or one of its tables is missing or unreadable.
    """
    folder = Path(folder)
    again = f"Fix: pass a run folder written by `allocator solve`, or re-run it with --out {folder}"
    if not folder.is_dir():
        raise UsageError(f"run folder {folder} does not exist. {again}")
    info = read_run_json(folder, again)
    refuse_two_stage(
        folder,
        info,
        "compare has no one outcome path of it to set beside another plan's",
        "compare a run of allocator solve without --decide-now, or read its "
        "two_stage_scenarios.csv",
    )
    tables = {}
    for name in REQUIRED_TABLES:
        path = folder / f"{name}.csv"
        if not path.is_file():
            raise UsageError(f"run folder {folder} has no {name}.csv. {again} --force")
        table = tables[name] = _read_table(path, again)
        _numbers(table, path, _number_columns(name, table), again)
        refuse_edited(folder, [path.name], info, EDITED, EDITED_FIX)  # a bad cell named first
    label = folder.name or folder.resolve().name
    return view_of(label, info, tables, where=str(folder))


def _number_columns(name: str, table: pd.DataFrame) -> tuple[str, ...]:
    """`NUMBER_COLUMNS` of a table, and shadow_prices' rates and whole units where it has them
    (an older allocator's run folder may not)."""
    extra = (*RATES, *UNITS) if name == "shadow_prices" else ()
    return NUMBER_COLUMNS[name] + tuple(c for c in extra if c in table.columns)


def _numbers(frame: pd.DataFrame, path: Path, columns: tuple[str, ...], again: str) -> None:
    """Refuse a table whose `columns` (those compare reads as numbers) hold a cell that is no
    number, or an empty year (an edited run folder): one line naming the file, row and column.

    Raises:
        UsageError: the first such cell.
    """
    for col in columns:
        if col not in frame.columns:
            raise UsageError(f"{path} has no column {col}. {again} --force")
        values = frame[col]
        bad = pd.to_numeric(values, errors="coerce").isna()  # no number, or an empty cell
        if col != "year":  # a plan with no duals (an alternative) has empty prices
            bad &= values.notna()
        if pd.api.types.is_bool_dtype(values):
            bad = pd.Series(True, index=values.index)
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            cell = values.iloc[i]
            what = "is empty" if pd.isna(cell) else f"{str(cell)[:40]!r} is not a number"
            raise UsageError(
                f"{path}, row {i + 2}, column '{col}': {what}. {again} --force (an edited table "
                "is not what allocator wrote)"
            )


def _read_table(path: Path, again: str) -> pd.DataFrame:
    """A run table as written (`readback.read_table`: a program named NA keeps its name),
    identifiers as text (empty = ""), numbers as floats."""
    frame = read_table(path, f"{again} --force")
    for col in TEXT_COLUMNS:
        if col in frame.columns:
            frame[col] = frame[col].fillna("")
    return frame


def view_of(
    label: str, info: dict[str, Any], tables: dict[str, pd.DataFrame], where: str | None = None
) -> RunView:
    """A run solved in memory (`pipeline.tables_of`, run.json's content as `runs.solve.run_info`
    makes it) as a `RunView`.

    `info` needs `objective` with `name`, `value` and `unit`; `tables` needs allocation,
    allocation_by_phase, outcomes and shadow_prices with the columns of the run folder.
    """
    where = where or f"run '{label}'"
    objective = info.get("objective") if isinstance(info, dict) else None
    if not isinstance(objective, dict) or not {"name", "value", "unit"} <= set(objective):
        raise UsageError(
            f"{where}: run.json has no objective with name, value and unit. "
            "Fix: pass the run information written by `allocator solve` (its run.json)"
        )
    for name in REQUIRED_TABLES:
        if name not in tables:
            raise UsageError(f"{where}: the {name} table is missing. Fix: pass api.tables_of(...)")
        missing = [c for c in _NEEDED_COLUMNS[name] if c not in tables[name].columns]
        if missing:
            raise UsageError(
                f"{where}: the {name} table has no column {', '.join(missing)}. "
                "Fix: re-run `allocator solve` with this version of allocator"
            )
    return RunView(str(label), dict(info), dict(tables))


def compare(views: list[RunView]) -> pd.DataFrame:
    """The views side by side: section, metric, unit, then one column per view (see the module)."""
    if not views:
        raise UsageError("nothing to compare. Fix: pass at least one run")
    labels = unique_labels([v.label for v in views])
    rows: list[dict[str, Any]] = []
    builders = (objective_rows, outcome_rows, _sector_phase_rows, price_rows, _difference_rows)
    for section, build in zip(SECTIONS, builders, strict=True):
        for metric, unit, values in build(views, labels):
            rows.append(
                {
                    "section": section,
                    "metric": metric,
                    "unit": unit,
                    **dict(zip(labels, values, strict=True)),
                }
            )
    table = pd.DataFrame(rows, columns=[*KEY_COLUMNS, *labels])
    table[labels] = table[labels].astype(float)
    return table


def unique_labels(labels: Iterable[str]) -> list[str]:
    """Labels as column names: a repeated label (or one of section, metric, unit) gets ` (2)`..."""
    taken = set(KEY_COLUMNS)
    out = []
    for label in labels:
        name, n = label, 2
        while name in taken:
            name, n = f"{label} ({n})", n + 1
        taken.add(name)
        out.append(name)
    return out


def dominated(table: pd.DataFrame) -> dict[str, list[str]]:
    """From a compare table: each plan dominated by another, with the plans that dominate it."""
    labels = [c for c in table.columns if c not in KEY_COLUMNS]
    rows = table[(table["section"] == "outcomes") & table["metric"].str.startswith("total ")]
    rows = rows[rows["metric"] != "total investment"]
    outcomes = [[float(x) for x in r] for r in rows[labels].itertuples(index=False)]
    return {k: v for k, v in dominated_by(labels, outcomes).items() if v}


def _sector_phase_rows(views: list[RunView], labels: list[str]) -> list[Row]:
    allocs = [v.tables["allocation"] for v in views]
    grids = [sector_by_phase(a) for a in allocs]
    sums = [
        {(s, p): x for s, row in grid.iterrows() for p, x in row.items() if x != 0}
        for grid in grids
    ]
    phases = phases_in_time_order(pd.concat(allocs, ignore_index=True))
    order: dict[Hashable, int] = {p: i for i, p in enumerate(phases)}  # grid labels: Hashable
    pairs = {k for s in sums for k in s}
    rows = []
    for sector, phase in sorted(pairs, key=lambda k: (k[0], order[k[1]])):
        values = [s.get((sector, phase), 0.0) for s in sums]
        rows.append((f"{sector} / {phase}", "US$ million", values))
    return rows


def _difference_rows(views: list[RunView], labels: list[str]) -> list[Row]:
    totals = []
    for v in views:
        frame = v.tables["allocation_by_phase"]
        totals.append(
            {str(p): float(t) for p, t in frame[["program", "total_musd"]].itertuples(index=False)}
        )
    ranked = []
    for program in sorted({p for t in totals for p in t}):
        values = [t.get(program, 0.0) for t in totals]
        spread = max(values) - min(values)
        if spread > DIFFERENCE_TOLERANCE * max(1.0, *(abs(x) for x in values)):
            ranked.append((-spread, program))
    rows = []
    for _, program in sorted(ranked)[:TOP_DIFFERENCES]:
        rows.append((program, "US$ million", [t.get(program, 0.0) for t in totals]))
    return rows


def write_compare(table: pd.DataFrame, folder: Path) -> list[Path]:
    """Write `compare.csv` and `compare.xlsx` (one sheet, `compare`) into an existing folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder. Fix: create it first, or choose another one")
    csv_path, xlsx_path = folder / "compare.csv", folder / "compare.xlsx"
    write_csv(table, csv_path)
    from allocator.report.book import write_results_workbook  # xlsxwriter when writing only

    # a plan's column holds numbers of each row's unit: its header names the unit column, as
    # every mixed-unit column of the workbooks does (never the unit a plan's name would get)
    heads = [c if c in KEY_COLUMNS else f"{c} (see unit column)" for c in map(str, table.columns)]
    write_results_workbook(xlsx_path, [("compare", heads, table)])
    return [csv_path, xlsx_path]


def format_number(value: float) -> str:
    """For the terminal only: thousands separators, at most 2 decimals (4 significant digits
    below 1), no trailing zeros; blank for a missing value."""
    if value != value:  # NaN
        return ""
    if value == 0:
        return "0"
    text = f"{value:,.2f}" if abs(value) >= 1 else f"{value:.4g}"
    if "." in text and "e" not in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
