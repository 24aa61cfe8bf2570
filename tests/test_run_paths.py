"""A run folder finds its dataset from any folder, and cites a workbook's rows by sheet.

run.json records the dataset as typed (relative to the shell's folder) and also as an absolute
path; every reader (`replan`, `solve --check-against`, `report`) finds it through one function
(`report.assumed.dataset_path`), and says in one line, with a fix the command has, when it cannot.
A workbook dataset's assumptions are cited `plan.xlsx, sheet pools, row N`, never `pools.csv`.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import BASELINE, DATA, run_cli

ASSUMED = "a guess: nobody has said how much"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A project folder: a dataset `ds` with one assumed pool row, solved from inside the
    project with relative paths (`--inputs ds --out runs/approved`)."""
    root = tmp_path_factory.mktemp("project")
    ds = shutil.copytree(DATA / "replan", root / "ds")
    lines = (ds / "pools.csv").read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ",assumption", lines[1] + f",{ASSUMED}", *(f"{x}," for x in lines[2:])]
    (ds / "pools.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ran = run_cli("solve", "--inputs", "ds", "--out", "runs/approved", cwd=root)
    assert ran.exit_code == 0, ran.stderr
    (root / "models").mkdir()
    (root / "models" / "plan.yaml").write_text("dataset: ../ds\nobjective: jobs\n", "utf-8")
    ran = run_cli("solve", "models/plan.yaml", "--out", "runs/modelled", cwd=root)
    assert ran.exit_code == 0, ran.stderr
    (root / "elsewhere").mkdir()
    return root


def test_run_json_records_the_dataset_as_typed_and_absolute(project):
    info = json.loads((project / "runs" / "approved" / "run.json").read_text(encoding="utf-8"))
    assert info["inputs"]["folder"] == "ds"
    assert info["inputs"]["absolute"] == str(project / "ds")
    info = json.loads((project / "runs" / "modelled" / "run.json").read_text(encoding="utf-8"))
    assert info["options"]["model_file"] == "models/plan.yaml"
    assert info["options"]["model_file_absolute"] == str(project / "models" / "plan.yaml")


def test_replan_from_another_folder(project):
    away = project / "elsewhere"
    ran = run_cli(
        "replan", "../runs/approved", "--actuals", "../ds/actuals.csv", "--as-of", 2026,
        "--out", "replan", cwd=away,
    )  # fmt: skip
    assert ran.exit_code == 0, ran.stderr + ran.stdout
    assert (away / "replan" / "replan.csv").is_file()


def test_check_against_from_another_folder(project):
    ran = run_cli("solve", "--check-against", "../runs/approved", cwd=project / "elsewhere")
    assert ran.exit_code == 0, ran.stderr + ran.stdout
    assert "identical" in ran.stdout


def test_check_against_a_model_file_run_from_another_folder(project):
    ran = run_cli("solve", "--check-against", "../runs/modelled", cwd=project / "elsewhere")
    assert ran.exit_code == 0, ran.stderr + ran.stdout
    assert "identical" in ran.stdout


def test_report_from_another_folder_lists_the_assumptions(project, tmp_path):
    run = shutil.copytree(project / "runs" / "approved", tmp_path / "run")
    (run / "report.html").unlink()  # rebuilt from the tables (an edited page is kept)
    ran = run_cli("report", run, cwd=project / "elsewhere")
    assert ran.exit_code == 0, ran.stderr
    page = (run / "report.html").read_text(encoding="utf-8")
    assert f"pools.csv row 2: {ASSUMED}" in page


@pytest.fixture
def moved(project, tmp_path) -> tuple[Path, Path]:
    """The solved run copied, its dataset moved away (to `ds-moved`): (run folder, dataset)."""
    root = tmp_path / "p"
    run = shutil.copytree(project / "runs" / "approved", root / "runs" / "approved")
    info = json.loads((run / "run.json").read_text(encoding="utf-8"))
    info["inputs"]["absolute"] = str(root / "ds")  # where it was; it is no longer there
    (run / "run.json").write_text(json.dumps(info, indent=2, sort_keys=True), encoding="utf-8")
    return run, shutil.copytree(project / "ds", tmp_path / "ds-moved")


def test_replan_with_its_dataset_gone_says_so_and_takes_inputs(moved, tmp_path):
    run, ds = moved
    args = ["replan", run, "--actuals", ds / "actuals.csv", "--as-of", 2026]
    ran = run_cli(*args, "--out", tmp_path / "r1", cwd=tmp_path)
    assert ran.exit_code == 2
    said = " ".join(ran.stderr.split())
    assert "Traceback" not in ran.stderr
    assert f"the run's dataset ds (last at {run.parents[1] / 'ds'}) is not found" in said
    assert "Fix: pass --inputs" in said
    ran = run_cli(*args, "--inputs", ds, "--out", tmp_path / "r2", cwd=tmp_path)
    assert ran.exit_code == 0, ran.stderr
    info = json.loads((tmp_path / "r2" / "run.json").read_text(encoding="utf-8"))
    assert info["inputs"]["folder"] == str(ds)


def test_check_against_with_its_dataset_gone_takes_inputs(moved, tmp_path):
    run, ds = moved
    ran = run_cli("solve", "--check-against", run, cwd=tmp_path)
    assert ran.exit_code == 2
    assert "is not found from here nor beside the run folder. Fix: pass --inputs" in " ".join(
        ran.stderr.split()
    )
    ran = run_cli("solve", "--check-against", run, "--inputs", ds, cwd=tmp_path)
    assert ran.exit_code == 0, ran.stderr + ran.stdout


def test_report_with_its_dataset_gone_says_why_the_assumptions_are_left_out(moved, tmp_path):
    run, _ds = moved
    ran = run_cli("report", run, cwd=tmp_path)
    assert ran.exit_code == 0, ran.stderr
    said = " ".join((ran.stdout + ran.stderr).split())
    gone = f"the run's dataset ds (last at {run.parents[1] / 'ds'}) is not found"
    assert f"the assumptions are left out: {gone}" in said
    page = html.unescape(" ".join((run / "report.html").read_text(encoding="utf-8").split()))
    assert f"not listed here: {gone}" in page
    assert ASSUMED not in page


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    """The baseline exported as one workbook, plan.xlsx."""
    folder = tmp_path_factory.mktemp("book")
    ran = run_cli("export-inputs", folder / "plan.xlsx", "--inputs", BASELINE)
    assert ran.exit_code == 0, ran.stderr
    return folder / "plan.xlsx"


CSV_ROW = re.compile(r"\b[a-z_]+\.csv rows? \d")


def test_workbook_run_cites_sheets_in_its_assumptions(book, tmp_path):
    ran = run_cli("solve", "--inputs", book, "--out", tmp_path / "run")
    assert ran.exit_code == 0, ran.stderr
    page = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    part = page[page.index("Assumptions this run depends on") :]
    assert "plan.xlsx, sheet programs, row " in part
    assert "plan.xlsx, sheet pools, row " in part
    assert not CSV_ROW.search(part), CSV_ROW.search(part)


def test_check_of_a_workbook_cites_sheets(book):
    ran = run_cli("check", "--inputs", book)
    assert ran.exit_code == 0, ran.stderr
    said = " ".join(ran.stdout.split())  # the lines wrap at 80 columns
    assert "- plan.xlsx, sheet programs, row 2 (advanced_materials): cap_musd" in said
    assert "(plan.xlsx, sheet programs, rows 6, 7, 8, 9 (cap_musd);" in said
    assert not CSV_ROW.search(said), CSV_ROW.search(said)
