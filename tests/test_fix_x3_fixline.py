"""Task x3: an infeasible plan's one error line offers a fix that works.

The line's fix is built from the diagnosis: each change of one conflicting row that, alone,
makes the plan feasible (joined by "or"), else the least relaxation's changes together. Each
test applies the offered change to a copy of the data (the cell the diagnosis places the row
in) and re-solves: the plan is then feasible. Every infeasible case of tests/data is here.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from allocator.data.inputs import load_inputs
from allocator.errors import InfeasibleError
from allocator.model.solution import Infeasibility, Place
from allocator.pipeline import solve_inputs
from conftest import DATA, copy_dataset, run_cli

CHANGE = re.compile(r"(raise|lower) ([a-z_]+\([^)]*\)) by ([0-9][0-9,.]*) ")

EXPECTED = {
    ("targets", "hard"): (False, [("lower", "target(jobs,sector,s2,2026)", 300.0)]),
    ("shares", "hard"): (False, [("lower", "processing_share(cu,2026)", 10.0)]),
    ("infeasible", "hard"): (
        False,
        [
            ("raise", "budget(public,p1)", 10.0),
            ("lower", "program_floor(a)", 10.0),
            ("lower", "program_floor(b)", 10.0),
        ],
    ),
    ("infeasible", "soft"): (
        False,
        [
            ("raise", "budget(public,p1)", 10.0),
            ("lower", "program_floor(a)", 10.0),
            ("lower", "program_floor(b)", 10.0),
        ],
    ),
    ("two_conflicts", "hard"): (
        True,
        [("lower", "program_floor(b)", 10.0), ("lower", "program_floor(d)", 20.0)],
    ),
}
"""(folder, targets): (the changes go together, the changes): by hand from each folder's CSVs
(targets: program c reaches 100 musd x 2 jobs = 200 of the 500 asked; raising its cap alone
cannot help, the budget of 120 binds next)."""


def _error(folder: Path, targets: str) -> InfeasibleError:
    with pytest.raises(InfeasibleError) as caught:
        solve_inputs(load_inputs(folder), "jobs", targets=targets)
    return caught.value


def _fix(line: str) -> tuple[bool, list[tuple[str, str, float]]]:
    """The changes a line's fix offers, and whether they go together."""
    fix = line.split("Fix: ", 1)[1]
    changes = [(v, row, float(n.replace(",", ""))) for v, row, n in CHANGE.findall(fix)]
    return fix.startswith("together,"), changes


def _place(found: Infeasibility, row: str) -> Place:
    records = list(found.conflicts) + list(found.relaxation)
    return next(r.place for r in records if r.constraint == row)


def _apply(folder: Path, place: Place, verb: str, amount: float) -> None:
    """Move the cell at `place` by `amount`: up to raise a cap or budget, down to lower a floor
    or target (each of these rows' bound is its cell, or its cell less a constant)."""
    assert place.file is not None
    assert place.row is not None
    assert place.column is not None
    path = folder / place.file
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    k = rows[0].index(place.column)
    old = float(rows[place.row - 1][k])
    rows[place.row - 1][k] = repr(old + amount if verb == "raise" else old - amount)
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


@pytest.mark.parametrize(("folder", "targets"), sorted(EXPECTED))
def test_the_error_line_offers_the_changes_a_re_solve_confirms(tmp_path, folder, targets):
    err = _error(DATA / folder, targets)
    line = str(err)
    assert line.startswith("the plan is infeasible: "), line
    assert "\n" not in line
    together, changes = _fix(line)
    assert (together, changes) == EXPECTED[folder, targets], line
    found = err.infeasibility
    assert isinstance(found, Infeasibility)
    groups = [changes] if together else [[c] for c in changes]
    for n, group in enumerate(groups):
        fixed = copy_dataset(DATA / folder, tmp_path / f"fix{n}")
        for verb, row, amount in group:
            _apply(fixed, _place(found, row), verb, amount)
        solve_inputs(load_inputs(fixed), "jobs", targets=targets)  # feasible: no error


def test_a_change_the_line_leaves_out_does_not_make_the_plan_feasible(tmp_path):
    """tests/data/targets: program_cap(c) is in the conflict, but raising it alone (to
    1,000,000 musd) leaves the plan infeasible (the budget of 120 binds), so the line does not
    offer it; nor a budget, which raised alone fails the same way."""
    err = _error(DATA / "targets", "hard")
    assert "program_cap(c)" not in str(err).split("Fix: ", 1)[1]
    assert "budget" not in str(err).split("Fix: ", 1)[1]
    found = err.infeasibility
    assert isinstance(found, Infeasibility)
    for n, row in enumerate(("program_cap(c)",)):
        fixed = copy_dataset(DATA / "targets", tmp_path / f"cap{n}")
        _apply(fixed, _place(found, row), "raise", 999_900.0)
        _error(fixed, "hard")
    fixed = copy_dataset(DATA / "targets", tmp_path / "budget")
    _apply(fixed, Place("pools.csv", 2, "budget_musd"), "raise", 999_880.0)
    _error(fixed, "hard")


def test_the_json_document_and_explain_carry_the_same_line(tmp_path):
    """`solve --json`: exit 1 (an infeasible plan), one JSON document whose `error` is the line;
    `explain` prints the same line first on stderr, exit 1, and writes nothing."""
    ran = run_cli(
        "solve",
        "--inputs",
        DATA / "targets",
        "--targets",
        "hard",
        "--json",
        "--out",
        tmp_path / "r",
    )
    assert ran.exit_code == 1, ran.stderr
    doc = json.loads(ran.stdout)
    assert doc["error"] == str(_error(DATA / "targets", "hard"))
    assert not (tmp_path / "r").exists()
    said = run_cli("explain", "--inputs", DATA / "targets", "--targets", "hard")
    assert said.exit_code == 1
    assert said.stderr.splitlines()[0] == f"error: {doc['error']}"


FLOORS = (
    "--set",
    "programs.advanced_materials.floor_musd=8500",
    "--set",
    "programs.aerospace_components.floor_musd=8500",
)
"""The baseline with floors of 8,500 on two phase-3 programs that only pools korea (2,181.8
in phase3) and rnd (8,500) fund: 17,000 asked of 10,681.8, short by 6,318.2 musd."""


def test_the_baselines_conflict_names_three_changes_each_confirmed_by_a_re_solve(tmp_path):
    """Four rows can each make the plan feasible alone (either budget raised, either floor
    lowered, by 6,318.2 musd); the line names three and counts the fourth. Each named change,
    applied with --set as the line gives it, solves."""
    said = run_cli("explain", *FLOORS)
    assert said.exit_code == 1, said.stderr
    line = said.stderr.splitlines()[0]
    assert line.endswith(
        "(each change alone is enough, as is a change of 1 other row of the set below)"
    )
    together, changes = _fix(line)
    short = 8500 * 2 - 2181.8 - 8500
    assert not together
    assert changes == [
        ("raise", "budget(korea,phase3)", pytest.approx(short)),
        ("raise", "budget(rnd,phase3)", pytest.approx(short)),
        ("lower", "program_floor(advanced_materials)", pytest.approx(short)),
    ]
    cells = [
        f"pools.korea/phase3.budget_musd={2181.8 + changes[0][2]!r}",
        f"pools.rnd/phase3.budget_musd={8500 + changes[1][2]!r}",
        f"programs.advanced_materials.floor_musd={8500 - changes[2][2]!r}",
    ]
    for n, cell in enumerate(cells):
        ran = run_cli("solve", *FLOORS, "--set", cell, "--json", "--out", tmp_path / f"r{n}")
        assert ran.exit_code == 0, (cell, ran.stdout[:300])


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(10.0, 10.0), (10.000000000001, 10.0), (13.333333333, 13.3334), (6318.2, 6318.2)],
)
def test_an_amount_is_rounded_away_from_the_conflict(amount, shown):
    """A change printed smaller than the least one (13.3333 for 13.333333) would leave the plan
    infeasible by 3e-5, past HiGHS's 1e-7: rounded up, unless only noise is past 6 digits."""
    from allocator.sixdigits import away

    assert away(amount, up=True) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.00022671234, 0.000226712),
        (120.12345678, 120.123),
        (5.0000000000001, 5.0),
        (-13.333333333, -13.3334),
    ],
)
def test_a_lowered_bound_is_rounded_down_away_from_the_conflict(value, shown):
    """The what-if's relaxation line lowers a lower side: the value shown, given to --set, must
    be at most the one found (-13.333333333 -> -13.3334, never -13.3333)."""
    from allocator.sixdigits import away

    assert away(value, up=False) == shown


def test_without_a_change_to_name_the_line_says_where_to_look():
    """No relaxation (the elastic copy infeasible: a window or a link, not a number, is in the
    way) and a relaxation that needs no change past 1e-7 (tolerances): neither offers a change."""
    from allocator.solver.diagnosis import Diagnosis
    from allocator.solver.fixes import fix_words

    lp = _error(DATA / "infeasible", "hard").lp
    nothing = fix_words(lp, Diagnosis([(0, "upper")], [], [], None))
    assert nothing.startswith("no change of a budget, cap, floor")
    assert "timing windows and links" in nothing
    tolerance = fix_words(lp, Diagnosis([(0, "upper")], [], [], 0.0))
    assert "HiGHS's tolerances decide" in tolerance
    assert " by " not in nothing + tolerance
