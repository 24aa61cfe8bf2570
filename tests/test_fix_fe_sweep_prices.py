"""Task fe, item 2: `allocator sweep --plan RUN` reads RUN's shadow_prices.csv and
allocation_by_phase.csv (`studies.reference.run_relied`: which input rows the plan relies on,
the limits that bind with a price and the programs it funds, recorded in the sweep's run.json
`relied_on` and counted on its report.html). An edited copy of either is refused as an edited
allocation.csv is (`runs.sweepplan.refuse_edited_plan`): one line naming the file, exit 2,
nothing written; it made the sweep count a limit allocator's plan does not bind as relied on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import DATA, run_cli

FIXED = DATA / "fixed_plan"
BUDGET = '"budget(public,p1)",budget,'
"""shadow_prices.csv's row of the budget, which binds at a price of 0 in this run."""


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    """A run of tests/data/fixed_plan solved for exports: x 50, y 50 US$ million."""
    out = tmp_path_factory.mktemp("plan") / "run"
    res = run_cli("solve", "--inputs", FIXED, "--objective", "exports", "--out", out)
    assert res.exit_code == 0, res.stderr
    return out


def _priced(run: Path, where: Path) -> Path:
    """A copy of `run` whose shadow_prices.csv gives the budget a price of 5 (it has 0)."""
    shutil.copytree(run, where)
    table = where / "shadow_prices.csv"
    lines = table.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    (k,) = [n for n, line in enumerate(lines) if line.startswith(BUDGET)]
    cells = lines[k].rstrip("\n").replace('"budget(public,p1)"', "BUDGET").split(",")
    assert len(cells) == len(header)
    assert cells[header.index("shadow_price")] == "0"
    cells[header.index("shadow_price")] = "5"
    lines[k] = ",".join(cells).replace("BUDGET", '"budget(public,p1)"') + "\n"
    table.write_text("".join(lines), encoding="utf-8")
    return where


def _sweep(plan: Path, out: Path):
    return run_cli("sweep", "--inputs", FIXED, "--samples", 3, "--serial", "--plan", plan,
                   "--out", out)  # fmt: skip


def _refused(res, path: Path, out: Path) -> str:
    assert res.exit_code == 2, res.stderr
    assert res.stdout == ""
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith(
        f"error: {path} has changed since allocator wrote it (run.json records other bytes), "
        "so its numbers may be your edits, not allocator's, and sweep"
    ), line
    assert "Fix: re-run allocator solve into another --out" in line, line
    assert not out.exists()
    return line


def test_an_edited_shadow_prices_table_is_refused(run, tmp_path):
    edited = _priced(run, tmp_path / "edited")
    out = tmp_path / "s"
    line = _refused(_sweep(edited, out), edited / "shadow_prices.csv", out)
    assert "which input rows the plan relies on" in line, line


def test_an_edited_allocation_by_phase_table_is_refused(run, tmp_path):
    edited = tmp_path / "edited"
    shutil.copytree(run, edited)
    table = edited / "allocation_by_phase.csv"
    text = table.read_text(encoding="utf-8")
    assert "\nx,,s1,50,50," in text
    table.write_text(text.replace("\nx,,s1,50,50,", "\nx,,s1,0,0,", 1), encoding="utf-8")
    out = tmp_path / "s"
    _refused(_sweep(edited, out), table, out)


def test_the_python_api_refuses_it_too(run, tmp_path):
    from allocator import sweep
    from allocator.errors import UsageError

    edited = _priced(run, tmp_path / "edited")
    with pytest.raises(UsageError, match="shadow_prices.csv has changed since allocator wrote it"):
        sweep(inputs=FIXED, samples=3, plan=edited, out=tmp_path / "s")
    assert not (tmp_path / "s").exists()


def test_an_unedited_run_is_swept_with_its_own_prices(run, tmp_path):
    """The same folder as written: swept, and its run.json's relied_on is the one the run's own
    tables give (no budget relied on: its price is 0), which the edit would have changed."""
    import json

    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    out = tmp_path / "s"
    res = _sweep(copy, out)
    assert res.exit_code == 0, res.stderr
    relied = json.loads((out / "run.json").read_text(encoding="utf-8"))["relied_on"]
    assert relied["plan"] == f"the plan of {copy}"
    assert "pools.csv" not in relied["rows"], relied
