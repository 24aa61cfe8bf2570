"""Task r4 (hunt 26): one line for every whole-number option out of its range, serve's Save and
`moved` in the words and digits docs/serve.md gives, and one headline number for a two-stage plan
on the terminal and the page."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conftest import DATA, run_cli

TOKEN = "r4-token-not-secret"
AUTH = {"X-Allocator-Token": TOKEN}


def _served(tmp_path: Path, dataset: str) -> tuple[TestClient, Path]:
    """serve's app on a copy of tests/data/`dataset`, and its project folder."""
    from allocator.runs.spec import RunSpec
    from allocator.serve.app import create_app
    from allocator.serve.held import HeldModel

    project = tmp_path / "project"
    shutil.copytree(DATA / dataset, project / "inputs" / dataset)
    held = HeldModel(RunSpec(inputs=project / "inputs" / dataset))
    app = create_app(held, TOKEN, project / "models", project / "results", ("testserver",))
    return TestClient(app, raise_server_exceptions=False), project


@pytest.mark.parametrize("body", [{}, {"name": None}, {"name": ""}], ids=["none", "null", "empty"])
def test_save_without_a_name_says_no_name_and_writes_nothing(tmp_path, body):
    client, project = _served(tmp_path, "replan")
    answer = client.post("/api/save", json=body, headers=AUTH)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error.startswith("save: no name given. Fix: "), error
    assert "\n" not in error
    assert not (project / "models").exists()
    assert not (project / "results").exists()


def test_save_with_a_name_that_is_not_plain_still_quotes_it(tmp_path):
    client, _ = _served(tmp_path, "replan")
    answer = client.post("/api/save", json={"name": "a/b"}, headers=AUTH)
    assert answer.status_code == 400
    assert "the name 'a/b' is not a plain name" in answer.json()["error"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("frontier", "--points", "201"), "--points 201 is not from 2 to 200"),
        (
            ("sweep", "--serial", "--samples", "1000001"),
            "--samples 1000001 is not from 1 to 1,000,000",
        ),
        (("solve", "--risk", "cvar", "--scenarios", "0"), "--scenarios 0 is fewer than 2"),
        (("solve", "--decide-now", "p1", "--scenarios", "-3"), "--scenarios -3 is fewer than 2"),
    ],
    ids=["points-201", "samples-1000001", "risk-scenarios-0", "decide-now-scenarios-neg"],
)
def test_a_whole_number_option_out_of_its_range_is_one_line(tmp_path, args, said):
    out = tmp_path / "run"
    ran = run_cli(*args, "--inputs", DATA / "two_stage", "--out", out)
    assert ran.exit_code == 2
    assert ran.stderr.strip().splitlines() == [ran.stderr.strip()]
    assert ran.stderr.startswith(f"error: {said}"), ran.stderr
    assert "Fix: " in ran.stderr
    assert not out.exists()


def test_scenarios_below_two_under_json_is_one_json_document(tmp_path):
    out = tmp_path / "run"
    ran = run_cli(
        "solve", "--inputs", DATA / "two_stage", "--decide-now", "p1", "--scenarios", "1",
        "--json", "--out", out,
    )  # fmt: skip
    assert ran.exit_code == 2
    doc = json.loads(ran.stdout)  # one document, nothing else on stdout
    assert doc["exit_code"] == 2
    assert doc["error"].startswith("--scenarios 1 is fewer than 2")
    assert not out.exists()


@pytest.mark.parametrize(
    ("command", "option", "words"),
    [("frontier", "--points", "(2 to 200)"), ("sweep", "--samples", "(1 to 1,000,000)")],
)
def test_the_help_still_says_the_range(command, option, words):
    ran = run_cli(command, "--help", env={"COLUMNS": "200"})
    assert ran.exit_code == 0
    line = next(x for x in ran.stdout.splitlines() if option in x)
    assert words in line, line


def test_a_moved_change_is_the_difference_to_12_significant_digits():
    from allocator.serve.moved import pair

    assert pair(100.0, 100.08)["change"] == 0.08  # 100.08 - 100 is 0.0799999999999983
    assert pair(300.0, 300.04)["change"] == 0.04
    assert pair(2.0, 1.0)["change"] == -1.0
    assert pair(None, 1.0)["change"] is None


def _two_stage_small_budgets(tmp_path: Path) -> tuple[str, str]:
    """tests/data/two_stage with budgets 20 (p1) and 10 (p2): a jobs headline under 100, where
    the old terminal said 4 digits (62.05) and the page a whole number: (terminal, page)."""
    out = tmp_path / "run"
    ran = run_cli(
        "solve", "--inputs", DATA / "two_stage", "--decide-now", "p1", "--scenarios", "4",
        "--targets", "off", "--set", "pools.public/p1.budget_musd=20",
        "--set", "pools.public/p2.budget_musd=10", "--out", out,
    )  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    terminal = re.search(r"two-stage plan \([^)]*\): (\S+) ", ran.stdout)
    page = re.search(r"Headline: (?:<[^>]+>)*([\d,.]+)", (out / "report.html").read_text())
    assert terminal, ran.stdout
    assert page
    value = json.loads((out / "run.json").read_text())["objective"]["value"]
    assert 10 < value < 100
    assert value != round(value)  # a number whose two rules would differ
    here = re.search(r"Here and now: .*? gives (\S+) ", ran.stdout)
    assert here, ran.stdout
    assert here[1] == page[1]
    return terminal[1], page[1]


def test_a_two_stage_jobs_headline_under_100_is_one_number(tmp_path):
    terminal, page = _two_stage_small_budgets(tmp_path)
    assert terminal == page
    assert "." not in page  # jobs are shown whole (rounding.cell)


def test_one_program_committed_is_said_in_the_singular(tmp_path):
    """Budget 30 in p1: a (2 jobs per US$ million, cap 100) takes it all, b none."""
    out = tmp_path / "run"
    ran = run_cli(
        "solve", "--inputs", DATA / "two_stage", "--decide-now", "p1", "--scenarios", "4",
        "--targets", "off", "--set", "pools.public/p1.budget_musd=30", "--out", out,
    )  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    assert "Committed now: 30 US$ million in 1 program (allocation.csv)" in ran.stdout


@pytest.mark.parametrize(
    ("old", "amount", "side", "said"),
    [
        # hunt 26: 800 - 799.9997733 leaves 0.0002267; "by 800: from 800 to 0.0002267" did not
        # subtract, the change is said to the digits the two shown values need
        (800.0, 799.9997733, "lower", "by 799.9997733 musd: from 800 to 0.0002267 "),
        (50.0, 20.0, "lower", "by 20 musd: from 50 to 30 "),
        # 120.12345678 is shown 120.124, not 120.123, which would leave the conflict
        (120.0, 0.12345678, "upper", "by 0.124 musd: from 120 to 120.124 "),
    ],
)
def test_a_relaxation_line_subtracts_as_shown(old, amount, side, said):
    from decimal import Decimal

    from allocator.model.solution import Place, Relaxation
    from allocator.report.explain import change_line

    family = "program_floor" if side == "lower" else "budget"
    labels = {"program": "c"} if side == "lower" else {"pool": "public", "phase": "p1"}
    change = Relaxation("r", family, labels, side, old, amount, False, Place())
    line = change_line(change)
    assert said in line, line
    by, first, then = (
        Decimal(t.replace(",", ""))
        for t in re.search(r"by ([\d.,]+) musd: from ([\d.,]+) to ([\d.,]+)", line).groups()
    )
    assert abs(first - then) == by


def test_decide_now_workers_below_one_is_one_line(tmp_path):
    out = tmp_path / "run"
    ran = run_cli(
        "solve", "--inputs", DATA / "two_stage", "--decide-now", "p1", "--workers", "0",
        "--out", out,
    )  # fmt: skip
    assert ran.exit_code == 2
    assert ran.stderr.strip().splitlines() == [
        "error: --workers 0 is not at least 1 (each solves one LP at a time). Fix: e.g. --workers 2"
    ]
    assert not out.exists()
