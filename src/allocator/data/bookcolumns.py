"""The columns of an exported workbook's sheets (`bookwriter.py`): which columns a sheet has
(`columns_of`), each one's unit (`unit_of`), and the data validation its cells get
(`validation`): a value from a list (programs, pools, phases, sectors, risks, yes/no), or a
range, the reader's own (shares in 0..1, and above 0 where the row model refuses 0; years in the
horizon, a phase's within a year's limits, a base's up to the first milestone, a target's and a
processing share's one of the milestones sheet; amounts of at least 0). A list runs as far as
the validated rows of its sheet, so a name added there is taken.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from allocator.data.rows import MIN_MAGNITUDE
from allocator.data.schema import TABLES, Inputs, Phase, Row

UNIT_WORDS = {
    "musd": "US$ million",
    "count": "a count (jobs, or jobs per US$ million)",
    "share": "a share from 0 to 1",
    "bool": "yes or no",
}
_LISTS = {  # column -> (sheet, its key column) whose values it must name
    "program": ("programs", "program"),
    "pool": ("pools", "pool"),
    "phase": ("phases", "phase"),
    "sector": ("programs", "sector"),
    "risk": ("risks", "risk"),
    "export_category": ("programs", "export_category"),
}
_WILD = {("eligibility", "program"): "*", ("groups", "phase"): "all"}
"""Words a list column also allows: the validation then warns rather than stops."""
_YEARS = {"year", "first_year", "last_year"}
_ON_MILESTONES = {"targets", "shares"}
"""Sheets whose year is a milestone's (targets.csv, shares.csv): the reader takes a year of
milestones.csv only (`checks._check_targets`, `shares.share_problems`), not any of the horizon."""
ROOM = 500
"""Validated rows below a sheet's last row, to add entries in."""


def room(height: int) -> int:
    """The last validated sheet row (1-based) of a sheet whose last row is `height`: list
    validations that take their names from the sheet run as far, so a name added there is
    offered and taken (a blank cell in a list's range is no entry: Excel and LibreOffice take
    the names the range holds)."""
    return max(height, 2) + ROOM + 1


def columns_of(rows: tuple[Row, ...], model: type[Row]) -> list[str]:
    """The columns to write: every column of the table's schema. The required ones and those
    some row sets come first (key, the table's own, then source and notes), then those no row
    sets, in the schema's order: a planner needs a header to type a first value in (a
    program's floor_musd), and the columns in use keep the cells the CSV's order gives them."""
    used = set().union(*(r.model_fields_set for r in rows)) if rows else set()
    every = [name for name in model.model_fields if name != "line"]
    names = [n for n in every if model.model_fields[n].is_required() or n in used]
    key = next((k for _f, m, k, _r in TABLES.values() if m is model), ())
    common = [n for n in names if n in Row.model_fields]  # source, notes: after the table's own
    first = [n for n in key if n in names]  # the key columns (program, pool...) first
    written = first + [n for n in names if n not in common and n not in first] + common
    return written + [n for n in every if n not in written]


def unit_of(model: type[Row], name: str) -> str | None:
    extra = model.model_fields[name].json_schema_extra
    if isinstance(extra, dict) and "unit" in extra:
        return str(extra["unit"])
    if isinstance(extra, dict) and "unit_from" in extra:
        return f"the unit its {extra['unit_from']} gives"
    return None


def validation(
    sheet: str,
    model: type[Row],
    name: str,
    tables: dict[str, Any],
    heights: dict[str, int],
    years: dict[str, tuple[int, int, str]],
) -> dict[str, Any] | None:
    unit = unit_of(model, name)
    if name in _LISTS and _LISTS[name][0] != sheet and _LISTS[name][0] in tables:
        source, key = _LISTS[name]
        keys = columns_of(*tables[source])
        if key not in keys:
            return None
        from allocator.data.sheettext import column_letter  # the reader's letters

        letter = column_letter(keys.index(key))
        wild = _WILD.get((sheet, name))
        return {
            "validate": "list",
            "source": f"={source}!${letter}$2:${letter}${room(heights[source])}",
            "error_type": "warning" if wild else "stop",
            "error_title": f"unknown {key}",  # at most 32 characters, or xlsxwriter drops it
            "error_message": f"Use a {key} of sheet {source}" + (f", or {wild}" if wild else ""),
        }
    if name == "year" and sheet in _ON_MILESTONES and "milestones" in tables:
        return _milestone_years(tables, heights)
    if name in _YEARS:
        low, high, why = years.get(sheet, years[""])
        return {
            "validate": "integer",
            "criteria": "between",
            "minimum": low,
            "maximum": high,
            "error_title": "year outside the horizon" if not why else "year out of range",
            "error_message": f"Use a year from {low} to {high} ({why or 'sheet phases'})",
        }
    if unit == "share":
        least = _least(model, name, tables[sheet][0])
        words = "from 0 to 1" if least == 0 else f"above 0 and at most 1 ({name} 0 is refused)"
        return {
            "validate": "decimal",
            "criteria": "between",
            "minimum": least,
            "maximum": 1,
            "error_title": "not a share",
            "error_message": f"Use a share {words}, such as 0.25",
        }
    if unit == "bool":
        return {"validate": "list", "source": ["yes", "no"]}
    if unit in ("musd", "count"):
        return {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "error_title": "negative amount",
            "error_message": f"Use an amount of at least 0 ({UNIT_WORDS[unit]})",
        }
    return None


def _milestone_years(tables: dict[str, Any], heights: dict[str, int]) -> dict[str, Any]:
    """A list of the milestones sheet's years, as far as its rows for adding entries run: a
    milestone added there is a year a target or share may take, as the reader takes it."""
    from allocator.data.sheettext import column_letter  # the reader's letters

    letter = column_letter(columns_of(*tables["milestones"]).index("year"))
    return {
        "validate": "list",
        "source": f"=milestones!${letter}$2:${letter}${room(heights['milestones'])}",
        "error_type": "stop",
        "error_title": "not a milestone year",
        "error_message": "Use a year of sheet milestones (add it there first)",
    }


def years_of(inp: Inputs) -> dict[str, tuple[int, int, str]]:
    """The years each sheet's year columns take, as the reader holds them (sheet -> least,
    most, why; "" for the sheets whose years lie in the horizon): a phase's years make the
    horizon, so only a year's own limits bound them; a base is counted before the plan, from
    1900 to the first milestone (`levels.level_problems`)."""
    low, high = _bounds(Phase, "first_year")
    horizon = (min(p.first_year for p in inp.phases), max(p.last_year for p in inp.phases))
    first = inp.milestones[0].year if inp.milestones else horizon[0]
    return {
        "": (*horizon, ""),
        "phases": (low, high, "the phases make the horizon"),
        "base": (low, first, "a base is counted up to the first milestone"),
    }


def _bounds(model: type[Row], name: str) -> tuple[int, int]:
    """The least and most value a whole-number field takes (its `ge` and `le`)."""
    meta = model.model_fields[name].metadata
    low = next(m.ge for m in meta if hasattr(m, "ge"))
    high = next(m.le for m in meta if hasattr(m, "le"))
    return int(low), int(high)


def _least(model: type[Row], name: str, rows: tuple[Row, ...]) -> float:
    """The least value a number column takes: 0, or the least number that is not 0
    (MIN_MAGNITUDE) where the row model refuses 0 there (a program's max_annual_share), as a
    table row with that cell set to 0 shows."""
    row = rows[0]
    try:
        model.model_validate(row.model_dump() | {"line": row.line, name: 0.0})
    except ValidationError as exc:
        if any(_column_of(e) == name for e in exc.errors()):
            return MIN_MAGNITUDE
    return 0.0


def _column_of(err: Any) -> str:
    """The column a pydantic error of a row model is about (a rule across columns names it)."""
    column = (err.get("ctx") or {}).get("column")
    return str(column) if column else str(err["loc"][0] if err["loc"] else "")
