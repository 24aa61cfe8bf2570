"""Findings of hunt17: the command line used as a hostile or unlucky user would. Each test is a
strict xfail today, its reason the harm; drop the mark with the fix."""

from __future__ import annotations

import shutil

import pytest

from conftest import DATA, run_cli

REPLAN = DATA / "replan"


@pytest.fixture(scope="module")
def replan_run(tmp_path_factory):
    """A run folder of `allocator solve` on tests/data/replan and the actuals beside it."""
    where = tmp_path_factory.mktemp("hunt17")
    data = shutil.copytree(REPLAN, where / "data")
    actuals = where / "actuals.csv"
    shutil.move(data / "actuals.csv", actuals)
    done = run_cli("solve", "--inputs", data, "--out", where / "run")
    assert done.exit_code == 0, done.stderr
    return where / "run", actuals


def _one_line_refusal(done) -> None:
    assert done.exit_code == 2, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


# A run.json nested deeper than Python's recursion limit (a hostile or corrupted run folder:
# 4 KB of `[`) makes json.loads raise RecursionError, which readers catch as no ValueError:
# report/folders.py:87 (_mark, catches OSError, UnicodeDecodeError, ValueError) and
# report/readback.py:87 (catches ValueError, OSError). serve/body.py:50 catches it for a body.
@pytest.mark.xfail(
    strict=True, reason="hunt17: a deeply nested run.json is a RecursionError traceback, exit 1"
)
@pytest.mark.parametrize("command", ["report", "compare", "check-against", "replan"])
def test_a_deeply_nested_run_json_is_one_line(tmp_path, replan_run, command):
    run, actuals = replan_run
    bad = shutil.copytree(run, tmp_path / "bad")
    (bad / "run.json").write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    args = {
        "report": ("report", bad),
        "compare": ("compare", bad, run),
        "check-against": ("solve", "--check-against", bad),
        "replan": ("replan", bad, "--actuals", actuals, "--as-of", "2026"),
    }[command]
    done = run_cli(*args, "--out", tmp_path / "out") if command in ("replan",) else run_cli(*args)
    _one_line_refusal(done)
    assert not (tmp_path / "out").exists()
