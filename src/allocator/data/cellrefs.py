"""References to table cells, `<table>:<key>:<column>` (`pools:*/phase1:budget_musd`): the key
columns a reference names rows by (`KEYS`), the unit of every number cell (`CELL_UNITS`), and
the rows a reference matches, or a one-line InputError naming the cell that holds it. Read by
the audit (facts.csv), uncertainty.csv, carried cells and `--set`."""

from __future__ import annotations

from allocator.data.rows import closest_fix
from allocator.data.schema import TABLES, Inputs, Row
from allocator.errors import InputError

KEYS: dict[str, tuple[str, ...]] = {
    "phases": ("phase",),
    "programs": ("program",),
    "pools": ("pool", "phase"),
    "groups": ("dimension", "member", "phase"),
    "markets": ("program", "export_category", "year"),
    "risks": ("risk",),
    "exposures": ("program", "risk"),
    "targets": ("kind", "dimension", "member", "year"),
    "links": ("link",),
    # the keys base.csv, tranches.csv and shares.csv are deduplicated on (schema.TABLES)
    "base": ("kind", "dimension", "member"),
    "tranches": ("kind", "dimension", "member", "from_level"),
    "shares": ("mineral", "year"),
}
_YEAR = "calendar years"
# The unit of every number cell a fact may refer to, spelt as facts.csv spells units, so that a
# fact is compared only with numbers of its own unit. A column missing here holds text or yes/no.
CELL_UNITS: dict[str, dict[str, str]] = {
    "phases": {"first_year": _YEAR, "last_year": _YEAR},
    "programs": {
        "first_year": _YEAR,
        "last_year": _YEAR,
        "cap_musd": "musd",
        "floor_musd": "musd",
        "max_annual_share": "share",
        "lag_years": "years",
        "jobs_per_musd": "jobs per musd",
        "exports_per_musd": "musd of exports per musd",
    },
    "pools": {"budget_musd": "musd"},
    "groups": {"min_musd": "musd", "max_musd": "musd", "max_share": "share"},
    "markets": {"year": _YEAR, "market_musd": "musd", "max_share": "share"},
    "risks": {
        "first_year": _YEAR,
        "last_year": _YEAR,
        "budget_musd": "musd",
        "coverage": "musd covered per musd",
    },
    "exposures": {"weight": "share"},
    "targets": {"year": _YEAR, "value": "", "weight": "weight per unit of shortfall"},
    "links": {"ratio": "enabled units per musd", "lag_years": "years"},
    "base": {"year": _YEAR, "value": ""},
    "tranches": {"from_level": "jobs", "share": "share"},
    "shares": {
        "year": _YEAR,
        "today_pct": "percent",
        "full_pct": "percent",
        "investment_musd": "musd",
        "target_pct": "percent",
        "weight": "weight per percentage point of shortfall",
    },
}
# targets.value and base.value are in the unit of their row's kind (the "" above).
TARGET_UNITS = {"jobs": "jobs", "exports": "musd"}


def resolve_rows(inp: Inputs, ref: str, line: int) -> tuple[str, list[Row], str]:
    """(table, matching rows, column) of an uncertainty.csv reference."""
    return match_reference(
        inp, ref, "uncertainty.csv", line, "ref", "is not <table>:<key>:<column>"
    )


def match_reference(
    inp: Inputs, ref: str, file: str, line: int, column: str, shape: str
) -> tuple[str, list[Row], str]:
    """(table, matching rows, column) of `ref`, a reference in `file` row `line`, `column`.

    Raises:
        InputError: naming that cell, when `ref` is not of the `shape` told, names no table or
            column, has the wrong number of key parts or matches no row.
    """

    def bad(why: str, fix: str) -> InputError:
        return InputError(f"reference '{ref}' {why}", file=file, row=line, column=column, fix=fix)

    pieces = ref.split(":")
    if len(pieces) != 3 or pieces[0] not in KEYS:
        raise bad(
            shape, f"name one of the tables {', '.join(KEYS)}, e.g. pools:*/phase1:budget_musd"
        )
    table, key, col = pieces
    model = TABLES[table][1]
    if col not in model.model_fields or col == "line":
        raise bad(f"names no column of {table}.csv", "use a numeric column of that table")
    wanted = key.split("/")
    if len(wanted) != len(KEYS[table]):
        raise bad(
            f"has {len(wanted)} key parts but {table}.csv has {len(KEYS[table])} "
            f"({' / '.join(KEYS[table])})",
            "give one part per key column, * for any",
        )
    rows = [r for r in getattr(inp, table) if _matches(r, KEYS[table], wanted)]
    if not rows:
        raise bad(f"matches no row of {table}.csv", _key_fix(inp, table, wanted))
    return table, rows, col


def _key_fix(inp: Inputs, table: str, wanted: list[str]) -> str:
    """The fix for a key that matches no row, at its first part that no row has."""
    names = KEYS[table]
    for i, want in enumerate(wanted):
        if want == "*":
            continue
        have = {_cell_text(getattr(r, names[i])) for r in getattr(inp, table)}
        if want not in have:
            where = f"the {names[i]}s of {table}.csv"
            return f"no row has {names[i]} '{want}': {closest_fix(want, have - {''}, where)}"
    return f"no row of {table}.csv has this combination: check the key against that table"


def _matches(row: Row, names: tuple[str, ...], wanted: list[str]) -> bool:
    for name, want in zip(names, wanted, strict=True):
        have = getattr(row, name)
        if want != "*" and _cell_text(have) != want:
            return False
    return True


def _cell_text(value: object) -> str:
    """A key cell as a reference names it: a number as the tables write it (a tranche's level
    800, not 800.0), an empty cell as nothing."""
    if isinstance(value, float):
        return f"{value + 0:.12g}"
    return "" if value is None else str(value)
