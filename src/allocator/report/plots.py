"""Slide-size PNG charts of a run: investment by phase, shadow prices, jobs-exports frontier.

`write_plots` writes a run's two charts; `frontier_plot` draws frontier.png into a run folder.

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
from decimal import ROUND_HALF_UP, Decimal
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
from allocator.report.rounding import rounded_grid
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
    with _slide(path, title) as ax:
        if table.empty:
            _note(ax, "No investment in this plan")
            return Path(path)
        totals = _stacked_bars(ax, table)
        x = np.arange(len(totals))
        ax.set_xticks(x, [str(p) for p in table.columns])
        pad = max(0.0, (3 - len(x)) / 2)  # fewer than 3 phases: keep the bars slim
        ax.set_xlim(-0.5 - pad, len(x) - 0.5 + pad)
        ax.set(xlabel="Phase", ylabel="Investment (US$ million)", ylim=(0, totals.max() * 1.1))
        ax.grid(axis="x", visible=False)
        ax.yaxis.set_major_formatter(FuncFormatter(tick_text))
        handles, labels = ax.get_legend_handles_labels()  # top of the stack first
        ax.legend(
            handles[::-1],
            labels[::-1],
            frameon=False,
            title="Sector",
            loc="upper left",
            bbox_to_anchor=(1.02, 1.0),
        )
    return Path(path)


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
    with _slide(path, title) as ax:
        if top.empty:
            _note(ax, "No binding constraint has a non-zero shadow price")
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


def plot_frontier(frontier: pd.DataFrame, path: Path | str, title: str) -> Path:
    """The Pareto frontier of two measures: its plans joined in order of x.

    Args:
        frontier: frontier.csv: one row per plan, columns `x_value`, `y_value`, and the words
            and units of each axis (`x_words`, `x_unit`, `y_words`, `y_unit`).
        path: the PNG to write (its folder is created if missing).
        title: the chart title.

    Returns:
        The path written. A frontier of one plan is drawn as one point, noted as best for both.
    """
    points = frontier_points(frontier)
    first = frontier.iloc[0] if len(frontier) else None
    with _slide(path, title) as ax:
        if first is not None:
            ax.set(
                xlabel=f"{first['x_words']} ({first['x_unit']})",
                ylabel=f"{first['y_words']} ({first['y_unit']})",
            )
        if points.empty or first is None:  # no row has no point either
            _note(ax, "No plan on the frontier")
            return Path(path)
        ax.plot(points["x_value"], points["y_value"], "-o", color=LINE, lw=2.5, ms=9)
        y_best = points.sort_values(["y_value", "x_value"]).iloc[-1]
        x_best = points.sort_values(["x_value", "y_value"]).iloc[-1]
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(FuncFormatter(tick_text))
        names = (f"{first['y']}-best", f"{first['x']}-best")
        units = (str(first["x_unit"]), str(first["y_unit"]))
        if len(points) == 1:
            _one_plan(ax, y_best, names, units)
        else:
            _label(ax, y_best, names[0], (14, 14), "left", units)
            _label(ax, x_best, names[1], (-14, -14), "right", units)
            ax.margins(x=0.2, y=0.25)
    return Path(path)


def plot_sweep(
    sweep: pd.DataFrame,
    path: Path | str,
    title: str,
    year: int | None = None,
    nominal: dict[str, Any] | None = None,
) -> Path:
    """Each sampled plan as a point (exports, jobs), with the P5, P50 and P95 of each, and the
    nominal plan (the data as given) as a star, labelled with its percentile among the samples.

    Args:
        sweep: sweep.csv: columns `status`, `jobs`, `exports_musd`.
        path: the PNG to write.
        title: the chart title.
        year: the milestone year of both outcomes.
        nominal: the nominal plan's `jobs` and `exports_musd` (default: `sweep.attrs["nominal"]`,
            as `run_sweep` returns it); none, or an unsolved one, draws no star.

    Returns:
        The path written.
    """
    ok = sweep[sweep["status"] == "optimal"]
    when = "" if year is None else f" in {year}"
    jobs_unit, exports_unit = sweep.attrs.get("units", ("jobs", "US$ million per year"))
    with _slide(path, title) as ax:
        ax.set(xlabel=f"Exports{when} ({exports_unit})", ylabel=f"Direct jobs{when} ({jobs_unit})")
        if ok.empty:
            _note(ax, "No sample reached an optimal plan")
            return Path(path)
        ax.scatter(
            ok["exports_musd"],
            ok["jobs"],
            s=18,
            color=LINE,
            alpha=0.5,
            label=f"{len(ok):,} sampled plans",
        )
        from allocator.report.studyhtml import percentiles  # the summary's own reading

        jobs, exports = percentiles(ok["jobs"]), percentiles(ok["exports_musd"])
        for q, style in (("p5", ":"), ("p50", "--"), ("p95", ":")):
            ax.axhline(jobs[q], color="0.35", ls=style, lw=1.2)
            ax.axvline(exports[q], color="0.35", ls=style, lw=1.2)
        ax.plot([], [], "--", color="0.35", label="P50 (dashed), P5 and P95 (dotted)")
        star = sweep.attrs.get("nominal") if nominal is None else nominal
        _nominal_star(ax, ok, star, (jobs_unit, exports_unit))
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(FuncFormatter(tick_text))
        ax.legend(loc="best", frameon=False)
    return Path(path)


def _nominal_star(
    ax: Any, ok: pd.DataFrame, nominal: dict[str, Any] | None, units: tuple[str, str]
) -> None:
    """The nominal plan among the samples, with its jobs and exports and their percentiles."""
    if not nominal or nominal.get("jobs") is None or nominal.get("exports_musd") is None:
        return
    from scipy.stats import percentileofscore

    jobs, exports = float(nominal["jobs"]), float(nominal["exports_musd"])
    at_jobs = percentileofscore(ok["jobs"], jobs, kind="mean")
    at_exports = percentileofscore(ok["exports_musd"], exports, kind="mean")
    ax.scatter(
        [exports],
        [jobs],
        s=160,
        marker="*",
        color="0.1",
        zorder=5,
        label=f"nominal plan: {jobs:,.0f} {units[0]}, {exports:,.0f} {units[1]} "
        f"(P{at_jobs:.0f} of the samples' jobs, P{at_exports:.0f} of their exports)",
    )


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


def frontier_plot(table: pd.DataFrame, title: str) -> Any:
    """What writes frontier.png of `table` into a run folder (the `extra` of `write_run`)."""

    def draw(folder: Path) -> object:
        return plot_frontier(table, folder / "frontier.png", title)

    return draw


@contextmanager
def _slide(path: Path | str, title: str) -> Iterator[Axes]:
    """A 10 x 6 inch figure with the slide style; written to `path` when the block ends."""
    with matplotlib.rc_context(STYLE):
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


def frontier_points(frontier: pd.DataFrame) -> pd.DataFrame:
    """Distinct (x, y) plans, equal to 9 significant digits, in order of x."""
    points = frontier[["x_value", "y_value"]].astype(float).dropna()
    keys = points.map(lambda v: float(f"{v:.9g}"))
    points = points[~keys.duplicated()]
    return points.sort_values(["x_value", "y_value"]).reset_index(drop=True)


def _one_plan(ax: Axes, point: pd.Series, names: tuple[str, str], units: tuple[str, str]) -> None:
    """A frontier of one plan: axes from zero, so the point does not float in a void of ticks."""
    x_hi = point["x_value"] * 1.25 if point["x_value"] > 0 else 1.0
    y_hi = point["y_value"] * 1.25 if point["y_value"] > 0 else 1.0
    ax.set(xlim=(-0.03 * x_hi, x_hi), ylim=(-0.03 * y_hi, y_hi))
    left = point["x_value"] > 0  # the point sits at 80% of the width, or on the y axis
    _label(
        ax,
        point,
        f"{names[0]} and {names[1]}",
        (-14 if left else 14, 14),
        "right" if left else "left",
        units,
    )
    _note(ax, "one plan is best for both: no trade-off", y=0.08)


def _label(
    ax: Axes,
    point: pd.Series,
    name: str,
    offset: tuple[int, int],
    ha: str,
    units: tuple[str, str],
) -> None:
    """Annotate a frontier plan with its name and both values with their units."""
    y_text = f"{amount_text(point['y_value'])} {units[1]}"
    text = f"{name}\n{y_text}, {amount_text(point['x_value'])} {units[0]}"
    ax.annotate(
        text,
        (point["x_value"], point["y_value"]),
        xytext=offset,
        textcoords="offset points",
        ha=ha,
        va="bottom" if offset[1] > 0 else "top",
        fontsize=12,
        annotation_clip=False,
        arrowprops={"arrowstyle": "-", "color": "0.4"},
    )


def _note(ax: Axes, text: str, y: float = 0.5) -> None:
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
    return f"{Decimal(repr(round(float(v), 6))).quantize(Decimal(1), ROUND_HALF_UP):,}"


def signed_text(v: float) -> str:
    """A signed shadow price: +12.5, -4, +1,234."""
    return f"{v:+,.0f}" if abs(v) >= 1000 else f"{v:+,.3g}"
