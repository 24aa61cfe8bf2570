"""Two-stage plans (`solve --decide-now`): the deterministic equivalent, EVPI and VSS.

The hand-solved case (tests/data/two_stage): phase p1 (2025, budget 100) funds programs a and b;
phase p2 (2026, budget 50) funds a, b and c (c only then); caps a = b = 100; jobs per US$
million a and b uncertain, c = 1.2; the objective is the jobs of 2026 (lag 0). With t the
money a gets in p1 (b gets 100 - t):

- scenario 1 (a 3, b 1): V1(t) = 250 + 2t (t <= 50), 340 + 0.2t (t >= 50): best t = 100, 360;
- scenario 2 (a 1, b 3): V2(t) = 360 - 0.2t (t <= 50), 450 - 2t (t >= 50): best t = 0, 360;
- here and now: max (V1 + V2) / 2 at t = 50: 350 (a 50, b 50): neither scenario's plan;
- the nominal plan (a 2, b 1) puts t = 100 (260 jobs); committed, it gives (360 + 250) / 2 = 305.

EVPI = 360 - 350 = 10; VSS = 350 - 305 = 45.
"""

from __future__ import annotations

import csv
import json
import shutil
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog
from typer.testing import CliRunner

from allocator.cli.commands import app
from allocator.data.uncertainty import latin_hypercube
from allocator.solver.passes import optimum
from allocator.studies.fixedplan import nominal_x
from allocator.studies.sweep import SampleModel, load_uncertain
from allocator.studies.twostage import solve_two_stage

DATA = Path(__file__).resolve().parent / "data" / "two_stage"


@cache
def model() -> SampleModel:
    inp, params = load_uncertain(str(DATA), None)
    return SampleModel(inp, params, "jobs", "soft")


def scenario(a: float, b: float) -> np.ndarray:
    """The sample model's values for jobs per US$ million of a and b."""
    rates = {"programs:a:jobs_per_musd": a, "programs:b:jobs_per_musd": b}
    return np.array([rates[p.label] for p in model().params])


def col(name: str) -> int:
    return model().lp.col_names.index(name)


A1, B1 = "invest(a,public,2025)", "invest(b,public,2025)"


def test_hand_solved_here_and_now_differs_from_both_scenario_plans():
    m = model()
    values = np.array([scenario(3, 1), scenario(1, 3)])
    alone = [optimum(m.sample_lp(v), "jobs", ranging=False, pick=True) for v in values]
    assert [round(o.objective, 6) for o in alone] == [360, 360]
    assert [(round(o.x[col(A1)], 6), round(o.x[col(B1)], 6)) for o in alone] == [
        (100, 0),
        (0, 100),
    ]
    got = solve_two_stage(m, values, ["p1"], nominal_x(m))
    committed = dict(zip([m.lp.col_names[j] for j in got.now], got.committed, strict=True))
    assert got.objective == pytest.approx(350, abs=1e-6)
    assert committed[A1] == pytest.approx(50, abs=1e-6)
    assert committed[B1] == pytest.approx(50, abs=1e-6)
    assert np.allclose(got.plans[:, col(A1)], 50)
    assert np.allclose(got.plans[:, col(B1)], 50)
    assert got.per_scenario == pytest.approx([350, 350])  # 250 + 100, 375 - 25
    values_ = got.values()
    assert values_["wait_and_see"] == pytest.approx(360, abs=1e-6)
    assert values_["nominal_decide_now"] == pytest.approx(305, abs=1e-6)
    assert values_["evpi"] == pytest.approx(10, abs=1e-6)
    assert values_["vss"] == pytest.approx(45, abs=1e-6)
    # a and b sit strictly between their bounds: one more musd committed now is worth 0
    assert np.abs(got.duals.sum(axis=0)).max() < 1e-9


def _rows(name: str) -> list[dict[str, str]]:
    return _table(DATA / name)


def test_equivalent_equals_an_independent_extensive_form():
    """scipy's linprog on the extensive form written from the CSV numbers, at sampled values."""
    m = model()
    values = latin_hypercube(m.params, 3, 11)
    got = solve_two_stage(m, values, ["p1"])
    programs = {r["program"]: r for r in _rows("programs.csv")}
    budget = {r["phase"]: float(r["budget_musd"]) for r in _rows("pools.csv")}
    names = ["a1", "b1", "a2", "b2", "c2"]  # money per program and phase, per scenario
    n, count = len(names), len(values)
    cost, a_ub, b_ub, a_eq = np.zeros(n * count), [], [], []
    for s, v in enumerate(values):
        rate = {p: float(programs[p]["jobs_per_musd"]) for p in programs}
        rate |= {p.label.split(":")[1]: float(x) for p, x in zip(m.params, v, strict=True)}
        at = {name: s * n + k for k, name in enumerate(names)}
        for name in names:
            cost[at[name]] = -rate[name[0]] / count
        for cols, limit in (
            (["a1", "b1"], budget["p1"]),
            (["a2", "b2", "c2"], budget["p2"]),
            (["a1", "a2"], float(programs["a"]["cap_musd"])),
            (["b1", "b2"], float(programs["b"]["cap_musd"])),
            (["c2"], float(programs["c"]["cap_musd"])),
        ):
            row = np.zeros(n * count)
            row[[at[c] for c in cols]] = 1
            a_ub.append(row)
            b_ub.append(limit)
        if s:
            for name in ("a1", "b1"):
                row = np.zeros(n * count)
                row[at[name]], row[names.index(name)] = 1, -1
                a_eq.append(row)
    ref = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=np.zeros(len(a_eq)), method="highs")
    assert ref.status == 0
    assert got.objective == pytest.approx(-ref.fun, rel=1e-9)
    assert got.objective < got.values()["wait_and_see"] + 1e-9


def _table(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def _solve(out: Path, *extra: str, inputs: Path = DATA):
    args = ["solve", "--inputs", str(inputs), "--out", str(out), "--scenarios", "4"]
    return CliRunner().invoke(app, [*args, *extra])


def test_cli_writes_the_two_stage_run(tmp_path):
    res = _solve(tmp_path / "run", "--decide-now", "p1", "--write-model")
    assert res.exit_code == 0, res.output
    assert "EVPI" in res.output
    assert "VSS" in res.output
    folder = tmp_path / "run"
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    block = info["two_stage"]
    assert block["decide_now"] == ["p1"]
    assert block["scenarios"] == 4
    assert block["unit"] == "jobs"
    scen = _table(folder / "two_stage_scenarios.csv")
    mean = np.mean([float(r["here_and_now"]) for r in scen])
    ws = np.mean([float(r["wait_and_see"]) for r in scen])
    assert block["here_and_now"] == pytest.approx(mean) == info["objective"]["value"]
    assert block["evpi"] == pytest.approx(ws - mean)
    assert block["evpi"] >= -1e-7
    assert block["vss"] >= -1e-7
    alloc = _table(folder / "allocation.csv")
    assert {r["phase"] for r in alloc} == {"p1"}
    assert sum(float(r["invest_musd"]) for r in alloc) == pytest.approx(100)
    later = _table(folder / "later_plans.csv")
    assert later
    assert {r["phase"] for r in later} == {"p2"}
    assert all(float(r["p5_musd"]) <= float(r["p50_musd"]) <= float(r["p95_musd"]) for r in later)
    prices = _table(folder / "decide_now_prices.csv")
    assert [(r["program"], r["year"]) for r in prices] == [("a", "2025"), ("b", "2025")]
    assert {r["unit"] for r in prices} == {"jobs per musd"}
    lp = (folder / "model.lp").read_text(encoding="utf-8")  # the deterministic equivalent
    assert (
        "decide_now(a,public,2025,3): +1 invest(a,public,2025,3) -1 decide_now(a,public,2025)" in lp
    )
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert 'id="two-stage"' in html
    assert "EVPI" in html


def test_same_bytes_on_rerun_and_with_shuffled_rows(tmp_path):
    shuffled = tmp_path / "data"
    shutil.copytree(DATA, shuffled)
    for name in ("programs.csv", "uncertainty.csv", "pools.csv"):
        lines = (DATA / name).read_text(encoding="utf-8").splitlines(keepends=True)
        (shuffled / name).write_text(lines[0] + "".join(reversed(lines[1:])), encoding="utf-8")
    runs = [tmp_path / "one", tmp_path / "two", tmp_path / "three"]
    for out, inputs in zip(runs, (DATA, DATA, shuffled), strict=True):
        assert _solve(out, "--decide-now", "p1", inputs=inputs).exit_code == 0
    tables = ["allocation", "later_plans", "decide_now_prices", "two_stage_scenarios"]
    for name in tables:
        first = (runs[0] / f"{name}.csv").read_bytes()
        assert (
            first
            == (runs[1] / f"{name}.csv").read_bytes()
            == (runs[2] / f"{name}.csv").read_bytes()
        )


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("p9", "no such phase"),
        ("p2", "not a leading set"),
        ("p1,p2", "names every phase"),
    ],
)
def test_bad_decide_now_is_one_line_exit_2(tmp_path, given, words):
    res = _solve(tmp_path / "run", "--decide-now", given)
    assert res.exit_code == 2
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert words in lines[0]
    assert "Fix:" in lines[0]
    assert "Traceback" not in res.output
    assert not (tmp_path / "run").exists()


def test_risk_with_decide_now_is_refused(tmp_path):
    res = _solve(tmp_path / "run", "--decide-now", "p1", "--risk", "cvar")
    assert res.exit_code == 2
    assert "not implemented" in res.output


def test_model_file_decide_now(tmp_path):
    spec = DATA / "model.yaml"  # dataset: . (this folder), decide_now: [p1]
    res = CliRunner().invoke(
        app, ["solve", str(spec), "--out", str(tmp_path / "run"), "--scenarios", "2"]
    )
    assert res.exit_code == 0, res.output
    info = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    assert info["two_stage"]["decide_now"] == ["p1"]


def test_nominal_commitment_that_a_scenario_cannot_fund_has_no_vss(tmp_path):
    """A scenario whose p1 budget (80) is below the nominal plan's p1 money (100): committing
    the nominal plan is infeasible there, so VSS is not a number; the here-and-now plan commits
    no more than 80."""
    from allocator.report.twostagehtml import two_stage_sentences

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    with (data / "uncertainty.csv").open("a", encoding="utf-8") as f:
        f.write("pools:public/p1:budget_musd,60,100,uniform,test range\n")
    inp, params = load_uncertain(str(data), None)
    m = SampleModel(inp, params, "jobs", "soft")
    given = [
        {"programs:a:jobs_per_musd": 3, "programs:b:jobs_per_musd": 1},
        {"programs:a:jobs_per_musd": 1, "programs:b:jobs_per_musd": 3},
    ]
    budgets = [80.0, 100.0]
    values = np.array(
        [[g.get(p.label, b) for p in params] for g, b in zip(given, budgets, strict=True)]
    )
    got = solve_two_stage(m, values, ["p1"], nominal_x(m))
    block = got.values()
    assert block["vss"] is None
    assert block["nominal_infeasible_scenarios"] == 1
    assert got.committed.sum() <= 80 + 1e-7
    words = two_stage_sentences(
        block | {"decide_now": ["p1"], "scenarios": 2, "unit": "jobs", "sign_convention": "max"}
    )
    assert any("cannot be carried out in 1 of 2 scenarios" in line for line in words)


def test_later_plans_show_solver_noise_snapped():
    """later_plans.csv reads a scenario's 2,999.9999998 as 3,000 (solve's rule, `snap`) and a
    genuine 2,999.99 as it is."""
    import dataclasses

    from allocator.runs.twostagetables import later_plans

    m = model()
    values = np.array([scenario(3, 1), scenario(1, 3)])
    got = solve_two_stage(m, values, ["p1"])
    later = [p.phase for p in m.inp.phases if p.phase != "p1"]
    j = next(
        k
        for k, f in enumerate(m.lp.col_family)
        if f == "invest" and m.inp.phase_of_year[int(m.lp.col_index[k][2])] in later
    )
    plans = got.plans.copy()
    prog, pool, year = m.lp.col_index[j][:3]
    key = (str(prog), str(pool), m.inp.phase_of_year[int(year)])

    def row_for(money: list[float]) -> pd.Series:
        plans[:, j] = money
        table = later_plans(m.inp, m, dataclasses.replace(got, plans=plans), later)
        return table.set_index(["program", "pool", "phase"]).loc[key]

    noisy = row_for([2999.9999998, 2999.9999998])
    assert [noisy["p5_musd"], noisy["p50_musd"], noisy["p95_musd"]] == [3000.0] * 3
    genuine = row_for([2999.99, 2999.99])
    assert genuine["p50_musd"] == 2999.99
