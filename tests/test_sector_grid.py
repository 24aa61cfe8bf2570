"""`tables.sector_by_phase`'s cells (the terminal's and report's sector x phase grid), by hand:
each the exact sum of its rows' investment, 0 where nothing is invested, a given sector or
phase with no money a row or column of zeros, money outside the given rows and columns left
out, and the mitigation row last, adding its phase with money as a column."""

from __future__ import annotations

import pandas as pd

from allocator.report.tables import sector_by_phase


def _allocation() -> pd.DataFrame:
    # s1 in p1: ten rows of 0.1, exactly summed (math.fsum) 1.0; added in turn 0.9999999999999999
    return pd.DataFrame(
        {
            "sector": ["s2", *["s1"] * 10, "s1", "s9"],
            "phase": ["p2", *["p1"] * 10, "p2", "p1"],
            "year": [2030, *[2025] * 10, 2031, 2025],
            "invest_musd": [7.0, *[0.1] * 10, 5.0, 1.0],
        }
    )


def test_cells_by_hand() -> None:
    mitigation = pd.Series({"p1": 2.0, "p2": 0.0, "p3": 4.0}, name="risk mitigation")
    table = sector_by_phase(_allocation(), ["p1", "p2"], ["s1", "s2", "s3"], mitigation)
    assert list(table.index) == ["s1", "s2", "s3", "risk mitigation"]
    assert list(table.columns) == ["p1", "p2", "p3"]  # p3: mitigation money, so a column
    assert table.index.name == "sector"
    assert table.columns.name == "phase"
    assert table.to_numpy().tolist() == [
        [1.0, 5.0, 0.0],
        [0.0, 7.0, 0.0],
        [0.0, 0.0, 0.0],  # s3: given, nothing invested; s9: not given, left out
        [2.0, 0.0, 4.0],
    ]
    assert (table.dtypes == "float64").all()


def test_no_sector_given_is_a_float_table() -> None:
    table = sector_by_phase(_allocation(), ["p1", "p2"], [])
    assert table.shape == (0, 2)
    assert (table.dtypes == "float64").all()
