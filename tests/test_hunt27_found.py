"""Findings of hunt27 (reliability, security and machine faults). Each test is a strict xfail
that fails today for the reason it names and asserts what a correct program gives; drop the
mark with the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import BASELINE, run_cli

TOKEN = "hunt27-token-not-secret"
AUTH = {"X-Allocator-Token": TOKEN}


@pytest.mark.parametrize(
    "cell",
    [
        "programs.copper_processing.jobs_per_musd=1e-10",
        "programs.copper_processing.exports_per_musd=1e-10",
    ],
)
def test_a_tiny_coefficient_the_cell_accepts_is_solved_or_refused_by_its_cell(
    tmp_path: Path, cell: str
) -> None:
    ran = run_cli("solve", "--out", tmp_path / "run", "--set", cell)
    assert "internal" not in ran.stderr, ran.stderr
    column = cell.split(".")[2].split("=")[0]
    assert ran.exit_code == 0 or (ran.exit_code == 2 and column in ran.stderr), ran.stderr


@pytest.mark.parametrize(
    ("args", "prefix", "want"),
    [
        (("export-inputs", "a b.xlsx"), "Next: ", ["allocator", "solve", "--inputs", "a b.xlsx"]),
        (("init", "a b"), "2. ", ["allocator", "check", "--inputs", "a b/inputs"]),
        (("init", "a b"), "4. ", ["allocator", "solve", "a b/models/scenario.yaml"]),
    ],
)
def test_a_next_command_with_a_space_in_its_path_pastes_as_one_argument(
    tmp_path: Path, args: tuple[str, ...], prefix: str, want: list[str]
) -> None:
    import shlex

    ran = run_cli(*args, cwd=tmp_path, env={"COLUMNS": "400"})
    assert ran.exit_code == 0, ran.stderr
    (line,) = [x for x in ran.stdout.splitlines() if prefix + "allocator" in x]
    command = line.split(prefix, 1)[1].split("   (")[0]
    assert shlex.split(command) == want


def test_a_plan_serve_shows_for_a_tiny_coefficient_is_saved(tmp_path: Path) -> None:
    import shutil

    from starlette.testclient import TestClient

    from allocator.runs.spec import RunSpec
    from allocator.serve.app import create_app
    from allocator.serve.held import HeldModel

    shutil.copytree(BASELINE, tmp_path / "inputs" / "peru2040")
    held = HeldModel(RunSpec(inputs=tmp_path / "inputs" / "peru2040"))
    asgi = create_app(held, TOKEN, tmp_path / "models", tmp_path / "results", ("testserver",))
    client = TestClient(asgi)
    cell = "programs.copper_processing.jobs_per_musd=1e-10"  # under the least number, 1e-8
    refused = client.post("/api/set", headers=AUTH, json={"set": [cell]})
    assert refused.status_code == 400, refused.text  # refused by its cell, as solve refuses it
    ran = run_cli("solve", "--set", cell, "--out", tmp_path / "run")
    assert ran.exit_code == 2, ran.stderr
    assert "error: " + refused.json()["error"] == ran.stderr.splitlines()[-1]
    cell = "programs.copper_processing.jobs_per_musd=1e-8"  # the least number: kept and used
    shown = client.post("/api/set", headers=AUTH, json={"set": [cell]})
    assert shown.status_code == 200, shown.text  # the page shows a plan for this cell
    saved = client.post("/api/save", headers=AUTH, json={"name": "tiny"})
    assert saved.status_code == 200, saved.text
    # the page's warm start and Save's cold solve agree to HiGHS's tolerance, not to the last bit
    assert saved.json()["headline"]["value"] == pytest.approx(
        shown.json()["headline"]["value"], rel=1e-12
    )


def test_the_command_save_gives_pastes_its_model_file_as_one_argument(tmp_path: Path) -> None:
    import shlex
    import shutil

    from starlette.testclient import TestClient

    from allocator.runs.spec import RunSpec
    from allocator.serve.app import create_app
    from allocator.serve.held import HeldModel

    project = tmp_path / "my project"
    shutil.copytree(BASELINE, project / "inputs" / "peru2040")
    held = HeldModel(RunSpec(inputs=project / "inputs" / "peru2040"))
    models = project / "models"
    asgi = create_app(held, TOKEN, models, project / "results", ("testserver",))
    saved = TestClient(asgi).post("/api/save", headers=AUTH, json={"name": "plain"})
    assert saved.status_code == 200, saved.text
    assert shlex.split(saved.json()["command"]) == [
        "allocator",
        "solve",
        str(models / "plain.yaml"),
    ]
