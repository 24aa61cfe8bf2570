"""A chart of report.html is drawn from the numbers as the run's CSV tables hold them (12
significant digits), so `allocator report RUN` rebuilds the page byte for byte.

A `--risk cvar --beta 0.8 --scenarios 7 --seed 3` run drew electronics' phase2 bar 193.33 wide
from 3,866.5 + ~1e-9 US$ million, and the rebuilt page 193.32 from the CSV's 3866.5.
"""

from __future__ import annotations

import re

from allocator.report.svg import bars, line

NOISY = 3866.5 + 2e-9  # 3866.5 at the CSV's 12 digits; 193.325 wide at 8,000 to 400 points


def as_written(v: float) -> float:
    return float(f"{v:.12g}")


def test_bars_draw_the_value_as_written():
    exact = bars(["x", "y"], {"p": [NOISY, 8000.0]}, "musd", "t")
    read = bars(["x", "y"], {"p": [as_written(NOISY), 8000.0]}, "musd", "t")
    assert exact == read
    assert re.findall(r'width="(193\.3\d)"', exact) == ["193.32"]


def test_marks_and_lines_draw_the_value_as_written():
    marks = bars(["x", "y"], {"p": [1.0, 8000.0]}, "musd", "t", marks=[NOISY, 1.0], mark_name="m")
    again = bars(["x", "y"], {"p": [1.0, 8000.0]}, "musd", "t", marks=[3866.5, 1.0], mark_name="m")
    assert marks == again
    xs, ys = [0.0, NOISY, 8000.0], [1.0, NOISY, 0.0]
    assert line(xs, ys, "a", "b", "t") == line(
        [0.0, 3866.5, 8000.0], [1.0, 3866.5, 0.0], "a", "b", "t"
    )
