"""Start-up of a baseline `allocator solve` (issue 30, budget f): what the command does that it
does not need. A plain solve does not scan the installed distributions for pydantic plugins
(`allocator.cli.commands.main` sets PYDANTIC_DISABLE_PLUGINS unless the user set it), and the
forked child that writes workbook.xlsx imports nothing: the parent imports the modules that
writing the workbook needs before it forks (report/write.py `_overlap`).

One fresh interpreter per case runs the console script's `main` (what a process imports and
scans is what is under test); no timing is asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

_RUN_MAIN = """
import importlib.metadata, json, os, sys
asked = []  # the entry-point groups looked up (pydantic's plugin loader binds this at import)
scan = importlib.metadata.entry_points
def entry_points(**params):
    asked.append(params.get("group"))
    return scan(**params)
importlib.metadata.entry_points = entry_points
parent, log = os.getpid(), open(sys.argv[2], "w")
def hook(event, args):
    if event == "os.fork":
        log.write("fork\\n")
    elif event == "import" and os.getpid() != parent:
        log.write(f"child {args[0]}\\n")  # a module the forked child loaded itself
    log.flush()
sys.addaudithook(hook)
from allocator.cli.commands import main
sys.argv = ["allocator", *json.loads(sys.argv[1])]
code = 0
try:
    main()
except SystemExit as done:
    code = done.code
print(json.dumps({"code": code, "groups": asked}), file=sys.stderr)
"""


def run_main(args: list[str], log: Path, **env: str) -> tuple[int, list[str], list[str]]:
    """`main` with `args` in a fresh interpreter: its exit code, the entry-point groups it
    looked up, and what the audit log says (`fork`, `child MODULE` for each module a forked
    child imported)."""
    mine = ("ALLOCATOR_SERIAL_WRITE", "PYDANTIC_DISABLE_PLUGINS")  # only as `env` says
    environ = {k: v for k, v in os.environ.items() if k not in mine}
    environ |= {"COLUMNS": "100", "NO_COLOR": "1", **env}
    environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT / "src"), environ.get("PYTHONPATH")])
    )
    done = subprocess.run(
        [sys.executable, "-c", _RUN_MAIN, json.dumps(args), str(log)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environ,
        timeout=300,
    )
    ran = json.loads(done.stderr.strip().splitlines()[-1])
    return ran["code"], ran["groups"], log.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> tuple[list[str], list[str]]:
    """A baseline `allocator solve` in a fresh interpreter: (entry-point groups looked up,
    audit log lines)."""
    tmp = tmp_path_factory.mktemp("pstart")
    out = tmp / "run"
    code, groups, log = run_main(["solve", "--out", str(out)], tmp / "audit.log")
    assert code == 0
    assert (out / "workbook.xlsx").stat().st_size > 0  # the workbook was written
    return groups, log


def test_a_solve_does_not_scan_for_pydantic_plugins(baseline):
    groups, _ = baseline
    assert "pydantic" not in groups


def test_a_user_who_asks_for_pydantic_plugins_gets_them(tmp_path):
    # PYDANTIC_DISABLE_PLUGINS set (here empty: disable none) is the user's and is obeyed
    code, groups, _ = run_main(["check"], tmp_path / "audit.log", PYDANTIC_DISABLE_PLUGINS="")
    assert code == 0
    assert "pydantic" in groups


def test_the_forked_workbook_child_imports_nothing(baseline):
    _, log = baseline
    if "fork" not in log:  # one usable CPU: the workbook is written in series
        pytest.skip("the workbook was written in series (no fork on this machine)")
    assert [line for line in log if line.startswith("child ")] == []
