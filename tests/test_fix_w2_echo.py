"""Task w2, item 4 (hunt22 minor): what the user typed is echoed as typed.

- `alternatives --slack 10` said "--slack 10.0" (the float), after reading the dataset; now the
  text as typed (`10`, `1e1`), before any work, as `core` says it.
- `--out ""` was shown as "--out ." (typer reads an empty path as the working folder); an empty
  path given to any path option or argument is now refused in one line naming it, exit 2,
  nothing written (with --json: the one JSON document too).
- "Fix: choose a OUT_FILE on an ordinary disk": "an OUT_FILE" (`report.faults.a_label`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import DATA, run_cli

SLACK = "is the share of the optimum that may be given up, in [0, 1). Fix: e.g. --slack 0.02"


def _one_line(res) -> str:
    assert res.exit_code == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


@pytest.mark.parametrize("command", ["alternatives", "core"])
@pytest.mark.parametrize("typed", ["10", "1e1", "100%"])
def test_a_slack_out_of_range_is_echoed_as_typed_before_any_work(tmp_path, command, typed):
    missing = tmp_path / "no-such-dataset"  # the slack is said first: nothing is read
    res = run_cli(command, "--inputs", missing, "--slack", typed, "--out", tmp_path / "r")
    line = _one_line(res)
    assert line == f"error: --slack {typed} {SLACK} for 2%", line
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("typed", ["-1e1", "-0.5"])
def test_core_echoes_a_negative_threshold_as_typed(tmp_path, typed):
    missing = tmp_path / "no-such-dataset"
    res = run_cli("core", "--inputs", missing, "--threshold", typed, "--out", tmp_path / "r")
    line = _one_line(res)
    assert line.startswith(f"error: --threshold {typed} is the money (US$ million)"), line


def test_a_slack_in_range_still_runs(tmp_path):
    res = run_cli("alternatives", "--inputs", DATA / "greedy", "--slack", "5%", "--out",
                  tmp_path / "r")  # fmt: skip
    assert res.exit_code == 0, res.stderr
    assert json.loads((tmp_path / "r" / "run.json").read_text())["slack"] == 0.05


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("solve", "--inputs", DATA / "greedy", "--out", ""), "--out"),
        (("solve", "--inputs", DATA / "greedy", "--out="), "--out"),
        (("alternatives", "--inputs", DATA / "greedy", "--out", ""), "--out"),
        (("core", "--inputs", DATA / "greedy", "--out", ""), "--out"),
        (("frontier", "--inputs", DATA / "greedy", "--out", ""), "--out"),
        (("sweep", "--inputs", DATA / "sweep", "--out", ""), "--out"),
        (("solve", "--inputs", "", "--out", "r"), "--inputs"),
        (("export-inputs", "--inputs", DATA / "greedy", ""), "OUT_FILE"),
    ],
)
def test_an_empty_path_is_refused_naming_it(tmp_path, args, named):
    res = run_cli(*args, cwd=tmp_path)
    line = _one_line(res)
    assert line.startswith(f"error: {named} '' is an empty path"), line
    assert "Fix: " in line, line
    assert "--out ." not in line, line
    assert os.listdir(tmp_path) == []
    assert res.stdout == ""


def test_an_empty_out_with_json_is_one_json_document(tmp_path):
    res = run_cli("solve", "--inputs", DATA / "greedy", "--out", "", "--json", cwd=tmp_path)
    assert res.exit_code == 2
    doc = json.loads(res.stdout)
    assert doc["status"] == "error"
    assert doc["error"].startswith("--out '' is an empty path"), doc
    assert os.listdir(tmp_path) == []


def test_a_dot_is_still_the_working_folder(tmp_path):
    """`--out .` is what the user typed: refused as the folder they work in, as before."""
    line = _one_line(run_cli("solve", "--inputs", DATA / "greedy", "--out", ".", cwd=tmp_path))
    assert "--out . is the folder you are working in" in line, line


@pytest.mark.parametrize(
    ("label", "said"),
    [("OUT_FILE", "an OUT_FILE"), ("RUN_DIR", "a RUN_DIR"), ("--out", "a --out")],
)
def test_a_label_takes_its_article(label, said):
    from allocator.report.faults import a_label

    assert a_label(label) == said


def test_an_out_file_on_a_file_system_without_folders_says_an_out_file(tmp_path):
    target = Path("/proc/allocator-w2/plan.xlsx")
    res = run_cli("export-inputs", "--inputs", DATA / "greedy", target)
    line = _one_line(res)
    assert f"cannot write OUT_FILE {target}" in line, line
    assert "choose an OUT_FILE" in line, line
    assert "a OUT_FILE" not in line, line
