"""The tie rule's last step (`ties.within_programs`: each program's pools and years by the
order of their names) has one optimum: its weights are not separable, so a cycle of moves
across programs, pools and years that keeps every total weighs clearly more than zero, and the
plan is the same solved cold or warm, and for every order of the data's rows."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import highspy
import numpy as np
import pytest

from allocator.data.inputs import load_inputs
from allocator.data.modelfile import load_dataset, load_model_file
from allocator.pipeline import solve_inputs, tables_of
from allocator.report.csvtext import write_csv
from allocator.solver import ties
from conftest import BASELINE, ROOT, copy_dataset

PINNED = ROOT / "models" / "scarce_all_public_lines.yaml"
GENERATED = ROOT / "tests" / "tie_rule" / "generated_1e4"
POOL_TIES = ROOT / "tests" / "tie_rule" / "pool_ties"
MARGIN = 1e-6
"""Well above HiGHS's dual feasibility tolerance (1e-7): a reduced cost this large is not 0."""
CYCLE = [  # (program, pool, year), +1 money in, -1 out: each total, pool and year kept
    (("ev_battery_systems", "korea", 2028), -1),
    (("ev_battery_systems", "technology", 2026), 1),
    (("ev_charging_infrastructure", "technology", 2026), -1),
    (("ev_charging_infrastructure", "korea", 2026), 1),
    (("ev_electric_motors", "korea", 2026), -1),
    (("ev_electric_motors", "korea", 2028), 1),
]


def _name(folder: Path | str) -> str:
    """A test id: the data set's folder name."""
    return getattr(folder, "name", str(folder))


def _pinned_inputs(folder: Path | None = None):
    """The pinned model file's inputs (its dataset, or a copy of it at `folder`)."""
    mf, dataset = load_model_file(PINNED)
    return load_dataset(folder or dataset, mf.overrides, str(PINNED))


def _last_lp(monkeypatch: pytest.MonkeyPatch, inputs) -> list[dict]:
    """Solve `inputs` (jobs, soft targets); for each `within_programs` LP: the face's column
    names, the costs it was solved with, and its reduced costs on the free nonbasic columns
    that carry a cost (the investments)."""
    seen: list[dict] = []
    rule = ties.within_programs

    def spy(face, programs, x, spending):
        solve = face.solve

        def solved(cost):
            got = solve(cost)
            seen.append(_reduced(face, np.asarray(cost)[face.cols]))
            return got

        face.solve = solved
        try:
            return rule(face, programs, x, spending)
        finally:
            del face.solve

    monkeypatch.setattr(ties, "within_programs", spy)
    solve_inputs(inputs, "jobs", targets="soft")
    return seen


def _reduced(face, cost: np.ndarray) -> dict:
    """The LP's costs by column and |reduced cost| of its free nonbasic costed columns."""
    h = face.highs
    basic = highspy.HighsBasisStatus.kBasic
    status = h.getBasis().col_status
    lower, upper = face.bounds["col"]
    dual = np.abs(np.asarray(h.getSolution().col_dual))
    free = [k for k, s in enumerate(status) if s != basic and lower[k] < upper[k] and cost[k]]
    return {"cost": cost, "cols": face.cols, "reduced": dual[free]}


def test_the_three_cycle_on_the_pinned_model_weighs_more_than_highs_can_miss(monkeypatch):
    """The finding: 200 musd moved around this cycle keeps every outcome, each program's total,
    each pool's and each year's money; with separable weights (program + pool + year) it
    weighed exactly 0, so HiGHS's path chose the plan."""
    from allocator.solver.compile import build_lp

    inputs = _pinned_inputs()
    lp, _ = build_lp(inputs, "soft")
    where = {key: j for j, key in enumerate(lp.col_index) if lp.col_family[j] == "invest"}
    (seen,) = _last_lp(monkeypatch, inputs)
    cost = dict(zip(seen["cols"].tolist(), seen["cost"], strict=True))
    weight = sum(sign * cost[where[key]] for key, sign in CYCLE)
    assert abs(weight) > MARGIN


@pytest.mark.parametrize("folder", ["pinned", BASELINE, GENERATED, POOL_TIES], ids=_name)
def test_every_free_column_of_the_last_lp_has_a_reduced_cost_clearly_not_zero(monkeypatch, folder):
    """At the optimum no free nonbasic investment column has a reduced cost HiGHS takes for 0
    (another optimum would then be as good, its choice HiGHS's path's)."""
    inputs = _pinned_inputs() if folder == "pinned" else load_inputs(folder)
    (seen,) = _last_lp(monkeypatch, inputs)
    assert seen["reduced"].size  # free columns there are
    assert seen["reduced"].min() > MARGIN


def _allocation(inputs, tmp_path: Path) -> bytes:
    """allocation.csv of a jobs solve (soft targets), as `allocator solve` writes it."""
    sol, _ = solve_inputs(inputs, "jobs", targets="soft")
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "allocation.csv"
    write_csv(tables_of(inputs, sol)["allocation"], path)
    return path.read_bytes()


def _shuffled(src: Path, dst: Path, seed: int) -> Path:
    """A copy of dataset `src` with every CSV's rows in another order (the header first)."""
    copy_dataset(src, dst)
    rng = random.Random(seed)
    for path in sorted(dst.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        head, body = rows[:1], rows[1:]
        rng.shuffle(body)
        with path.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f, lineterminator="\n").writerows(head + body)
    return dst


@pytest.mark.parametrize("folder", ["pinned", GENERATED], ids=_name)
def test_the_plan_is_the_same_for_every_row_order_and_warm(monkeypatch, tmp_path, folder):
    """Shuffled rows: allocation.csv has the same bytes. The last LP started from the face's
    basis (no `renew` before it): the same plan."""
    src = ROOT / "inputs" / "peru2040" if folder == "pinned" else folder

    def inputs(path: Path | None = None):
        if folder == "pinned":
            return _pinned_inputs(path)
        return load_inputs(path or src)

    want = _allocation(inputs(), tmp_path / "cold")
    for seed in (1, 2):
        moved = _shuffled(src, tmp_path / f"rows{seed}" / "data", seed)
        assert _allocation(inputs(moved), tmp_path / f"rows{seed}") == want, seed
    monkeypatch.setattr(ties, "renew", lambda face, lp=None: None)
    _same_plan(_allocation(inputs(), tmp_path / "warm"), want)


def _same_plan(got: bytes, want: bytes) -> None:
    """The same lines of allocation.csv, each amount to 1e-9 relative (another path through
    HiGHS may leave float noise in the 12th digit; another vertex moves whole musd)."""
    rows = [[line.rsplit(",", 1) for line in b.decode().splitlines()[1:]] for b in (got, want)]
    assert [key for key, _ in rows[0]] == [key for key, _ in rows[1]]
    money = [np.array([float(v) for _, v in r]) for r in rows]
    assert np.allclose(money[0], money[1], rtol=1e-9, atol=1e-9)
