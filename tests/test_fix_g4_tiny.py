"""A tiny coefficient is used or refused by its cell, never dropped (hunt27 findings 1 and 2).

HiGHS drops a matrix entry of its `small_matrix_value` or less in size (1e-9 by default): a
jobs rate of 1e-10, which the cell rule accepted, ended as "internal: HiGHS refused the model"
in `allocator solve`, while `allocator serve` dropped it in silence (`changeCoeff`'s kWarning
unread) and showed a plan without it. The data's least number is now 1e-8 (`MIN_MAGNITUDE`),
above what HiGHS drops (`SMALLEST_KEPT`, its default 1e-9), so a cell's coefficient is kept or
the cell refused; a coefficient computed from cells that would still be dropped is refused by its
row.

The hand-solved case (`_tiny_dataset`): pool budget 500,010,060 US$ million; a (s1, 10 jobs per
US$ million, cap 60), b (s1, 6, cap 1e5), c (s2, `rate`, cap 1e9); a jobs target of s2 in 2026
of `rate` x 5e8 jobs. The least shortfall (0) needs c = target / rate = 5e8 US$ million; the
10,060 left go to a (60, 600 jobs), then b (10,000, 60,000 jobs): 60,600 jobs + the target's.
With c's coefficient dropped, the target is out of reach, b takes its whole cap (1e5) and the
plan has 600,600 jobs.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import DATA, run_cli

TOKEN = "g4-token-not-secret"
AUTH = {"X-Allocator-Token": TOKEN}


def _tiny_dataset(folder: Path, rate: float) -> Path:
    shutil.copytree(DATA / "targets", folder)
    (folder / "programs.csv").write_text(
        "program,sector,first_year,last_year,cap_musd,lag_years,jobs_per_musd,source\n"
        "a,s1,2025,2026,60,0,10,hand-solved test case\n"
        "b,s1,2025,2026,1e5,0,6,hand-solved test case\n"
        f"c,s2,2025,2026,1e9,0,{rate:g},hand-solved test case\n",
        encoding="utf-8",
    )
    (folder / "pools.csv").write_text(
        "pool,phase,budget_musd,source\npublic,p1,500010060,hand-solved test case\n",
        encoding="utf-8",
    )
    (folder / "targets.csv").write_text(
        "kind,dimension,member,year,value,source\n"
        f"jobs,sector,s2,2026,{rate * 5e8:g},hand-solved test case: c needs 5e8 musd\n",
        encoding="utf-8",
    )
    return folder


def _invested(run: Path) -> dict[str, float]:
    with open(run / "allocation.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {p: sum(float(r["invest_musd"]) for r in rows if r["program"] == p) for p in "abc"}


@pytest.mark.parametrize("rate", [1e-8, 3e-8])
def test_a_tiny_jobs_rate_is_used_by_the_plan(tmp_path: Path, rate: float) -> None:
    import json

    data = _tiny_dataset(tmp_path / "data", rate)
    ran = run_cli("solve", "--inputs", data, "--out", tmp_path / "run", "--json")
    assert ran.exit_code == 0, ran.stderr
    assert _invested(tmp_path / "run") == pytest.approx({"a": 60, "b": 1e4, "c": 5e8}, rel=1e-9)
    value = json.loads(ran.stdout)["objective"]["value"]
    assert value == pytest.approx(600 + 6e4 + rate * 5e8, rel=1e-9)  # not 600,600


def test_every_highs_instance_keeps_what_the_least_number_gives() -> None:
    from allocator.data.rows import MIN_MAGNITUDE
    from allocator.solver.highs import SMALLEST_KEPT, new_highs

    assert new_highs().getOptionValue("small_matrix_value")[1] == SMALLEST_KEPT
    assert MIN_MAGNITUDE > SMALLEST_KEPT  # HiGHS drops an entry of SMALLEST_KEPT or less


@pytest.mark.parametrize("command", ["check", "solve"])
def test_a_rate_below_the_least_number_is_refused_by_its_cell_by_check_and_solve(
    tmp_path: Path, command: str
) -> None:
    cell = "programs.copper_processing.jobs_per_musd=5e-9"
    out = () if command == "check" else ("--out", tmp_path / "run")
    ran = run_cli(command, *out, "--set", cell)
    assert ran.exit_code == 2, ran.stderr
    assert ran.stderr.splitlines()[-1] == (
        f"error: --set '{cell}': programs.csv row 4, column 'jobs_per_musd': '5e-9' is too "
        "small to tell from 0. Fix: write 0, or a number of at least 1e-08 in size"
    )
    assert not (tmp_path / "run").exists()


def test_the_rate_of_1e_8_is_usable_for_check_as_for_solve() -> None:
    ran = run_cli("check", "--set", "programs.copper_processing.jobs_per_musd=1e-8")
    assert ran.exit_code == 0, ran.stderr


SHARE_SETS = (  # rate = (40.0001 - 40) / 1e9 = 1e-13 percentage points per US$ million
    "shares.cu/2026.investment_musd=1e9",
    "shares.cu/2026.full_pct=40.0001",
    "shares.cu/2026.target_pct=40.0001",
)


@pytest.mark.parametrize("command", ["check", "solve"])
def test_a_share_rate_highs_would_drop_is_refused_by_its_row_by_check_and_solve(
    tmp_path: Path, command: str
) -> None:
    sets = [w for cell in SHARE_SETS for w in ("--set", cell)]
    out = () if command == "check" else ("--out", tmp_path / "run")
    ran = run_cli(command, "--inputs", DATA / "shares", *out, *sets)
    assert ran.exit_code == 2, ran.stderr
    assert ran.stderr.splitlines()[-1] == (
        f"error: --set '{SHARE_SETS[-1]}': shares.csv row 2, column 'target_pct': the share's "
        "rate, (full_pct - today_pct) / investment_musd = 1e-13 percentage points per US$ "
        "million, is under 1e-08, too small to tell from 0. Fix: make full_pct - today_pct at "
        "least 1e-08 x investment_musd (here 10000 US$ million at most), or full_pct equal to "
        "today_pct"
    )
    assert not (tmp_path / "run").exists()


def test_an_entry_highs_would_drop_is_refused_by_its_row_and_column() -> None:
    """The last guard (`refuse_dropped`), for an LP assembled elsewhere (a two-stage plan's):
    an entry of 1e-13 is refused before HiGHS sees it, never dropped."""
    from allocator.errors import InputError
    from allocator.model.sparse import CscMatrix
    from allocator.solver.compile import StandardForm, compile_form

    def form(value: float) -> StandardForm:
        return StandardForm(
            col_family=["capital", "capital"],
            col_index=[("a", 2030), ("b", 2030)],
            col_lower=np.zeros(2),
            col_upper=np.full(2, np.inf),
            row_family=["budget"],
            row_index=[("public", "p1")],
            row_lower=np.array([-np.inf]),
            row_upper=np.array([1.0]),
            matrix=CscMatrix.from_triplets(
                np.array([0, 0]), np.array([0, 1]), np.array([1.0, value]), (1, 2)
            ),  # fmt: skip
            costs={"jobs": np.ones(2)},
        )

    assert list(compile_form(form(2e-9)).highs.getLp().a_matrix_.value_) == [1.0, 2e-9]
    with pytest.raises(InputError) as refused:
        compile_form(form(1e-13))
    said = str(refused.value)
    assert said.startswith("pools.csv: the coefficient of capital(b,2030) in row "), said
    assert "budget(public,p1)" in said, said
    assert "is 1e-13, at or below 1e-09" in said, said


def _client(tmp_path: Path, data: Path):  # type: ignore[no-untyped-def]
    from starlette.testclient import TestClient

    from allocator.runs.spec import RunSpec
    from allocator.serve.app import create_app
    from allocator.serve.held import HeldModel

    held = HeldModel(RunSpec(inputs=data))
    asgi = create_app(held, TOKEN, tmp_path / "models", tmp_path / "results", ("testserver",))
    return TestClient(asgi)


def test_serve_refuses_a_computed_coefficient_as_solve_does(tmp_path: Path) -> None:
    shutil.copytree(DATA / "shares", tmp_path / "inputs" / "shares")
    client = _client(tmp_path, tmp_path / "inputs" / "shares")
    before = client.get("/api/plan", headers=AUTH)
    assert before.status_code == 200, before.text
    refused = client.post("/api/set", headers=AUTH, json={"set": list(SHARE_SETS)})
    assert refused.status_code == 400, refused.text
    sets = [w for cell in SHARE_SETS for w in ("--set", cell)]
    ran = run_cli(
        "solve", "--inputs", tmp_path / "inputs" / "shares", "--out", tmp_path / "r", *sets
    )
    assert "error: " + refused.json()["error"] == ran.stderr.splitlines()[-1]
    again = client.get("/api/plan", headers=AUTH)  # the held plan is the one before
    assert again.json()["headline"] == before.json()["headline"]


def test_a_value_highs_drops_leaves_the_held_instance_as_it_was() -> None:
    from allocator.solver.dropped import change_coefficients
    from allocator.solver.highs import new_highs

    h = new_highs()
    inf = np.inf
    h.addRows(2, np.array([-inf, -inf]), np.array([1.0, 1.0]), 0, np.zeros(2, np.int32),
              np.zeros(0, np.int32), np.zeros(0))  # fmt: skip
    h.addCols(1, np.ones(1), np.zeros(1), np.full(1, inf), 2, np.zeros(1, np.int32),
              np.array([0, 1], np.int32), np.array([2.0, 3.0]))  # fmt: skip
    rows, cols = np.array([0, 1]), np.array([0, 0])
    assert not change_coefficients(h, rows, cols, np.array([5.0, 1e-10]), np.array([2.0, 3.0]))
    assert list(h.getLp().a_matrix_.value_) == [2.0, 3.0]  # put back, nothing dropped
    assert change_coefficients(h, rows, cols, np.array([5.0, 2e-9]), np.array([2.0, 3.0]))
    assert list(h.getLp().a_matrix_.value_) == [5.0, 2e-9]
