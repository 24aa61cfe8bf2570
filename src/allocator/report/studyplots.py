"""Slide-size PNG charts of the studies: the Pareto frontier of two measures (frontier.png,
`plot_frontier`, drawn into a run folder by `frontier_plot`) and a sweep's sampled plans
(`plot_sweep`). Drawn as the run's own charts are (`plots.slide`: one Agg figure, the slide
style, no software or date stamp)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from allocator.report.plots import LINE, amount_text, note, slide, tick_text


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
    with slide(path, title) as ax:
        if first is not None:
            ax.set(
                xlabel=f"{first['x_words']} ({first['x_unit']})",
                ylabel=f"{first['y_words']} ({first['y_unit']})",
            )
        if points.empty or first is None:  # no row has no point either
            note(ax, "No plan on the frontier")
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
    with slide(path, title) as ax:
        ax.set(xlabel=f"Exports{when} ({exports_unit})", ylabel=f"Direct jobs{when} ({jobs_unit})")
        if ok.empty:
            note(ax, "No sample reached an optimal plan")
            return Path(path)
        _samples(ax, ok)
        star = sweep.attrs.get("nominal") if nominal is None else nominal
        _nominal_star(ax, ok, star, (jobs_unit, exports_unit))
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(FuncFormatter(tick_text))
        ax.legend(loc="best", frameon=False)
    return Path(path)


def _samples(ax: Axes, ok: pd.DataFrame) -> None:
    """The optimal samples as points (exports, jobs), and the P5, P50 and P95 of their jobs and
    of their exports as lines across the chart."""
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


def frontier_plot(table: pd.DataFrame, title: str) -> Any:
    """What writes frontier.png of `table` into a run folder (the `extra` of `write_run`)."""

    def draw(folder: Path) -> object:
        return plot_frontier(table, folder / "frontier.png", title)

    return draw


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
    note(ax, "one plan is best for both: no trade-off", y=0.08)


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
