"""Slide-size PNG charts of a run: investment by phase and shadow prices.

`write_plots` writes a run's two charts; the studies' charts (frontier, sweep) are in
`studyplots.py`.

Every function takes plain pandas tables (the run's CSV tables, never the Pyomo model) and a
target path, writes one 10 x 6 inch PNG at 150 dpi (1500 x 900 pixels) and returns the path.
Each figure is a `matplotlib.figure.Figure` drawn by its own Agg canvas: pyplot and the
process-wide backend are never touched, and the style is applied only while a figure is drawn.
PNGs carry no software or date stamp, so the same tables give the same bytes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from allocator.report.htmlparts import chart_labels, chart_unit, plain
from allocator.report.rates import top_shadow_prices
from allocator.report.rounding import rounded_grid, whole
from allocator.report.tables import sector_by_phase

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

SIZE_IN = (10.0, 6.0)
DPI = 150
"""Shadow prices this small (in magnitude) are solver noise and count as zero."""
STYLE: dict[RcKeyType, Any] = {
    "font.size": 12,
    "axes.labelsize": 13,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 11,
    "legend.title_fontsize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "0.88",
    "axes.axisbelow": True,
}
POSITIVE, NEGATIVE, LINE = "#2b6cb0", "#c05621", "#2f855a"


def plot_allocation(
    allocation: pd.DataFrame,
    path: Path | str,
    title: str,
    mitigation: pd.Series | None = None,
) -> Path:
    """Stacked bars of investment per phase, one colour per sector, with each phase's total.

    Args:
        allocation: rows of `allocation.csv`: columns `sector`, `phase`, `year`, `invest_musd`.
        path: the PNG to write (its folder is created if missing).
        title: the chart title.
        mitigation: risk mitigation money by phase (`budgets.mitigation_of`), stacked on top
            and counted in the totals, as the terminal's table does; None for none.

    Returns:
        The path written.
    """
    table = _by_sector_and_phase(allocation, mitigation)
    with slide(path, title) as ax:
        if table.empty:
            note(ax, "No investment in this plan")
            return Path(path)
        totals = _stacked_bars(ax, table)
        x = np.arange(len(totals))
        ax.set_xticks(x, [str(p) for p in table.columns])
        pad = max(0.0, (3 - len(x)) / 2)  # fewer than 3 phases: keep the bars slim
        ax.set_xlim(-0.5 - pad, len(x) - 0.5 + pad)
        ax.set(xlabel="Phase", ylabel="Investment (US$ million)", ylim=(0, totals.max() * 1.1))
        ax.grid(axis="x", visible=False)
        ax.yaxis.set_major_formatter(FuncFormatter(tick_text))
        _sector_legend(ax)
    return Path(path)


def _sector_legend(ax: Any) -> None:
    """The sectors' legend right of the bars, the top of the stack first."""
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(
        handles[::-1],
        labels[::-1],
        frameon=False,
        title="Sector",
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
    )


def plot_shadow_prices(
    shadow_prices: pd.DataFrame, path: Path | str, title: str, n: int = 12
) -> Path:
    """Horizontal bars of the n limits whose room buys the most (`top_shadow_prices`: exact
    one-sided rates; a table without them, the shadow prices largest in magnitude).

    Args:
        shadow_prices: rows of `shadow_prices.csv`: columns `description`, `shadow_price`,
            `unit` (and `constraint`, used to order ties).
        path: the PNG to write (its folder is created if missing).
        title: the chart title.
        n: how many constraints to show at most.

    Returns:
        The path written; if no price is non-zero, the figure says so.
    """
    top = top_shadow_prices(shadow_prices, n)
    top = top.assign(unit=top["unit"].fillna("?"))
    with slide(path, title) as ax:
        if top.empty:
            note(ax, "No binding constraint has a non-zero shadow price")
            return Path(path)
        # words, not ids, as report.html and the workbook; mixed units: each label has its own
        labels = [textwrap.fill(w, 42) for w in chart_labels(top)]
        one_sided = "gain_per_unit_up" in top.columns  # ranked by what room buys, exactly
        prices = top["magnitude" if one_sided else "shadow_price"].to_numpy(dtype=float)
        y = np.arange(len(top))
        bars = ax.barh(y, prices, 0.65, color=np.where(prices >= 0, POSITIVE, NEGATIVE))
        ax.bar_label(bars, labels=[signed_text(v) for v in prices], padding=4, fontsize=12)
        ax.set_yticks(y, labels)
        pad = max(0.0, (5 - len(y)) / 2)  # fewer than 5 bars: keep them slim
        ax.set_ylim(len(y) - 0.5 + pad, -0.5 - pad)  # largest on top
        ax.axvline(0, color="0.3", linewidth=0.8)
        ax.grid(axis="y", visible=False)
        what = "What one unit more room buys" if one_sided else "Shadow price"
        ax.set_xlabel(textwrap.fill(f"{what} ({chart_unit(top)})", 70))
        ax.xaxis.set_major_formatter(FuncFormatter(tick_text))
        ax.margins(x=0.12)
    return Path(path)


def write_plots(tables: dict[str, pd.DataFrame], folder: Path, label: str) -> list[Path]:
    """allocation.png (investment by phase and sector, and risk mitigation) and
    shadow_prices.png."""
    from allocator.report.budgets import MITIGATION, mitigation_of

    mitigation = mitigation_of(tables)
    what = "Investment" if mitigation is None else f"Investment and {MITIGATION}"
    return [
        plot_allocation(
            tables["allocation"],
            folder / "allocation.png",
            f"{what} by phase and sector: {label}",
            mitigation,
        ),
        plot_shadow_prices(
            tables["shadow_prices"],
            folder / "shadow_prices.png",
            f"Binding constraints by shadow price: {label}",
        ),
    ]


@contextmanager
def slide(path: Path | str, title: str) -> Iterator[Axes]:
    """A 10 x 6 inch figure with the slide style on matplotlib's defaults (never the caller's
    style: a notebook's dark theme would restyle the run's charts); written to `path` when the
    block ends."""
    import matplotlib.style

    with matplotlib.style.context(["default", {str(k): v for k, v in STYLE.items()}]):
        fig = Figure(figsize=SIZE_IN, dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        fig.suptitle(textwrap.fill(title, 80), x=0.01, ha="left", fontsize=15, fontweight="bold")
        yield ax
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})


def _stacked_bars(ax: Axes, table: pd.DataFrame) -> np.ndarray:
    """One bar per column of `table`, stacked by its rows, its total written on top: rounded
    as the terminal rounds the table (`rounding.rounded_grid`), so the numbers agree."""
    shown = rounded_grid(table).loc["total", list(table.columns)].to_numpy()
    bottom = np.zeros(len(table.columns))
    for sector, color in zip(table.index, _colors(len(table.index)), strict=True):
        values = table.loc[sector].to_numpy(dtype=float)
        x = np.arange(len(values))
        name = plain(sector)  # words, not ids: materials chemicals
        ax.bar(x, values, 0.6, bottom=bottom, label=name, color=color, edgecolor="white")
        bottom += values
    for xi, (total, text) in enumerate(zip(bottom, shown, strict=True)):
        ax.annotate(
            f"{int(text):,}",
            (xi, total),
            xytext=(0, 5),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=13,
            fontweight="bold",
        )
    return bottom


def _by_sector_and_phase(
    allocation: pd.DataFrame, mitigation: pd.Series | None = None
) -> pd.DataFrame:
    """`tables.sector_by_phase`, with money of programs without a sector shown as such, and
    the risk mitigation row when there is mitigation money."""
    spent = mitigation is not None and bool((mitigation != 0).any())
    if allocation.empty and not spent:
        return pd.DataFrame()
    named = allocation.assign(sector=allocation["sector"].fillna("(no sector)"))
    return sector_by_phase(named, mitigation=mitigation if spent else None)


def note(ax: Axes, text: str, y: float = 0.5) -> None:
    """A centred message inside the axes; alone on an empty chart, the axes are hidden."""
    if not ax.has_data():
        ax.set_axis_off()
    ax.text(
        0.5,
        y,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=14,
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 4},
    )


def _colors(n: int) -> list[tuple[float, float, float, float]]:
    """n distinct qualitative colours (tab10, then tab20, then repeating)."""
    cmap = matplotlib.colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def tick_text(x: float, _pos: int | None = None) -> str:
    """Axis numbers with thousands separators; decimals only where a tick needs them."""
    if float(x).is_integer() or abs(x) >= 1e5:
        return f"{x:,.0f}"
    return f"{x:,.6g}"


def amount_text(v: float) -> str:
    """A count or an amount to at most one decimal: 596,022.5, 44,060; below 1, three
    significant digits (a share of the targets: 0.0512)."""
    if 0 < abs(float(v)) < 1:
        return f"{float(v):.3g}"
    v = round(float(v), 1)
    return f"{v:,.0f}" if v.is_integer() else f"{v:,.1f}"


def whole_text(v: float) -> str:
    """A total to the nearest whole number, halves rounded up as on paper: 16166.5 -> 16,167."""
    return f"{whole(v):,}"  # as every table rounds a whole number (`rounding.whole`)


def signed_text(v: float) -> str:
    """A signed shadow price: +12.5, -4, +1,234."""
    return f"{v:+,.0f}" if abs(v) >= 1000 else f"{v:+,.3g}"
