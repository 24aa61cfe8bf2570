"""Hunt 10: failures found in corners not hunted yet (two-stage and risk runs, serve, frontier,
alternatives, explain, check, init, and --json's stdout). Each test failed on the code before
its fix; all are fixed."""

from __future__ import annotations

import json

import pytest

from conftest import BASELINE, DATA, invoke


def _one_json_document(stdout: str) -> dict:
    """The one JSON document `stdout` holds (json.loads refuses anything before or after it)."""
    return json.loads(stdout)


# 5. stdout discipline: --json prints exactly one JSON document on every refusal


@pytest.mark.parametrize(
    "args",
    [
        ["solve", "--json", "--inputs", BASELINE, "--bogus"],
        ["solve", "--json", "--inputs", BASELINE, "--risk", "cvar", "--scenarios", "0"],
        ["compare", "--json", "--inputs", BASELINE],
        ["replan", "--json", "no-such-run"],
    ],
)
def test_a_refused_command_line_with_json_prints_one_json_document(args, tmp_path):
    res = invoke(*args, "--out", tmp_path / "r") if args[0] != "replan" else invoke(*args)
    assert res.exit_code == 2
    doc = _one_json_document(res.stdout)
    assert doc["status"] == "error"
    assert doc["exit_code"] == 2


# 3. frontier at its edges


def test_frontier_of_one_measure_spelt_two_ways_is_refused(tmp_path):
    res = invoke(
        "frontier",
        "--inputs",
        BASELINE,
        "--points",
        "3",
        "--x",
        "jobs",
        "--y",
        "jobs@2040",
        "--out",
        tmp_path / "f",
    )
    assert res.exit_code == 2
    assert "give two different measures" in res.stderr
    assert not (tmp_path / "f").exists()


# 1. two-stage and risk runs: their report rebuilt


@pytest.mark.parametrize(
    "args",
    [["--decide-now", "phase1", "--scenarios", "3"], ["--risk", "cvar", "--scenarios", "3"]],
    ids=["two-stage", "risk"],
)
def test_report_of_a_two_stage_or_risk_run_rebuilds_the_page_byte_for_byte(
    solved_run, tmp_path, args
):
    import shutil

    out, _ = solved_run("--inputs", BASELINE, *args)
    copy = tmp_path / "run"
    shutil.copytree(out, copy)
    (copy / "report.html").unlink()
    res = invoke("report", copy)
    assert res.exit_code == 0, res.output
    assert (copy / "report.html").read_bytes() == (out / "report.html").read_bytes()


@pytest.mark.parametrize("risk", [[], ["--risk", "worst-case"]], ids=["without-risk", "worst-case"])
def test_a_cvar_cap_that_nothing_reads_is_refused(tmp_path, risk):
    out = tmp_path / "r"
    res = invoke(
        "solve", "--inputs", BASELINE, *risk, "--scenarios", "2", "--cvar-cap", "5", "--out", out
    )
    assert res.exit_code == 2, res.output
    assert "--cvar-cap" in res.stderr
    assert not out.exists()


# 3. check: the command the infeasible refusal sends the user to


def test_check_lists_the_floors_the_infeasible_refusal_points_to():
    """The refusal sent the user to `allocator check` for the floors, which check does not list
    (it fits each floor alone): it now points to the conflicting rows it lists below."""
    solved = invoke("solve", "--inputs", DATA / "infeasible")
    assert solved.exit_code == 1
    assert "allocator check" not in solved.stderr
    assert "no allocation meets all the rows below at once" in solved.stderr
    for row in ("program_floor(a)", "program_floor(b)", "budget(public,p1)"):
        assert row in solved.stderr


# 1. a two-stage run handed to a command that reads its plan


def test_sweep_of_a_two_stage_runs_plan_is_refused_not_swept_as_phase1_alone(solved_run, tmp_path):
    run, _ = solved_run("--inputs", BASELINE, "--decide-now", "phase1", "--scenarios", "3")
    out = tmp_path / "sweep"
    res = invoke("sweep", "--plan", run, "--samples", "2", "--serial", "--out", out)
    assert res.exit_code == 2, res.stdout
    assert "two-stage" in res.stderr
    assert not out.exists()


def test_compare_of_a_two_stage_run_says_so_and_suggests_no_force(solved_run):
    run, _ = solved_run("--inputs", BASELINE, "--decide-now", "phase1", "--scenarios", "3")
    res = invoke("compare", "--json", run, "jobs")
    assert res.exit_code == 2
    doc = _one_json_document(res.stdout)
    assert "two-stage" in doc["error"]
    assert "--force" not in doc["error"]


def test_a_risk_runs_objective_is_labelled_as_the_expectation_it_is(solved_run):
    run, printed = solved_run("--inputs", BASELINE, "--risk", "cvar", "--scenarios", "3")
    assert "expected direct jobs in 2040 over 3 scenarios" in printed.stdout
    objective = json.loads((run / "run.json").read_text(encoding="utf-8"))["objective"]
    assert objective["label"].startswith("expected")
