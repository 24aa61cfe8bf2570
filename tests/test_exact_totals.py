"""The plan's totals (run.json `totals`, `Solution.totals`, and the studies' sample, fixed-plan
and expected totals) are the correctly rounded sum of the products c_i * x_i
(`allocator.exactsum.exact_dot`): the same float whatever the summation order, so the same on
every machine. BLAS's `ddot` splits a sum among its threads: at 1e6 nonzeros the total
`jobs_2029` was 1117342.3813373984 with two OpenBLAS threads and ...987 with one."""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

from allocator.exactsum import exact_dot
from conftest import BASELINE, ROOT, solved


def _rounded_sum(c: np.ndarray, x: np.ndarray) -> float:
    """Independent: each product as IEEE rounds it, summed exactly in rationals, rounded once."""
    return float(sum((Fraction(float(p)) for p in np.multiply(c, x)), Fraction(0)))


def test_exact_dot_is_the_correctly_rounded_sum_in_any_order() -> None:
    rng = np.random.default_rng(3)
    c = rng.normal(size=5000) * 10.0 ** rng.integers(-8, 9, size=5000)
    x = np.where(rng.random(5000) < 0.3, 0.0, rng.random(5000) * 1e4)
    want = _rounded_sum(c, x)
    assert exact_dot(c, x) == want
    order = rng.permutation(5000)
    assert exact_dot(c[order], x[order]) == want
    assert exact_dot(c[::-1], x[::-1]) == want
    cancel = np.array([1e16, 1.0, -1e16, -0.5997])  # a left-to-right or pairwise sum loses the 1
    assert exact_dot(cancel, np.ones(4)) == 1.0 - 0.5997


def test_the_baselines_totals_are_exact_sums() -> None:
    """Every total of the baseline's plan is the correctly rounded sum of its products (the
    2040 jobs: 545,333.54 exactly as written, where c @ x gave 545333.5399999999)."""
    _, sol, _ = solved(str(BASELINE))
    x = sol.columns["value"].to_numpy(dtype=float)
    for name, total in sol.totals.items():
        if name in sol.view.costs:
            assert total == _rounded_sum(np.asarray(sol.view.costs[name]), x), name
    assert sol.totals["jobs@2040"] == 545333.54


def test_frontier_points_and_ends_are_exact_sums(tmp_path: Path) -> None:
    """The frontier's reported x and y at every point, and the epsilon range's two ends, are
    the correctly rounded sums. They were BLAS dots: on this generated dataset (1,311 columns)
    jobs at the first point was 1.5e-11 off the exact sum, and other last digits come on a
    machine with another core count or SIMD width."""
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    from allocator.data.inputs import load_inputs
    from allocator.solver.compile import build_lp
    from allocator.solver.frontier import trace_frontier

    generate(tmp_path / "g", 60, 6, 13, 5, 3, targets=5, seed=1)
    lp, _ = build_lp(load_inputs(tmp_path / "g"), "off")
    points = trace_frontier(lp, "jobs", "exports", 5)
    assert len(points) == 5
    xc, yc = np.asarray(lp.costs["jobs"]), np.asarray(lp.costs["exports"])
    for p in points:
        assert p.x_value == _rounded_sum(xc, p.x)
        assert p.y_value == _rounded_sum(yc, p.x)
    assert points[0].epsilon == _rounded_sum(xc, points[0].x)
    assert points[-1].epsilon == _rounded_sum(xc, points[-1].x)
