"""Refusals found after a --set on a workbook dataset name the cell, as the loader does."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from allocator.cli.commands import app

DATA = Path(__file__).resolve().parents[1] / "inputs" / "peru2040"


def test_refusal_after_set_on_workbook_names_the_cell(tmp_path):
    """A base moved past the first milestone by --set cites `sheet base, cell D2`."""
    book = tmp_path / "plan.xlsx"
    runner = CliRunner()
    made = runner.invoke(app, ["export-inputs", "--inputs", str(DATA), str(book)])
    assert made.exit_code == 0, made.output
    res = runner.invoke(
        app, ["check", "--inputs", str(book), "--set", "base.jobs/sector/aerospace.year=2040"]
    )
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    assert "sheet base, cell D2" in res.output
