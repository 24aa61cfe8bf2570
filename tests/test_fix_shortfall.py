"""A met target's float remainder is no shortfall: outcomes.csv and shares.csv say 0, as the
report's count of missed targets (more than 1e-9) does, not 3.6e-12 jobs."""

from __future__ import annotations

import pytest

from allocator.report.outcomes import shortfall


@pytest.mark.parametrize(
    ("target", "level", "short"),
    [
        (25000.0, 25000.0 - 3.637978807091713e-12, 0.0),  # the float remainder of a met target
        (50000.0, 50000.0 - 1.4551915228366852e-11, 0.0),
        (25000.0, 24999.0, 1.0),  # a real shortfall, to the unit
        (25000.0, 25001.0, 0.0),  # beyond the target: none
        (0.5, 0.25, 0.25),  # a share in percent below 1: its own size
        (12.5, 12.5 - 1e-6, 1e-6),  # a millionth of a point is still a shortfall
    ],
)
def test_a_shortfall_is_the_gap_to_the_target_and_no_float_remainder(target, level, short):
    assert shortfall(target, level) == pytest.approx(short, abs=0, rel=1e-9)
    assert (shortfall(target, level) == 0.0) is (short == 0.0)
