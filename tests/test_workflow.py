"""The planner's workflow: model files and their overrides, the frontier, init, --json."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from allocator.data.applyoverrides import apply_overrides
from allocator.data.inputs import load_inputs
from allocator.data.modelfile import Override, load_model_file
from allocator.errors import UsageError
from allocator.model.build import build_model
from allocator.model.measures import FINAL, axis
from allocator.pipeline import solve_inputs
from allocator.solver.compile import compile_lp
from allocator.studies.frontier import frontier_table
from conftest import BASELINE, DATA, ROOT
from conftest import run_cli as run

MODELS = sorted((ROOT / "models").glob("*.yaml"))


def test_at_least_four_model_files_ship():
    names = {p.stem for p in MODELS}
    assert {"baseline", "exports_first"} <= names
    assert len(names) >= 4


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_each_shipped_model_file_solves(path, tmp_path):
    res = run("solve", path, "--out", tmp_path / "run", "--json")
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    model, _ = load_model_file(path)
    assert summary["status"] == "optimal"
    assert summary["objective"]["name"] == model.objective
    info = json.loads((tmp_path / "run" / "run.json").read_text())
    assert info["options"]["model_file"] == str(path)
    assert len(info["options"]["overrides"]) == len(model.overrides)


def _rows(inp, table):
    return {r.model_dump_json() for r in getattr(inp, table)}


def _diff(before, after):
    """Tables whose rows changed, with the rows removed and added."""
    out = {}
    for table in (
        "phases",
        "milestones",
        "programs",
        "pools",
        "eligibility",
        "groups",
        "markets",
        "risks",
        "exposures",
        "targets",
    ):
        a, b = _rows(before, table), _rows(after, table)
        if a != b:
            out[table] = (a - b, b - a)
    return out


def test_scale_budget_changes_that_budget_and_nothing_else():
    base = load_inputs(BASELINE)
    ov = Override.model_validate(
        {"scale_budget": {"pool": "scaleup", "phase": "phase2", "factor": 0.8}}
    )
    diff = _diff(base, apply_overrides(base, [ov], "test"))
    assert set(diff) == {"pools"}
    removed, added = diff["pools"]
    assert len(removed) == len(added) == 1
    old, new = json.loads(next(iter(removed))), json.loads(next(iter(added)))
    assert (old["pool"], old["phase"], old["budget_musd"]) == ("scaleup", "phase2", 12500)
    assert new["budget_musd"] == pytest.approx(10000)
    assert {k: v for k, v in old.items() if k != "budget_musd"} == {
        k: v for k, v in new.items() if k != "budget_musd"
    }


def test_exclude_pool_removes_its_rows_only():
    base = load_inputs(BASELINE)
    after = apply_overrides(base, [Override(exclude_pool="korea")], "test")
    diff = _diff(base, after)
    assert set(diff) <= {"pools", "eligibility", "groups"}
    for table, (removed, added) in diff.items():
        assert not added, table
        assert all("korea" in row for row in removed), table
    assert "korea" not in {p.pool for p in after.pools}
    assert len(base.pools) - len(after.pools) == 3


def test_set_coefficient_and_group_limit_and_exclude_program():
    base = load_inputs(BASELINE)
    ovs = [
        Override.model_validate(
            {
                "set_coefficient": {
                    "program": "copper_processing",
                    "column": "jobs_per_musd",
                    "value": 9,
                }
            }
        ),
        Override.model_validate(
            {"group_limit": {"dimension": "sector", "member": "automotive", "max_musd": 3000}}
        ),
    ]
    after = apply_overrides(base, ovs, "test")
    diff = _diff(base, after)
    assert set(diff) == {"programs", "groups"}
    copper = next(p for p in after.programs if p.program == "copper_processing")
    assert copper.jobs_per_musd == 9
    assert len(diff["programs"][0]) == len(diff["programs"][1]) == 1
    assert not diff["groups"][0]
    assert len(diff["groups"][1]) == 1
    gone = apply_overrides(base, [Override(exclude_program="gold_processing")], "test")
    assert "gold_processing" not in {p.program for p in gone.programs}
    assert all(
        "gold_processing" not in r.model_dump_json()
        for t in ("eligibility", "exposures", "markets", "groups")
        for r in getattr(gone, t)
    )


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"scale_budget": {"pool": "mars", "factor": 0.5}}, "unknown pool 'mars'"),
        ({"scale_budget": {"pool": "korea", "phase": "phase9", "factor": 0.5}}, "unknown phase"),
        ({"exclude_program": "warp_drive"}, "unknown program 'warp_drive'"),
        (
            {
                "set_coefficient": {
                    "program": "copper_processing",
                    "column": "jobs_per_musd",
                    "value": -1,
                }
            },
            "jobs_per_musd = -1 is not allowed",
        ),
        (
            {"group_limit": {"dimension": "sector", "member": "fishing", "max_musd": 1}},
            "unknown sector 'fishing'",
        ),
    ],
)
def test_a_bad_override_is_named(override, message):
    base = load_inputs(BASELINE)
    with pytest.raises(UsageError, match=message) as err:
        apply_overrides(base, [Override.model_validate(override)], "models/x.yaml")
    assert str(err.value).startswith("models/x.yaml: overrides[0]")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dataset: ../inputs/peru2040\nobjective: profit\n", "objective"),
        ("dataset: ../inputs/peru2040\nobjectiv: jobs\n", "objectiv"),
        ("dataset: !!python/object/apply:os.system ['echo hacked']\n", "not a valid model file"),
        ("dataset: ../../../etc\n", "points outside the project"),
        ("- just\n- a list\n", "a mapping of keys"),
    ],
)
def test_bad_model_file_is_one_line_exit_2(tmp_path, text, message):
    (tmp_path / "models").mkdir()
    path = tmp_path / "models" / "bad.yaml"
    path.write_text(text)
    res = run("solve", path, "--out", tmp_path / "run")
    assert res.returncode == 2
    assert message in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.stderr
    assert "hacked" not in res.stdout
    assert not (tmp_path / "run").exists()


def test_command_line_overrides_the_model_file(tmp_path):
    res = run(
        "solve",
        ROOT / "models" / "baseline.yaml",
        "--objective",
        "exports",
        "--json",
        "--out",
        tmp_path / "r",
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["objective"]["name"] == "exports"


# --- frontier ------------------------------------------------------------------------------


def _frontier(folder, points=9, x="exports", y="jobs"):
    inp = load_inputs(folder)
    m, _ = build_model(inp)
    axes = [axis(a, FINAL, inp.years, [m.year for m in inp.milestones], True) for a in (x, y)]
    return frontier_table(inp, compile_lp(m), *axes, points)


def test_frontier_end_points_equal_the_single_objective_solves():
    table = _frontier(DATA / "exports")
    jobs, _ = solve_inputs(load_inputs(DATA / "exports"), "jobs")
    exports, _ = solve_inputs(load_inputs(DATA / "exports"), "exports")
    first, last = table.iloc[0], table.iloc[-1]
    assert (first["y_value"], first["x_value"]) == pytest.approx(
        (jobs.objective_value, jobs.totals["exports"])
    )
    assert (last["y_value"], last["x_value"]) == pytest.approx(
        (exports.totals["jobs"], exports.objective_value)
    )
    assert (first["y_value"], last["x_value"]) == pytest.approx((300, 150))


def test_frontier_is_monotone_and_concave():
    table = _frontier(DATA / "exports")
    exp, jobs = table["x_value"].to_numpy(), table["y_value"].to_numpy()
    assert (pd.Series(exp).diff().dropna() >= -1e-9).all(), "more exports along the frontier"
    assert (pd.Series(jobs).diff().dropna() <= 1e-9).all(), "fewer or equal jobs"
    assert table["rate_end"].iloc[-1] == "no plan has more"  # the exports end
    rates = -table["rate"].to_numpy()[:-1]  # jobs given up per extra musd of exports
    # walked from the exports end back to the jobs end, the price of exports never rises
    assert all(a >= b - 1e-9 for a, b in zip(rates[::-1], rates[::-1][1:], strict=False))
    assert rates[1:] == pytest.approx([2.0] * (len(rates) - 1))  # 2 jobs per musd of exports
    assert set(table["rate_unit"]) == {"jobs per musd of exports"}
    slopes = pd.Series(jobs).diff() / pd.Series(exp).diff()
    assert slopes.dropna().to_numpy() == pytest.approx(-2.0)


def test_frontier_command_writes_csv_and_png(tmp_path):
    res = run("frontier", "--inputs", DATA / "exports", "--points", 5, "--out", tmp_path / "f")
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(tmp_path / "f" / "frontier.csv")
    assert len(table) == 5
    assert (tmp_path / "f" / "frontier.png").read_bytes()[:4] == b"\x89PNG"


def test_solve_with_plots_writes_the_charts(tmp_path):
    res = run("solve", "--inputs", DATA / "ramp", "--plots", "--out", tmp_path / "r")
    assert res.returncode == 0, res.stderr
    for name in ("allocation.png", "shadow_prices.png"):
        assert (tmp_path / "r" / name).read_bytes()[:4] == b"\x89PNG"


def test_init_copies_the_baseline_and_a_model_file_that_solves(tmp_path):
    project = tmp_path / "newcountry"
    res = run("init", project)
    assert res.returncode == 0, res.stderr
    assert "allocator check --inputs" in res.stdout
    assert (project / "inputs" / "programs.csv").read_bytes() == (
        BASELINE / "programs.csv"
    ).read_bytes()
    res = run("solve", project / "models" / "scenario.yaml", "--json", "--out", tmp_path / "r")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["objective"]["value"] == pytest.approx(545333.54)
    again = run("init", project)
    assert again.returncode == 2
    assert "not empty" in again.stderr


def test_json_summary_is_machine_readable(tmp_path):
    res = run("solve", "--inputs", DATA / "greedy", "--json", "--out", tmp_path / "r")
    data = json.loads(res.stdout)
    assert data["objective"]["value"] == 960
    assert data["top_shadow_prices"][0]["constraint"] == "budget(public,p1)"
    assert Path(data["run_folder"]) == tmp_path / "r"


def test_compare_command_on_two_run_folders_reproduces_their_numbers(tmp_path):
    a, b = tmp_path / "jobs_plan", tmp_path / "exports_plan"
    assert run("solve", "--inputs", DATA / "exports", "--out", a).returncode == 0
    assert (
        run("solve", "--inputs", DATA / "exports", "--objective", "exports", "--out", b).returncode
        == 0
    )
    res = run("compare", a, b, "--out", tmp_path / "cmp")
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(tmp_path / "cmp" / "compare.csv").set_index("metric")
    for folder in (a, b):
        info = json.loads((folder / "run.json").read_text())
        name = info["objective"]["name"]
        assert table.loc[f"objective ({name})", folder.name] == info["objective"]["value"]
        out = pd.read_csv(folder / "outcomes.csv")
        total = out[(out["dimension"] == "total") & (out["year"] == 2026)].iloc[0]
        assert table.loc["total jobs in 2026", folder.name] == total["jobs"]
        assert table.loc["total exports in 2026", folder.name] == total["exports_musd"]
    assert (tmp_path / "cmp" / "compare.xlsx").is_file()


def test_compare_objectives_as_json(tmp_path):
    res = run(
        "compare",
        "jobs",
        "exports",
        "--inputs",
        DATA / "exports",
        "--json",
        "--out",
        tmp_path / "c",
    )
    assert res.returncode == 0, res.stderr
    rows = {r["metric"]: r for r in json.loads(res.stdout)}
    assert rows["total jobs in 2026"]["jobs"] == 300
    assert rows["total jobs in 2026"]["exports"] == 200


def test_compare_refuses_a_single_item_or_an_unknown_one(tmp_path):
    res = run("compare", "jobs", "--out", tmp_path / "c")
    assert res.returncode == 2
    assert "at least two" in res.stderr
    res = run("compare", "jobs", "profit", "--out", tmp_path / "c")
    assert res.returncode == 2
    assert "'profit' is not an objective" in res.stderr
    assert not (tmp_path / "c").exists()
