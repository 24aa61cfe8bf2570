"""apifix: what the API functions take that the command line has no option for is refused in
words rather than ignored (a keyword recorded in the spec as if it held)."""

from __future__ import annotations

import pytest

import allocator
from allocator.errors import UsageError
from conftest import DATA

SWEEP = DATA / "sweep"


@pytest.mark.parametrize(
    "given",
    [{"workers": 4}, {"scheduler": "tcp://127.0.0.1:8786"}, {"beta": 0.8}, {"scenarios": 9}],
    ids=["workers", "scheduler", "beta", "scenarios"],
)
def test_a_sweep_refuses_the_two_stage_and_risk_keywords_it_ignores(tmp_path, given):
    with pytest.raises(UsageError) as caught:
        allocator.sweep(inputs=SWEEP, samples=2, out=tmp_path / "s", **given)
    said = str(caught.value)
    assert "\n" not in said
    assert next(iter(given)) in said, said
    assert not (tmp_path / "s").exists()
