"""sweep_summary.csv: what a finished sweep's folder says, read back from its tables. What the
fixed plan delivers (P5/P50/P95 of its outcomes, money cut, targets missed), then, with perfect
foresight, P5/P50/P95 of jobs and exports with the nominal plan placed among the samples, and per
program how often funded and its range; the units follow the sweep's measure.

Jobs and exports are levels, as a solve's: what exists before the plan (base.csv) plus what the
plan adds. The base is no uncertain number, so every sample holds the same part of it:
`existing_before_plan` says that part on each row of a level (sweep.json's `base`:
`base_levels`), and the plan's new jobs are the level less it, sample by sample and so
percentile by percentile (each P5, P50, P95 is a value some sample reached). `report.sweepbase`
says it in words, on the terminal and the page.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from allocator.model.measures import Measure
from allocator.report.studyhtml import FORESIGHT, percentiles
from allocator.report.sweepbase import BASE_COLUMN
from allocator.studies.plantable import plan_counts, plan_summary
from allocator.studies.sweepfolder import read_table

if TYPE_CHECKING:
    from allocator.data.schema import Inputs

SUMMARY_COLUMNS = [
    "item",
    "unit",
    "samples",
    "p5",
    "p50",
    "p95",
    "nominal",
    "nominal_percentile",
    "funded_share",
    "min",
    "max",
    "existing_before_plan",
    "basis",
]


def sweep_units(measure: str | None, rate: float | None) -> tuple[str, str]:
    """The units of a sweep's jobs and exports under its measure (final: a year's exports)."""
    kind = Measure(measure or "final", rate or 0.0)
    jobs_unit, exports_unit = kind.units()
    return jobs_unit, "US$ million per year" if kind.kind == "final" else exports_unit


def _placed(value: float | None, samples: np.ndarray) -> dict[str, float]:
    """The nominal value and its percentile among the samples (ties count half)."""
    if value is None:
        return {}
    from scipy.stats import percentileofscore

    where = float(percentileofscore(samples, value, kind="mean")) if len(samples) else None
    return {"nominal": float(value)} | ({} if where is None else {"nominal_percentile": where})


def summarise(folder: Path) -> pd.DataFrame:
    """What the fixed plan delivers (P5/P50/P95 of its outcomes, money cut, targets missed),
    then, with perfect foresight, P5/P50/P95 of jobs and exports, with the nominal plan's value
    and its percentile among the samples, and per program how often funded and its range."""
    sweep = read_table(folder / "sweep.csv")
    ok = sweep[sweep["status"] == "optimal"]
    record = _record(folder)
    units = sweep_units(record.get("measure"), record.get("discount_rate"))
    nominal = record.get("nominal") or {}
    rows = _outcome_rows(ok, nominal, units) + _program_rows(folder, ok)
    failed = sweep[sweep["status"] != "optimal"]
    rows.append({"item": "failed samples", "unit": "samples", "samples": len(failed)})
    rows = plan_summary(folder, record.get("plan"), units) + rows
    _add_base(rows, record.get("base"))
    table = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)  # every column, even with no answer
    table.attrs["plan"] = plan_counts(folder, record.get("plan"))  # for the terminal
    table.to_csv(
        folder / "sweep_summary.csv", index=False, float_format="%.12g", lineterminator="\n"
    )
    return table


def base_levels(inp: Inputs, measure: str | None, rate: float | None) -> dict[str, float]:
    """sweep.json's `base`: the part of each level the sweep reports that exists before the
    plan, keyed as sweep_summary.csv's items without `plan `: `jobs` and `exports_musd` under
    the measure (each base row weighed in every weighted year from its own year on, as the LP's
    objective counts it: `levels.level_blocks`), `jobs@YEAR` and `exports_musd@YEAR` at each
    milestone."""
    from allocator.model.measures import weight_from

    years, milestones = list(inp.years), sorted(m.year for m in inp.milestones)
    kind = Measure(measure or "final", rate or 0.0)
    weighed = {"": kind.weights(years, milestones)}
    weighed |= {f"@{y}": {y: 1.0} for y in milestones}
    out = {}
    for suffix, weights in weighed.items():
        ahead = weight_from(years, weights)
        for what, column in (("jobs", "jobs"), ("exports", "exports_musd")):
            parts = [ahead.get(b.year, 0.0) * b.value for b in inp.base if b.kind == what]
            out[column + suffix] = float(math.fsum(parts))
    return out


def _add_base(rows: list[dict[str, Any]], base: Any) -> None:
    """`existing_before_plan` of each row of a level, from sweep.json's `base` (none in a
    folder an older allocator wrote: left empty)."""
    if not isinstance(base, dict):
        return
    for row in rows:
        key = str(row["item"]).removeprefix("plan ")
        if isinstance(base.get(key), int | float):
            row[BASE_COLUMN] = float(base[key])


def _record(folder: Path) -> dict[str, Any]:
    """The sweep's sweep.json; empty if it cannot be read."""
    from allocator.errors import UsageError
    from allocator.report.jsonfile import read_json

    try:
        record = read_json(folder / "sweep.json", "")
    except UsageError:
        return {}
    return record if isinstance(record, dict) else {}


def _outcome_rows(
    ok: pd.DataFrame, nominal: dict[str, Any], units: tuple[str, str]
) -> list[dict[str, Any]]:
    """The rows of jobs and exports, then of the targets missed (none with --targets off), over
    the solved samples `ok`, each with the nominal plan's value placed among them."""
    jobs_unit, exports_unit = units
    rows = []
    for column, unit in (("jobs", jobs_unit), ("exports_musd", exports_unit)):
        v = ok[column].to_numpy()
        spread = percentiles(v)
        rows.append(
            {"item": column, "unit": unit, "samples": len(v), **spread, "basis": FORESIGHT}
            | _placed(nominal.get(column), v)
        )
    if "targets_missed" in ok and ok["targets_missed"].notna().all():  # empty: --targets off
        v = ok["targets_missed"].to_numpy(dtype=float)
        rows.append(
            {"item": "targets_missed", "unit": "targets", "samples": len(v), **percentiles(v)}
            | {"min": float(v.min()) if len(v) else None, "max": float(v.max()) if len(v) else None}
            | {"basis": FORESIGHT}
            | _placed(nominal.get("targets_missed"), v)
        )
    return rows


def _program_rows(folder: Path, ok: pd.DataFrame) -> list[dict[str, Any]]:
    """Per program (by name), its money over the solved samples `ok`: P5/P50/P95, how often
    funded, its least and most."""
    progs = read_table(folder / "sweep_programs.csv")
    progs = progs[progs["sample"].isin(ok["sample"])]
    rows = []
    for prog, g in progs.groupby("program", sort=True):
        v = g["invest_musd"].to_numpy()
        rows.append(
            {
                "item": f"program {prog}",
                "unit": "US$ million",
                "samples": len(v),
                **percentiles(v),
                "funded_share": float((v > 1e-6).mean()),
                "min": float(v.min()),
                "max": float(v.max()),
                "basis": FORESIGHT,
            }
        )
    return rows
