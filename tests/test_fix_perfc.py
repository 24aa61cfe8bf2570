"""bench/lpcalls.py, the measure of issue 30's budget c (the extra LPs' HiGHS time over the main
solve's): the ratio of one run, and a run from a named source tree as `--against` makes it (the
ninth session's measurements interleave two trees in fresh processes). No timing is asserted."""

from __future__ import annotations

import sys

import pytest

from conftest import DATA, ROOT

sys.path.insert(0, str(ROOT / "bench"))
from lpcalls import MAIN, ratios, run_calls, table  # noqa: E402


def _call(where: str, s: float, cpu: float, it: int = 1) -> dict:
    return {"where": where, "n": 2, "m": 3, "it": it, "qp": 0, "s": s, "cpu": cpu}


def test_ratio_is_the_extra_lps_over_the_main_solve() -> None:
    rows = [
        _call("heldface.py:solve < heldface.py:chain", 0.5, 0.25),
        _call(f"{MAIN} results.py:solve_lp", 2.0, 1.0),
        _call("heldface.py:solve < ties.py:within_programs", 1.0, 0.35),
    ]
    assert ratios(rows) == pytest.approx((0.75, 0.6))
    assert (
        table(rows)[-1]
        == "extra LPs / main solve: 0.75 by wall, 0.60 by CPU (2 calls, 2 iterations)"
    )


def test_no_ratio_without_a_main_solve() -> None:
    rows = [_call("heldface.py:solve < heldface.py:chain", 0.5, 0.25)]
    assert ratios(rows) is None
    assert not table(rows)[-1].startswith("extra LPs")


def test_a_run_from_a_named_tree_counts_every_lp_of_the_tie_rule(tmp_path) -> None:
    rows = run_calls(
        ["--inputs", str(DATA / "ties"), "--out", str(tmp_path / "run")],
        str(tmp_path),
        str(ROOT / "src"),
    )
    wheres = [r["where"] for r in rows]
    assert sum(w.startswith(MAIN) for w in wheres) == 1
    assert any("ties.py:within_programs" in w for w in wheres)
    assert ratios(rows) is not None
