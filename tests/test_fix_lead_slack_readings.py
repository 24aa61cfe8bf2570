"""A --slack read two ways is offered only in the readings --slack takes (a share in [0, 1)):
one reading taken -> that one, and why the other is none; neither -> an example and why."""

from __future__ import annotations

import pytest

from conftest import run_cli


@pytest.mark.parametrize(
    ("typed", "offered", "not_offered"),
    [
        ("2.500%", "write 2.5%", "write 2.5% or 2500%"),  # 2500% is a slack of 25: refused
        ("1.500", "e.g. --slack 0.02", "write 1.5"),  # 1.5 and 1500: neither is a slack
    ],
)
def test_a_slack_read_two_ways_offers_only_slacks(tmp_path, typed, offered, not_offered):
    res = run_cli("alternatives", "--slack", typed, "--out", tmp_path / "run")
    assert res.exit_code == 2, res.stderr
    assert res.stderr.count("\n") == 1, res.stderr
    fix = res.stderr.split("Fix:", 1)[1]
    assert offered in fix, res.stderr
    assert not_offered not in fix, res.stderr
    assert "in [0, 1)" in fix, res.stderr
    assert not (tmp_path / "run").exists()
    taken = fix.split("write ", 1)[1].split(" ", 1)[0] if "write " in fix else "0.02"
    ok = run_cli("alternatives", "--slack", taken, "--out", tmp_path / "ok")
    assert ok.exit_code == 0, ok.stderr  # the reading offered is a --slack alternatives takes
