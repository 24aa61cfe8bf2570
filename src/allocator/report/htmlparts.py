"""The pieces every section of report.html is made of: a sortable table, a number for people
and the words that label a chart's limits. A leaf module: the page (`html.py`) and the sections
of studies (`studyhtml.py`, `corehtml.py`, `replanhtml.py`) and the workbook's charts import it.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from html import escape
from typing import Any

import pandas as pd


def table(
    frame: pd.DataFrame,
    units: dict[str, str] | None = None,
    texts: dict[str, list[str]] | None = None,
) -> str:
    """A sortable HTML table; numbers right-aligned with their exact value kept for sorting.

    Args:
        frame: the table.
        units: a column's unit, said in its header.
        texts: a number column's shown texts, one a row, where `number` is not the rule (parts
            that add up to a total: `rounding.parts_shown`); its values still sort it.
    """
    units, texts = units or {}, texts or {}
    said = [texts.get(str(c)) for c in frame.columns]
    head = "".join(
        f'<th scope="col"{_n(frame[c])}>{escape(c)}'
        + (f" ({escape(units[c])})" if c in units else "")
        + "</th>"
        for c in frame.columns
    )
    rows = []
    years = [c == "year" or c.endswith("_year") or c == "point" for c in frame.columns]
    words = ['<td class="note">' if c == "note" else "<td>" for c in frame.columns]
    for at, record in enumerate(frame.itertuples(index=False)):
        cells = []
        for v, plain, td, text in zip(record, years, words, said, strict=True):
            if isinstance(v, int | float) and not isinstance(v, bool) and v == v:
                x = float(v) + 0.0  # -0.0 + 0.0 is 0.0
                shown = str(int(x)) if plain and x.is_integer() else number(x)
                shown = escape(text[at]) if text is not None else shown
                cells.append(f'<td class="n" data-v="{x:.12g}">{shown}</td>')
            else:
                cells.append(f"{td}{'' if v is None or v != v else escape(str(v))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="wrap"><table class="sortable"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def number(value: float) -> str:
    """A number for people (`rounding.cell`: `rounding.number`'s rule), never -0: a negative number
    that rounds to zero is shown as 0."""
    from allocator.report.rounding import cell

    return cell(value)


def _n(column: pd.Series) -> str:
    return ' class="n"' if pd.api.types.is_numeric_dtype(column) else ""


def chart_labels(prices: pd.DataFrame) -> list[str]:
    """A chart's labels of limits: their words (`description`), not the model's row names, with
    the ids in them as words (`plain`: `capital group automotive industry`) and levels with
    thousands separators (`past 40,000 jobs`); a table without words (written before them)
    keeps the names. Limits of different units (jobs per musd, jobs per job) each carry theirs,
    and the chart's unit says so (`chart_unit`)."""
    if "description" not in prices.columns:
        return [str(c) for c in prices["constraint"]]
    words = [_limit_words(r) for r in prices.to_dict("records")]
    if len(_units(prices)) > 1:
        words = [f"{w} ({u})" for w, u in zip(words, prices["unit"], strict=True)]
    return words


def room_units(prices: pd.DataFrame) -> pd.DataFrame:
    """The limits of `top_shadow_prices` with the unit of what their chart shows: with whole
    units (`gain_of_one_unit_up`), what one unit more room buys as the terminal says it
    (`one more musd: +0.53 jobs`): `jobs for one musd more room`, not the rate's `jobs per
    musd` (5.3 there); a share cap's per percentage point of max_share (`SHARE_POINTS`);
    without them, the rates, in their own unit."""
    if "gain_of_one_unit_up" not in prices.columns or "unit" not in prices.columns:
        return prices
    from allocator.report.rates import SHARE_POINTS

    held = prices.get("holds_for_unit", pd.Series("", index=prices.index))
    said = []
    for unit, amounts in zip(map(str, prices["unit"]), held, strict=True):
        objective, _, per = unit.partition(" per ")
        per = "percentage point of max_share" if amounts == SHARE_POINTS else per
        said.append(f"{objective} for one {per} more room" if per else unit)
    return prices.assign(unit=said)


MIXED_UNITS = "per unit of each limit, unit in its label"


def chart_unit(prices: pd.DataFrame) -> str:
    """The unit of a chart of limits: their one unit, or MIXED_UNITS (each label has its own)."""
    units = _units(prices)
    return units[0] if len(units) == 1 else MIXED_UNITS if units else ""


def _units(prices: pd.DataFrame) -> list[str]:
    """The distinct units of the limits, in order (none without a unit column)."""
    return list(dict.fromkeys(map(str, prices["unit"]))) if "unit" in prices.columns else []


def plain(name: object) -> str:
    """An id as words: underscores as spaces (`materials_chemicals` -> `materials chemicals`)."""
    return " ".join(str(name).replace("_", " ").split())


def _limit_words(row: dict[Hashable, Any]) -> str:
    """The registry's words of a row's family with its labels as words; a row the registry does
    not know (or without all its labels) gets its written description, made plain."""
    from allocator.model import families

    entry = families.registry().families.get(str(row.get("family")))
    values: dict[str, Any] = {d: row.get(d) for d in entry.dims} if entry is not None else {}
    if entry is None or any(_missing(v) for v in values.values()):
        return _plain_text(str(row["description"]))
    return entry.words.format(**{d: _label_words(d, v) for d, v in values.items()})


def _label_words(dim: str, value: float | str) -> str:
    """One label as words: a level with thousands separators, a year as a year, `all` phases."""
    if dim == "level":
        return f"{float(value):,.0f}" if float(value).is_integer() else f"{float(value):,g}"
    if dim == "year":
        return str(int(float(value)))
    if dim == "phase" and value == "all":
        return "all phases"
    return plain(value)


def _missing(value: object) -> bool:
    return value is None or value != value or value == ""


_BIG = re.compile(r"(?<![\d.,])\d{5,}(?![\d.,])")


def _plain_text(text: str) -> str:
    """Written words made plain: underscores as spaces, numbers of 5 digits or more with
    thousands separators (a 4-digit number may be a year: left as it is)."""
    return _BIG.sub(lambda m: f"{int(m.group()):,}", plain(text))
