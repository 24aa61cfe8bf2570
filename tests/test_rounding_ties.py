"""Largest-remainder rounding: equal remainders go to the earlier value, whatever noise in the
last bits the solver leaves (report/rounding.py's documented tie rule)."""

from __future__ import annotations

from allocator.report.rounding import largest_remainder, rounded_grid


def test_equal_remainders_go_to_the_earlier_value_whatever_the_noise() -> None:
    # 1,574.4 + 2,159.4 = 3,733.8 -> 3,734: one unit goes to one of two .4 remainders, the earlier.
    exact = largest_remainder([1574.4, 2159.4], 3734)
    assert exact == [1575, 2159]
    # The same parts with 4e-10 of noise either way (as two solver paths leave them).
    assert largest_remainder([1574.4 - 4e-10, 2159.4 + 4e-10], 3734) == exact
    assert largest_remainder([1574.4 + 4e-10, 2159.4 - 4e-10], 3734) == exact


def test_noise_across_a_whole_number_does_not_move_a_floor() -> None:
    # 2.9999999997 is 3 to the 6 decimals the totals are rounded to: it needs no extra unit, and
    # the one missing unit goes to the .5 (2 + 3 + 0.5 = 5.5 -> 6 half away from zero).
    assert largest_remainder([2.0, 2.9999999997, 0.5]) == [2, 3, 1]
    assert largest_remainder([2.0, 3.0000000003, 0.5]) == [2, 3, 1]


def test_grid_rows_do_not_follow_the_noise() -> None:
    import pandas as pd

    a = pd.DataFrame({"p1": [1574.4 - 4e-10, 2159.4 + 4e-10]}, index=["s06", "s23"])
    b = pd.DataFrame({"p1": [1574.4 + 4e-10, 2159.4 - 4e-10]}, index=["s06", "s23"])
    assert rounded_grid(a).equals(rounded_grid(b))
