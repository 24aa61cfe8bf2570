"""The last review's points on the whole change: one precedence for keywords on a RunSpec."""

from __future__ import annotations

import pytest

import allocator
from allocator.runs.spec import spec_from
from conftest import DATA

GREEDY = DATA / "greedy"


def test_with_lays_a_change_as_a_keyword_on_the_spec_is_laid():
    """`RunSpec.with_` and a keyword on a RunSpec (`spec_from`, the API's `plan(spec, ...)`)
    follow one rule: another objective drops a weighted spec's weights (they are weighted's),
    another measure its discount rate."""
    spec = allocator.RunSpec(inputs=GREEDY, objective="weighted", weights="jobs=0.7,exports=0.3")
    assert dict(spec.weights) == pytest.approx({"jobs": 0.7, "exports": 0.3})
    for change in ({"objective": "jobs"}, {"measure": "discounted"}, {"seed": 3}):
        assert spec.with_(**change) == spec_from(spec, dict(change)), change
    moved = spec.with_(objective="jobs")
    assert dict(moved.weights) != pytest.approx({"jobs": 0.7, "exports": 0.3})
    assert spec.with_(seed=3).weights == spec.weights  # a change of another field keeps them
