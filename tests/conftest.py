"""Shared fixtures: solve a dataset once per test session and hand out its tables."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from typer.testing import CliRunner

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
def solved_run(tmp_path_factory):
    """`solved_run(*ARGS)`: `allocator solve ARGS --out RUN` once per session for each ARGS
    (exit 0 asserted): (RUN, what it printed, 80 columns wide). Read the folder, never write
    into it (copy it first)."""
    made: dict[tuple[str, ...], tuple[Path, Ran]] = {}

    def solve(*args: object) -> tuple[Path, Ran]:
        key = tuple(map(str, args))
        if key not in made:
            out = tmp_path_factory.mktemp("run") / "run"
            res = run_cli("solve", *args, "--out", out)
            assert res.exit_code == 0, res.stderr
            made[key] = (out, res)
        return made[key]

    return solve


@pytest.fixture(scope="session")
def baseline_solve(solved_run) -> tuple[Path, Ran]:
    """`allocator solve --inputs BASELINE --out RUN` once per session: (RUN, what it printed)."""
    return solved_run("--inputs", BASELINE)


@pytest.fixture(scope="session")
def baseline_run(baseline_solve) -> Path:
    """A run folder of `allocator solve` on the baseline, written once per session; read it,
    never write into it (copy it first)."""
    return baseline_solve[0]


@pytest.fixture(scope="session")
def replan_approved(solved_run) -> Path:
    """The approved run of a re-plan: `allocator solve --inputs tests/data/replan --out RUN`,
    once per session (`solved_run`). Read it, never write into it (copy it first)."""
    return solved_run("--inputs", DATA / "replan")[0]


class Ran(NamedTuple):
    """What a command did: (exit_code, stdout, stderr), as a finished process reports it."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def returncode(self) -> int:
        """The exit code under the name `subprocess` gives it."""
        return self.exit_code


class _Runner(CliRunner):
    """typer's CliRunner with the rich consoles made new inside each run's streams."""

    @contextlib.contextmanager
    def isolation(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        from allocator.cli.console import fresh_consoles

        try:
            with super().isolation(*args, **kwargs) as streams:
                fresh_consoles()  # no colour, size or quiet left by an earlier command
                yield streams
        finally:
            fresh_consoles()  # back to this process's own streams and environment


def invoke(*args: object, cwd: Path | None = None, env: dict[str, str | None] | None = None):
    """`allocator ARGS` in this process (typer's CliRunner): its Result (exit_code, stdout,
    stderr, exception). `cwd` is the working folder for the run, as a process's would be."""
    import allocator.cli  # noqa: F401 - registers every command on the app
    from allocator.cli.commands import app

    env = {"COLUMNS": "80", **(env or {})}  # as in CI, whatever terminal runs pytest
    with contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext():
        return _Runner().invoke(app, [str(a) for a in args], env=env)


def run_cli(*args: object, cwd: Path = ROOT, env: dict[str, str | None] | None = None) -> Ran:
    """`allocator ARGS` in this process, from `cwd`: (exit_code, stdout, stderr). An exception
    the command let through is on stderr as its traceback, as a process would print it."""
    res = invoke(*args, cwd=cwd, env=env)
    stderr = res.stderr
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        stderr += "".join(traceback.format_exception(res.exception))
    return Ran(res.exit_code, res.stdout, stderr)


def solved_objective(out: Path, *args: object) -> float:
    """`allocator solve ARGS --json --out OUT` in this process: the objective's value (a
    re-solve to compare a listed rate with)."""
    import json

    res = run_cli("solve", *args, "--json", "--out", out)
    assert res.exit_code == 0, res.stderr
    return float(json.loads(res.stdout)["objective"]["value"])


def constraint_row(path: Path, constraint: str) -> dict[str, str]:
    """The one row of a table (shadow_prices.csv) whose `constraint` is `constraint`."""
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        (row,) = [r for r in csv.DictReader(handle) if r["constraint"] == constraint]
    return row


def cli(*args, cwd=ROOT):
    """`allocator ARGS` in a subprocess, with this interpreter: (returncode, stdout, stderr).
    Only where the process matters (descriptors, signals, real streams); else `run_cli`."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "allocator.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def copy_dataset(src: Path, dst: Path) -> Path:
    """A copy of dataset folder `src` at `dst`, for a test to edit."""
    import shutil

    shutil.copytree(src, dst)
    return dst


def price(tables, constraint: str) -> tuple[float, bool]:
    """(shadow price, binding) of a row of shadow_prices.csv, by its constraint name."""
    sp = tables["shadow_prices"].set_index("constraint")
    return sp.loc[constraint, "shadow_price"], bool(sp.loc[constraint, "binding"])


def total(tables, program: str) -> float:
    """A program's money over every phase (allocation_by_phase.csv, total_musd)."""
    return tables["allocation_by_phase"].set_index("program").loc[program, "total_musd"]


def digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file in a folder, by name."""
    import hashlib

    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A project folder with a copy of the baseline, one per test module (a saved model file
    names its dataset inside the project, as `load_model_file` requires): `allocator serve`'s
    tests."""
    root = tmp_path_factory.mktemp("serve-project")
    shutil.copytree(BASELINE, root / "inputs" / "peru2040")
    return root


@pytest.fixture(scope="module")
def held(project):
    """The served model of `project`'s baseline (`serve.held.HeldModel`), one per test module."""
    from allocator.runs.spec import RunSpec
    from allocator.serve.held import HeldModel

    return HeldModel(RunSpec(inputs=project / "inputs" / "peru2040"))


@pytest.fixture(scope="module")
def client(held, project, request):
    """Starlette's TestClient on the served app, with the test module's `TOKEN`."""
    from starlette.testclient import TestClient

    from allocator.serve.app import create_app

    token = request.module.TOKEN
    asgi = create_app(held, token, project / "models", project / "results", ("testserver",))
    return TestClient(asgi)


def hand_face(rows, lower, upper):
    """A `heldface.Face` over hand-made columns: rows (coefficients, lower, upper), column
    bounds; the LP maximises nothing yet (the tests of the basis tests and the tie rule)."""
    import highspy
    import numpy as np

    from allocator.solver.heldface import Face
    from allocator.solver.highs import new_highs

    n = len(lower)
    a = np.array([coefs for coefs, _, _ in rows], dtype=float)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, len(rows)
    lp.col_cost_ = np.zeros(n)
    lp.col_lower_, lp.col_upper_ = np.array(lower, float), np.array(upper, float)
    lp.row_lower_ = np.array([lo for _, lo, _ in rows], float)
    lp.row_upper_ = np.array([up for _, _, up in rows], float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum((a != 0).sum(axis=0))]).astype(np.int32)
    lp.a_matrix_.index_ = np.concatenate([np.flatnonzero(a[:, j]) for j in range(n)]).astype(
        np.int32
    )
    lp.a_matrix_.value_ = np.concatenate([a[a[:, j] != 0, j] for j in range(n)])
    lp.sense_ = highspy.ObjSense.kMaximize
    h = new_highs()
    h.passModel(lp)
    bounds = {
        "col": (np.array(lower, float), np.array(upper, float)),
        "row": tuple(np.array([row[k] for row in rows], float) for k in (1, 2)),
    }
    return Face(h, np.arange(n), np.zeros(n), bounds)


def soft_targets_first_pass():
    """A hand LP of soft targets held as `allocator solve` holds them, after its first pass
    (the least weighted shortfall; tests/test_one_sided.py and tests/test_resolve_count.py):
    x (3 jobs per musd), y (1), s (x's target shortfall); budget x + y <= 10 (row 0), cap
    x <= 6 (row 1), target x + s >= 8 (row 2), shortfall_total 0.5 s (row 3, free until held).
    Returns the HiGHS instance, the shortfall and jobs costs, and every column's index."""
    import highspy
    import numpy as np

    from allocator.solver.highs import new_highs

    inf = highspy.kHighsInf
    h = new_highs()
    h.addVars(3, np.zeros(3), np.full(3, inf))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    rows = (
        ([0, 1], [1.0, 1.0], -inf, 10.0),
        ([0], [1.0], -inf, 6.0),
        ([0, 2], [1.0, 1.0], 8.0, inf),
        ([2], [0.5], -inf, inf),
    )
    for cols, coefs, lower, upper in rows:
        h.addRow(lower, upper, len(cols), np.array(cols, dtype=np.int32), np.array(coefs))
    shortfall, jobs = np.array([0.0, 0.0, -0.5]), np.array([3.0, 1.0, 0.0])
    every = np.arange(3, dtype=np.int32)
    h.changeColsCost(3, every, shortfall)
    h.run()
    return h, shortfall, jobs, every


def settled_face(monkeypatch: pytest.MonkeyPatch, folder: Path) -> tuple[Any, Any, Any]:
    """The settled face `tie_classes` gets on `folder` (jobs, soft targets), the LP and the
    plan there: the rule itself replaced by a stand-in that keeps them."""
    from allocator.solver.compile import build_lp
    from allocator.solver.passes import optimum

    seen = {}

    def keep(lp, face, x):
        seen.update(lp=lp, face=face, x=x)
        return x, []

    monkeypatch.setattr("allocator.solver.passes.tie_classes", keep)
    lp, _ = build_lp(load_inputs(folder), "soft")
    optimum(lp, "jobs", ranging=False, ties=True)
    return seen["lp"], seen["face"], seen["x"]


def limits_by_loop(entries, act, x, cl, cu, rl, ru):
    """Each column's least and most value with every other column held, by a ratio test over
    `entries(j)` (column j's (row, coefficient) pairs) one at a time, rows' activities `act`:
    the independent computation the tests of `report.limits.column_limits` compare with."""
    import math

    import numpy as np

    lower, upper = np.empty(len(x)), np.empty(len(x))
    for j in range(len(x)):
        rise = fall = math.inf
        for i, a in entries(j):
            if a == 0:
                continue
            up, dn = max(ru[i] - act[i], 0.0), max(act[i] - rl[i], 0.0)
            rise = min(rise, up / a if a > 0 else dn / -a)
            fall = min(fall, dn / a if a > 0 else up / -a)
        upper[j] = min(x[j] + rise, max(cu[j], x[j]))
        lower[j] = max(x[j] - fall, min(cl[j], x[j]))
    return lower, upper


@pytest.fixture
def umask_022():
    """The common umask (new files 0644, folders 0755), whatever the test runner's is."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def chromium() -> tuple[str, str] | None:
    """chromedriver and chromium on PATH (.ci/run installs Debian's), else None."""
    driver = shutil.which("chromedriver")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    return (driver, browser) if driver and browser else None


NO_CHROMIUM = (
    "no chromedriver and chromium (.ci/run installs Debian's chromium-driver with apt-get)"
)


@contextlib.contextmanager
def page_in_chromium(asgi: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, int]]:
    """`asgi` served by uvicorn in a thread on a socket as `allocator serve` binds it, and a
    headless Chromium (Selenium Manager never downloads anything): yields (driver, port);
    the browser quit, the server stopped and the socket closed after."""
    import threading

    import uvicorn
    from selenium import webdriver

    from allocator.cli.serve import bound

    found = chromium()
    assert found is not None, NO_CHROMIUM
    sock = bound(None)
    server = uvicorn.Server(uvicorn.Config(asgi, log_level="warning", lifespan="off", ws="none"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    options = webdriver.ChromeOptions()
    options.binary_location = found[1]
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    monkeypatch.setenv("SE_OFFLINE", "true")
    try:
        driver = webdriver.Chrome(service=webdriver.ChromeService(found[0]), options=options)
        try:
            yield driver, sock.getsockname()[1]
        finally:
            driver.quit()
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def exported_book(tmp_path: Path, data: Path) -> Any:
    """`allocator export-inputs --inputs DATA` into `tmp_path`, read back with openpyxl."""
    import openpyxl

    book = tmp_path / "book.xlsx"
    res = run_cli("export-inputs", "--inputs", data, book)
    assert res.exit_code == 0, res.stderr
    return openpyxl.load_workbook(book)


def validation_at(sheet: Any, row: int, column: int) -> Any:
    """The one data validation of a cell of an openpyxl sheet (row and column 1-based)."""
    from openpyxl.worksheet.cell_range import CellRange

    found = [
        rule
        for rule in sheet.data_validations.dataValidation
        if any((row, column) in set(CellRange(str(c)).cells) for c in rule.sqref.ranges)
    ]
    assert len(found) == 1, found
    return found[0]


def header_column(sheet: Any, name: str) -> int:
    """The column (1-based) of an openpyxl sheet whose header is `name`."""
    return next(c.column for c in sheet[1] if c.value == name)


def sheet_by_quantity(run: Path, name: str) -> dict[str, dict[str, Any]]:
    """{quantity: {column: cell}} of run's workbook sheet `name` (a figures sheet such as
    `two_stage` or `replan_summary`: one quantity per row, headers without their unit)."""
    import openpyxl

    book = openpyxl.load_workbook(run / "workbook.xlsx", read_only=True)
    try:
        rows = list(book[name].iter_rows(values_only=True))
    finally:
        book.close()
    head = [str(h).split(" (")[0] for h in rows[0]]
    return {str(r[0]): dict(zip(head, r, strict=True)) for r in rows[1:]}
