"""Two-stage plans at scale (`solve --decide-now`): the scenario solves on Dask workers, the
equivalent built without touching the sample model's live LP, and progressive hedging.

The data is tests/data/two_stage (see tests/test_two_stage.py for its hand-solved numbers)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from allocator.cli.commands import app

DATA = Path(__file__).resolve().parent / "data" / "two_stage"
BASELINE = Path(__file__).resolve().parents[1] / "inputs" / "peru2040"
TABLES = ("allocation", "later_plans", "decide_now_prices", "two_stage_scenarios")


def _solve(out: Path, *extra: str, scenarios: int = 6):
    args = ["solve", "--inputs", str(DATA), "--out", str(out), "--scenarios", str(scenarios)]
    return CliRunner().invoke(app, [*args, "--decide-now", "p1", *extra])


def _info(folder: Path) -> dict:
    return json.loads((folder / "run.json").read_text(encoding="utf-8"))


def test_scenario_solves_on_two_workers_give_the_serial_bytes(tmp_path):
    """Wait-and-see and the nominal plan's fixed decide-now part, solved on a LocalCluster of
    two processes: the same tables, byte for byte, as in this process."""
    one, two = tmp_path / "one", tmp_path / "two"
    res = _solve(one, "--workers", "1")
    assert res.exit_code == 0, res.output
    res = _solve(two, "--workers", "2")
    assert res.exit_code == 0, res.output
    for name in TABLES:
        assert (one / f"{name}.csv").read_bytes() == (two / f"{name}.csv").read_bytes(), name
    first, second = _info(one)["two_stage"], _info(two)["two_stage"]
    for key in ("wait_and_see", "nominal_decide_now", "evpi", "vss"):
        assert first[key] == second[key]
    # the values are the scenarios' own: wait-and-see above the here-and-now plan
    assert first["evpi"] > 1.0
    assert np.isfinite(first["vss"])


def _model(data: Path = DATA):
    from allocator.studies.sweep import SampleModel, load_uncertain

    inp, params = load_uncertain(str(data), None)
    return SampleModel(inp, params, "jobs", "soft")


def _live(model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the sample model's live HiGHS instance holds: coefficients and row bounds."""
    lp = model.lp.highs.getLp()
    return (
        np.array(lp.a_matrix_.value_),
        np.array(lp.row_lower_),
        np.array(lp.row_upper_),
    )


def test_equivalent_is_built_without_writing_into_the_live_lp():
    """The equivalent's blocks are the sample model's numbers (`sample_lp`'s arrays, exactly),
    made without rewriting the live HiGHS instance that the sweep's samples share."""
    from allocator.data.uncertainty import latin_hypercube
    from allocator.studies.twostage import here_and_now

    model = _model(BASELINE)
    values = latin_hypercube(model.params, 3, 4)
    before = _live(model)
    got = here_and_now(model, values, [model.inp.phases[0].phase])
    for a, b in zip(before, _live(model), strict=True):
        assert np.array_equal(a, b)  # nothing written into the live instance
    ext = got.extensive
    assert ext is not None
    m, n, a = ext.rows, ext.cols, ext.lp.matrix
    for s, v in enumerate(values):
        ref = model.sample_lp(v)  # the reference: the sweep's own per-sample arrays
        start, stop = a.indptr[s * n], a.indptr[(s + 1) * n]
        inside = a.indices[start:stop] < (s + 1) * m  # the scenario's block, not the shared rows
        assert np.array_equal(a.data[start:stop][inside], ref.matrix.data)
        assert np.array_equal(ext.lp.row_upper[s * m : (s + 1) * m], ref.row_upper)
        for name, cost in ref.costs.items():
            assert np.array_equal(
                ext.lp.costs[name][s * n : (s + 1) * n], (1.0 / len(values)) * cost
            )
