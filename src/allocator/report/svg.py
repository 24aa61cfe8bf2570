"""Small inline SVG charts for `report.html`: horizontal (stacked) bars and a line chart. Plain
SVG text, no script and no font files, so the report stays one self-contained file; the same
numbers give the same text."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from html import escape

from allocator.report.rounding import cell, number

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def as_written(value: float) -> float:
    """`value` as the run's CSV tables hold it (12 significant digits, csvtext.FLOAT_FORMAT): a
    chart drawn from it is the chart `allocator report` redraws from the tables, byte for
    byte (3,866.5 + 1e-9 drew a bar 193.33 wide, the rebuilt page 193.32)."""
    return float(f"{value:.12g}")


BAR_SIZE = (250, 400, 22)
"""A bar chart's label column, bar length at the largest total, and row height (pixels)."""
LINE_SIZE = (560, 300, 60)
"""A line chart's width, height and the padding around its plot area (pixels)."""


def bars(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    unit: str,
    title: str,
    marks: Sequence[float] | None = None,
    mark_name: str = "",
    shown: tuple[Mapping[str, Sequence[str]], Sequence[str]] | None = None,
) -> str:
    """Horizontal bars, one a label, stacked by series (each series a list of values by label);
    `marks`, one value a label, drawn as a black tick across its bar (e.g. the optimum) and
    named `mark_name` in the legend; `shown`, the texts its pieces and totals say where the
    page's table beside it rounds them (`rounding.rounded_grid`), else `number` of each."""
    names = list(series)
    said = shown or (
        {s: [number(as_written(v)) for v in series[s]] for s in names},
        [
            number(sum(max(0.0, as_written(series[s][i])) for s in names))
            for i in range(len(labels))
        ],
    )
    series = {s: [as_written(v) for v in series[s]] for s in names}
    marks = None if marks is None else [as_written(v) for v in marks]
    totals = [sum(max(0.0, series[s][i]) for s in names) for i in range(len(labels))]
    top = max([*totals, *(marks or []), 0.0]) or 1.0
    left, width, row = BAR_SIZE
    legend = 20 if len(names) > 1 or marks is not None else 0
    height = 40 + legend + row * len(labels) + 10
    parts = [
        '<div class="chartbox">'
        f'<svg viewBox="0 0 {left + width + 110} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" class="t">{escape(title)} ({escape(unit)})</text>',
    ]
    parts += _legend(names if legend else [], None if marks is None else mark_name)
    for i, label in enumerate(labels):
        y = 40 + legend + i * row
        values = [(name, max(0.0, series[name][i]), said[0][name][i]) for name in names]
        parts += _bar(label, y, values, (totals[i], top), unit, said[1][i])
        if marks is not None:
            parts.append(_mark(label, y, (marks[i], top), unit, mark_name))
    parts.append("</svg></div>")
    return "".join(parts)


def _legend(names: list[str], mark_name: str | None) -> list[str]:
    """The legend above the bars: a swatch a series, then the marks' tick (`mark_name`, None
    for a chart without marks)."""
    left = BAR_SIZE[0]
    parts = []
    for k, name in enumerate(names):
        x = left + k * 100
        parts.append(f'<rect x="{x}" y="26" width="10" height="10" fill="{_color(k)}"/>')
        parts.append(f'<text x="{x + 14}" y="35" class="s">{escape(name)}</text>')
    if mark_name is not None:
        x = left + len(names) * 100
        parts.append(
            f'<line x1="{x + 5}" y1="24" x2="{x + 5}" y2="38" stroke="#000" stroke-width="2"/>'
        )
        parts.append(f'<text x="{x + 14}" y="35" class="s">{escape(mark_name)}</text>')
    return parts


def _bar(
    label: str,
    y: int,
    values: list[tuple[str, float, str]],
    scale: tuple[float, float],
    unit: str,
    total_text: str,
) -> list[str]:
    """One label's row at height `y`: its name (cut past 40 characters), its stacked pieces
    (series, value, its text) and its total written after them (`total_text`); `scale`: (the
    total, the chart's top)."""
    left, width, row = BAR_SIZE
    total, top = scale
    short = label if len(label) <= 40 else label[:39] + "\u2026"
    parts = [
        f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" class="s">{escape(short)}'
        f"<title>{escape(label)}</title></text>"
    ]
    end = float(left)  # where the next bar of the stack starts
    for k, (name, value, text) in enumerate(values):
        w = width * value / top
        if w > 0:
            parts.append(
                f'<rect x="{end:.2f}" y="{y + 3}" width="{w:.2f}" height="{row - 6}" '
                f'fill="{_color(k)}"><title>{escape(label)}, {escape(name)}: '
                f"{escape(text)} {escape(unit)}</title></rect>"
            )
        end += w
    parts.append(f'<text x="{end + 4:.2f}" y="{y + 14}" class="s">{escape(total_text)}</text>')
    return parts


def _mark(label: str, y: int, scale: tuple[float, float], unit: str, mark_name: str) -> str:
    """A label's mark (`scale`: its value and the chart's top) as a black tick across its bar."""
    left, width, row = BAR_SIZE
    value, top = scale
    m = left + width * max(0.0, value) / top
    return (
        f'<line x1="{m:.2f}" y1="{y + 1}" x2="{m:.2f}" y2="{y + row - 1}" stroke="#000" '
        f'stroke-width="2" class="mark"><title>{escape(label)}, {escape(mark_name)}: '
        f"{number(value)} {escape(unit)}</title></line>"
    )


def line(
    xs: Sequence[float],
    ys: Sequence[float],
    x_title: str,
    y_title: str,
    title: str,
    units: tuple[str, str] = ("", ""),
) -> str:
    """A line chart with points: the frontier (x against y). An axis that does not start at
    zero is marked as cut (a zigzag at its start, and its title says where it starts), so a
    small trade-off does not look like a cliff. Each number is shown as a table cell in its
    axis's unit (`units`, x's and y's: `rounding.cell`, jobs whole), so a point reads as the
    table beside the chart."""
    if not xs:
        return ""
    w, h, _ = LINE_SIZE
    xs, ys = [as_written(x) for x in xs], [as_written(y) for y in ys]
    nx, ny = _in_unit(units[0]), _in_unit(units[1])
    pts = _placed(xs, ys)
    path = " ".join(f"{px:.2f},{py:.2f}" for px, py in pts)
    parts = [
        f'<div class="chartbox"><svg viewBox="0 0 {w} {h}" role="img" '
        f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>',
        f'<text x="0" y="16" class="t">{escape(title)}</text>',
        *_axes((min(xs), max(xs), min(ys), max(ys)), (x_title, y_title), (nx, ny)),
        f'<polyline points="{path}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>',
        *_cut_marks(min(xs), min(ys)),
    ]
    for (px, py), x, y in zip(pts, xs, ys, strict=True):
        parts.append(
            f'<circle cx="{px:.2f}" cy="{py:.2f}" r="4" fill="{PALETTE[1]}">'
            f"<title>{nx(x)}, {ny(y)}</title></circle>"
        )
    parts.append("</svg></div>")
    return "".join(parts)


def _in_unit(unit: str) -> Callable[[float], str]:
    """A number as a table cell in `unit` shows it (`rounding.cell`)."""
    return lambda value: cell(value, unit)


def _placed(xs: list[float], ys: list[float]) -> list[tuple[float, float]]:
    """Each point's place in the chart: the smallest x at the left of the plot area, the
    smallest y at its bottom, the largest at the other ends."""
    w, h, pad = LINE_SIZE
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    sx = (w - 2 * pad) / ((x1 - x0) or 1.0)
    sy = (h - 2 * pad) / ((y1 - y0) or 1.0)
    return [(pad + (x - x0) * sx, h - pad - (y - y0) * sy) for x, y in zip(xs, ys, strict=True)]


def _axes(
    ends: tuple[float, float, float, float],
    titles: tuple[str, str],
    say: tuple[Callable[[float], str], Callable[[float], str]],
) -> list[str]:
    """The two axes, their titles (a cut axis said, `_cut`) and the numbers at their ends
    (`ends`: x's least and most, y's least and most; `say`: how x and y are written)."""
    w, h, pad = LINE_SIZE
    x0, x1, y0, y1 = ends
    nx, ny = say
    x_title, y_title = titles[0] + _cut(x0, nx), titles[1] + _cut(y0, ny)
    return [
        f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#999"/>',
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}" stroke="#999"/>',
        f'<text x="{w / 2}" y="{h - 20}" text-anchor="middle" class="s">{escape(x_title)}</text>',
        f'<text x="14" y="{h / 2}" transform="rotate(-90 14 {h / 2})" text-anchor="middle" '
        f'class="s">{escape(y_title)}</text>',
        f'<text x="{pad}" y="{h - pad + 14}" class="s">{nx(x0)}</text>',
        f'<text x="{w - pad}" y="{h - pad + 14}" text-anchor="end" class="s">{nx(x1)}</text>',
        f'<text x="{pad - 4}" y="{h - pad}" text-anchor="end" class="s">{ny(y0)}</text>',
        f'<text x="{pad - 4}" y="{pad + 4}" text-anchor="end" class="s">{ny(y1)}</text>',
    ]


def _cut_marks(x0: float, y0: float) -> list[str]:
    """The zigzags of the axes that start above zero: across the y axis just above its start,
    across the x axis just right of it."""
    _, h, pad = LINE_SIZE
    marks = []
    if y0 > 0:
        marks.append(_zigzag(pad, h - pad - 12, vertical=True))
    if x0 > 0:
        marks.append(_zigzag(pad + 12, h - pad, vertical=False))
    return marks


def _cut(start: float, say: Callable[[float], str] = number) -> str:
    """The words that mark an axis starting above zero as cut (the start as `say` shows it);
    empty for one from zero or below."""
    return f" (axis cut: starts at {say(start)}, not 0)" if start > 0 else ""


def _zigzag(x: float, y: float, vertical: bool) -> str:
    """The mark of a cut axis at (x, y): a white gap crossed by two slanted strokes."""
    if vertical:
        gap = f'<rect x="{x - 6}" y="{y - 3}" width="12" height="6" fill="#fff"/>'
        marks = [(x - 6, y + 1, x + 6, y - 3), (x - 6, y + 4, x + 6, y)]
    else:
        gap = f'<rect x="{x - 3}" y="{y - 6}" width="6" height="12" fill="#fff"/>'
        marks = [(x - 3, y + 6, x + 1, y - 6), (x, y + 6, x + 4, y - 6)]
    strokes = "".join(
        f'<line x1="{a}" y1="{b}" x2="{c}" y2="{d}" stroke="#999"/>' for a, b, c, d in marks
    )
    return f'<g class="cut">{gap}{strokes}</g>'


def _color(k: int) -> str:
    return PALETTE[k % len(PALETTE)]
