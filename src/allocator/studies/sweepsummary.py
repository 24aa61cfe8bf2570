"""sweep_summary.csv: what a finished sweep's folder says, read back from its tables. What the
fixed plan delivers (P5/P50/P95 of its outcomes, money cut, targets missed), then, with perfect
foresight, P5/P50/P95 of jobs and exports with the nominal plan placed among the samples, and per
program how often funded and its range; the units follow the sweep's measure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allocator.model.measures import Measure
from allocator.report.studyhtml import FORESIGHT, percentiles
from allocator.studies.plantable import plan_counts, plan_summary
from allocator.studies.sweepfolder import read_table

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
    table = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)  # every column, even with no answer
    table.attrs["plan"] = plan_counts(folder, record.get("plan"))  # for the terminal
    table.to_csv(
        folder / "sweep_summary.csv", index=False, float_format="%.12g", lineterminator="\n"
    )
    return table


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
