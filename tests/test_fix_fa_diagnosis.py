"""Task fa 2: an infeasible LP's diagnosis (an IIS, then elastic re-solves: `solver.diagnosis`)
is paid for only where its error reaches someone. The two-stage plan's deterministic
equivalent, progressive hedging's consensus fixed in a scenario and the core index's samples
catch the infeasible error and discard it (the two-stage run raises its own error naming the
scenarios; hedging tries a smaller consensus; core counts the sample as infeasible): there no
re-solve is spent on it. A plain infeasible `allocator solve` keeps its diagnosed fix line.

The case: tests/data/two_stage with program a's floor at 100 US$ million (its own cap) and
p1's budget drawn from 5 to 100: a's years 2025-2026 hold at most p1's budget plus p2's 50, so
a scenario whose p1 budget is drawn under 50 has no plan at all (seed 1: scenarios 0 and 1,
drawn 15.054 and 41.8029). Before this fix the equivalent's error cost one diagnosis with 5
elastic re-solves, and core's 4 infeasible samples of 8 cost 4 diagnoses with 16.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import DATA, copy_dataset, run_cli

FLOOR = ("--set", "programs.a.floor_musd=100", "--targets", "off", "--seed", "1")


@pytest.fixture
def counted(monkeypatch) -> dict[str, int]:
    """How many diagnoses run, and how many elastic re-solves they make."""
    from allocator.solver import diagnosis, fixes

    counts = {"diagnoses": 0, "re-solves": 0}
    diagnose, relax = fixes.diagnose, diagnosis._relax

    def counting_diagnose(lp):
        counts["diagnoses"] += 1
        return diagnose(lp)

    def counting_relax(*args, **kwargs):
        counts["re-solves"] += 1
        return relax(*args, **kwargs)

    monkeypatch.setattr(fixes, "diagnose", counting_diagnose)
    monkeypatch.setattr(diagnosis, "_relax", counting_relax)
    return counts


@pytest.fixture
def drawn_budget(tmp_path) -> Path:
    data = copy_dataset(DATA / "two_stage", tmp_path / "data")
    with (data / "uncertainty.csv").open("a", encoding="utf-8") as handle:
        handle.write("pools:public/p1:budget_musd,-95%,+0%,uniform,test range\n")
    return data


def test_a_two_stage_plan_with_no_plan_pays_no_diagnosis(drawn_budget, tmp_path, counted):
    now = ("--decide-now", "p1", "--scenarios", "4")
    done = run_cli("solve", "--inputs", drawn_budget, *now, *FLOOR, "--out", tmp_path / "plan")
    assert done.exit_code == 1, done.stderr
    assert "scenarios 0, 1 of 4 have no plan even planned alone" in done.stderr
    assert "drawn 15.054 (nominal 100)" in done.stderr
    assert counted == {"diagnoses": 0, "re-solves": 0}
    assert not (tmp_path / "plan").exists()


def test_core_samples_with_no_plan_pay_no_diagnosis(drawn_budget, tmp_path, counted):
    out = tmp_path / "core"
    done = run_cli("core", "--inputs", drawn_budget, "--samples", "8", *FLOOR, "--out", out)
    assert done.exit_code == 0, done.stderr
    assert "4 of 8 samples re-optimised" in done.stdout  # the other 4 have no plan
    assert counted == {"diagnoses": 0, "re-solves": 0}


def test_a_consensus_no_scenario_can_carry_out_pays_no_diagnosis(counted):
    """Hedging's `consensus_plan` with 150 US$ million committed now in p1, whose budget is
    100: no plan (None), found without a diagnosis."""
    from allocator.data.uncertainty import params_of
    from allocator.runs.common import scenario_of
    from allocator.runs.spec import RunSpec
    from allocator.studies.hedging import consensus_plan
    from allocator.studies.sweep import SampleModel
    from allocator.studies.twostageplan import now_columns

    inp = scenario_of(RunSpec(inputs=DATA / "two_stage", targets="off"))
    params = params_of(inp)
    model = SampleModel(inp, params, "jobs", "off")
    now = now_columns(model.lp, {2025})
    values = np.array([p.nominal for p in params])
    open_ = model.lp.col_upper[now] > 0  # a's and b's money in 2025 (c starts in 2026)
    assert open_.sum() == 2
    fits = consensus_plan(model, (values, now, np.where(open_, 50.0, 0.0)))
    assert fits is not None
    assert fits["x"][now].sum() == pytest.approx(100)
    assert consensus_plan(model, (values, now, np.where(open_, 75.0, 0.0))) is None
    assert counted == {"diagnoses": 0, "re-solves": 0}


def test_a_plain_infeasible_solve_keeps_its_diagnosed_fix_line(tmp_path, counted):
    """tests/data/targets under hard targets: program c reaches 200 of the 500 jobs asked
    (tests/test_fix_x3_fixline.py): the line names the re-solve-confirmed fix, as before."""
    args = ("--inputs", DATA / "targets", "--targets", "hard", "--out", tmp_path / "plan")
    done = run_cli("solve", *args)
    assert done.exit_code == 1, done.stderr
    assert "Fix: lower target(jobs,sector,s2,2026) by 300 jobs" in done.stderr
    assert counted["diagnoses"] == 1
    assert counted["re-solves"] >= 2  # the conflicting set's relaxation, then each row alone
