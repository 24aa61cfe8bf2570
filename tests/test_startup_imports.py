"""Start-up (issue 30): which of allocator's solver modules a baseline `allocator solve` (the
bundled CSV dataset, an optimal plan) imports. The infeasibility diagnosis
(`allocator.solver.diagnosis`) runs only when a pass is infeasible and the face's reduced
system (`allocator.solver.reduced`) only when the face is large enough for it: each is imported
where it is used, so a plain solve does not import them. An infeasible plan still imports and
runs the diagnosis (checked here too).

One fresh interpreter per case runs the console script's `main` (the imports of a process are
what is under test) and reports `sys.modules` after it; no timing is asserted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from test_import_lean import modules_after

ROOT = Path(__file__).resolve().parents[1]

NOT_ON_A_PLAIN_SOLVE = (
    "allocator.solver.diagnosis",  # why a pass is infeasible: only when one is
    "allocator.solver.reduced",  # the face's reduced system: only past FIXED_SUMS_FROM columns
)


@pytest.fixture(scope="module")
def baseline_modules(tmp_path_factory) -> set[str]:
    """`sys.modules` after a baseline `allocator solve` in a fresh interpreter."""
    out = tmp_path_factory.mktemp("startup") / "run"
    code, stdout, modules = modules_after(["solve", "--out", str(out)])
    assert code == 0
    assert stdout.startswith("Optimal (inputs/peru2040")
    assert (out / "workbook.xlsx").is_file()
    return modules


def test_the_baseline_solve_ran_the_solver_passes(baseline_modules):
    # the process did solve: a test reading an empty module list would pass the one below
    ran = {"allocator.solver.passes", "allocator.solver.subproblems", "allocator.solver.ties"}
    assert ran <= baseline_modules


@pytest.mark.parametrize("module", NOT_ON_A_PLAIN_SOLVE)
def test_the_baseline_solve_does_not_import(baseline_modules, module):
    assert module not in baseline_modules


def test_an_infeasible_plan_still_imports_the_diagnosis(tmp_path):
    # tests/data/infeasible: two floors above their pool's budget; the error names the
    # conflicting rows, which is the diagnosis's work
    inputs = str(ROOT / "tests" / "data" / "infeasible")
    code, _, modules = modules_after(["solve", "--inputs", inputs, "--out", str(tmp_path / "r")])
    assert code == 1
    assert "allocator.solver.diagnosis" in modules
