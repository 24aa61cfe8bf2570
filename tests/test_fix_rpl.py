"""Fixes of task rpl: replan holds the risk mitigation spent up to the as-of year and counts the
mitigation it moves; export-inputs keeps every column; core and the other commands warn as solve
and sweep do."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from conftest import DATA, invoke

# replan: risk mitigation


def test_the_money_moved_counts_the_mitigation_moved_after_the_as_of_year():
    """Approved: 100 musd of `a` in 2026 and 10 musd of mitigation in 2026; re-planned: the
    same investment and 4 musd of mitigation: 6 musd moved (investment alone: 0)."""
    from allocator.studies.replanout import moved

    inp = SimpleNamespace(phase_of_year={2025: "p1", 2026: "p1"})
    alloc = pd.DataFrame(
        {
            "program": ["a"],
            "pool": ["public"],
            "phase": ["p1"],
            "year": [2026],
            "invest_musd": [100],
        }
    )
    costs = pd.DataFrame(
        {
            "family": ["invest", "mitigate", "mitigate"],
            "risk": [None, "tech", "tech"],
            "year": [2026, 2025, 2026],
            "value": [100.0, 3.0, 4.0],
        }
    )
    tables = {"allocation": alloc, "reduced_costs": costs}
    approved = {("a", "public", 2026): 100.0}
    mitigation = {("tech", 2025): 3.0, ("tech", 2026): 10.0}
    assert moved(approved, tables, inp, 2025, mitigation) == pytest.approx(6.0)


def test_a_replan_whose_actuals_outgrow_the_mitigation_spent_names_the_rows(tmp_path):
    """tests/data/risk with the tech risk open 2025-2026 (budget 10, coverage 5): the approved
    plan spends its 10 musd of mitigation in 2025, covering 50 musd of `a`. Actuals of 60 musd
    of `a` in 2025 are more than that mitigation covered; the mitigation of 2025 is spent, so the
    re-plan cannot raise it: infeasible, naming the rows (the old re-plan raised it in silence)."""
    data = Path(shutil.copytree(DATA / "risk", tmp_path / "data"))
    (data / "risks.csv").write_text(
        "risk,first_year,last_year,budget_musd,coverage,source\ntech,2025,2026,10,5,x\n",
        encoding="utf-8",
    )
    run = tmp_path / "run"
    assert invoke("solve", "--inputs", data, "--out", run).exit_code == 0
    mitigated = pd.read_csv(run / "reduced_costs.csv").query("family == 'mitigate'")
    assert dict(zip(mitigated["year"], mitigated["value"], strict=True)) == {2025: 10, 2026: 0}
    actuals = tmp_path / "actuals.csv"
    actuals.write_text(
        "program,pool,year,spent_musd\na,public,2025,60\nb,public,2025,40\n", encoding="utf-8"
    )
    res = invoke("replan", run, "--actuals", actuals, "--as-of", 2025, "--out", tmp_path / "r")
    assert res.exit_code == 1, res.stdout
    assert "replan_mitigation(tech,2025)" in res.stderr
    assert "risk_cover(tech,2025)" in res.stderr
    assert "Traceback" not in res.stderr


def test_a_replan_of_a_folder_without_its_mitigation_is_refused_by_name(tmp_path):
    """A run folder of a dataset with risks whose reduced_costs.csv (the mitigation spent) is
    gone: refused in a line naming the file, not re-planned with the mitigation re-decided."""
    run = tmp_path / "run"
    assert invoke("solve", "--inputs", DATA / "risk", "--out", run).exit_code == 0
    (run / "reduced_costs.csv").unlink()
    actuals = tmp_path / "actuals.csv"
    actuals.write_text("program,pool,year,spent_musd\nb,public,2025,10\n", encoding="utf-8")
    res = invoke("replan", run, "--actuals", actuals, "--as-of", 2025, "--out", tmp_path / "r")
    assert res.exit_code == 2, res.stdout
    assert "has no reduced_costs.csv" in res.stderr
    assert not (tmp_path / "r").exists()


# compare, frontier, core: the dataset's notes, as solve and sweep say them


def _broken_fact(tmp_path: Path) -> Path:
    """tests/data/sweep with two facts that cite each other (a note, not a refusal)."""
    data = Path(shutil.copytree(DATA / "sweep", tmp_path / "data"))
    (data / "facts.csv").write_text(
        "fact,value,unit,total_of,same_as,source\na,100,musd,,fact:b,x\nb,100,musd,,fact:a,x\n",
        encoding="utf-8",
    )
    return data


def test_compare_says_a_dataset_note_once_however_many_items_share_it(tmp_path):
    """`compare jobs exports` solves the dataset twice; each note is said as often as solve
    says it, not once per item (and not never, as before)."""
    data = _broken_fact(tmp_path)
    solved = invoke("solve", "--inputs", data, "--out", tmp_path / "s")
    said = solved.stderr.count("leads back to this row")
    assert said >= 1
    compared = invoke("compare", "jobs", "exports", "--inputs", data, "--out", tmp_path / "c")
    assert compared.exit_code == 0, compared.stderr
    assert compared.stderr.count("leads back to this row") == said


def test_core_with_samples_says_a_broken_fact_once(tmp_path):
    """core --samples 2 reads uncertainty.csv: the broken fact is said once, before the study."""
    data = _broken_fact(tmp_path)
    cored = invoke("core", "--inputs", data, "--samples", "2", "--out", tmp_path / "c")
    assert cored.exit_code == 0, cored.stderr
    assert cored.stderr.count("leads back to this row") == invoke(
        "solve", "--inputs", data, "--out", tmp_path / "s"
    ).stderr.count("leads back to this row")


def test_alternatives_warns_about_a_broken_fact_as_solve_does(tmp_path):
    """inputs/README.md: every command warns about a broken fact; alternatives said nothing."""
    data = _broken_fact(tmp_path)
    said = invoke("solve", "--inputs", data, "--out", tmp_path / "s").stderr
    ranged = invoke("alternatives", "--inputs", data, "--out", tmp_path / "a")
    assert ranged.exit_code == 0, ranged.stderr
    assert ranged.stderr.count("leads back to this row") == said.count("leads back to this row")
