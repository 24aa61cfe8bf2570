"""The words of a refused cell: how to write a cell of each unit (`howto`), and what is wrong
with a value the row model refuses and its fix (`explain`), for the loader, `--set` and model
files alike."""

from __future__ import annotations

import re
from typing import Any

from allocator.data.numbers import current_style

_HOWTO = {
    "musd": "write an amount in US$ million such as 800, 1200, 2B or $800M",
    "count": "write a number such as 12000 or 12K",
    "share": "write a share between 0 and 1, such as 0.25 or 25%",
    "percent": "write a percent from 0 to 100, such as 40, 40% or 0.4%",
    "bool": "write yes or no",
    "whole": "write a whole number such as 0, 1 or 2",
}
"""How to write a cell of each unit: examples every number style reads (no thousands
separator: an undeclared dataset refuses `1,200`), a decimal written in the dataset's style
(`howto`)."""


def howto(unit: str) -> str:
    """`_HOWTO[unit]` with its decimal examples in the current number style (`0,25` in the
    comma style, whose `.` groups thousands)."""
    text = _HOWTO.get(unit, "write a plain number such as 2.5")
    if current_style() != "comma":
        return text
    return re.sub(r"(?<=\d)\.(?=\d)", ",", text)


# Pydantic error types -> (what is wrong, fix); {v} is the cell as written, other keys its ctx.
_EXPLAIN = {
    "greater_than_equal": ("'{v}' is below the minimum {ge}", "use a value of at least {ge}"),
    "greater_than": ("'{v}' is not above {gt}", "use a value above {gt}"),
    "less_than_equal": (
        "'{v}' is above the maximum {le}",
        "use a value of at most {le} (limits: inputs/README.md)",
    ),
    "less_than": ("'{v}' is not below {lt}", "use a value below {lt}"),
    "int_parsing": ("'{v}' is not a whole number", "write a whole number such as 0, 1 or 2"),
    "int_from_float": ("'{v}' is not a whole number", "write a whole number such as 0, 1 or 2"),
    "float_parsing": ("'{v}' is not a number", "write a plain number such as 2.5"),
    "finite_number": ("'{v}' is not a finite number", "write a plain number such as 2.5"),
    "literal_error": ("'{v}' is not allowed here", "use {expected}"),
    "string_pattern_mismatch": (
        "'{v}' is not a valid identifier",
        "use letters, digits, _ - . and start with a letter",
    ),
    "string_too_long": ("'{v}' is longer than {max_length} characters", "shorten it"),
    "missing": ("is empty but required", "fill in the cell (see inputs/README.md)"),
}
_BOUNDS = {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}


def explain(err: Any, column: str, shown: str, unit: str | None) -> tuple[str, str]:
    """What is wrong with one cell and how to fix it, in the user's words."""
    kind = err["type"]
    if unit == "share" and kind in _BOUNDS:
        return f"'{shown}' is not a share between 0 and 1", howto("share")
    if unit == "percent" and kind in _BOUNDS:
        return f"'{shown}' is not a percent between 0 and 100", howto("percent")
    if kind in ("int_parsing", "int_from_float") and column.endswith("year"):
        return f"'{shown}' is not a year", "write the year as four digits, such as 2030"
    if kind in _EXPLAIN:
        reason, fix = _EXPLAIN[kind]
        ctx = {
            k: f"{v:g}" if isinstance(v, float) else str(v)
            for k, v in (err.get("ctx") or {}).items()
        }
        return reason.format(**ctx, v=shown), fix.format(**ctx)
    msg = err["msg"].removeprefix("Value error, ")
    return (f"'{shown}': {msg}" if shown else msg), "correct the value (see inputs/README.md)"
