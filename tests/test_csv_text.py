"""The CSV tables' numbers: 12 significant digits, empty where missing or infinite (write_csv)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from allocator.report.write import write_csv


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["a,b", "x", math.inf],
            "value": [1 / 3, math.inf, math.nan],
            "count": [1, 2, 3],
            "flag": [True, False, True],
            "neg": [-0.0, 1e20, 1.5e-13],
            "nullable": pd.array([2.5, None, -math.inf], dtype="Float64"),
        }
    )


def test_numbers_are_written_with_12_digits_and_blanks_for_missing_and_infinite(tmp_path):
    table = frame()
    write_csv(table, tmp_path / "t.csv")
    assert table["value"].dtype == float  # the frame itself is not rewritten
    assert table["value"].iloc[0] == 1 / 3
    assert (tmp_path / "t.csv").read_bytes() == (
        b"name,value,count,flag,neg,nullable\n"
        b'"a,b",0.333333333333,1,True,0,2.5\n'
        b"x,,2,False,1e+20,\n"
        b",,3,True,1.5e-13,\n"
    )


def test_the_same_bytes_as_pandas_float_format(tmp_path):
    """The one-pass formatting writes what pandas' float_format wrote (infinite as missing)."""
    rng = np.random.default_rng(0)
    values = rng.normal(size=500) * 10.0 ** rng.integers(-15, 15, size=500)
    values[::37] = math.inf
    values[::41] = math.nan
    table = pd.DataFrame({"k": np.arange(500), "v": values, "w": -values})
    write_csv(table, tmp_path / "new.csv")
    old = table.assign(v=table["v"].mask(np.isinf(values)), w=table["w"].mask(np.isinf(values)))
    old.to_csv(tmp_path / "old.csv", index=False, float_format="%.12g", lineterminator="\n")
    assert (tmp_path / "new.csv").read_bytes() == (tmp_path / "old.csv").read_bytes()
