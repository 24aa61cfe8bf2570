"""Sweeps: samples solved on one persistent model per process, the same on Dask as in a loop."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from allocator.data.inputs import load_inputs
from allocator.data.uncertainty import latin_hypercube, params_of, with_values
from allocator.model.measures import Measure
from allocator.pipeline import solve_inputs
from allocator.studies.sweep import SampleModel
from allocator.studies.sweeprun import run_sweep
from allocator.studies.sweepsummary import summarise
from conftest import BASELINE, DATA, run_cli

SWEEP = DATA / "sweep"


def spec(folder, objective="jobs"):
    return {"inputs": str(folder), "objective": objective, "targets": "soft", "model_file": None}


def test_latin_hypercube_puts_one_draw_in_each_stratum():
    params = params_of(load_inputs(SWEEP))
    values = latin_hypercube(params, 20, seed=3)
    budget = next(j for j, p in enumerate(params) if p.column == "budget_musd")
    strata = np.floor((values[:, budget] - 60) / (140 - 60) * 20)
    assert sorted(strata) == list(range(20))
    assert np.array_equal(values, latin_hypercube(params, 20, seed=3)), "seeded: same draws"


@pytest.mark.parametrize("folder", [SWEEP, BASELINE])
def test_persistent_model_gives_the_rebuilt_answer_for_every_sample(folder):
    inp = load_inputs(folder)
    params = params_of(inp)
    model = SampleModel(inp, params, "jobs", "soft")
    for values in latin_hypercube(params, 6, seed=7):
        got = model.solve(values)
        ref, _ = solve_inputs(with_values(inp, params, values), "jobs", targets="soft")
        assert got["status"] == "optimal"
        assert got["objective"] == pytest.approx(ref.objective_value, rel=1e-9)
        assert got["exports"] == pytest.approx(ref.totals["exports"], rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("measure", [Measure("cumulative"), Measure("discounted", 0.05)])
def test_persistent_model_follows_the_measure_in_every_sample(measure):
    """Sampled jobs per musd and lags rewrite every jobs cost (the measured objective, each
    milestone's and the job-years of the efficiency pass) as a rebuilt LP would have them."""
    inp = load_inputs(BASELINE)
    params = params_of(inp)
    model = SampleModel(inp, params, "jobs", "soft", measure)
    for values in latin_hypercube(params, 4, seed=11):
        got = model.solve(values)
        ref, _ = solve_inputs(with_values(inp, params, values), "jobs", measure=measure)
        assert got["objective"] == pytest.approx(ref.objective_value, rel=1e-9)
        assert got["jobs"] == pytest.approx(ref.totals["jobs"], rel=1e-9)


def test_zero_width_ranges_reproduce_the_deterministic_solve(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SWEEP, data)
    (data / "uncertainty.csv").write_text(
        "ref,low,high,source\nprograms:*:jobs_per_musd,+0%,+0%,zero width\n"
        "pools:public/p1:budget_musd,+0%,+0%,zero width\n"
    )
    table = run_sweep(spec(data), 8, 0, tmp_path / "s", None, 1, False, serial=True)
    det, _ = solve_inputs(load_inputs(data), "jobs")
    assert (table["status"] == "optimal").all()
    assert table["objective"].to_numpy() == pytest.approx([det.objective_value] * 8)
    assert table["exports_musd"].to_numpy() == pytest.approx([det.totals["exports"]] * 8)


@pytest.mark.slow
def test_two_worker_local_cluster_gives_the_serial_numbers(tmp_path):
    serial = run_sweep(spec(SWEEP), 24, 5, tmp_path / "serial", None, 1, False, serial=True)
    dask = run_sweep(spec(SWEEP), 24, 5, tmp_path / "dask", None, 2, False)
    pd.testing.assert_frame_equal(serial, dask)
    for name in ("sweep.csv", "sweep_programs.csv"):
        assert (tmp_path / "serial" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes()


def test_resume_finishes_a_cut_sweep_with_the_same_results(tmp_path):
    full = run_sweep(spec(SWEEP), 12, 2, tmp_path / "full", None, 1, False, serial=True)
    cut = tmp_path / "cut"
    run_sweep(spec(SWEEP), 12, 2, cut, None, 1, False, serial=True)
    kept = pd.read_csv(cut / "sweep.csv").head(5)  # as if killed after five samples
    kept.to_csv(cut / "sweep.csv", index=False, float_format="%.12g", lineterminator="\n")
    progs = pd.read_csv(cut / "sweep_programs.csv")
    progs[progs["sample"] < 5].to_csv(
        cut / "sweep_programs.csv", index=False, float_format="%.12g", lineterminator="\n"
    )
    again = run_sweep(spec(SWEEP), 12, 2, cut, None, 1, True, serial=True)
    pd.testing.assert_frame_equal(full, again)
    with pytest.raises(Exception, match="already holds a sweep"):
        run_sweep(spec(SWEEP), 12, 2, cut, None, 1, False, serial=True)


def test_failed_samples_are_counted_not_dropped(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SWEEP, data)
    programs = data / "programs.csv"
    lines = programs.read_text().splitlines()
    lines[0] = lines[0].replace("cap_musd,", "cap_musd,floor_musd,")
    lines[1:] = [line.replace(",100,0,", ",100,45,0,", 1) for line in lines[1:]]
    programs.write_text("\n".join(lines) + "\n")  # floors 45 + 45: infeasible below 90 musd
    table = run_sweep(spec(data), 20, 1, tmp_path / "s", None, 1, False, serial=True)
    assert len(table) == 20
    bad = table[table["status"] != "optimal"]
    assert 0 < len(bad) < 20
    assert set(bad["status"]) == {"infeasible"}
    assert (bad["pools:public/p1:budget_musd"] < 90).all()
    summary = summarise(tmp_path / "s").set_index("item")
    assert summary.loc["failed samples", "samples"] == len(bad)


def test_sweep_command_writes_its_files(tmp_path):
    res = run_cli(
        "sweep", "--inputs", SWEEP, "--samples", "10", "--serial", "--out", tmp_path / "s"
    )
    assert res.returncode == 0, res.stderr
    for name in ("sweep.csv", "sweep_summary.csv", "sweep.png", "sweep.json"):
        assert (tmp_path / "s" / name).is_file()
    summary = pd.read_csv(tmp_path / "s" / "sweep_summary.csv").set_index("item")
    assert summary.loc["jobs", "p5"] <= summary.loc["jobs", "p50"] <= summary.loc["jobs", "p95"]
    assert "jobs with perfect foresight (each sample re-optimised): P5" in res.stdout
