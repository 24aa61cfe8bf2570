"""Hunt 8 findings, fixed (each test failed on the code before `report/rebuild.py` refused).

`allocator report RUN` rebuilds report.html from a run folder's tables and replaces the old page.
When a table the page is built from is missing, the rebuild silently drops that section and
still replaces the complete old page (exit 0): the user loses the section with no word. It
should refuse in one line naming the missing file (exit 2) and leave the old report.html as is.
All in-process (CliRunner) on tests/data/replan (three phases, hand-solved).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import invoke

DATA = Path(__file__).resolve().parent / "data"
REPLAN = DATA / "replan"


@pytest.fixture(scope="module")
def approved(tmp_path_factory) -> Path:
    """`allocator solve` on tests/data/replan (read it, never write it)."""
    out = tmp_path_factory.mktemp("hunt8") / "run"
    res = invoke("solve", "--inputs", REPLAN, "--out", out)
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module")
def replanned(approved, tmp_path_factory) -> Path:
    """`allocator replan` of the approved run from tests/data/replan/actuals.csv, as of 2026."""
    out = tmp_path_factory.mktemp("hunt8r") / "replan"
    res = invoke(
        "replan", approved, "--as-of", 2026, "--actuals", REPLAN / "actuals.csv", "--out", out
    )
    assert res.exit_code == 0, res.output
    return out


def refused_and_kept(run: Path, copy: Path, missing: str) -> None:
    """Rebuild a copy of RUN without MISSING: exit 2, one line naming it, the old page kept."""
    shutil.copytree(run, copy)
    (copy / missing).unlink()
    before = (copy / "report.html").read_bytes()
    res = invoke("report", copy)
    assert res.exit_code == 2, res.output
    assert missing in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert (copy / "report.html").read_bytes() == before


def test_report_replan_without_replan_csv_refused(replanned, tmp_path):
    """`rm RUN/replan.csv; allocator report RUN`: exit 0, the re-plan section silently lost."""
    assert "Approved and re-planned" in (replanned / "report.html").read_text(encoding="utf-8")
    refused_and_kept(replanned, tmp_path / "r", "replan.csv")


def test_report_solve_without_budgets_csv_refused(approved, tmp_path):
    """`rm RUN/budgets.csv; allocator report RUN`: exit 0, the Money section silently lost."""
    assert "<h2>Money" in (approved / "report.html").read_text(encoding="utf-8")
    refused_and_kept(approved, tmp_path / "r", "budgets.csv")
