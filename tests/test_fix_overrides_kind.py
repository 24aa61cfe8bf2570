"""overrides= of a kind that is no list: a set (its order lost: overrides apply in the order
given) or a generator is refused in one line naming overrides= and the fix, not in pydantic's
words ("scenario.overrides.0: Input should be a valid dictionary")."""

from __future__ import annotations

import pytest

import allocator
from allocator.errors import UsageError
from conftest import DATA

GREEDY = DATA / "greedy"
SET = "programs.a.cap_musd=50"


@pytest.mark.parametrize(
    "given",
    [{SET}, frozenset({SET}), (s for s in [SET])],
    ids=["set", "frozenset", "generator"],
)
def test_overrides_of_no_list_kind_are_refused_in_one_line(given):
    with pytest.raises(UsageError) as refused:
        allocator.plan(inputs=GREEDY, overrides=given)
    said = str(refused.value)
    assert "\n" not in said
    assert said.startswith("overrides=")
    assert "list" in said
    assert "Input should be" not in said


def test_a_list_and_a_tuple_are_taken_in_order():
    for given in ([SET], (SET,)):
        run = allocator.plan(inputs=GREEDY, overrides=given)
        assert run.info["cells_set"][0]["new"] == 50
