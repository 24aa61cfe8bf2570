"""Shared fixtures: solve a dataset once per test session and hand out its tables."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from allocator.api import solve_inputs as _solve
from allocator.api import tables_of
from allocator.inputs import load_inputs

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
BASELINE = ROOT / "inputs" / "peru2040"


@functools.cache
def solved(folder: str, objective: str = "jobs", targets: str = "soft"):
    """(inputs, solution, tables) of a dataset folder, solved once per session."""
    inp = load_inputs(folder)
    sol, _ = _solve(inp, objective, targets=targets)
    return inp, sol, tables_of(inp, sol)


@pytest.fixture(scope="session")
def baseline_dir() -> Path:
    return BASELINE
