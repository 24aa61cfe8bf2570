"""A workbook allocator wrote and a planner then edited is the planner's: `solve --force` over a
run folder whose workbook.xlsx was saved since (Excel, LibreOffice and openpyxl set the modified
date allocator writes as 2000-01-01) replaced it with the planner's notes in it. Refused now in
one line naming the file, the folder left as it was; an untouched run folder is replaced as
before. (`export-inputs --force` follows the same rule: tests/test_hunt9_found.py.)"""

from __future__ import annotations

from openpyxl import load_workbook

from conftest import DATA, run_cli

GREEDY = DATA / "greedy"


def test_force_keeps_a_run_folder_whose_workbook_was_edited(tmp_path):
    run = tmp_path / "run"
    assert run_cli("solve", "--inputs", GREEDY, "--out", run).exit_code == 0
    book = load_workbook(run / "workbook.xlsx")
    book.active["A1"] = "my note for the minister"
    book.save(run / "workbook.xlsx")
    edited = {p.name: p.read_bytes() for p in run.iterdir()}
    res = run_cli("solve", "--inputs", GREEDY, "--out", run, "--force")
    assert res.exit_code == 2, res.stdout
    (line,) = res.stderr.splitlines()
    assert "workbook.xlsx" in line
    assert "saved since allocator wrote it" in line
    assert "Fix: " in line
    assert {p.name: p.read_bytes() for p in run.iterdir()} == edited


def test_force_replaces_an_untouched_run_folder(tmp_path):
    run = tmp_path / "run"
    assert run_cli("solve", "--inputs", GREEDY, "--out", run).exit_code == 0
    res = run_cli("solve", "--inputs", GREEDY, "--out", run, "--force")
    assert res.exit_code == 0, res.stderr
