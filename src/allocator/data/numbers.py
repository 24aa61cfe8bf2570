"""The one number rule of allocator: CSV cells, model files and options are read by it.

Money cells may be written `3.5B`, `$800M`, `1,200` or `500K` and become US$ million; a number
that could mean two things, or that a float would silently change (underflow, fullwidth digits,
underscores), is refused with the reason, never guessed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from allocator.data.ambiguity import DECLARE, EXACT, READ_TWO_WAYS, Writings, two_ways
from allocator.data.schema import MAX_NUMBER_CHARS, MIN_MAGNITUDE
from allocator.errors import InputError, PicklableError

_NUMBER = re.compile(
    r"^(?P<sign>[-+])?(?P<gap>\s*)\$?\s*(?P<num>[0-9][0-9.,]*|[.,][0-9]+)"
    r"(?:[eE](?P<exp>[-+]?[0-9]+))?"
    r"\s*(?P<suffix>[A-Za-z]+)?$",
    re.ASCII,
)
# How the digits of a number may be grouped and split, for each style: point (1,200.5) and
# comma (1.200,5). A leading group of a grouped number never starts with 0.
_DIGITS = {
    "point": re.compile(
        r"^(?:[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?|\.[0-9]+)$"
    ),
    "comma": re.compile(
        r"^(?:[1-9][0-9]{0,2}(?:\.[0-9]{3})+(?:,[0-9]+)?|[0-9]+(?:,[0-9]+)?|,[0-9]+)$"
    ),
}
STYLES = ("point", "comma")
"""The number styles a dataset may declare (settings.csv, `number_style`)."""
_STYLE: ContextVar[str | None] = ContextVar("number_style", default=None)
_MONEY_SCALE = {
    "": "1",
    "k": "1e-3",
    "thousand": "1e-3",
    "m": "1",
    "mn": "1",
    "mm": "1",
    "million": "1",
    "musd": "1",
    "b": "1e3",
    "bn": "1e3",
    "billion": "1e3",
}
_COUNT_SCALE = {"": "1", "k": "1e3", "thousand": "1e3", "m": "1e6", "million": "1e6"}
_PLAIN = {"": "1"}
_FLOAT_EXP = 400  # past 10**400 every float is inf, below 10**-400 every one is 0
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}


class NumberError(PicklableError, ValueError):
    """A number written in a way the one number rule refuses; `fix` says how to write it."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


class AmbiguousError(NumberError):
    """A number the point and comma styles read as two values (`ambiguity.two_ways`): `texts`,
    the two as its column takes them (the point style's first), `writings` each one's ways."""

    def __init__(self, words: str, writings: Writings) -> None:
        self.words, self.writings = words, writings
        self.texts = (writings[0][0], writings[1][0])
        super().__init__(words, f"write {self.texts[0]} or {self.texts[1]}, or {DECLARE}")


class TooSmallError(NumberError):
    """A number not 0 yet under MIN_MAGNITUDE in size; where the field refuses 0 as well, the
    reader that knows it gives the fix `too_small_fix(why)`, which does not offer 0."""

    def __init__(self, shown: str) -> None:
        super().__init__(f"'{shown}' is too small to tell from 0", too_small_fix())


def too_small_fix(zero_refused: str | None = None) -> str:
    """How to write a number too small to tell from 0: as 0 or at least MIN_MAGNITUDE in size,
    or, where the field refuses 0 (`zero_refused`: why), at least MIN_MAGNITUDE only."""
    least = f"a number of at least {MIN_MAGNITUDE:g} in size"
    if zero_refused is None:
        return f"write 0, or {least}"
    return f"write {least} (0 is refused here: {zero_refused})"


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
            f"write the digits without underscores, e.g. {' or '.join(_retyped(text))}",
        )


_THOUSANDS = {"point": ",", "comma": "."}  # the thousands separator of each number style


def _retyped(text: str) -> list[str]:
    """`text` without its underscores, as the current number style reads it (8_500: 8500, and
    8,500 or 8.500 where the style reads that grouping one way): never text the style reads as
    another number or refuses; a generic example where the digits do not make such text."""
    style = _STYLE.get()
    thousands = _THOUSANDS[style or "point"]
    plain = text.replace("_", "")
    m = _NUMBER.match(plain)
    num = m.group("num") if m else ""
    if not num or not _DIGITS[style or "point"].match(num) or _ambiguous(num):
        return ["8500", f"8{thousands}500"] if style else ["8500"]
    examples = [plain]
    if num.isdigit() and len(num) > 3 and num[0] != "0":
        grouped = f"{int(num):,}".replace(",", thousands)
        if not _ambiguous(grouped):
            examples.append(plain.replace(num, grouped, 1))
    return examples


def _ambiguous(num: str) -> bool:
    """Whether the current (undeclared) style refuses `num` as read two ways."""
    return _STYLE.get() is None and bool(READ_TWO_WAYS.match(num))


def check_magnitude(value: float, shown: str) -> float:
    """The range every number must be in: finite, and 0 or at least MIN_MAGNITUDE in size.

    Raises:
        NumberError: not finite; `TooSmallError`: not 0 yet under MIN_MAGNITUDE in size.
    """
    if math.isnan(value):
        raise NumberError(f"'{shown}' is not a finite number", "write a plain number such as 2.5")
    if math.isinf(value):
        raise NumberError(
            f"'{shown}' is too large to be a number", "write a finite number such as 2.5"
        )
    if value != 0 and abs(value) < MIN_MAGNITUDE:
        raise TooSmallError(shown)
    return value


@contextmanager
def number_style(style: str | None) -> Iterator[None]:
    """Read numbers in `style` (`point`, `comma`, or None: undeclared) inside the block."""
    token = _STYLE.set(style)
    try:
        yield
    finally:
        _STYLE.reset(token)


def current_style() -> str | None:
    """The number style numbers are read in now (None: undeclared)."""
    return _STYLE.get()


def _digits(num: str, shown: str) -> str:
    """The digits of a number as Python writes them (`1200.5`), read in the current style
    (undeclared: the point style, once `parse_number` has refused a number read two ways)."""
    style = _STYLE.get()
    pattern = _DIGITS[style or "point"]
    if not pattern.match(num):
        raise ValueError(f"'{shown}' is not a number in a known unit")
    if style == "comma":
        return num.replace(".", "").replace(",", ".")
    return num.replace(",", "")


def parse_number(
    text: str, scales: dict[str, float] | dict[str, str], form: str = "number"
) -> float:
    """`3.5B` -> 3500.0 with money scales; raises NumberError (a ValueError) with the reason.

    The digits, exponent and scale are multiplied exactly (decimal), and rounded to a float once.
    Undeclared, a number the comma style reads differently (one separator followed by exactly
    three digits: 1.200, 1,200) is refused, naming its two values as a cell of `form` (musd,
    count, share, percent; `%` after it: the cell had the percent sign) means them.
    """
    t = text.strip()
    check_writing(t)
    m = _NUMBER.match(t)
    suffix = (m.group("suffix") or "").lower() if m else ""
    if not m or suffix not in scales:
        raise ValueError(f"'{text}' is not a number in a known unit")
    if m.group("sign") and m.group("gap"):
        raise _spaced_sign(t, m, form)
    # An exponent past 10,000 is clamped: with at most 64 digits the number is still far past
    # a float's range, and Decimal need not hold a 60-digit exponent.
    exp = max(min(int(m.group("exp") or "0"), 10_000), -10_000)
    if _ambiguous(m.group("num")):
        scale = Decimal(str(scales[suffix])) * (-1 if m.group("sign") == "-" else 1)
        raise AmbiguousError(*two_ways(t, m.group("num"), exp, scale, form))
    exact = EXACT.scaleb(Decimal(_digits(m.group("num"), t)), exp)
    if exact and abs(exact.adjusted()) > _FLOAT_EXP:  # inf or 0 as a float, whatever the scale
        return _to_float(exact, t)
    exact = EXACT.multiply(exact, Decimal(str(scales[suffix])))
    value = _to_float(exact, t)
    return -value if m.group("sign") == "-" else value


def _spaced_sign(text: str, m: re.Match[str], form: str) -> NumberError:
    """`- 60`: a sign apart from its number reads as a minus to one reader and as a dash before
    60 (a list mark, a blank) to another, so it is refused, never read either way in silence;
    the fix writes the number (with the percent sign the cell had: `form` ends with %), and the
    number without its sign where that is another value of the cell (not a relative change,
    whose sign it needs)."""
    sign, percent = m.group("sign"), "%" if form.endswith("%") else ""
    rest, shown = text[m.end("gap") :] + percent, _shown(text + percent)
    fix = f"write {sign}{rest}"
    if not form.startswith("change"):
        fix += f" or {rest}" if sign == "+" else f", or {rest} if no minus is meant"
    words = "plus" if sign == "+" else "minus"
    return NumberError(f"'{shown}' has a space after its {words} sign", fix)


def _to_float(exact: Decimal, shown: str) -> float:
    """The float nearest `exact`, refused past the limits with the reason (never inf or 0)."""
    value = float(exact)
    if exact and value == 0:  # underflowed: refused as too small, not taken as 0
        value = math.ulp(0.0)
    return check_magnitude(value, shown)


def exact_text(value: float) -> str:
    """A float as text the current number style reads back as exactly `value`: its shortest
    decimal (`31.875`, or `31,875` in the comma style); digits and an exponent (`31875e-3`,
    `1e300`) where that decimal would be long or read two ways, so a workbook's number cell is
    never refused as ambiguous or too long."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return decimal_text(Decimal(repr(value)))


def decimal_text(exact: Decimal) -> str:
    """A decimal as `exact_text` writes a float: its plain digits where they are short and read
    one way in the current style, else digits and an exponent (`257e-2`)."""
    shown = f"{exact:f}"
    style = _STYLE.get()
    if len(shown) <= _SHORT and not (style is None and READ_TWO_WAYS.match(shown.lstrip("-"))):
        return shown.replace(".", ",") if style == "comma" else shown
    sign, digits, exp = exact.normalize().as_tuple()
    return f"{'-' if sign else ''}{''.join(map(str, digits))}e{exp}"


_SHORT = 20  # longest positional text exact_text writes (0.000001234 is still short)


def parse_money(text: str) -> float:
    """A money cell in US$ million."""
    return parse_number(text, _MONEY_SCALE, "musd")


def parse_count(text: str) -> float:
    """A count (jobs) cell: `12,000`, `12K`, `1.5M`."""
    return parse_number(text, _COUNT_SCALE, "count")


def parse_share(text: str) -> float:
    """A share cell: `0.2` or `20%`."""
    t = text.strip()
    if t.endswith("%"):
        return parse_number(t[:-1], {"": "0.01"}, "share%")
    return parse_number(t, _PLAIN, "share")


def parse_percent(text: str) -> float:
    """A percent cell (0..100): `40`, `40%` or `0.4%`. A plain number above 0 and at most 1 is
    refused: `0.4` may be 0.4 % or a share of 40 % written as a fraction, and no text is read as
    a number two ways in silence."""
    t = text.strip()
    if t.endswith("%"):
        return parse_number(t[:-1], _PLAIN, "percent%")
    value = parse_number(t, _PLAIN, "percent")
    if 0 < value <= 1:
        shown = _shown(t)
        raise NumberError(
            f"'{shown}' could be {shown} % or a share of {value * 100:g} % written as a fraction",
            f"write the percent as a number from 0 to 100 ({value * 100:g} for {value * 100:g} %),"
            f" or with its sign ({shown}%) if {shown} % is meant",
        )
    return value


def parse_bool(text: str) -> bool:
    """yes/no, true/false, 1/0."""
    t = text.strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise ValueError(f"'{text}' is not yes or no")


SETTINGS_FILE = "settings.csv"
"""The dataset's settings (`setting,value` rows); today one: `number_style`."""
SETTING_COLUMNS = ("setting", "value", "source", "derivation", "assumption", "note")
"""The settings table's columns: its own two, then the optional ones of every table."""


def style_of(records: list[list[str]], file: str = SETTINGS_FILE) -> str | None:
    """The number style a settings table declares (None: not declared).

    Raises:
        InputError: naming the row and column of a setting or style that is not known.
    """
    if not records:
        return None
    header = [h.strip().lower() for h in records[0]]
    for name in ("setting", "value"):
        if name not in header:
            raise InputError(
                "required column is missing", file=file, row=1, column=name,
                fix="write the header setting,value and a row number_style,point (or comma)",
            )  # fmt: skip
    unknown = next((h for h in header if h not in SETTING_COLUMNS), None)
    if unknown is not None:
        raise InputError(
            "unknown column", file=file, row=1, column=unknown,
            fix=f"use the columns {', '.join(SETTING_COLUMNS)}",
        )  # fmt: skip
    style = None
    for number, cells in enumerate(records[1:], start=2):
        row = dict(zip(header, (c.strip() for c in cells), strict=False))
        if not any(row.values()):
            continue
        style = _setting(file, number, row, style)
    return style


def setting_rows(records: list[list[str]]) -> tuple[tuple[int, dict[str, str]], ...]:
    """Each settings row with a cell (`style_of` checked them): its row number and its cells
    by column (`setting`, `value`, `source`, `assumption`, ...), for the audit's list of
    assumptions (`data.audit.assumptions`: a settings row may state one, as in every table)."""
    if not records:
        return ()
    header = [h.strip().lower() for h in records[0]]
    rows = []
    for number, cells in enumerate(records[1:], start=2):
        row = dict(zip(header, (c.strip() for c in cells), strict=False))
        if any(row.values()):
            rows.append((number, row))
    return tuple(rows)


def _setting(file: str, number: int, row: dict[str, str], style: str | None) -> str | None:
    """The number style after one settings row, which must declare it (once) as point or comma."""
    if row.get("setting", "").lower() != "number_style":
        raise InputError(
            f"'{row.get('setting', '')}' is not a setting", file=file, row=number,
            column="setting", fix="the one setting is number_style",
        )  # fmt: skip
    if style is not None:
        raise InputError(
            "number_style is set twice", file=file, row=number, column="setting",
            fix="keep one number_style row",
        )  # fmt: skip
    value = row.get("value", "").lower()
    if value not in STYLES:
        raise InputError(
            f"'{row.get('value', '')}' is not a number style", file=file, row=number,
            column="value", fix="write point (1,200.5) or comma (1.200,5)",
        )  # fmt: skip
    return value


def style_words(style: str | None, workbook: bool = False) -> str:
    """The dataset's number style as the summary and the report say it, e.g. `numbers: point
    style (settings.csv)`; undeclared, the rule that then holds."""
    where = "the settings sheet" if workbook else "settings.csv"
    if style:
        return f"numbers: {style} style ({where})"
    return (
        f"numbers: undeclared ({where} gives none: a number the point and comma styles read "
        "differently, such as 1.200 or 1,200, is refused)"
    )
