"""Issue 30, budget b (the Python time outside HiGHS at 1e6): each cut keeps the same results.

Each test pins a behaviour of a faster path (the same values as the old one, or a slow call
no longer made); none measures time (bench/outside.py and bench/README.md do).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from allocator.data import records
from allocator.data.inputs import load_inputs
from allocator.data.schema import Program, Target
from allocator.report import tables as t
from conftest import BASELINE


def _refused(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the slow path was taken")


# -- report/tables.py: the ramped caps' words without np.isin over Python objects ------------


def test_held_ramps_words_match_the_rule_without_isin(monkeypatch: pytest.MonkeyPatch) -> None:
    """A program_cap row of a program with ramp rows gets RAMP_MOVED, others not; missing
    programs (None, NaN, pd.NA) and a program named like another's prefix are never matched.
    np.isin over the object column (31 ms at 1e6 nonzeros) is not called."""
    rows = pd.DataFrame(
        {
            "family": ["ramp", "program_cap", "program_cap", "ramp", "program_cap", "budget"]
            + ["program_cap", "program_cap"],
            "program": ["p1", "p1", "p10", "p2", None, "p2", np.nan, "p2"],
        }
    )
    rows["program"] = rows["program"].astype(object)
    rows.loc[4, "program"] = pd.NA
    rows["upper"] = 100.0  # every cap above 0: moved with its ramp rows
    words = [f"w{i}" for i in range(len(rows))]
    monkeypatch.setattr(t.np, "isin", _refused)
    got = t._held_ramps(rows, words)
    held = [False, True, False, False, False, False, False, True]
    assert got == [w + t.RAMP_MOVED if h else w for w, h in zip(words, held, strict=True)]


def test_held_ramps_on_the_baseline_shadow_prices(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shadow prices table of a solved dataset with absorption limits says RAMP_MOVED on
    exactly the caps of ramped programs, with np.isin refused."""
    from conftest import solved

    _, sol, _ = solved(str(BASELINE))
    monkeypatch.setattr(t.np, "isin", _refused)
    prices = t.shadow_prices(sol)
    ramped = set(sol.rows.loc[sol.rows["family"] == "ramp", "program"])
    want = (sol.rows["family"] == "program_cap") & sol.rows["program"].isin(ramped)
    assert ramped
    assert prices["description"].str.endswith(t.RAMP_MOVED).tolist() == want.tolist()


# -- data/records.py: how a column is read, worked out once per column ------------------------


def test_a_dataset_loads_without_a_per_cell_unit_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading reads each column's unit and kind once (`records._reading`), not by
    `_unit_of` for each of a table's cells (21,649 cells at 1e6 nonzeros): with `_unit_of`
    refused the baseline loads, to the same rows as a load that may call it."""
    want = load_inputs(BASELINE)
    monkeypatch.setattr(records, "_unit_of", _refused)
    got = load_inputs(BASELINE)
    assert got.programs == want.programs
    assert got.targets == want.targets
    assert got.model_dump() == want.model_dump()


@pytest.mark.parametrize(
    ("column", "cell", "others", "value"),
    [
        ("value", "2B", {"kind": "exports"}, 2000.0),  # unit_from: money for exports
        ("value", "1500", {"kind": "jobs"}, 1500.0),  # a count for jobs
        ("value", " 12 ", {"kind": "jobs "}, 12.0),  # the unit's cell read stripped
        ("value", "2.5", {"kind": "other"}, 2.5),  # no unit found: the field's float reading
        ("value", "text", {"kind": "other"}, "text"),  # left to the row model
        ("year", "2030", {}, "2030"),  # a whole number: left to the model unless it has a point
        ("year", "2030.0", {}, 2030),
        ("target", "t1", {}, "t1"),  # an id: text
    ],
)
def test_cells_read_as_before(column: str, cell: str, others: dict[str, str], value: Any) -> None:
    """`_cell_value` on Target's columns: a unit taken from another cell of the row, a float
    and an int field, text; the same value whichever way the reading is found."""
    cells = {"kind": "jobs", **others, column: cell}
    got = records._cell_value(Target, column, cell.strip(), cells)
    assert got == value
    assert type(got) is type(value)
    assert records.read_cell(Target, column, cell.strip(), cells) == value


def test_a_bad_cell_is_refused_in_the_same_words() -> None:
    """A refused cell still names its file, row, column and its unit's fix (the error path
    reads the unit as before); an ambiguous count through a unit taken from another cell too."""
    lines = [row.split("|") for row in _PROGRAMS]
    with pytest.raises(records.InputError) as err:
        records.read_records("programs.csv", lines, Program)
    said = str(err.value)
    assert said.startswith("programs.csv, row 2, column 'cap_musd': ")
    assert "2B or $800M" in said  # the money howto
    with pytest.raises(ValueError, match="thousands comma"):
        records._cell_value(Target, "value", "1,500", {"kind": "jobs", "value": "1,500"})


_PROGRAMS = [
    "program|name|sector|first_year|last_year|cap_musd|lag_years|jobs_per_musd|exports_per_musd"
    "|source",
    "p1|P one|mining|2026|2030|lots|1|3|0|a source",
]


# -- solver/results.py: snap_plan's last round finds no column to undo without a pass ---------


class _Untouchable:
    """A matrix whose entries may not be read: only its shape."""

    shape = (3, 4)

    @property
    def indices(self) -> Any:
        raise AssertionError("the entries were read")

    @property
    def col_of_entry(self) -> Any:
        raise AssertionError("the entries were read")


def test_no_worse_row_means_no_column_without_reading_the_entries() -> None:
    """`_in_rows` with no row flagged (snap_plan's usual last round) answers "no column" from
    the shape alone; a pass over every entry (1e6: ~13 ms) only when a row is flagged."""
    from types import SimpleNamespace

    from allocator.solver import results

    got = results._in_rows(SimpleNamespace(matrix=_Untouchable()), np.zeros(3, dtype=bool))
    assert got.dtype == bool
    assert got.tolist() == [False] * 4


def test_snap_plan_undoes_a_snap_that_breaks_a_row_as_before() -> None:
    """Plans with noise that snapping would push a row outside its bounds: the same columns
    found to undo as a pass over every entry finds, round by round."""
    from allocator.solver import results
    from allocator.solver.compile import build_lp

    lp, _ = build_lp(load_inputs(BASELINE), "off")
    lp.highs.run()
    x0 = np.array(lp.highs.getSolution().col_value)
    rng = np.random.default_rng(30)
    flagged = 0
    a = lp.matrix
    for scale in (1e-10, 1e-8, 1e-6):
        x = x0 + rng.normal(0.0, scale, x0.size) * np.maximum(1.0, np.abs(x0))
        worse = results._outside(lp, a @ x) > 0
        want = np.bincount(a.col_of_entry, weights=worse[a.indices], minlength=a.shape[1]) > 0
        assert results._in_rows(lp, worse).tolist() == want.tolist()
        flagged += int(worse.any())
        results.snap_plan(lp, x)
    assert flagged > 0


def test_a_cap_of_0_or_none_is_said_as_the_row_alone_as_the_solver_moves_it() -> None:
    """The solver moves a cap with its ramp rows only where the cap is above 0 and finite
    (`units.ramped_caps`: a share of 0 has no ratio to move them by); the words follow the same
    rule, so a cap of 0 is not said to move its absorption limits while its rates are its row's
    alone."""
    from allocator.solver.units import ramped_caps

    family = ["ramp", "program_cap", "ramp", "program_cap", "ramp", "program_cap"]
    program = ["a", "a", "b", "b", "c", "c"]
    upper = np.array([30.0, 100.0, 0.0, 0.0, np.inf, np.inf])
    rows = pd.DataFrame({"family": family, "program": program, "upper": upper})
    got = t._held_ramps(rows, ["w"] * 6)
    moved = ramped_caps(family, [(p,) for p in program], upper)
    assert sorted(moved) == [1]
    assert [i for i, w in enumerate(got) if w.endswith(t.RAMP_MOVED)] == [1]
