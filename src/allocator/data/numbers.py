"""The one number rule of allocator: CSV cells, model files and options are read by it.

Money cells may be written `3.5B`, `$800M`, `1,200` or `500K` and become US$ million; a number
that could mean two things, or that a float would silently change (underflow, fullwidth digits,
underscores), is refused with the reason, never guessed.
"""

from __future__ import annotations

import math
import re

from allocator.data.schema import (
    MAX_NUMBER_CHARS,
    MIN_MAGNITUDE,
)

_NUMBER = re.compile(
    r"^(?P<sign>[-+])?\s*\$?\s*(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?"
    r"|\.[0-9]+)(?:[eE](?P<exp>[-+]?[0-9]+))?\s*(?P<suffix>[A-Za-z]+)?$",
    re.ASCII,
)
_MONEY_SCALE = {
    "": 1.0,
    "k": 1e-3,
    "thousand": 1e-3,
    "m": 1.0,
    "mn": 1.0,
    "mm": 1.0,
    "million": 1.0,
    "musd": 1.0,
    "b": 1e3,
    "bn": 1e3,
    "billion": 1e3,
}
_COUNT_SCALE = {"": 1.0, "k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6}
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}


class NumberError(ValueError):
    """A number written in a way the one number rule refuses; `fix` says how to write it."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


def _shown(text: str) -> str:
    """The cell as written, shortened so that a 5000-digit cell still gives a one-line message."""
    return text if len(text) <= 24 else text[:20] + "..."


def check_writing(text: str) -> None:
    """How a number may be written, for every cell, model-file value and option alike: ASCII
    digits only (float() would accept fullwidth or Arabic-Indic ones, int() underscores), and
    short enough that no digit is lost in silence."""
    if len(text) > MAX_NUMBER_CHARS:
        raise NumberError(
            f"'{_shown(text)}' is {len(text)} characters long, too long to be a number",
            f"write at most {MAX_NUMBER_CHARS} characters, e.g. 1.5e6 for 1500000",
        )
    if any(ch.isdigit() and not ch.isascii() for ch in text):
        raise NumberError(
            f"'{_shown(text)}' has digits other than 0-9",
            "retype the number with the digits 0-9, not fullwidth or Arabic-Indic ones",
        )
    if "_" in text:
        raise NumberError(
            f"'{_shown(text)}' has an underscore",
            "write the digits without underscores, e.g. 8500 or 8,500",
        )


def check_magnitude(value: float, shown: str) -> float:
    """The range every number must be in: finite, and 0 or at least MIN_MAGNITUDE in size."""
    if math.isnan(value):
        raise NumberError(f"'{shown}' is not a finite number", "write a plain number such as 2.5")
    if math.isinf(value):
        raise NumberError(
            f"'{shown}' is too large to be a number", "write a finite number such as 2.5"
        )
    if value != 0 and abs(value) < MIN_MAGNITUDE:
        raise NumberError(
            f"'{shown}' is too small to tell from 0",
            f"write 0, or a number of at least {MIN_MAGNITUDE:g} in size",
        )
    return value


def parse_number(text: str, scales: dict[str, float]) -> float:
    """`3.5B` -> 3500.0 with money scales; raises NumberError (a ValueError) with the reason."""
    t = text.strip()
    check_writing(t)
    m = _NUMBER.match(t)
    suffix = (m.group("suffix") or "").lower() if m else ""
    if not m or suffix not in scales:
        raise ValueError(f"'{text}' is not a number in a known unit")
    # One float() of the digits with their exponent: no int() of a long exponent, and a
    # value that underflows to 0 is told apart from a written 0 by its digits.
    value = float(m.group("num").replace(",", "") + "e" + (m.group("exp") or "0"))
    value *= scales[suffix]
    if value == 0 and any(ch in "123456789" for ch in m.group("num")):
        value = math.ulp(0.0)  # below every limit: refused as too small, not taken as 0
    check_magnitude(value, t)
    return -value if m.group("sign") == "-" else value


def parse_money(text: str) -> float:
    """A money cell in US$ million."""
    return parse_number(text, _MONEY_SCALE)


def parse_count(text: str) -> float:
    """A count (jobs) cell: `12,000`, `12K`, `1.5M`."""
    return parse_number(text, _COUNT_SCALE)


def parse_share(text: str) -> float:
    """A share cell: `0.2` or `20%`."""
    t = text.strip()
    if t.endswith("%"):
        return check_magnitude(parse_number(t[:-1], {"": 1.0}) / 100.0, t)
    return parse_number(t, {"": 1.0})


def parse_bool(text: str) -> bool:
    """yes/no, true/false, 1/0."""
    t = text.strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise ValueError(f"'{text}' is not yes or no")
