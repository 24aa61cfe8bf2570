"""The closed result contract (issue 26, point 4): the solver returns a frozen `Solution` with
its `Objective` (name, unit, words) and a read-only view of the LP without the solver's handle;
report code never reads the raw LP; infeasibility comes back as records that `report.explain`
puts into words, the same words as before the records existed.
"""

from __future__ import annotations

import ast
import dataclasses
import pickle
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from allocator.cli.commands import app
from allocator.data.inputs import load_inputs
from allocator.errors import InfeasibleError
from allocator.model.measures import FINAL, Measure
from allocator.model.solution import (
    Conflict,
    Infeasibility,
    LPView,
    Objective,
    Place,
    Relaxation,
    Solution,
)
from allocator.pipeline import solve_inputs
from allocator.report.explain import explain

DATA = Path(__file__).resolve().parent / "data"
REPORT = Path(__file__).resolve().parents[1] / "src" / "allocator" / "report"
TIES = DATA / "ties"
EXPORTS = DATA / "exports"


@pytest.fixture(scope="module")
def solution() -> Solution:
    """The jobs optimum of the small `ties` dataset."""
    return solve_inputs(load_inputs(TIES), "jobs")[0]


def test_solution_is_frozen(solution):
    for name, value in (("objective_value", 0.0), ("label", "patched"), ("status", "x")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(solution, name, value)
    with pytest.raises(dataclasses.FrozenInstanceError):
        solution.goal.words = "patched"  # type: ignore[misc]
    assert solution.label == "direct jobs in 2026"  # complete when returned, not set later


def test_the_lp_view_is_read_only_and_holds_no_solver(solution):
    view = solution.view
    assert type(view) is LPView
    assert solution.lp is view  # the older name reads the same view, never the solver's LP
    assert not hasattr(view, "highs")
    for f in dataclasses.fields(view):
        value = getattr(view, f.name)
        assert "highspy" not in type(value).__module__, f.name
        if isinstance(value, np.ndarray):
            with pytest.raises(ValueError, match="read-only"):
                value[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        view.matrix.data[0] = 1.0
    with pytest.raises(TypeError):
        view.costs["jobs"] = np.zeros(3)  # type: ignore[index]
    with pytest.raises(ValueError, match="read-only"):
        view.costs["jobs"][0] = 1.0
    assert len(view.row_names) == len(solution.rows)
    assert len(view.col_names) == len(solution.columns)


def test_a_solution_pickles_with_its_view_still_read_only(solution):
    """A Dask worker may return a Solution: it crosses processes whole and stays read-only."""
    back = pickle.loads(pickle.dumps(solution))
    assert back.label == solution.label
    assert back.view.row_names == solution.view.row_names
    assert np.array_equal(back.view.costs["jobs"], solution.view.costs["jobs"])
    for array in (back.view.row_upper, back.view.matrix.data, back.view.costs["jobs"]):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 1.0


def _raw_lp_uses(path: Path) -> list[str]:
    """Where a module reads a raw LP: `.lp` or `.highs` attributes, highspy or the compiled LP
    imported (also under TYPE_CHECKING)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and node.attr in ("lp", "highs"):
            found.append(f"{path.name}:{node.lineno} .{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module in (
            "highspy",
            "allocator.solver.compile",
            "allocator.solver.diagnosis",
        ):
            found.append(f"{path.name}:{node.lineno} from {node.module}")
        elif isinstance(node, ast.Import) and any(a.name == "highspy" for a in node.names):
            found.append(f"{path.name}:{node.lineno} import highspy")
    return found


def test_report_modules_receive_no_raw_lp():
    found = [use for path in sorted(REPORT.glob("*.py")) for use in _raw_lp_uses(path)]
    assert found == []


@pytest.mark.parametrize(
    ("objective", "words", "unit"),
    [
        ("jobs", "300 direct jobs in 2026", "jobs"),
        ("exports", "150 US$ million of exports in 2026", "musd of exports"),
    ],
)
def test_objective_words_are_the_headline_of_the_terminal_and_report_html(
    tmp_path, objective, words, unit
):
    value, words = words.split(" ", 1)
    goal = Objective.measured(objective, FINAL, 2025, 2026, 2026)
    assert (goal.name, goal.unit, goal.words) == (objective, unit, words)
    out = tmp_path / "run"
    res = CliRunner().invoke(
        app, ["solve", "--inputs", str(EXPORTS), "--objective", objective, "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    headline = next(line for line in res.output.splitlines() if line.startswith("Optimal"))
    assert headline.endswith(f"objective {objective}): {value} {words}")
    html = (out / "report.html").read_text()
    assert f"{value}</span> {words}</strong> ({unit}, maximized)" in html


def test_objective_follows_the_measure():
    goal = Objective.measured("jobs", Measure("cumulative", None), 2025, 2040, 2040)
    assert (goal.unit, goal.words) == (
        "job-years",
        "job-years 2025-2040 (direct jobs of every year, added up)",
    )
    assert Objective.measured("weighted", FINAL, 2025, 2040, 2040).unit == "index"


MESSAGE = "the plan is infeasible: no allocation meets all the rows below at once. Fix: "
MESSAGES = {
    "infeasible": MESSAGE + "raise budget(public,p1) by 10 musd, or lower program_floor(a) by "
    "10 musd, or lower program_floor(b) by 10 musd (each change alone is enough)",
    "two_conflicts": MESSAGE + "together, lower program_floor(b) by 10 musd and lower "
    "program_floor(d) by 20 musd (the plan has more than one conflict; the rows below show one)",
}
"""The line's fix is the diagnosis's (`solver.fixes`): by hand, each change works alone in
`infeasible` (floors 60 + 70 over a budget of 120), and only both together in `two_conflicts`
(there also floors 30 + 30 over the other pool's 40)."""
CONFLICT = [
    "These constraints conflict (an irreducible infeasible subset: without any one of them the "
    "rest can be met):",
    "  - budget(public,p1): budget of pool public in p1 <= 120 musd (pools.csv row 2, column "
    "budget_musd)",
    "  - program_floor(a): floor on program a >= 60 musd (programs.csv row 2, column floor_musd)",
    "  - program_floor(b): floor on program b >= 70 musd (programs.csv row 3, column floor_musd)",
]
EXPECTED = {
    "infeasible": CONFLICT
    + [
        "The smallest change of the rows above that makes the plan feasible (least total "
        "change, each in its row's unit: 10):",
        "  - lower program_floor(a) (floor on program a) by 10 musd: from 60 to 50 "
        "(programs.csv row 2, column floor_musd)",
    ],
    "two_conflicts": CONFLICT
    + [
        "The smallest change of the data that makes the plan feasible (least total change, "
        "each in its row's unit: 30):",
        "  (changing the rows above alone cannot make the plan feasible: it has more than one "
        "conflict, so this change also moves rows outside that set, marked 'outside the set "
        "above')",
        "  - lower program_floor(b) (floor on program b) by 10 musd: from 70 to 60 "
        "(programs.csv row 3, column floor_musd)",
        "  - lower program_floor(d) (floor on program d) by 20 musd: from 30 to 10 "
        "(programs.csv row 5, column floor_musd; outside the set above)",
    ],
}
"""Today's messages (before the records), word for word."""


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_infeasibility_records_put_into_words_equal_todays_message(folder):
    with pytest.raises(InfeasibleError) as caught:
        solve_inputs(load_inputs(DATA / folder), "jobs", targets="hard")
    err = caught.value
    assert str(err) == MESSAGES[folder]
    found = err.infeasibility
    assert isinstance(found, Infeasibility)
    assert [c.constraint for c in found.conflicts] == [
        "budget(public,p1)",
        "program_floor(a)",
        "program_floor(b)",
    ]
    first = found.conflicts[0]
    assert (first.side, first.bound, first.place) == (
        "upper",
        120.0,
        Place("pools.csv", 2, "budget_musd"),
    )
    assert list(err.details) == explain(found) == EXPECTED[folder]


def test_records_of_columns_and_structure_in_words():
    """Column bounds (a timing window, a lower bound of 0 left out) and a row with no input
    number behind it, from records alone."""
    window = Conflict("invest(a,public,2031)", "invest", {}, "upper", 0.0, True, Place())
    zero = Conflict("invest(a,public,2026)", "invest", {}, "lower", 0.0, True, Place())
    other = Conflict("x(b)", "invest", {}, "upper", 2.5, True, Place("programs.csv", 3, "cap"))
    change = Relaxation("r(a)", "program_floor", {"program": "a"}, "lower", 5, 2, False, Place())
    found = Infeasibility((window, zero, other), (change,), 2.0, False)
    assert explain(found)[1:] == [
        "  - invest(a,public,2031): timing window: no money (the model's structure, not an "
        "input number)",
        "  - x(b): bound 2.5 (programs.csv row 3, column cap)",
        "The smallest change of the data that makes the plan feasible (least total change, "
        "each in its row's unit: 2):",
        "  - lower r(a) (floor on program a) by 2 musd: from 5 to 3 (the model's structure, "
        "not an input number)",
    ]
