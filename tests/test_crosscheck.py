"""An independent solver: the model written with --write-model, solved by CBC (PuLP's bundled
binary, a different code base from HiGHS), must reach the same optimum."""

from __future__ import annotations

import json

import pulp
import pytest

from conftest import BASELINE, DATA, run_cli


@pytest.mark.parametrize(
    ("folder", "objective"),
    [
        (BASELINE, "jobs"),
        (BASELINE, "exports"),
        (DATA / "exports", "exports"),
        (DATA / "lag", "jobs"),
        (DATA / "targets", "jobs"),
    ],
)
def test_cbc_reaches_the_same_optimum_from_model_mps(tmp_path, folder, objective):
    out = tmp_path / "run"
    res = run_cli(
        "solve", "--inputs", folder, "--objective", objective, "--write-model", "--out", out
    )
    assert res.returncode == 0, res.stderr
    ours = json.loads((out / "run.json").read_text())["objective"]["value"]
    _, problem = pulp.LpProblem.fromMPS(str(out / "model.mps"), sense=pulp.LpMaximize)
    cbc = pulp.COIN_CMD(msg=False)
    assert cbc.available(), "CBC (pulp[cbc]) is installed with the test extra"
    problem.solve(cbc)
    assert pulp.LpStatus[problem.status] == "Optimal"
    assert pulp.value(problem.objective) == pytest.approx(ours, rel=1e-6, abs=1e-6)
