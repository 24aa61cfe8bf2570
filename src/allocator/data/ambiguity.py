"""A number the point and comma styles read as two values (`1.200`: 1.2 or 1200), refused while
a dataset declares no number style (`numbers.AmbiguousError`): the refusal names both values as
the cell means them, its exponent, scale (`1.500B`) and percent sign (`50.000%`) included, in
the column's unit and written so that the column takes them; the loader, which knows the
column's range, says which of the two the column refuses (`judged`).

It imports no other number module: `numbers` reads by it.
"""

from __future__ import annotations

import re
from decimal import Context, Decimal

from allocator.data.schema import MAX_NUMBER_CHARS

READ_TWO_WAYS = re.compile(r"^[1-9][0-9]{0,2}[.,][0-9]{3}$")
"""The digits the point and comma styles read differently: one separator, then three digits."""
# Exact decimal arithmetic for a number of at most MAX_NUMBER_CHARS digits times a scale: the
# same number written two ways (2.57% and 0.0257) gives the same float.
EXACT = Context(prec=2 * MAX_NUMBER_CHARS, Emax=10**6, Emin=-(10**6))
DECLARE = "declare the dataset's number style (settings.csv: number_style, point or comma)"
"""The fix's other way: a declared style reads the number one way."""
_UNITS = {"musd": ", in US$ million", "share": ", as a share (1 is 100%)", "percent": ", in %"}
_SHORT = 20  # the longest value written in plain digits, as `numbers.exact_text` writes one
Writings = tuple[tuple[str, ...], tuple[str, ...]]
"""Each reading's ways to write it as its column takes it, the cell's own way first."""


def two_ways(text: str, num: str, exp: int, scale: Decimal, form: str) -> tuple[str, Writings]:
    """What `text` (digits `num`, exponent `exp`, sign and scale `scale`) reads as in the point
    style and in the comma style, in words, and the ways to write each reading, as a cell of
    `form` (musd, count, share, share%, percent, percent%, change% or number; `%`: the cell had
    its percent sign, which the caller took off; for share% `scale` holds its 0.01, and a
    change% is a relative bound of uncertainty.csv, `-20%`)."""
    percent = form.endswith("%")
    shown = text + "%" if percent else text
    shown = shown if len(shown) <= 24 else shown[:20] + "..."
    values = [
        EXACT.multiply(EXACT.scaleb(Decimal(digits), exp), scale)
        for digits in (num.replace(",", ""), num.replace(".", "").replace(",", "."))
    ]
    writings = (_writings(values[0], form), _writings(values[1], form))
    said = [_writings(v, form, one_way=False)[0] for v in values]  # 12.345, not 12.3450
    name = "point" if "." in num else "comma"
    ways = ("decimal", "thousands") if name == "point" else ("thousands", "decimal")
    words = (
        f"'{shown}' reads as {said[0]} with a {ways[0]} {name} or {said[1]} with a "
        f"{ways[1]} {name}{_unit(form, values)}"
    )
    return words, writings


def judged(
    words: str, writings: Writings, column: str, refused: tuple[tuple[str, str] | None, ...]
) -> tuple[str, str] | None:
    """The reason and fix of a number read two ways once its `column` has judged each reading
    (`refused`: for each, None where the column takes it, else its reason and fix); None where
    the column takes both (the number rule's own words hold)."""
    first, second = refused
    if first is None and second is None:
        return None
    if first is not None and second is not None:
        return f"{words}; neither reading is taken: {first[0]} and {second[0]}", first[1]
    taken, why = (0, second) if first is None else (1, first)
    assert why is not None
    style = ("point", "comma")[taken]  # the first reading is the point style's
    return (
        f"{words}; {why[0]}, so that reading is refused",
        f"write {' or '.join(writings[taken])}, the one reading {column} takes, or declare the "
        f"dataset's number style as {style} (settings.csv: number_style, {style})",
    )


OPTION_STYLE = "an option takes the decimal point, whatever the dataset's number style"
"""Why an option's fix never offers to declare a style: options are read before any dataset,
in the point style."""


def option_fix(texts: tuple[str, str], unit: str = "") -> str:
    """The fix of an option's number read two ways (`numbers.AmbiguousError.texts`, the point
    style's first): each reading written as the option takes it, `unit` after its digits
    (`1500musd`), never "declare the dataset's number style", which no option is read in."""
    return f"write {texts[0]}{unit} or {texts[1]}{unit} ({OPTION_STYLE})"


def option_fix_taken(
    option: str, texts: tuple[str, str], taken: tuple[bool, ...], what: str, example: str
) -> str | None:
    """The fix of an option's number read two ways where not both readings (`texts`) are
    values it takes (`taken`; `what` the option is, in words); None where both are."""
    if not any(taken):
        return f"e.g. {option} {example} (neither reading is a {option}: {option} {what})"
    if all(taken):
        return None
    kept, other = (texts[0], texts[1]) if taken[0] else (texts[1], texts[0])
    return f"write {kept} ({OPTION_STYLE}; {other} is no {option}: {option} {what})"


def _writings(value: Decimal, form: str, one_way: bool = True) -> tuple[str, ...]:
    """The ways a column of `form` takes `value`, the cell's own way first (`one_way`: in digits
    read one way, else as plainly as a reader says it)."""
    hundred = value.scaleb(2, EXACT)
    if form == "share%":
        return f"{_text(hundred, one_way)}%", _text(value, one_way)
    if form == "share":
        return _text(value, one_way), f"{_text(hundred, one_way)}%"
    if form == "change%":  # a relative bound (uncertainty.csv) keeps its sign: +16.667%
        return (f"{'+' if value > 0 else ''}{_text(value, one_way)}%",)
    if form == "percent%" or (form == "percent" and 0 < value <= 1):
        return (f"{_text(value, one_way)}%",)  # a plain percent of at most 1 is read two ways
    return (_text(value, one_way),)


def _unit(form: str, values: list[Decimal]) -> str:
    """What the two values are in: `, in US$ million`, or the shares two percents are."""
    if form == "share%":
        return f" (a share of {_text(values[0], False)} or {_text(values[1], False)})"
    return _UNITS.get(form, "")  # a percent% or change% reading shows its own % sign


def _text(value: Decimal, one_way: bool = True) -> str:
    """`value` without trailing zeros (`4.500e1`: 45), with `one_way` in digits a dataset with no
    declared style reads one way (`16.6670` for 16.667); digits and an exponent (`15e310`) where
    plain digits would be long."""
    value = EXACT.normalize(value)
    plain = f"{value:f}"
    if len(plain) <= _SHORT:
        either = one_way and READ_TWO_WAYS.match(plain.lstrip("-"))
        return plain + "0" if either else plain
    sign, digits, exp = value.as_tuple()
    return f"{'-' if sign else ''}{''.join(map(str, digits))}e{exp}"
