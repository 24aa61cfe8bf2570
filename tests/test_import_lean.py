"""Start-up (issue 30), allocator's own modules: what a baseline `allocator solve` (the bundled
CSV dataset, no model file) does not import, because it does not use it. Each deferred module
is imported where it is used: the workbook reader when the dataset is a workbook, the model-file
reader when a model file or an override is given.

One fresh interpreter runs the console script's `main` (the imports of a process are what is
under test) and reports `sys.modules` after it; no timing is asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

DEFERRED = (
    "allocator.data.workbook",  # the workbook reader: a dataset given as one workbook
    "allocator.data.sheettext",
    "allocator.data.xlsx",
    "allocator.data.xlsxparts",
    "allocator.data.xlsxcells",
    "xml.parsers.expat",  # what the workbook reader parses sheets with
    "allocator.data.modelfile",  # the model-file reader: a model file, an override or a --set
    "allocator.data.carry",
    "allocator.data.csvquotes",  # where a CSV's broken quoting is: only for such a CSV
    "allocator.report.explain",  # why a plan is infeasible: only when it is
    "allocator.report.risk",  # --risk's figures
)
"""Modules a baseline `allocator solve` does without (and imported before this change)."""

_RUN_MAIN = """
import json, sys
from allocator.cli.commands import main
sys.argv = ["allocator", *json.loads(sys.argv[1])]
code = 0
try:
    main()
except SystemExit as done:
    code = done.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def modules_after(args: list[str]) -> tuple[int, str, set[str]]:
    """Run `main` with `args` in a fresh interpreter: its exit code, its stdout and
    `sys.modules` at the end (its last stderr line)."""
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", _RUN_MAIN, json.dumps(args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    ran = json.loads(done.stderr.strip().splitlines()[-1])
    return ran["code"], done.stdout, set(ran["modules"])


@pytest.fixture(scope="module")
def baseline_modules(tmp_path_factory) -> set[str]:
    """`sys.modules` after a baseline `allocator solve` in a fresh interpreter."""
    out = tmp_path_factory.mktemp("lean") / "run"
    code, _, modules = modules_after(["solve", "--out", str(out)])
    assert code == 0
    assert (out / "workbook.xlsx").is_file()
    assert (out / "allocation.csv").is_file()
    return modules


def test_the_baseline_solve_did_load_solve_and_write(baseline_modules):
    # the process did the work: a test that read an empty module list would pass the others
    needed = {"allocator.data.inputs", "allocator.runs.spec", "allocator.report.book", "highspy"}
    assert needed <= baseline_modules


@pytest.mark.parametrize("module", DEFERRED)
def test_the_baseline_solve_does_not_import(baseline_modules, module):
    assert module not in baseline_modules
