"""The typed run spec (`allocator.runs.spec.RunSpec`): what a command builds, what run.json
stores, and what `--check-against`, `compare` and `report` read back through one reader."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from allocator.cli.commands import app
from conftest import DATA

ROBUST = DATA / "robust"
MEASURES = DATA / "measures"


def _invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_check_against_repeats_a_cumulative_run(tmp_path):
    out = tmp_path / "run"
    first = _invoke("solve", "--inputs", MEASURES, "--measure", "cumulative", "--out", out)
    assert first.exit_code == 0, first.output
    again = _invoke("solve", "--measure", "cumulative", "--json", "--check-against", out)
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["differences"] == []


def test_check_against_repeats_a_risk_run(tmp_path):
    """The --risk options (risk, beta, cap, scenarios, seed) are part of the run: a re-run that
    dropped them solved the nominal plan and reported every table as different."""
    out = tmp_path / "run"
    first = _invoke(
        "solve", "--inputs", ROBUST, "--risk", "cvar", "--scenarios", "6", "--seed", "3",
        "--beta", "0.5", "--out", out,
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    again = _invoke("solve", "--json", "--check-against", out)
    assert json.loads(again.stdout)["differences"] == [], again.output
    assert again.exit_code == 0
