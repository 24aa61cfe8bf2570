"""Task inp: inputs, model files, the API and --help say what works (tests added beside the
hunt-11 findings of tests/test_hunt11_found.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import DATA, invoke

SWEEP = DATA / "sweep"  # a small dataset without settings.csv: the number style is undeclared


def _project(tmp_path: Path, body: str) -> Path:
    """A project with a copy of the sweep dataset and `models/t.yaml` holding `body`."""
    shutil.copytree(SWEEP, tmp_path / "data")
    model = tmp_path / "models" / "t.yaml"
    model.parent.mkdir()
    model.write_text(f"name: t\ndataset: ../data\n{body}", encoding="utf-8")
    return model


# --check-against reads the model file as it is now


def test_check_against_an_unchanged_model_file_with_sets_is_identical(tmp_path):
    # The model file's own sets and overrides read again, the recorded --set on top: unchanged,
    # the re-run is identical (run from another working folder, the file found as recorded).
    body = "overrides:\n  - exclude_program: y\nset:\n  - pools.public/p1.budget_musd=150\n"
    model = _project(tmp_path, body)
    run = tmp_path / "run"
    made = invoke("solve", model, "--set", "programs.x.cap_musd=90", "--out", run)
    assert made.exit_code == 0, made.stderr
    again = invoke("solve", "--check-against", run, cwd=tmp_path / "models")
    assert again.exit_code == 0, again.stderr
    assert "identical" in again.stdout


def test_check_against_names_the_model_file_whose_overrides_changed(tmp_path):
    model = _project(tmp_path, "overrides:\n  - exclude_program: y\n")
    run = tmp_path / "run"
    assert invoke("solve", model, "--out", run).exit_code == 0
    model.write_text("name: t\ndataset: ../data\n", encoding="utf-8")
    again = invoke("solve", "--check-against", run)
    assert again.exit_code == 1
    assert "t.yaml changed its overrides or sets" in again.stderr, again.stderr
