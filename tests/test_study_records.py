"""Study folders find their dataset from any folder, as a solve's does.

frontier, alternatives, core and sweep recorded the dataset only as typed (`--inputs ds` from the
project folder), so `allocator report` run from another folder wrote their report.html without
the assumptions (a warning, a page of other bytes). Their run.json now records `inputs.absolute`
too (one writer, `report.assumed.recorded_inputs`), and the rebuilt page is the page the command
wrote, byte for byte, from anywhere. compare's page, whose items have datasets of their own,
says so in the same words written and rebuilt (it said "the dataset could not be read, or ..."
when written, another sentence when rebuilt)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import BASELINE, run_cli

STUDIES = {
    "frontier": ("frontier", "--points", 3),
    "alternatives": ("alternatives",),
    "core": ("core",),
    "sweep": ("sweep", "--samples", 2, "--serial"),
    "compare": ("compare", "jobs", "exports"),
}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The baseline as `project/ds`, each study run from inside the project with relative
    paths (`--inputs ds --out ../runs/NAME`: a dataset no parent of the run folder holds), and a
    folder `elsewhere` beside."""
    root = tmp_path_factory.mktemp("top")
    (root / "project").mkdir()
    shutil.copytree(BASELINE, root / "project" / "ds")
    for name, args in STUDIES.items():
        ran = run_cli(*args, "--inputs", "ds", "--out", f"../runs/{name}", cwd=root / "project")
        assert ran.exit_code == 0, (name, ran.stderr)
    (root / "elsewhere").mkdir()
    return root


@pytest.mark.parametrize("name", ["frontier", "alternatives", "core", "sweep"])
def test_a_study_records_its_dataset_as_typed_and_absolute(project, name):
    info = json.loads((project / "runs" / name / "run.json").read_text(encoding="utf-8"))
    assert info["inputs"]["folder"] == "ds"
    assert info["inputs"]["absolute"] == str(project / "project" / "ds")


@pytest.mark.parametrize("name", list(STUDIES))
def test_report_from_another_folder_rebuilds_the_page_byte_for_byte(project, name):
    page = project / "runs" / name / "report.html"
    written = page.read_bytes()
    ran = run_cli("report", f"../runs/{name}", cwd=project / "elsewhere")
    assert ran.exit_code == 0, ran.stderr
    assert "warning" not in ran.stderr, ran.stderr
    assert page.read_bytes() == written
