"""Two-stage plans at scale (`solve --decide-now`): the scenario solves on Dask workers, the
equivalent built without touching the sample model's live LP, and progressive hedging.

The data is tests/data/two_stage (see tests/test_two_stage.py for its hand-solved numbers)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from allocator.cli.commands import app
from conftest import run_cli

DATA = Path(__file__).resolve().parent / "data" / "two_stage"
BASELINE = Path(__file__).resolve().parents[1] / "inputs" / "peru2040"
TABLES = ("allocation", "later_plans", "decide_now_prices", "two_stage_scenarios")


def _solve(out: Path, *extra: str, scenarios: int = 6):
    args = ["solve", "--inputs", str(DATA), "--out", str(out), "--scenarios", str(scenarios)]
    return CliRunner().invoke(app, [*args, "--decide-now", "p1", *extra])


def _info(folder: Path) -> dict:
    return json.loads((folder / "run.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """The equivalent in this process, hedging in this process and on two workers (one
    LocalCluster for the module)."""
    root = tmp_path_factory.mktemp("runs")
    given = {
        "equivalent": ["--workers", "1"],
        "hedging": ["--two-stage-method", "hedging"],
        "hedging2": ["--two-stage-method", "hedging", "--workers", "2"],
    }
    for name, extra in given.items():
        res = _solve(root / name, *extra)
        assert res.exit_code == 0, res.output
        (root / f"{name}.out").write_text(res.output, encoding="utf-8")
    return {name: root / name for name in given}


def test_scenario_solves_on_two_workers_give_the_serial_bytes(runs):
    """Progressive hedging's scenarios (pinned to their workers), then wait-and-see and the
    nominal plan's fixed decide-now part, solved on a LocalCluster of two processes: the same
    tables, byte for byte, as in this process."""
    one, two = runs["hedging"], runs["hedging2"]
    for name in TABLES:
        assert (one / f"{name}.csv").read_bytes() == (two / f"{name}.csv").read_bytes(), name
    first, second = _info(one)["two_stage"], _info(two)["two_stage"]
    for key in ("wait_and_see", "nominal_decide_now", "evpi", "vss", "bounds"):
        assert first[key] == second[key]
    # the values are the scenarios' own: wait-and-see above the here-and-now plan
    assert first["evpi"] > 1.0
    assert np.isfinite(first["vss"])


def _model(data: Path = DATA):
    from allocator.studies.sweep import SampleModel, load_uncertain

    inp, params = load_uncertain(str(data), None)
    return SampleModel(inp, params, "jobs", "soft")


def _live(model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the sample model's live HiGHS instance holds: coefficients and row bounds."""
    lp = model.lp.highs.getLp()
    return (
        np.array(lp.a_matrix_.value_),
        np.array(lp.row_lower_),
        np.array(lp.row_upper_),
    )


def test_equivalent_is_built_without_writing_into_the_live_lp():
    """The equivalent's blocks are the sample model's numbers (`sample_lp`'s arrays, exactly),
    made without rewriting the live HiGHS instance that the sweep's samples share."""
    from allocator.data.uncertainty import latin_hypercube
    from allocator.studies.twostage import here_and_now

    model = _model(BASELINE)
    values = latin_hypercube(model.params, 3, 4)
    before = _live(model)
    got = here_and_now(model, values, [model.inp.phases[0].phase])
    for a, b in zip(before, _live(model), strict=True):
        assert np.array_equal(a, b)  # nothing written into the live instance
    ext = got.extensive
    assert ext is not None
    m, n, a = ext.rows, ext.cols, ext.lp.matrix
    for s, v in enumerate(values):
        ref = model.sample_lp(v)  # the reference: the sweep's own per-sample arrays
        start, stop = a.indptr[s * n], a.indptr[(s + 1) * n]
        inside = a.indices[start:stop] < (s + 1) * m  # the scenario's block, not the shared rows
        assert np.array_equal(a.data[start:stop][inside], ref.matrix.data)
        assert np.array_equal(ext.lp.row_upper[s * m : (s + 1) * m], ref.row_upper)
        for name, cost in ref.costs.items():
            assert np.array_equal(
                ext.lp.costs[name][s * n : (s + 1) * n], (1.0 / len(values)) * cost
            )


def test_hedging_plan_is_within_its_printed_gap_of_the_equivalent(runs):
    """Progressive hedging on the hand-solved case's data: the bounds it prints bracket the
    equivalent's optimum, and its reported plan (feasible in every scenario) is within the gap
    of it."""
    best = _info(runs["equivalent"])["two_stage"]["here_and_now"]
    block = _info(runs["hedging"])["two_stage"]
    bounds = block["bounds"]
    tol = 1e-6 * max(1.0, abs(best))
    assert bounds["lower"] == block["here_and_now"]  # the plan reported is the feasible one
    assert bounds["lower"] <= best + tol
    assert best <= bounds["upper"] + tol
    assert best - bounds["lower"] <= bounds["gap"] + tol
    assert bounds["gap"] == pytest.approx(bounds["upper"] - bounds["lower"])
    assert "progressive hedging" in block["method"]
    assert "bounds" not in _info(runs["equivalent"])["two_stage"]
    words = " ".join((runs["hedging"].parent / "hedging.out").read_text(encoding="utf-8").split())
    assert "(lower bound)" in words
    assert "(upper bound:" in words
    assert "The gap," in words
    alloc = (runs["hedging"] / "allocation.csv").read_text(encoding="utf-8").splitlines()
    col = alloc[0].split(",").index("invest_musd")
    money = sum(float(line.split(",")[col]) for line in alloc[1:])
    assert money == pytest.approx(100, abs=1e-6)  # p1's budget, spent in full, as the optimum


def test_hedging_on_the_hand_solved_pair_finds_the_here_and_now_plan():
    """Scenarios (a 3, b 1) and (a 1, b 3): each alone puts all of p1 into its better program,
    the here-and-now plan splits it 50/50 for 350 jobs (tests/test_two_stage.py). Hedging's
    consensus is that split, its lower bound 350, its upper bound at most the wait-and-see 360."""
    from allocator.studies.hedging import progressive_hedging

    model = _model()
    rates = [{"a": 3.0, "b": 1.0}, {"a": 1.0, "b": 3.0}]
    values = np.array([[r[p.label.split(":")[1]] for p in model.params] for r in rates])
    got = progressive_hedging(model, values, ["p1"])
    assert got.objective == pytest.approx(350, abs=1e-3)
    assert got.committed.sum() == pytest.approx(100, abs=1e-6)
    assert sorted(np.round(got.committed[got.committed > 1e-9], 3)) == [50, 50]
    bounds = got.hedging
    assert bounds["lower"] == got.objective
    assert 350 - 1e-6 <= bounds["upper"] <= 360 + 1e-6


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--two-stage-method", "benders"], "choose equivalent or hedging"),
        (["--two-stage-method", "hedging", "--write-model"], "never builds"),
    ],
)
def test_refused_two_stage_method_is_one_line_exit_2(tmp_path, extra, words):
    res = _solve(tmp_path / "run", *extra)
    assert res.exit_code == 2
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert words in lines[0]
    assert "Fix:" in lines[0]
    assert not (tmp_path / "run").exists()


def test_hedging_consensus_fits_an_uncertain_decide_now_budget(tmp_path, monkeypatch):
    """p1's budget drawn from 60..100: each scenario alone would spend its own budget, and
    their average would overrun the lowest. Each sub-problem carries the other scenarios'
    limit on the decide-now money (`shared_limits`), so the consensus itself fits every
    scenario, even after one iteration, and matches the equivalent's optimum within the
    printed gap."""
    import shutil

    from allocator.data.uncertainty import latin_hypercube
    from allocator.studies import hedging
    from allocator.studies.hedging import progressive_hedging

    monkeypatch.setattr(hedging, "PH_ITERATIONS", 1)  # far from converged
    from allocator.studies.twostage import here_and_now

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    with (data / "uncertainty.csv").open("a", encoding="utf-8") as f:
        f.write("pools:public/p1:budget_musd,60,100,uniform,test range\n")
    model = _model(data)
    values = latin_hypercube(model.params, 5, 3)
    budgets = values[:, [p.label for p in model.params].index("pools:public/p1:budget_musd")]
    best = here_and_now(model, values, ["p1"]).objective
    got = progressive_hedging(model, values, ["p1"])
    bounds = got.hedging
    assert bounds["plan"] == "the consensus"
    assert got.committed.sum() <= budgets.min() + 1e-6
    assert bounds["lower"] <= best + 1e-6 <= bounds["upper"] + 2e-6
    assert best - bounds["lower"] <= bounds["gap"] + 1e-6


def test_cvar_cap_on_the_two_stage_plan_by_hand():
    """--risk cvar with --decide-now: the expectation, capped in its tail (Rockafellar-Uryasev
    on the equivalent). Scenarios (a 3, b 1) and (a 1, b 2), t = p1 money into a (b gets
    100 - t), later phases adapting:

    - V1(t) = 250 + 2t (t <= 50), 340 + 0.2t after; V2(t) = 260 - 0.2t (t <= 50), 300 - t after;
    - expectation 255 + 0.9t up to 50, 320 - 0.4t after: best t = 50, 300 (V2 = 250);
    - the nominal plan (a 2, b 1: t = 100) gives 260 on the nominal numbers: the reference;
    - beta 0.5 of 2 scenarios: the tail is the worse one; cap 5 on its shortfall: V2 >= 255,
      so t <= 25: expected 277.5 (a 25, b 75), tail shortfall 5, binding at a price of
      d(255 + 4.5 cap)/d cap = 4.5 expected jobs per job of cap."""
    from allocator.studies.twostage import Cvar, here_and_now

    model = _model()
    rates = [{"a": 3.0, "b": 1.0}, {"a": 1.0, "b": 2.0}]
    values = np.array([[r[p.label.split(":")[1]] for p in model.params] for r in rates])
    plain = here_and_now(model, values, ["p1"])
    assert plain.objective == pytest.approx(300, abs=1e-6)
    got = here_and_now(model, values, ["p1"], Cvar(beta=0.5, cap=5.0, reference=260.0))
    assert got.objective == pytest.approx(277.5, abs=1e-6)
    names = [model.lp.col_names[j] for j in got.now]
    committed = dict(zip(names, got.committed, strict=True))
    assert committed["invest(a,public,2025)"] == pytest.approx(25, abs=1e-6)
    assert committed["invest(b,public,2025)"] == pytest.approx(75, abs=1e-6)
    assert sorted(got.per_scenario) == pytest.approx([255, 300])
    assert got.risk["tail_shortfall"] == pytest.approx(5, abs=1e-6)
    assert got.risk["price"] == pytest.approx(4.5, abs=1e-6)


def test_cli_cvar_with_decide_now_writes_its_tail(tmp_path):
    """A slack cap: the plan is the expectation's, and run.json's tail shortfall is the mean
    shortfall, against the nominal plan's 260 jobs, of the worst half of the scenarios'
    values in two_stage_scenarios.csv."""
    res = _solve(tmp_path / "run", "--risk", "cvar", "--cvar-cap", "5", "--beta", "0.5")
    assert res.exit_code == 0, res.output
    risk = _info(tmp_path / "run")["two_stage"]["risk"]
    lines = (tmp_path / "run" / "two_stage_scenarios.csv").read_text(encoding="utf-8")
    rows = [line.split(",") for line in lines.splitlines()]
    col = rows[0].index("here_and_now")
    values = sorted(float(r[col]) for r in rows[1:])
    assert risk["reference"] == pytest.approx(260)
    assert risk["tail_shortfall"] == pytest.approx(np.mean([260 - v for v in values[:3]]))
    assert (risk["binds"], risk["price"]) == (False, 0.0)
    assert "CVaR cap" in res.output
    res = _solve(
        tmp_path / "ph", "--risk", "cvar", "--cvar-cap", "5", "--two-stage-method", "hedging"
    )
    assert res.exit_code == 2
    assert "Fix:" in res.output


def test_two_stage_options_without_decide_now_are_refused(tmp_path):
    """--workers and --two-stage-method are read by a two-stage plan only: alone they are refused
    in one line (exit 2, nothing written), not ignored in silence."""
    out = tmp_path / "run"
    code, stdout, stderr = run_cli(
        "solve", "--two-stage-method", "hedging", "--workers", "2", "--out", out
    )
    assert code == 2
    assert stdout == ""
    assert "--two-stage-method hedging and --workers 2 apply to a two-stage plan only" in stderr
    assert "Traceback" not in stderr
    assert not out.exists()


def test_a_hedging_run_has_its_own_default_folder_name():
    """A hedging run's default folder says so, beside the equivalent's."""
    from allocator.runs.spec import RunSpec

    base = RunSpec(decide_now="phase1")
    assert base.differs() == ["decide_now_phase1"]
    assert base.with_(two_stage_method="hedging").differs() == ["decide_now_phase1", "hedging"]


def test_scenario_solves_on_an_existing_scheduler_give_the_serial_bytes(runs, tmp_path):
    """`--scheduler ADDRESS`: the scenario solves go to that Dask scheduler's workers (which may
    be on other machines), with the same tables, byte for byte, as in this process; run.json
    records the address."""
    from distributed import get_task_stream

    from allocator.studies.daskclient import dask_client

    with dask_client(None, 1) as client, get_task_stream(client) as stream:
        address = client.scheduler.address
        res = _solve(tmp_path / "far", "--scheduler", address)
    assert res.exit_code == 0, res.output
    ran = [t["key"] for t in stream.data]
    assert any("run_chunk" in str(key) for key in ran), ran  # the scheduler's workers solved
    for name in TABLES:
        got = (tmp_path / "far" / f"{name}.csv").read_bytes()
        assert got == (runs["equivalent"] / f"{name}.csv").read_bytes(), name
    assert _info(tmp_path / "far")["spec"]["scheduler"] == address


def test_a_scheduler_that_does_not_answer_is_one_line_exit_2(tmp_path):
    """A --scheduler where nothing listens: one line naming it, exit 2, nothing written."""
    res = _solve(tmp_path / "none", "--scheduler", "tcp://127.0.0.1:9")
    assert res.exit_code == 2
    assert "127.0.0.1:9" in res.stderr
    assert "Traceback" not in res.output
    assert not (tmp_path / "none").exists()


def test_a_scheduler_without_decide_now_is_refused(tmp_path):
    """--scheduler alone would be ignored by a single-stage solve: refused in one line."""
    code, stdout, stderr = run_cli("solve", "--scheduler", "tcp://127.0.0.1:9", "--out", tmp_path)
    assert code == 2
    assert stdout == ""
    assert "--scheduler tcp://127.0.0.1:9 apply to a two-stage plan only" in stderr
