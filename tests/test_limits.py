"""Excel Solver's Limits report (issue 18), on cases worked out by hand.

greedy (tests/data/greedy): budget 120 over 2025-2026; a (10 jobs/musd, cap 60), b (6, cap
100), c (2, cap 100); the plan puts a 60 and b 60 in 2025, jobs 960. With every other variable
held, the budget is used up, so no variable can rise: every upper limit is its value.
a in 2025 can fall to 0 (its column bound): jobs 960 - 10 x 60 = 360; b in 2025 to 0: 960 -
6 x 60 = 600. The 2026 columns and c sit at 0 with no room either way: limits [0, 0], 960.

two columns, two rows (`column_limits` directly), at x = (2, 3):
  r1: x0 + x1 <= 10 (activity 5), r2: -4 <= x0 - 2 x1 <= 0 (activity -4); 0 <= x0 <= 8, x1 >= 0.
  x0 rises until r2's upper side (room 4 / 1) before r1's (5) or its bound (6): upper 6; r2's
  lower side is tight (room 0), so it cannot fall: lower 2.
  x1 (coefficient -2 in r2) rises until r2's lower side (room 0): upper 3; falls until r2's
  upper side (room 4 / 2 = 2) before its bound (3): lower 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from allocator.model.sparse import CscMatrix
from allocator.report.limits import column_limits
from conftest import DATA, solved
from conftest import run_cli as cli


def test_limits_of_a_small_matrix_by_hand():
    a = CscMatrix.from_triplets([0, 1, 0, 1], [0, 0, 1, 1], [1.0, 1.0, 1.0, -2.0], (2, 2))
    found = column_limits(
        a,
        np.array([2.0, 3.0]),
        np.array([0.0, 0.0]),
        np.array([8.0, np.inf]),
        np.array([-np.inf, -4.0]),
        np.array([10.0, 0.0]),
    )
    assert found.lower.tolist() == pytest.approx([2, 1])
    assert found.upper.tolist() == pytest.approx([6, 3])


def test_an_unbounded_direction_is_infinite():
    a = CscMatrix.from_triplets([0], [0], [1.0], (1, 1))
    found = column_limits(
        a, np.array([1.0]), np.array([0.0]), np.array([np.inf]), np.array([0.0]), np.array([np.inf])
    )
    assert found.lower.tolist() == [0.0]
    assert found.upper.tolist() == [np.inf]


def test_greedy_limits_and_objectives_by_hand():
    _, sol, t = solved(str(DATA / "greedy"))
    lim = t["limits"].set_index("variable")
    expected = {
        "invest(a,public,2025)": (60, 0, 360, 60, 960),
        "invest(b,public,2025)": (60, 0, 600, 60, 960),
        "invest(a,public,2026)": (0, 0, 960, 0, 960),
        "invest(b,public,2026)": (0, 0, 960, 0, 960),
        "invest(c,public,2025)": (0, 0, 960, 0, 960),
        "invest(c,public,2026)": (0, 0, 960, 0, 960),
    }
    columns = ["value", "lower_limit", "objective_at_lower", "upper_limit", "objective_at_upper"]
    for variable, values in expected.items():
        assert lim.loc[variable, columns].tolist() == pytest.approx(list(values)), variable
    assert set(lim["unit"]) == {"musd"}
    assert set(lim["objective_unit"]) == {"jobs"}


def test_every_solve_writes_limits_csv_and_a_limits_sheet(tmp_path):
    out = tmp_path / "run"
    done = cli("solve", "--inputs", DATA / "greedy", "--out", out)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out / "limits.csv").set_index("variable")
    assert table.loc["invest(b,public,2025)", "objective_at_lower"] == pytest.approx(600)
    from openpyxl import load_workbook

    book = load_workbook(out / "workbook.xlsx", read_only=True)
    assert book.sheetnames[-2:] == ["Limits", "charts"]  # after Answer and Sensitivity


def test_baseline_limits_contain_the_value_and_stay_feasible(baseline_dir):
    """On the baseline each limit brackets the value, and moving one variable to either limit
    keeps every row within its bounds (recomputed here from the matrix)."""
    _, sol, t = solved(str(baseline_dir))
    lim = t["limits"]
    x = lim["value"].to_numpy()
    lo, up = lim["lower_limit"].to_numpy(), lim["upper_limit"].to_numpy()
    assert (lo <= x + 1e-9).all()
    assert (up >= x - 1e-9).all()
    rows = sol.rows
    a = sol.lp.matrix
    moved = np.flatnonzero(np.isfinite(up) & (up - lo > 1e-6))[:40]
    assert moved.size
    for j in moved:
        for end in (lo[j], up[j]):
            y = x.copy()
            y[j] = end
            act = a @ y
            scale = np.maximum(1.0, np.abs(act))
            assert (act <= rows["upper"].to_numpy() + 1e-6 * scale).all()
            assert (act >= rows["lower"].to_numpy() - 1e-6 * scale).all()
