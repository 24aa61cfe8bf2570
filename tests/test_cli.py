"""`allocator solve` end to end, in-process (CliRunner): files, columns, exit codes, refusals."""

from __future__ import annotations

import hashlib
import json

import openpyxl
import pandas as pd
import pytest

from allocator.solver.highs import new_highs
from conftest import DATA, digest
from conftest import run_cli as run

# the one-sided and whole-unit columns that shadow_prices.csv and sensitivity.csv both end with
ONE_SIDED = (
    "gain_per_unit_up",
    "up_holds_for",
    "loss_per_unit_down",
    "down_holds_for",
    "holds_for_unit",
    "one_sided",
    "gain_of_one_unit_up",
    "loss_of_one_unit_down",
    "shortfall_change_up",
    "shortfall_change_down",
)
COLUMNS = {
    "allocation.csv": [
        "program",
        "name",
        "sector",
        "export_category",
        "capital_group",
        "mineral",
        "pool",
        "year",
        "phase",
        "invest_musd",
    ],
    "allocation_by_phase.csv": [
        "program",
        "name",
        "sector",
        "p1_musd",
        "total_musd",
        "floor_musd",
        "cap_musd",
        "share_of_cap",
    ],
    "outcomes.csv": [
        "dimension",
        "member",
        "year",
        "capital_musd",
        "jobs_base",
        "jobs_new",
        "jobs",
        "exports_base_musd",
        "exports_new_musd",
        "exports_musd",
        "jobs_target",
        "jobs_shortfall",
        "exports_target_musd",
        "exports_shortfall_musd",
        "note",
    ],
    "shadow_prices.csv": [
        "constraint",
        "family",
        "program",
        "pool",
        "phase",
        "description",
        "sense",
        "rhs",
        "body",
        "lower",
        "upper",
        "slack",
        "shadow_price",
        "unit",
        "binding",
        *ONE_SIDED,
    ],
    "reduced_costs.csv": [
        "variable",
        "family",
        "program",
        "pool",
        "year",
        "value",
        "reduced_cost",
        "objective_coefficient",
        "lower",
        "upper",
        "status",
        "value_unit",
        "unit",
    ],
    "budgets.csv": [
        "pool",
        "phase",
        "first_year",
        "last_year",
        "budget_musd",
        "carried_in_musd",
        "spent_musd",
        "carried_out_musd",
        "unspent_musd",
        "shadow_price",
        "unit",
        "why_unspent",
    ],
    "sensitivity.csv": [
        "section",
        "name",
        "family",
        "program",
        "pool",
        "phase",
        "year",
        "final_value",
        "reduced_cost",
        "shadow_price",
        "objective_coefficient",
        "rhs",
        "allowable_increase",
        "allowable_decrease",
        "flag",
        "unit",
        *ONE_SIDED,
    ],
    "limits.csv": [
        "variable",
        "family",
        "program",
        "pool",
        "year",
        "value",
        "lower_limit",
        "objective_at_lower",
        "upper_limit",
        "objective_at_upper",
        "unit",
        "objective_unit",
    ],
}


@pytest.fixture(scope="module")
def greedy_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "greedy"
    res = run("solve", "--inputs", DATA / "greedy", "--out", out, "--write-model")
    assert res.returncode == 0, res.stderr
    return out, res


def test_writes_every_table_with_its_columns(greedy_run):
    out, res = greedy_run
    for name, columns in COLUMNS.items():
        assert list(pd.read_csv(out / name).columns) == columns, name
    assert "960 direct jobs in 2026" in res.stdout
    assert "budget(public,p1)" in res.stdout
    assert "jobs per musd" in res.stdout
    assert not list(out.parent.glob(".*tmp*")), "temp folder left behind"


def test_workbook_has_a_sheet_per_table_with_units_and_frozen_header(greedy_run):
    out, _ = greedy_run
    wb = openpyxl.load_workbook(out / "workbook.xlsx")
    tables = [n.removesuffix(".csv") for n in COLUMNS if n not in ("sensitivity.csv", "limits.csv")]
    assert wb.sheetnames == [*tables, "Answer", "Sensitivity", "Limits", "charts"]
    assert [c.value for c in wb["Limits"][1]][-5:-2] == [
        "objective_at_lower (see objective_unit column)",
        "upper_limit (see unit column)",
        "objective_at_upper (see objective_unit column)",
    ]
    sens = wb["Sensitivity"]
    assert [c.value for c in sens[1]][:3] == ["section", "name", "family"]
    assert wb["Answer"]["B2"].value == "direct jobs in 2026"
    ws = wb["allocation_by_phase"]
    assert ws.freeze_panes == "A2"
    assert ws["E1"].value == "total_musd (US$ million)"
    assert [c.value for c in ws[2]][:5] == ["a", None, "s1", 60, 60]


def test_run_json_records_what_is_needed_to_repeat_it(greedy_run):
    out, _ = greedy_run
    info = json.loads((out / "run.json").read_text())
    assert info["status"] == "optimal"
    assert info["objective"] == {
        "name": "jobs",
        "value": 960.0,
        "sense": "maximize",
        "unit": "jobs",
        "label": "direct jobs in 2026",
    }
    assert info["solver"]["name"] == "HiGHS"
    assert info["solver"]["version"]
    assert set(info["timings_s"]) == {"load", "build", "handoff", "solve", "write"}
    expected = hashlib.sha256((DATA / "greedy" / "pools.csv").read_bytes()).hexdigest()
    assert info["inputs"]["sha256"]["pools.csv"] == expected
    assert info["packages"]["pyomo"]
    assert info["packages"]["highspy"]


def test_model_files_use_the_report_names_and_resolve_to_the_same_optimum(greedy_run):
    out, _ = greedy_run
    lp_text = (out / "model.lp").read_text()
    for name in pd.read_csv(out / "shadow_prices.csv")["constraint"]:
        assert f" {name}:" in lp_text
    for path in ("model.lp", "model.mps"):
        h = new_highs()
        h.readModel(str(out / path))
        h.run()
        assert h.getInfo().objective_function_value == pytest.approx(960)


def test_existing_folder_is_refused_without_force_and_left_unchanged(greedy_run):
    out, _ = greedy_run
    before = digest(out)
    res = run("solve", "--inputs", DATA / "ramp", "--out", out)
    assert res.returncode == 2
    assert "already exists" in res.stderr
    assert "--force" in res.stderr
    assert digest(out) == before


def test_force_replaces_the_run(tmp_path):
    out = tmp_path / "run"
    assert run("solve", "--inputs", DATA / "greedy", "--out", out).returncode == 0
    res = run("solve", "--inputs", DATA / "ramp", "--out", out, "--force")
    assert res.returncode == 0, res.stderr
    assert json.loads((out / "run.json").read_text())["objective"]["value"] == 940
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in (DATA / "greedy").iterdir():
        (bad / f.name).write_text(f.read_text().replace("60,0,10", "3.5X,0,10"))
    res = run("solve", "--inputs", bad, "--out", tmp_path / "run")
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "programs.csv, row 2, column 'cap_musd'" in " ".join(lines)
    assert not (tmp_path / "run").exists()


def test_infeasible_plan_exits_1_and_writes_nothing(tmp_path):
    res = run("solve", "--inputs", DATA / "infeasible", "--out", tmp_path / "run")
    assert res.returncode == 1
    assert "infeasible" in res.stderr
    assert "Traceback" not in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_unknown_objective_is_a_usage_error(tmp_path):
    res = run(
        "solve", "--inputs", DATA / "greedy", "--objective", "profit", "--out", tmp_path / "r"
    )
    assert res.returncode == 2
    assert "unknown objective" in res.stderr


def test_no_arguments_solves_the_bundled_baseline_into_results(tmp_path):
    res = run("solve", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    runs = list((tmp_path / "results").iterdir())
    assert len(runs) == 1
    assert runs[0].name.startswith("peru2040-jobs-")
    assert json.loads((runs[0] / "run.json").read_text())["objective"]["value"] == pytest.approx(
        545333.54
    )
    assert "direct jobs in 2040" in res.stdout
