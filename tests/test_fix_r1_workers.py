"""r1, finding 2: `solve --decide-now --workers N` past the machine's bound is refused before
anything is read (the dataset, a model file), as sweep, core and alternatives refuse theirs
(`studies.daskclient.check_workers`), from the command line and from Python alike."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from allocator.studies.daskclient import CORES, MAX_WORKERS
from conftest import BASELINE, run_cli

ANSI = re.compile(r"\x1b\[[0-9;]*m")
TOO_MANY = MAX_WORKERS + 1
WORDS = (
    f"error: --workers {TOO_MANY}: at most {MAX_WORKERS} worker processes on this machine "
    f"(4 per core of its {CORES}; each solves one LP at a time, so more only wait their turn). "
    f"Fix: --workers {CORES}, or --scheduler ADDRESS of a Dask cluster with more machines"
)


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> Path:
    """The bundled dataset with a broken programs.csv row: reading it is refused."""
    folder = tmp_path_factory.mktemp("broken") / "ds"
    shutil.copytree(BASELINE, folder)
    with (folder / "programs.csv").open("a", encoding="utf-8") as f:
        f.write("garbage,,,\n")
    return folder


def _refusal(*args: object) -> str:
    ran = run_cli(*args)
    line = ANSI.sub("", ran.stderr).strip()
    assert (ran.exit_code, ran.stdout) == (2, ""), (ran.exit_code, line)
    assert "\n" not in line, line
    return line


def test_the_broken_dataset_is_what_a_run_within_the_bound_meets(broken, tmp_path):
    """The control: with --workers within the bound, the broken dataset is the refusal (so the
    refusal below comes before the dataset is read, not from a dataset that reads well)."""
    line = _refusal(
        "solve", "--inputs", broken, "--decide-now", "phase1", "--workers", 1,
        "--out", tmp_path / "run",
    )  # fmt: skip
    assert line.startswith("error: programs.csv, row "), line
    assert not (tmp_path / "run").exists()


def test_too_many_workers_are_refused_before_the_dataset_is_read(broken, tmp_path):
    line = _refusal(
        "solve", "--inputs", broken, "--decide-now", "phase1", "--workers", TOO_MANY,
        "--out", tmp_path / "run",
    )  # fmt: skip
    assert line == WORDS
    assert not (tmp_path / "run").exists()


def test_too_many_workers_are_refused_before_a_model_file_is_read(tmp_path):
    """A model file that is not there is not even looked for."""
    missing = tmp_path / "missing.yaml"
    line = _refusal(
        "solve", missing, "--decide-now", "phase1", "--workers", TOO_MANY,
        "--out", tmp_path / "run",
    )  # fmt: skip
    assert line == WORDS
    assert not (tmp_path / "run").exists()


def test_a_scheduler_takes_any_count_of_workers_as_before(broken, tmp_path):
    """--scheduler ADDRESS: the workers are the cluster's, so the count is not this machine's
    to bound (check_workers' rule); the broken dataset is then what is refused."""
    line = _refusal(
        "solve", "--inputs", broken, "--decide-now", "phase1", "--workers", TOO_MANY,
        "--scheduler", "tcp://127.0.0.1:9", "--out", tmp_path / "run",
    )  # fmt: skip
    assert line.startswith("error: programs.csv, row "), line


@pytest.mark.parametrize("function", ["solve", "plan"])
def test_a_python_caller_is_refused_before_the_dataset_is_read(broken, tmp_path, function):
    import allocator
    from allocator.errors import UsageError

    options = {"inputs": broken, "decide_now": "phase1", "workers": TOO_MANY}
    if function == "solve":
        options["out"] = tmp_path / "run"
    with pytest.raises(UsageError) as info:
        getattr(allocator, function)(**options)
    assert f"error: {info.value}" == WORDS
    assert not (tmp_path / "run").exists()
