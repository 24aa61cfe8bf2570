"""Why a plan is infeasible, in words: the conflicting constraints with the input file, row and
column each comes from, and the smallest change of the data that makes the plan feasible."""

from __future__ import annotations

from typing import TYPE_CHECKING

from allocator.constraints import FAMILIES, VARIABLES
from allocator.schema import Inputs, Row

if TYPE_CHECKING:
    from allocator.solve import CompiledLP, Diagnosis

# The input column behind each family's right-hand side.
COLUMN = {
    "budget": "budget_musd",
    "program_cap": "cap_musd",
    "program_floor": "floor_musd",
    "ramp": "max_annual_share",
    "group_max": "max_musd",
    "group_min": "min_musd",
    "group_share": "max_share",
    "risk_budget": "budget_musd",
    "risk_cover": "coverage",
    "export_capacity": "exports_per_musd",
    "export_market": "market_musd",
    "target": "value",
    "shortfall_total": "value",
    "invest": "first_year/last_year",
}


def _find(rows: tuple[Row, ...], **key: object) -> Row | None:
    return next((r for r in rows if all(getattr(r, k) == v for k, v in key.items())), None)


def source_row(inp: Inputs, family: str, labels: dict[str, object]) -> tuple[str, Row | None]:
    """The input file and row a constraint (or a variable's bounds) comes from."""
    program, year = labels.get("program"), labels.get("year")
    if family == "budget":
        return "pools.csv", _find(inp.pools, pool=labels["pool"], phase=labels["phase"])
    if family in ("program_cap", "program_floor", "ramp", "export_capacity", "invest"):
        return "programs.csv", _find(inp.programs, program=program)
    if family.startswith("group_"):
        return "groups.csv", _find(
            inp.groups,
            dimension=labels["dimension"],
            member=labels["member"],
            phase=labels["phase"],
        )
    if family.startswith("risk_"):
        return "risks.csv", _find(inp.risks, risk=labels["risk"])
    if family == "export_market":
        rows = [
            mk
            for mk in inp.markets
            if mk.key == (labels["dimension"], labels["member"]) and mk.year <= int(str(year))
        ]
        return "markets.csv", max(rows, key=lambda mk: mk.year, default=None)
    if family == "target":
        member = None if labels["member"] == "all" else labels["member"]
        return "targets.csv", _find(
            inp.targets,
            kind=labels["kind"],
            dimension=labels["dimension"],
            member=member,
            year=year,
        )
    return "targets.csv", None


def _where(inp: Inputs, family: str, labels: dict[str, object]) -> str:
    file, row = source_row(inp, family, labels)
    column = COLUMN.get(family, "")
    at = f"{file} row {row.line}" if row is not None else file
    return f"{at}, column {column}" if column else at


def _unit(family: str, labels: dict[str, object]) -> str:
    if family == "target":
        return "jobs" if labels.get("kind") == "jobs" else "musd"
    return "" if family == "shortfall_total" else "musd"


def _row_words(lp: CompiledLP, i: int, side: str) -> tuple[str, dict[str, object], str]:
    fam = lp.row_family[i]
    labels = dict(zip(FAMILIES[fam].dims, lp.row_index[i], strict=True))
    words = FAMILIES[fam].words.format(**labels)
    bound = lp.row_upper[i] if side == "upper" else lp.row_lower[i]
    op = "<=" if side == "upper" else ">="
    return fam, labels, f"{words} {op} {bound:,.6g} {_unit(fam, labels)}".rstrip()


def explain(inp: Inputs, lp: CompiledLP, diag: Diagnosis) -> list[str]:
    """Lines for the terminal: the conflicting set, then the smallest relaxation."""
    lines = []
    if diag.rows or diag.cols:
        lines.append(
            "These constraints conflict (an irreducible infeasible subset: without any "
            "one of them the rest can be met):"
        )
        for i, side in diag.rows:
            fam, labels, words = _row_words(lp, i, side)
            lines.append(f"  - {lp.row_names[i]}: {words} ({_where(inp, fam, labels)})")
        for j, side in diag.cols:
            fam = lp.col_family[j]
            labels = dict(zip(VARIABLES[fam].dims, lp.col_index[j], strict=True))
            bound = lp.col_upper[j] if side == "upper" else lp.col_lower[j]
            what = (
                "timing window: no money" if fam == "invest" and bound == 0 else f"bound {bound:g}"
            )
            if side == "lower" and bound == 0:
                continue  # money is never negative: true of every variable, not worth a line
            lines.append(f"  - {lp.col_names[j]}: {what} ({_where(inp, fam, labels)})")
    else:
        lines.append("HiGHS found no irreducible infeasible subset for this model.")
    if diag.relaxation:
        lines.append(
            "The smallest change of the data that makes the plan feasible (least total "
            f"change, each in its row's unit: {diag.total:,.6g}):"
        )
        for i, side, amount in diag.relaxation:
            fam, labels, _ = _row_words(lp, i, side)
            what = FAMILIES[fam].words.format(**labels)
            old = lp.row_upper[i] if side == "upper" else lp.row_lower[i]
            new = old + amount if side == "upper" else old - amount
            verb = "raise" if side == "upper" else "lower"
            unit = _unit(fam, labels)
            lines.append(
                f"  - {verb} {lp.row_names[i]} ({what}) by {amount:,.6g} {unit}: "
                f"from {old:,.6g} to {new:,.6g} ({_where(inp, fam, labels)})"
            )
    return lines
