"""Solve passes: typed statuses, errors complete when raised, and sweeps that leave the built LP
as it was."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.data.inputs import load_inputs
from allocator.data.uncertainty import latin_hypercube, params_of
from allocator.errors import InfeasibleError, UsageError
from allocator.pipeline import solve_inputs
from allocator.solver.compile import build_lp
from allocator.solver.passes import apply_options, solve_pass
from allocator.solver.status import PassResult, Status
from allocator.studies.sweep import SampleModel
from conftest import DATA


def test_an_infeasible_pass_is_a_typed_status_not_an_exception() -> None:
    lp, _ = build_lp(load_inputs(DATA / "infeasible"), "hard")
    found = solve_pass(lp, lp.costs["jobs"])
    assert isinstance(found, PassResult)
    assert found.status is Status.INFEASIBLE
    with pytest.raises(AttributeError):
        found.status = Status.OPTIMAL  # type: ignore[misc]


def test_infeasible_error_is_complete_when_raised_and_read_only() -> None:
    with pytest.raises(InfeasibleError) as err:
        solve_inputs(load_inputs(DATA / "infeasible"), "jobs", targets="hard")
    exc = err.value
    assert exc.diagnosis is not None
    assert exc.lp is not None
    assert any("program_floor(b)" in line for line in exc.details)
    with pytest.raises(AttributeError):
        exc.details = ()  # type: ignore[misc]


def test_a_refused_solver_option_is_a_usage_error() -> None:
    lp, _ = build_lp(load_inputs(DATA / "sweep"), "soft")
    apply_options(lp, {"time_limit": 30.0})
    with pytest.raises(UsageError, match="no_such_option"):
        apply_options(lp, {"no_such_option": 1})


def test_samples_leave_the_lp_as_built_unchanged() -> None:
    inp = load_inputs(DATA / "sweep")
    params = params_of(inp)
    model = SampleModel(inp, params, "jobs", "soft")
    before = (
        model.lp.matrix.data.copy(),
        model.lp.row_upper.copy(),
        {k: v.copy() for k, v in model.lp.costs.items()},
    )
    for values in latin_hypercube(params, 4, seed=2):
        assert model.solve(values)["status"] == "optimal"
    assert np.array_equal(model.lp.matrix.data, before[0])
    assert np.array_equal(model.lp.row_upper, before[1])
    assert all(np.array_equal(model.lp.costs[k], v) for k, v in before[2].items())
