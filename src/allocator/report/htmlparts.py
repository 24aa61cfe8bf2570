"""The pieces every section of report.html is made of: a sortable table, a number for people
and the words that label a chart's limits. A leaf module: the page (`html.py`) and the sections
of studies (`studyhtml.py`, `corehtml.py`, `replanhtml.py`) and the workbook's charts import it.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from allocator.report.svg import number as _svg_number


def table(frame: pd.DataFrame, units: dict[str, str] | None = None) -> str:
    """A sortable HTML table; numbers right-aligned with their exact value kept for sorting."""
    units = units or {}
    head = "".join(
        f'<th scope="col"{_n(frame[c])}>{escape(c)}'
        + (f" ({escape(units[c])})" if c in units else "")
        + "</th>"
        for c in frame.columns
    )
    rows = []
    years = [c == "year" or c.endswith("_year") or c == "point" for c in frame.columns]
    words = ['<td class="note">' if c == "note" else "<td>" for c in frame.columns]
    for record in frame.itertuples(index=False):
        cells = []
        for v, plain, td in zip(record, years, words, strict=True):
            if isinstance(v, int | float) and not isinstance(v, bool) and v == v:
                x = float(v) + 0.0  # -0.0 + 0.0 is 0.0
                shown = str(int(x)) if plain and x.is_integer() else number(x)
                cells.append(f'<td class="n" data-v="{x:.12g}">{shown}</td>')
            else:
                cells.append(f"{td}{'' if v is None or v != v else escape(str(v))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="wrap"><table class="sortable"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def number(value: float) -> str:
    """A number for people (`svg.number`), never -0: a negative number that rounds to zero is
    shown as 0."""
    text = _svg_number(value)
    return "0" if text == "-0" else text


def _n(column: pd.Series) -> str:
    return ' class="n"' if pd.api.types.is_numeric_dtype(column) else ""


def chart_labels(prices: pd.DataFrame) -> list[str]:
    """A chart's labels of limits: their words (`description`), not the model's row names; a
    table without words (written before them) keeps the names."""
    column = "description" if "description" in prices.columns else "constraint"
    return [str(c) for c in prices[column]]
