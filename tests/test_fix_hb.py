"""Fixes of task hB: two-stage tables' workbook headers carry their unit, one size limit of a run
folder's JSON, a sweep's tables keep their file mode when finished, and serve's details asked
before any plan name a fix the API accepts."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import openpyxl
from starlette.testclient import TestClient

from allocator.runs.spec import RunSpec
from allocator.serve.app import HEADER, create_app
from allocator.serve.held import HeldModel
from conftest import BASELINE, DATA, run_cli

TOKEN = "test-token-not-secret"
AUTH = {HEADER: TOKEN}
TWO_STAGE = ("--decide-now", "phase1", "--scenarios", 4, "--seed", 1, "--targets", "off")


def _headers(book: Path, sheet: str) -> list[str]:
    found = openpyxl.load_workbook(book, read_only=True)
    try:
        return [str(c) for c in next(found[sheet].iter_rows(max_row=1, values_only=True))]
    finally:
        found.close()


def test_two_stage_tables_headers_say_their_unit(tmp_path):
    """decide_now_prices' scenario_low/high are rates per US$ million as its other rates are,
    two_stage_scenarios' three plans' values are in the objective's unit: each header points at
    the unit column, as the other rate columns' do; the CSV names stay as they are."""
    out = tmp_path / "run"
    ran = run_cli("solve", "--inputs", BASELINE, *TWO_STAGE, "--out", out)
    assert ran.exit_code == 0, ran.stderr
    book = out / "workbook.xlsx"
    wanted = {
        "decide_now_prices": ("scenario_low", "scenario_high"),
        "two_stage_scenarios": ("here_and_now", "wait_and_see", "nominal_decide_now"),
    }
    for sheet, columns in wanted.items():
        shown = _headers(book, sheet)
        for column in columns:
            assert f"{column} (see unit column)" in shown, (sheet, shown)
        first = (out / f"{sheet}.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
        assert set(columns) <= set(first), first


def test_one_size_limit_for_a_run_folders_json():
    """folders.py reads run.json with jsonfile's limit, not a second constant of its own."""
    from allocator.report import folders, jsonfile

    same = [n for n, v in vars(folders).items() if n.isupper() and v == jsonfile.MAX_JSON_BYTES]
    assert same in ([], ["MAX_JSON_BYTES"]), same


def test_a_private_sweep_table_stays_private_when_resumed(tmp_path, umask_022):
    """sweep.csv and sweep_programs.csv made 0600 by their owner keep 0600 when --resume
    replaces them sorted, as `atomic_file` keeps a replaced file's mode."""
    out = tmp_path / "sweep"
    args = ("sweep", "--inputs", DATA / "sweep", "--serial", "--out", out)
    assert run_cli(*args, "--samples", 2).exit_code == 0
    tables = [out / "sweep.csv", out / "sweep_programs.csv"]
    for table in tables:
        table.chmod(0o600)
    again = run_cli(*args, "--samples", 2, "--resume")
    assert again.exit_code == 0, again.stderr
    for table in tables:
        assert stat.S_IMODE(table.stat().st_mode) == 0o600, table.name


def test_details_before_any_plan_name_a_fix_the_api_accepts(tmp_path):
    """Details asked before any plan exists: the fix named is a request the API answers (the
    plan first, then its revision's details), never `?rev=0`, which it refuses."""
    asgi = create_app(
        HeldModel(RunSpec(inputs=BASELINE)), TOKEN, tmp_path, tmp_path, ("testserver",)
    )
    client = TestClient(asgi)
    early = client.get("/api/details?rev=1", headers=AUTH)
    assert early.status_code == 400, early.text
    words = early.json()["error"]
    assert "rev=0" not in words
    assert "revision 0" not in words
    fix = re.search(r"Fix: (.*)", words)
    assert fix is not None, words
    routes = re.findall(r"/api/\w+", fix.group(1))
    assert routes[0] == "/api/plan", words
    plan = client.get("/api/plan", headers=AUTH)
    assert plan.status_code == 200
    rev = plan.json()["rev"]
    assert client.get(f"/api/details?rev={rev}", headers=AUTH).status_code == 200
