"""Task fe, item 1: every whole-number option is checked one way, allocator's one line (exit 2,
naming the option, its range and the fix; `runs.arguments.check_count`), before anything is read:
`--workers` of sweep, core and alternatives, alternatives' `--alternatives` and serve's `--port`
had typer's range check (a usage box of several lines without a fix). The Python functions the
command line calls refuse the same counts, before any work: `solve(decide_now=..., workers=0)`
started a LocalCluster of no workers and waited for ever."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from allocator.errors import UsageError
from conftest import DATA, run_cli

MISSING = "no-such-dataset"
"""An --inputs that is not there: the option's refusal comes first, before anything is read."""

WORKERS = "is not at least 1 (each solves one LP at a time). Fix: e.g. --workers 2"


def _one_line(args: list[object], tmp_path: Path) -> str:
    out = tmp_path / "out"
    res = run_cli(*args, "--inputs", tmp_path / MISSING, "--out", out)
    assert res.exit_code == 2, res.stderr
    assert res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert not out.exists()
    return lines[0]


@pytest.mark.parametrize("command", ["sweep", "core", "alternatives"])
@pytest.mark.parametrize("workers", [0, -3])
def test_workers_below_one_is_allocators_one_line(command, workers, tmp_path):
    line = _one_line([command, "--workers", workers], tmp_path)
    assert line == f"error: --workers {workers} {WORKERS}"


def test_core_workers_zero_with_a_scheduler_is_refused_too(tmp_path):
    """A scheduler's workers are its own, but 0 is no count of anything (typer refused it)."""
    line = _one_line(["core", "--workers", 0, "--scheduler", "tcp://127.0.0.1:1"], tmp_path)
    assert line == f"error: --workers 0 {WORKERS}"


@pytest.mark.parametrize("count", [-1, 51])
def test_alternatives_count_outside_its_range(count, tmp_path):
    line = _one_line(["alternatives", "--alternatives", count], tmp_path)
    assert line.startswith(f"error: --alternatives {count} is not from 0 to 50 ("), line
    assert line.endswith("Fix: e.g. --alternatives 3"), line


@pytest.mark.parametrize("port", [0, -1, 65536])
def test_serve_port_outside_its_range(port, tmp_path):
    res = run_cli("serve", "--port", port, "--inputs", tmp_path / MISSING)
    assert res.exit_code == 2, res.stderr
    assert res.stdout == ""
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith(f"error: --port {port} is not from 1 to 65,535 ("), line
    assert line.endswith("Fix: e.g. --port 8765"), line


def test_a_count_in_range_still_runs(tmp_path):
    """The check lets 1 through (the sweep's least): the sweep runs on one worker."""
    out = tmp_path / "s"
    res = run_cli(
        "sweep", "--inputs", DATA / "fixed_plan", "--samples", 2, "--serial", "--workers", 1,
        "--out", out,
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    assert (out / "sweep.csv").is_file()


@pytest.mark.parametrize("workers", [0, -2])
def test_the_api_solve_refuses_workers_below_one_before_any_work(workers, tmp_path):
    """With --decide-now (it started a LocalCluster of no workers, and hung), and without it
    (it said --workers applies to a two-stage plan only: the count is wrong either way)."""
    from allocator import plan, solve

    missing = tmp_path / MISSING
    for keywords in ({"decide_now": "p1"}, {}):
        with pytest.raises(UsageError, match=f"^{re.escape(f'--workers {workers} {WORKERS}')}$"):
            solve(inputs=missing, workers=workers, out=tmp_path / "run", **keywords)
        with pytest.raises(UsageError, match=f"^{re.escape(f'--workers {workers} {WORKERS}')}$"):
            plan(inputs=missing, workers=workers, **keywords)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("workers", [0, -1])
def test_the_api_studies_refuse_workers_below_one(workers, tmp_path):
    from allocator import alternatives, sweep

    missing = tmp_path / MISSING
    said = rf"^workers={workers} is not from 1 \(--workers\)"
    with pytest.raises(UsageError, match=said):
        sweep(inputs=missing, where=(None, workers, False, None), out=tmp_path / "s")
    with pytest.raises(UsageError, match=said):
        alternatives(inputs=missing, where=(None, workers, False), out=tmp_path / "a")
    assert not (tmp_path / "s").exists()
    assert not (tmp_path / "a").exists()


@pytest.mark.parametrize("serial", [False, True])
def test_the_core_function_refuses_workers_below_one(serial, tmp_path):
    """`studies.corerun.run_core` (what `allocator core` calls) with `Where(workers=0)`: refused
    before the dataset is read (it does not exist here), not a LocalCluster of no workers."""
    from allocator.model.measures import Measure
    from allocator.studies.core import CoreSettings, CoreStudy
    from allocator.studies.corerun import Output, Where, run_core

    study = CoreStudy(str(tmp_path / MISSING), None, (), "jobs", "soft", Measure("final"))
    with pytest.raises(UsageError, match=f"^{re.escape(f'--workers 0 {WORKERS}')}$"):
        run_core(study, CoreSettings(), Where(serial=serial, workers=0), Output(tmp_path / "c"))
    assert not (tmp_path / "c").exists()


SEED = "is not a whole number from 0 to 4294967295. Fix: e.g. --seed 7"


@pytest.mark.parametrize("risk", [("--risk", "cvar"), ("--decide-now", "p1"), ()])
def test_solve_seed_outside_its_range_before_the_dataset_is_read(risk, tmp_path):
    """--seed -1 was said only once the dataset had loaded (here: not found, said instead)."""
    line = _one_line(["solve", *risk, "--seed", -1], tmp_path)
    assert line.startswith(f"error: --seed -1 {SEED}"), line


def test_the_api_plan_refuses_the_seed_before_any_work(tmp_path):
    from allocator import plan

    with pytest.raises(UsageError, match=f"^{re.escape(f'--seed -1 {SEED}')}"):
        plan(inputs=tmp_path / MISSING, risk="cvar", seed=-1)


def test_the_api_alternatives_count_names_its_option(tmp_path):
    """`count=` is `--alternatives` on the command line (it said `--count`, no option)."""
    from allocator import alternatives

    said = "count=-1 is not from 0 to 50 (--alternatives). Fix: e.g. count=3"
    with pytest.raises(UsageError, match=f"^{re.escape(said)}$"):
        alternatives(inputs=tmp_path / MISSING, count=-1, out=tmp_path / "a")
