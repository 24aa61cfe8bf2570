"""Fixes of hunt16's findings (tests/test_hunt16_found.py): what those tests leave out."""

from __future__ import annotations

import shutil

import pytest

import allocator
from allocator.errors import InputError, UsageError
from conftest import DATA

GREEDY = DATA / "greedy"
MEASURES = DATA / "measures"
TOKEN = "h16fix-token-not-secret"


def _refusal(call) -> str:
    """The one-line message of the UsageError or InputError `call()` raises."""
    with pytest.raises((UsageError, InputError)) as caught:
        call()
    said = str(caught.value)
    assert "\n" not in said, said
    return said


def _tiny_coefficient_project(tmp_path):
    """A copy of greedy whose program c makes 1e-7 jobs per US$ million (a numerics warning)."""
    data = shutil.copytree(GREEDY, tmp_path / "inputs" / "greedy")
    programs = data / "programs.csv"
    text = programs.read_text(encoding="utf-8")
    programs.write_text(text.replace("c,s2,2025,2026,100,0,2,", "c,s2,2025,2026,100,0,1e-7,"))
    return data


def test_serves_reset_answer_carries_the_numerics_warning_and_loses_it_when_fixed(tmp_path):
    """Every answer says its scenario's warnings: reset's too, and a set that fixes the unit
    slip drops it (the warnings are the answer's scenario's, not the first plan's)."""
    from starlette.testclient import TestClient

    from allocator.runs.spec import RunSpec
    from allocator.serve.app import HEADER, create_app
    from allocator.serve.held import HeldModel

    data = _tiny_coefficient_project(tmp_path)
    app = create_app(
        HeldModel(RunSpec(inputs=data)), TOKEN, tmp_path / "m", tmp_path / "r", ("testserver",)
    )
    client = TestClient(app)
    auth = {HEADER: TOKEN}
    fixed = client.post("/api/set", headers=auth, json={"set": ["programs.c.jobs_per_musd=2"]})
    assert fixed.json()["warnings"] == []
    back = client.post("/api/reset", headers=auth, json={}).json()
    assert [w for w in back["warnings"] if "coefficients span 1e-07" in w], back["warnings"]


NUMERICS = "job_years objective coefficients span 1e-07"


@pytest.mark.parametrize(
    "args",
    [
        ("compare", "jobs", "exports"),
        ("frontier", "--points", "2"),
        ("alternatives",),
    ],
    ids=["compare", "frontier", "alternatives"],
)
def test_a_studys_command_prints_the_numerics_warning_once(tmp_path, args):
    """On the command line too, and once however many plans of the same data it solves."""
    from conftest import run_cli

    data = _tiny_coefficient_project(tmp_path)
    done = run_cli(*args, "--inputs", data, "--out", tmp_path / "out")
    assert done.exit_code == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if NUMERICS in line]
    assert len(lines) == 1 and lines[0].startswith("warning: "), done.stderr
