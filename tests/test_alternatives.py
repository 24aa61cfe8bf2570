"""Near-optimal alternatives (issue 18): ranges, classes, plans, Dask batches.

mga (tests/data/mga): one year, budget 100; a and b make 5 jobs per US$ million (cap 100
each), c makes 3 (cap 100). The optimum is 500 jobs, and any split of the 100 between a and b
reaches it: at slack 0 each of a and b ranges over [0, 100] (optional) and c, dominated, gets
nothing (excluded). c first fits as soon as the slack is positive: with t in c, jobs are
5 (100 - t) + 3 t = 500 - 2 t >= 500 (1 - s), so t <= 250 s. At s = 0.04 c ranges over
[0, 10] (optional), with 480 jobs at its upper end; a and b still range over [0, 100].
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from allocator.data.inputs import load_inputs
from allocator.model.measures import FINAL
from allocator.pipeline import tables_of
from allocator.solver.results import plan_solution
from allocator.studies.alternatives import classify, held_model, solve_members
from conftest import BASELINE, DATA, cli, run_cli
from lpcheck import check_feasible

MGA = DATA / "mga"


def _ranges(out):
    return pd.read_csv(out / "ranges.csv").set_index("member")


def test_slack_zero_two_equal_programs_share_the_budget_any_way(tmp_path):
    out = tmp_path / "alt"
    done = run_cli("alternatives", "--inputs", MGA, "--slack", "0", "--out", out)
    assert done.returncode == 0, done.stderr
    r = _ranges(out)
    assert r.loc[["a", "b", "c"], "min_musd"].tolist() == pytest.approx([0, 0, 0], abs=1e-6)
    assert r.loc[["a", "b", "c"], "max_musd"].tolist() == pytest.approx([100, 100, 0], abs=1e-6)
    assert r.loc[["a", "b", "c"], "classification"].tolist() == ["optional", "optional", "excluded"]
    assert r.loc["a", "optimum_musd"] + r.loc["b", "optimum_musd"] == pytest.approx(100)
    info = json.loads((out / "run.json").read_text())
    assert info["slack"] == 0
    assert info["objective"]["optimum"] == pytest.approx(500)
    assert info["objective"]["bound"] == pytest.approx(500)
    assert (out / "ranges.png").read_bytes()[:4] == b"\x89PNG"
    assert "Must-haves: none." in done.stdout


def test_the_dominated_program_fits_at_the_slack_worked_out_by_hand(tmp_path):
    out = tmp_path / "alt"
    done = run_cli("alternatives", "--inputs", MGA, "--slack", "0.04", "--out", out)
    assert done.returncode == 0, done.stderr
    r = _ranges(out)
    assert (r.loc["c", "min_musd"], r.loc["c", "max_musd"]) == pytest.approx((0, 10), abs=1e-6)
    assert r.loc["c", "classification"] == "optional"
    assert r.loc["c", "objective_at_max"] == pytest.approx(480)
    assert r.loc[["a", "b"], "max_musd"].tolist() == pytest.approx([100, 100])
    assert json.loads((out / "run.json").read_text())["objective"]["bound"] == pytest.approx(480)


def test_classes_and_their_thresholds():
    assert classify(0, 0) == "excluded"
    assert classify(0, 5) == "optional"
    assert classify(95, 100) == "must-have"
    assert classify(80, 100) == "flexible"


@pytest.fixture(scope="module")
def baseline_ranges():
    inp = load_inputs(BASELINE)
    found = {}
    for slack in (0.0, 0.02):
        model = held_model(inp, "jobs", "soft", FINAL, slack, "program")
        found[slack] = (model, solve_members(model, list(model.members)))
    return inp, found


@pytest.mark.parametrize("slack", [0.0, 0.02])
def test_every_range_end_of_the_baseline_is_a_feasible_plan_within_the_slack(
    baseline_ranges, slack
):
    inp, found = baseline_ranges
    model, rows = found[slack]
    z = model.opt.objective
    for r in rows:
        assert r["min"] - 1e-6 <= r["optimum"] <= r["max"] + 1e-6, r["member"]
        for end in ("x_min", "x_max"):
            x = r[end]
            objective = float(model.held.cost @ x)
            assert objective >= z - slack * abs(z) - 1e-6 * abs(z), (r["member"], end)
            if slack == 0:
                assert objective == pytest.approx(z, rel=1e-7)
    for r in rows[::4]:  # every constraint family recomputed from the plan's own tables
        for end in ("x_min", "x_max"):
            sol = plan_solution(model.lp, r[end], model.held.cost, "jobs", "jobs")
            check_feasible(inp, tables_of(inp, sol))


def test_baseline_slack_widens_ranges(baseline_ranges):
    _, found = baseline_ranges
    tight = {r["member"]: (r["min"], r["max"]) for r in found[0.0][1]}
    loose = {r["member"]: (r["min"], r["max"]) for r in found[0.02][1]}
    assert all(
        loose[m][0] <= tight[m][0] + 1e-6 and loose[m][1] >= tight[m][1] - 1e-6 for m in tight
    )
    assert any(loose[m][1] - loose[m][0] > tight[m][1] - tight[m][0] + 1 for m in tight)


def test_two_dask_workers_write_the_same_ranges_bytes_as_the_serial_run(tmp_path):
    serial, spread = tmp_path / "serial", tmp_path / "dask"
    done = run_cli("alternatives", "--by", "program", "--out", serial)
    assert done.returncode == 0, done.stderr
    done = cli("alternatives", "--scheduler", "local", "--workers", "2", "--out", spread)
    assert done.returncode == 0, done.stderr
    assert (serial / "ranges.csv").read_bytes() == (spread / "ranges.csv").read_bytes()


def test_alternatives_are_run_folders_that_compare_reads(tmp_path):
    out = tmp_path / "alt"
    done = run_cli("alternatives", "--by", "sector", "--alternatives", "2", "--out", out)
    assert done.returncode == 0, done.stderr
    info = json.loads((out / "run.json").read_text())
    bound = info["objective"]["bound"]
    # the baseline's second Hop-Skip-Jump plan would repeat the first: one is written
    assert (info["alternatives_asked"], len(info["alternatives"])) == (2, 1)
    assert not (out / "alternative-2").exists()
    run = json.loads((out / "alternative-1" / "run.json").read_text())
    assert run["objective"]["value"] >= bound - 1e-6 * abs(bound)
    first = pd.read_csv(out / "alternative-1" / "allocation_by_phase.csv")
    assert first["total_musd"].sum() > 0
    cmp = tmp_path / "cmp"
    done = run_cli("compare", out / "alternative-1", "jobs", "--out", cmp)
    assert done.returncode == 0, done.stderr
    again = run_cli(
        "alternatives", "--by", "sector", "--alternatives", "1", "--out", out, "--force"
    )
    assert again.returncode == 0, again.stderr
    assert not (out / "alternative-2").exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [(["--slack", "1.5"], "--slack 1.5"), (["--by", "mineral"], "--by 'mineral'")],
)
def test_bad_options_are_one_line_and_write_nothing(tmp_path, args, words):
    out = tmp_path / "alt"
    done = run_cli("alternatives", "--inputs", MGA, *args, "--out", out)
    assert done.returncode == 2
    assert words in done.stderr
    assert "Fix:" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_rows_in_another_order_give_the_same_ranges_bytes(tmp_path):
    shuffled = tmp_path / "mga"
    shuffled.mkdir()
    for path in MGA.iterdir():
        lines = path.read_text().splitlines()
        shuffled.joinpath(path.name).write_text("\n".join([lines[0], *lines[:0:-1]]) + "\n")
    for name, folder in (("a", MGA), ("b", shuffled)):
        done = run_cli(
            "alternatives", "--inputs", folder, "--slack", "0.04", "--out", tmp_path / name
        )
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "a" / "ranges.csv").read_bytes() == (
        tmp_path / "b" / "ranges.csv"
    ).read_bytes()
