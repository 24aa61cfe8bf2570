"""ranges.png: one horizontal bar per member from the least to the most funding within the
slack, the optimum's funding marked, in the slide style of `allocator.report.plots`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from allocator.report.plots import DPI, SIZE_IN, STYLE

COLORS = {
    "must-have": "#1b5e20",
    "flexible": "#1565c0",
    "optional": "#9e9e9e",
    "excluded": "#e0e0e0",
}


def plot_ranges(table: pd.DataFrame, path: Path, title: str) -> Path:
    """Draw `table` (a ranges table) to `path`; the same table gives the same bytes."""
    n = len(table)
    height = max(SIZE_IN[1], 0.28 * n + 1.8)
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(SIZE_IN[0], height), dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        fig.suptitle(textwrap.fill(title, 80), x=0.01, ha="left", fontsize=15, fontweight="bold")
        y = np.arange(n)[::-1]
        low = table["min_musd"].to_numpy(dtype=float)
        width = table["max_musd"].to_numpy(dtype=float) - low
        colors = [COLORS[c] for c in table["classification"]]
        ax.barh(y, np.maximum(width, 0.0), left=low, height=0.6, color=colors)
        ax.plot(table["optimum_musd"].to_numpy(dtype=float), y, "k|", markersize=14, mew=2.5)
        ax.set_yticks(y, table["member"].tolist(), fontsize=9)
        ax.set_xlabel("total funding within the slack (US$ million); | = the optimum's")
        for name, color in COLORS.items():
            ax.barh([], [], color=color, label=name)
        ax.legend(loc="lower right", fontsize=9, frameon=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
    return path
