"""The workbook's Sensitivity sheet's `value_unit` (`bookunits.with_value_unit`), on hand-made
frames: a variable's unit is reduced_costs.csv's `value_unit` for that variable (the last row of
a name given twice, blank for a variable it lacks), a constraint's its own `holds_for_unit`
(missing stays missing); the column goes after `unit` and the table given is left as it was."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from allocator.report.bookunits import VALUE_UNIT, units_by, with_value_unit


def _sensitivity(dtype: str | None) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "section": ["constraint", "variable", "variable", "constraint", "variable"],
            "name": ["budget[p1]", "x[b]", "x[z]", "cap[a]", "x[a]"],
            "unit": ["musd", "musd", "musd", "jobs", "musd"],
            "holds_for_unit": ["musd", "jobs", "jobs", None, "exports"],
            "final_value": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    return frame if dtype is None else frame.astype({"section": dtype, "name": dtype})


def _reduced() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "variable": ["x[a]", "x[b]", "x[a]"],  # x[a] twice: its last row is read
            "value_unit": ["jobs", "musd", "tons"],
        }
    )


@pytest.mark.parametrize("dtype", [None, "string", "object"])
def test_each_row_takes_its_own_unit(dtype: str | None) -> None:
    sens = _sensitivity(dtype)
    before = sens.copy()
    out = with_value_unit(sens, _reduced())
    assert list(out.columns) == [
        "section",
        "name",
        "unit",
        VALUE_UNIT,
        "holds_for_unit",
        "final_value",
    ]
    got = out[VALUE_UNIT].tolist()
    # budget: its holds_for_unit; x[b] from reduced (not its holds_for_unit "jobs"); x[z] is
    # not in reduced: blank; cap: missing stays missing; x[a]: the last of its two rows
    assert got[:3] == ["musd", "musd", ""]
    assert got[3] is None or (isinstance(got[3], float) and math.isnan(got[3])) or got[3] is pd.NA
    assert got[4] == "tons"
    pd.testing.assert_frame_equal(sens, before)  # the CSV table is not changed


def test_missing_parts_leave_the_table() -> None:
    sens = _sensitivity(None)
    assert with_value_unit(sens, None) is sens
    assert with_value_unit(sens, _reduced().drop(columns="value_unit")) is sens


@pytest.mark.parametrize("dtype", [None, "string", "str"])
def test_summary_units_by_group(dtype: str | None) -> None:
    """A summary sheet's `<measure>_unit` (bookunits.units_by): each group's distinct units, sorted,
    joined by `; `, blank and `nan` left out, the groups sorted by key (missing key last)."""
    key = pd.Series(["b", "a", "b", "a", "b", "c", None, "a"], name="family")
    unit = pd.Series(["musd", "jobs", "jobs", "jobs", "", "nan", "tons", "index"], name="u")
    if dtype is not None:
        key, unit = key.astype(dtype), unit.astype(dtype)
    got = units_by(key, unit)
    assert got.index.name == "family"
    assert got.tolist() == ["index; jobs", "jobs; musd", "", "tons"]
    assert got.index.tolist()[:3] == ["a", "b", "c"]
    assert pd.isna(got.index.tolist()[3])
