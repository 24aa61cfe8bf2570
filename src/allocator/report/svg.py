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


def bars(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    unit: str,
    title: str,
    marks: Sequence[float] | None = None,
    mark_name: str = "",
) -> str:
    """Horizontal bars, one a label, stacked by series (each series a list of values by label);
    `marks`, one value a label, drawn as a black tick across its bar (e.g. the optimum) and
    named `mark_name` in the legend."""
    names = list(series)
    series = {s: [as_written(v) for v in series[s]] for s in names}
    marks = None if marks is None else [as_written(v) for v in marks]
    totals = [sum(max(0.0, series[s][i]) for s in names) for i in range(len(labels))]
    top = max([*totals, *(marks or []), 0.0]) or 1.0
    left, width, row = 250, 400, 22
    legend = 20 if len(names) > 1 or marks is not None else 0
    height = 40 + legend + row * len(labels) + 10
    parts = [
        '<div class="chartbox">'
        f'<svg viewBox="0 0 {left + width + 110} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" class="t">{escape(title)} ({escape(unit)})</text>',
    ]
    for k, name in enumerate(names if legend else []):
        x = left + k * 100
        parts.append(f'<rect x="{x}" y="26" width="10" height="10" fill="{_color(k)}"/>')
        parts.append(f'<text x="{x + 14}" y="35" class="s">{escape(name)}</text>')
    if marks is not None:
        x = left + len(names) * 100
        parts.append(
            f'<line x1="{x + 5}" y1="24" x2="{x + 5}" y2="38" stroke="#000" stroke-width="2"/>'
        )
        parts.append(f'<text x="{x + 14}" y="35" class="s">{escape(mark_name)}</text>')
    for i, label in enumerate(labels):
        y = 40 + legend + i * row
        short = label if len(label) <= 40 else label[:39] + "\u2026"
        parts.append(
            f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" class="s">{escape(short)}'
            f"<title>{escape(label)}</title></text>"
        )
        end = float(left)  # where the next bar of the stack starts
        for k, name in enumerate(names):
            value = max(0.0, series[name][i])
            w = width * value / top
            if w > 0:
                parts.append(
                    f'<rect x="{end:.2f}" y="{y + 3}" width="{w:.2f}" height="{row - 6}" '
                    f'fill="{_color(k)}"><title>{escape(label)}, {escape(name)}: '
                    f"{number(value)} {escape(unit)}</title></rect>"
                )
            end += w
        parts.append(f'<text x="{end + 4:.2f}" y="{y + 14}" class="s">{number(totals[i])}</text>')
        if marks is not None:
            m = left + width * max(0.0, marks[i]) / top
            parts.append(
                f'<line x1="{m:.2f}" y1="{y + 1}" x2="{m:.2f}" y2="{y + row - 1}" stroke="#000" '
                f'stroke-width="2" class="mark"><title>{escape(label)}, {escape(mark_name)}: '
                f"{number(marks[i])} {escape(unit)}</title></line>"
            )
    parts.append("</svg></div>")
    return "".join(parts)


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

    def nx(value: float) -> str:
        return cell(value, units[0])

    def ny(value: float) -> str:
        return cell(value, units[1])

    w, h, pad = 560, 300, 60
    if not xs:
        return ""
    xs, ys = [as_written(x) for x in xs], [as_written(y) for y in ys]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    sx = (w - 2 * pad) / ((x1 - x0) or 1.0)
    sy = (h - 2 * pad) / ((y1 - y0) or 1.0)
    pts = [(pad + (x - x0) * sx, h - pad - (y - y0) * sy) for x, y in zip(xs, ys, strict=True)]
    path = " ".join(f"{px:.2f},{py:.2f}" for px, py in pts)
    x_title += _cut(x0, nx)
    y_title += _cut(y0, ny)
    parts = [
        f'<div class="chartbox"><svg viewBox="0 0 {w} {h}" role="img" '
        f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>',
        f'<text x="0" y="16" class="t">{escape(title)}</text>',
        f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#999"/>',
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}" stroke="#999"/>',
        f'<text x="{w / 2}" y="{h - 20}" text-anchor="middle" class="s">{escape(x_title)}</text>',
        f'<text x="14" y="{h / 2}" transform="rotate(-90 14 {h / 2})" text-anchor="middle" '
        f'class="s">{escape(y_title)}</text>',
        f'<text x="{pad}" y="{h - pad + 14}" class="s">{nx(x0)}</text>',
        f'<text x="{w - pad}" y="{h - pad + 14}" text-anchor="end" class="s">{nx(x1)}</text>',
        f'<text x="{pad - 4}" y="{h - pad}" text-anchor="end" class="s">{ny(y0)}</text>',
        f'<text x="{pad - 4}" y="{pad + 4}" text-anchor="end" class="s">{ny(y1)}</text>',
        f'<polyline points="{path}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>',
    ]
    if y0 > 0:  # a zigzag across the y axis just above its start
        parts.append(_zigzag(pad, h - pad - 12, vertical=True))
    if x0 > 0:
        parts.append(_zigzag(pad + 12, h - pad, vertical=False))
    for (px, py), x, y in zip(pts, xs, ys, strict=True):
        parts.append(
            f'<circle cx="{px:.2f}" cy="{py:.2f}" r="4" fill="{PALETTE[1]}">'
            f"<title>{nx(x)}, {ny(y)}</title></circle>"
        )
    parts.append("</svg></div>")
    return "".join(parts)


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
