"""Issue 25 point 5: the summary names each tie class (programs whose money can move with every
outcome unchanged, and for how much money), and the plan follows one stated rule among them:
money in proportion to the programs' caps, one more pass on the last optimal face."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from allocator.data.inputs import load_inputs
from allocator.solver.compile import build_lp
from allocator.solver.passes import optimum
from conftest import BASELINE, DATA, solved

TIES = DATA / "ties"


def test_two_interchangeable_programs_split_in_proportion_to_their_caps():
    """a and b: same sector, jobs per musd, pool and year; caps 60 and 120, 90 musd to place.
    Every split gives 900 jobs; the rule gives a 30 and b 60 (90 x 60/180, 90 x 120/180)."""
    _, sol, tables = solved(str(TIES))
    assert sol.objective_value == pytest.approx(900)
    money = tables["allocation"].groupby("program")["invest_musd"].sum()
    assert money["a"] == pytest.approx(30, abs=1e-6)
    assert money["b"] == pytest.approx(60, abs=1e-6)
    (cls,) = sol.solver["tie_classes"]
    got = {m["program"]: (m["low"], m["high"], m["plan"]) for m in cls["programs"]}
    assert got == {
        "a": pytest.approx((0, 60, 30), abs=1e-6),
        "b": pytest.approx((30, 90, 60), abs=1e-6),
    }
    assert cls["money"] == pytest.approx(90)


def test_the_summary_names_the_class_its_amounts_and_the_rule(monkeypatch):
    from allocator.cli import summary

    _, sol, _ = solved(str(TIES))
    lines: list[str] = []
    monkeypatch.setattr(summary, "_line", lines.append)
    summary.show_ties(SimpleNamespace(solution=sol))
    text = " ".join(lines)
    assert "a 0 to 60" in text
    assert "b 30 to 90" in text
    assert "in proportion to their caps" in text
    assert "a 30, b 60" in text
    assert "docs/outputs.md, 'Ties'" in text


def _outcomes(folder, ties: bool) -> dict[str, float]:
    lp, _ = build_lp(load_inputs(folder), "soft")
    opt = optimum(lp, "jobs", ties=ties)
    return {n: float(c @ opt.x) for n, c in lp.costs.items()}


@pytest.mark.parametrize("folder", [TIES, BASELINE])
def test_the_rule_changes_no_outcome(folder):
    """Every objective and milestone outcome is the same with and without the tie pass."""
    before, after = _outcomes(folder, False), _outcomes(folder, True)
    assert before.keys() == after.keys()
    for name, value in before.items():
        assert after[name] == pytest.approx(value, rel=1e-7, abs=1e-6), name


def test_the_baseline_names_its_classes():
    """Structure, not numbers: every class has two programs or more, each able to move
    (least < most) with the plan's money between the two, and the class's money adds up."""
    inp, sol, tables = solved(str(BASELINE))
    classes = sol.solver["tie_classes"]
    assert sol.solver["ties"] > 0
    assert classes
    money = tables["allocation"].groupby("program")["invest_musd"].sum()
    for cls in classes:
        assert len(cls["programs"]) >= 2
        for m in cls["programs"]:
            assert m["program"] in {p.program for p in inp.programs}
            assert m["low"] < m["high"]
            assert m["low"] - 1e-6 <= m["plan"] <= m["high"] + 1e-6
            assert m["plan"] == pytest.approx(money.get(m["program"], 0.0), abs=1e-6)
        assert cls["money"] == pytest.approx(sum(m["plan"] for m in cls["programs"]))
    assert np.isfinite([m["plan"] for c in classes for m in c["programs"]]).all()


def _pool_tie(folder, pools: list[str]):
    """One program (cap 60, 10 jobs per musd) and two pools of 60 that may both fund it: its 60
    may come from either pool, no program's money can change."""
    import shutil

    shutil.copytree(TIES, folder)
    (folder / "programs.csv").write_text(
        "program,sector,first_year,last_year,cap_musd,lag_years,jobs_per_musd,source\n"
        "a,s1,2026,2026,60,0,10,hand-solved test case\n"
    )
    rows = "".join(f"{p},p1,60,hand-solved test case\n" for p in pools)
    (folder / "pools.csv").write_text("pool,phase,budget_musd,source\n" + rows)
    rows = "".join(f"{p},*,hand-solved test case\n" for p in pools)
    (folder / "eligibility.csv").write_text("pool,program,source\n" + rows)
    return folder


def test_a_tie_between_pools_is_said_and_broken_by_names(tmp_path, monkeypatch):
    """No program can move, so no class; the line says so and the plan is the same whichever
    order pools.csv lists the pools in."""
    from allocator.cli import summary
    from allocator.pipeline import solve_inputs, tables_of

    plans = []
    for k, pools in enumerate((["public", "partner"], ["partner", "public"])):
        inp = load_inputs(_pool_tie(tmp_path / str(k), pools))
        sol, _ = solve_inputs(inp, "jobs")
        assert sol.objective_value == pytest.approx(600)
        assert sol.solver["ties"] > 0
        assert sol.solver["tie_classes"] == []
        alloc = tables_of(inp, sol)["allocation"]
        plans.append(sorted(zip(alloc["pool"], alloc["invest_musd"].round(9), strict=True)))
    assert plans[0] == plans[1]
    lines: list[str] = []
    monkeypatch.setattr(summary, "_line", lines.append)
    summary.show_ties(SimpleNamespace(solution=sol))
    assert "with every program's money unchanged" in lines[0]
    assert "fixed order of their names" in lines[0]


def test_json_summary_carries_the_classes(tmp_path):
    """`solve --json` gives the classes as the summary line names them."""
    import json

    from typer.testing import CliRunner

    from allocator.cli.commands import app

    res = CliRunner().invoke(
        app, ["solve", "--inputs", str(TIES), "--out", str(tmp_path / "r"), "--json"]
    )
    assert res.exit_code == 0, res.output
    (cls,) = json.loads(res.stdout)["tie_classes"]
    assert [m["program"] for m in cls["programs"]] == ["a", "b"]
    assert [round(m["plan"], 6) for m in cls["programs"]] == [30, 60]
