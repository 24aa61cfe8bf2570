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
