"""Shared fixtures: solve a dataset once per test session and hand out its tables."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from allocator.data.inputs import load_inputs
from allocator.pipeline import solve_inputs as _solve
from allocator.pipeline import tables_of

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
BASELINE = ROOT / "inputs" / "peru2040"
# The CSV tables of a run folder (README, "Output files")
RUN_TABLES = (
    "allocation.csv",
    "allocation_by_phase.csv",
    "outcomes.csv",
    "shadow_prices.csv",
    "reduced_costs.csv",
    "sensitivity.csv",
    "budgets.csv",
    "limits.csv",
)


@functools.cache
def solved(folder: str, objective: str = "jobs", targets: str = "soft"):
    """(inputs, solution, tables) of a dataset folder, solved once per session."""
    inp = load_inputs(folder)
    sol, _ = _solve(inp, objective, targets=targets)
    return inp, sol, tables_of(inp, sol)


@pytest.fixture(scope="session")
def baseline_dir() -> Path:
    return BASELINE


@pytest.fixture(scope="session")
def baseline_run(tmp_path_factory) -> Path:
    """A run folder of `allocator solve` on the baseline, written once per session; read it,
    never write into it (copy it first)."""
    out = tmp_path_factory.mktemp("baseline-run") / "run"
    res = cli("solve", "--inputs", BASELINE, "--out", out)
    assert res.returncode == 0, res.stderr
    return out


def cli(*args, cwd=ROOT):
    """`allocator ARGS` in a subprocess, with this interpreter: (returncode, stdout, stderr)."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "allocator.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file in a folder, by name."""
    import hashlib

    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}
