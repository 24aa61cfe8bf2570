"""sweep_plan.csv: what a sweep writes of the fixed plan it evaluates (`studies/fixedplan.py`),
one row per sample as samples finish, and what it reads back from it: the fixed plan's rows of
sweep_summary.csv (P5/P50/P95 over the samples) and the counts the terminal shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from allocator.studies.sweepstream import AppendFile, csv_text


def plan_columns(milestones: list[int]) -> list[str]:
    """The columns of sweep_plan.csv for a dataset with these milestone years."""
    per_year = [f"plan_{k}@{y}" for y in milestones for k in ("jobs", "exports_musd")]
    return [
        "sample",
        "plan_objective",
        "plan_jobs",
        "plan_exports_musd",
        *per_year,
        "money_cut_musd",
        "link_cut_musd",
        "targets_missed",
        "jobs_short",
        "exports_short_musd",
        "links_broken",
    ]


class PlanTable:
    """sweep_plan.csv, appended as samples finish (with the sweep's other tables, before their
    sweep.csv rows: `sweepwriter.StreamWriter`); a sample without a plan row (its task failed) gets
    one when --resume solves it."""

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.columns = columns
        self.rows: list[list[str]] = []
        self.file = AppendFile(path)
        if self.file.size() == 0 and columns:
            self.file.append(csv_text([columns]))

    def write(self, sample: int, got: dict[str, Any] | None) -> None:
        """One sample's row (nothing without a plan evaluation), appended at `flush`."""
        if got is None or not self.columns:
            return
        row = {"sample": sample, **got}
        self.rows.append(["" if row.get(c) is None else f"{row[c]:.12g}" for c in self.columns])

    def flush(self) -> None:
        """Append the rows written since the last flush."""
        rows, self.rows = self.rows, []
        if rows:
            self.file.append(csv_text(rows))

    def close(self) -> None:
        """Close the file; rows not flushed are dropped (their samples are not committed)."""
        self.rows = []
        self.file.close()


def plan_basis(plan: str | None) -> str:
    """The label of the fixed plan's rows: what plan, evaluated without re-optimising."""
    return f"this plan ({plan or 'nominal plan'}), fixed: not re-optimised"


def plan_summary(folder: Path, plan: str | None, units: tuple[str, str]) -> list[dict[str, Any]]:
    """sweep_summary.csv's rows of the fixed plan: P5/P50/P95 over the samples of its jobs and
    exports (under the measure and at each milestone), money cut and targets missed."""
    from allocator.report.studyhtml import percentiles
    from allocator.studies.sweepfolder import read_table

    path = folder / "sweep_plan.csv"
    if not path.is_file():
        return []
    table = read_table(path)
    jobs_unit, exports_unit = units
    rows = []
    for column in table.columns.drop(["sample", "plan_objective"]):
        item = column.removeprefix("plan_")
        unit = (
            jobs_unit
            if item == "jobs"
            else exports_unit
            if item == "exports_musd"
            else _unit_of(item)
        )
        v = table[column].to_numpy(dtype=float)
        spread = percentiles(v)  # the sweep's one reading (a value some sample reached)
        extra = {"min": float(v.min()), "max": float(v.max())} if len(v) else {}
        rows.append(
            {"item": f"plan {item}", "unit": unit, "samples": len(v), **spread, **extra}
            | {"basis": plan_basis(plan)}
        )
    return rows


def _unit_of(item: str) -> str:
    if item.startswith("jobs@") or item == "jobs_short":
        return "jobs"
    if item.startswith("exports_musd@"):
        return "US$ million per year"
    if item == "exports_short_musd":
        return "US$ million per year"
    if item in ("money_cut_musd", "link_cut_musd"):
        return "US$ million"
    return "targets" if item == "targets_missed" else "rows"


def plan_counts(folder: Path, plan: str | None) -> dict[str, Any]:
    """In how many samples the fixed plan has money cut, misses a target or breaks a link
    (for the terminal), and what the plan is."""
    from allocator.studies.sweepfolder import read_table

    path = folder / "sweep_plan.csv"
    if not path.is_file():
        return {}
    table = read_table(path)
    counts = {
        c: int((table[c] > 1e-9).sum())
        for c in ("money_cut_musd", "link_cut_musd", "targets_missed", "links_broken")
        if c in table.columns and table[c].notna().any()  # empty: not counted (--targets off)
    }
    return {"samples": len(table), "plan": plan or "nominal plan", **counts}
