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
from allocator.solver import results
from allocator.solver.compile import build_lp
from tests.conftest import BASELINE, DATA


def _refused(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the slow path was taken")


# -- report/tables.py: the ramped caps' words without np.isin over Python objects ------------


def test_held_ramps_words_match_the_rule_without_isin(monkeypatch: pytest.MonkeyPatch) -> None:
    """A program_cap row of a program with ramp rows gets RAMP_HELD, others not; missing
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
    words = [f"w{i}" for i in range(len(rows))]
    monkeypatch.setattr(t.np, "isin", _refused)
    got = t._held_ramps(rows, words)
    held = [False, True, False, False, False, False, False, True]
    assert got == [w + t.RAMP_HELD if h else w for w, h in zip(words, held, strict=True)]


def test_held_ramps_on_the_baseline_shadow_prices(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shadow prices table of a solved dataset with absorption limits says RAMP_HELD on
    exactly the caps of ramped programs, with np.isin refused."""
    from tests.conftest import solved

    _, sol, _ = solved(str(BASELINE))
    monkeypatch.setattr(t.np, "isin", _refused)
    prices = t.shadow_prices(sol)
    ramped = set(sol.rows.loc[sol.rows["family"] == "ramp", "program"])
    want = (sol.rows["family"] == "program_cap") & sol.rows["program"].isin(ramped)
    assert ramped
    assert prices["description"].str.endswith(t.RAMP_HELD).tolist() == want.tolist()
