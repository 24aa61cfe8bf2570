"""`--force` replaces a run folder only while every file in it holds the bytes allocator wrote:
run.json records each file's SHA-256 (`written_by.sha256`), and `report RUN`, which rewrites
report.html, records the new page's."""

from __future__ import annotations

import hashlib
import json
import shutil

from conftest import DATA, run_cli


def _digests(run):
    return json.loads((run / "run.json").read_text(encoding="utf-8"))["written_by"]["sha256"]


def test_run_json_records_every_file_as_written(tmp_path):
    run = tmp_path / "run"
    assert run_cli("solve", "--inputs", DATA / "greedy", "--out", run).exit_code == 0
    files = sorted(p.name for p in run.iterdir() if p.name != "run.json")
    assert {"allocation.csv", "workbook.xlsx"} <= set(files)
    assert _digests(run) == {n: hashlib.sha256((run / n).read_bytes()).hexdigest() for n in files}


def test_a_page_rebuilt_by_report_stays_allocators_for_force(tmp_path):
    data = shutil.copytree(DATA / "greedy", tmp_path / "data")
    run = tmp_path / "run"
    assert run_cli("solve", "--inputs", data, "--out", run).exit_code == 0
    page = (run / "report.html").read_bytes()
    data.rename(tmp_path / "moved")  # the rebuilt page says its assumptions are left out
    assert run_cli("report", run).exit_code == 0
    assert (run / "report.html").read_bytes() != page
    assert (
        _digests(run)["report.html"]
        == hashlib.sha256((run / "report.html").read_bytes()).hexdigest()
    )
    (tmp_path / "moved").rename(data)
    res = run_cli("solve", "--inputs", data, "--out", run, "--force")
    assert res.exit_code == 0, res.stderr
    assert (run / "report.html").read_bytes() == page


def test_force_names_the_edited_table_and_keeps_the_folder(tmp_path):
    run = tmp_path / "run"
    assert run_cli("solve", "--inputs", DATA / "greedy", "--out", run).exit_code == 0
    table = run / "budgets.csv"
    table.write_bytes(table.read_bytes().replace(b"\n", b"\r\n"))  # saved again by a spreadsheet
    kept = {p.name: p.read_bytes() for p in run.iterdir()}
    res = run_cli("solve", "--inputs", DATA / "greedy", "--out", run, "--force")
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines() == [
        f"error: --out {run} will not be replaced: it holds budgets.csv, changed since "
        "allocator wrote it, which may hold your edits, and --force replaces only allocator's "
        "own output folders. Fix: choose another --out"
    ]
    assert {p.name: p.read_bytes() for p in run.iterdir()} == kept
