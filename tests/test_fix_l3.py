"""Task l3: loose ends. Overrides that leave nothing to allocate, each named by its own giver's
place (`pipeline.refuse_empty`); what `allocator alternatives` holds, in words."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import allocator
from allocator.errors import UsageError
from conftest import DATA, run_cli

GREEDY = DATA / "greedy"
BASE_LEVELS = DATA / "base_levels"


def _model(tmp_path, overrides: str) -> str:
    """A model file on a copy of the greedy case (programs a, b, c) with these override lines."""
    data = shutil.copytree(GREEDY, tmp_path / "data")
    model = tmp_path / "m.yaml"
    body = f"dataset: {data.as_posix()}\nobjective: jobs\noverrides:\n{overrides}"
    model.write_text(body, encoding="utf-8")
    return str(model)


def test_nothing_left_names_a_callers_exclude_by_the_callers_place(tmp_path):
    # the file excludes a and b (its overrides[0], [1]); the caller, after a set, excludes c (its
    # overrides[1]): before, the combined list's numbers named the caller's exclude
    # `m.yaml: ... overrides[3]`, an override the model file does not have
    model = _model(tmp_path, "  - exclude_program: a\n  - exclude_program: b\n")
    with pytest.raises(UsageError) as caught:
        allocator.plan(model, overrides=["programs.b.cap_musd=50", {"exclude_program": "c"}])
    line = str(caught.value)
    assert "nothing is left to allocate" in line, line
    assert line.startswith(f"{model}: "), line
    assert "overrides[0] exclude_program a" in line, line
    assert "overrides[1] exclude_program b" in line, line
    assert "the caller's overrides[1] exclude_program c" in line, line
    assert "overrides[3]" not in line, line
    assert "overrides[2]" not in line, line


# --- alternatives: what the objective row holds, in words -------------------------------------


def _no_jobs_no_exports(tmp_path: Path) -> Path:
    """tests/data/base_levels with programs that make no jobs and nothing existing before the
    plan (as tests/test_fix_l2.py builds it): every plan has 0 jobs and 0 exports."""
    folder = tmp_path / "nothing"
    folder.mkdir()
    for name in ("eligibility", "milestones", "phases", "pools"):
        shutil.copy(BASE_LEVELS / f"{name}.csv", folder)
    programs = (BASE_LEVELS / "programs.csv").read_text(encoding="utf-8")
    made = programs.replace(",10,hand", ",0,hand").replace(",4,hand", ",0,hand")
    assert made.count(",0,hand") == 2
    (folder / "programs.csv").write_text(made, encoding="utf-8")
    return folder


def test_alternatives_with_nothing_to_weigh_say_every_plan_is_held(tmp_path):
    # before: "Plans within 2.00% of the optimum: weighted >= -1e-12 index", the row's solver
    # margin; the index's costs are all 0, so every plan meets the row and each program's range
    # is all it can get (a and b: 0 to 100 US$ million, the pool's 100)
    out = tmp_path / "alt"
    done = run_cli(
        "alternatives",
        "--inputs",
        _no_jobs_no_exports(tmp_path),
        "--objective",
        "weighted",
        "--out",
        out,
    )
    assert done.exit_code == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert first == (
        "Plans within 2% of the optimum: every plan, the weighted index having nothing to "
        "weigh: no plan makes any of the jobs or exports weighed, so every plan reads 0 "
        "(optimum 0 index)."
    ), first
    assert "e-12" not in done.stdout
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["objective"]["holds"] in first
    ranges = pd.read_csv(out / "ranges.csv")
    assert list(ranges["min_musd"]) == [0, 0]
    assert list(ranges["max_musd"]) == [100, 100]


def test_alternatives_on_a_measure_say_its_floor_without_the_solver_margin(tmp_path):
    # the jobs objective on the same data: jobs >= 0 jobs (0 less 2% of 0), not -1e-12
    done = run_cli(
        "alternatives",
        "--inputs",
        _no_jobs_no_exports(tmp_path),
        "--objective",
        "jobs",
        "--out",
        tmp_path / "alt",
    )
    assert done.exit_code == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert first == "Plans within 2% of the optimum: jobs >= 0 jobs (optimum 0 jobs).", first


# --- compare: no blank where the value is known -------------------------------------------------


def _solve(tmp_path: Path, name: str, *args: object) -> Path:
    out = tmp_path / name
    done = run_cli("solve", "--inputs", DATA / "exports", *args, "--out", out)
    assert done.exit_code == 0, done.stderr
    return out


def test_compare_gives_a_missing_program_0_and_says_why_an_index_is_blank(tmp_path):
    """The exports case: the jobs plan puts its 100 in y (300 jobs, 100 musd of exports); with
    y excluded (a model file's exclude) x takes what it can. y is missing from that plan's
    allocation_by_phase: 0 there, not blank. A weighted plan's index needs the bests of a
    weighted run: blank for the jobs plans, with why in `unit`."""
    from allocator.studies.compare import OTHER_OBJECTIVE, compare, load_run

    data = shutil.copytree(DATA / "exports", tmp_path / "exports")
    model = tmp_path / "no_y.yaml"
    model.write_text(
        f"dataset: {data.as_posix()}\nobjective: jobs\noverrides:\n  - exclude_program: y\n",
        encoding="utf-8",
    )
    a = _solve(tmp_path, "A", "--objective", "jobs")
    done = run_cli("solve", model, "--out", tmp_path / "B")
    assert done.exit_code == 0, done.stderr
    w = _solve(tmp_path, "W", "--objective", "weighted")
    table = compare([load_run(a), load_run(tmp_path / "B"), load_run(w)])
    rows = table.set_index(["section", "metric"])
    y = rows.loc[("largest differences", "y")]
    assert y["A"] == 100
    assert y["B"] == 0  # missing from B's tables: B funds none of it
    index = rows.loc[("objective", "objective (weighted)")]
    assert index[["A", "B"]].isna().all()
    assert index["unit"] == f"{OTHER_OBJECTIVE} (A, B); index (W)"
    jobs = rows.loc[("objective", "objective (jobs)")]
    assert jobs["A"] == 300
    outcomes = pd.read_csv(w / "outcomes.csv")
    total = outcomes[(outcomes["dimension"] == "total") & (outcomes["year"] == 2026)]
    assert jobs["W"] == float(total["jobs"].iloc[0])  # W's jobs in the last milestone year
