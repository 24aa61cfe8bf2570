"""The cap of a program with absorption limits says that its numbers move the cap row alone:
`--set programs.X.cap_musd` also moves the program's yearly `ramp` rows (docs/shadow-prices.md,
tests/test_hunt14_found.py keeps the data move as an expected failure)."""

from __future__ import annotations

import pandas as pd

from allocator.report.tables import RAMP_MOVED
from conftest import BASELINE, run_cli


def test_a_ramped_cap_says_its_limits_are_held_and_a_plain_cap_does_not(tmp_path):
    res = run_cli("solve", "--inputs", BASELINE, "--out", tmp_path / "run")
    assert res.exit_code == 0, res.stderr
    prices = pd.read_csv(tmp_path / "run" / "shadow_prices.csv").set_index("constraint")
    said = prices["description"]
    assert said["program_cap(semiconductor_assembly)"] == (
        "cap on program semiconductor_assembly" + RAMP_MOVED
    )
    assert said["program_cap(copper_processing)"].endswith(RAMP_MOVED)
    assert said["program_cap(electronics_assembly)"] == "cap on program electronics_assembly"
    held = {c[len("program_cap(") : -1] for c in said.index[said.str.endswith(RAMP_MOVED)]}
    programs = pd.read_csv(BASELINE / "programs.csv")
    ramped = set(programs.loc[programs["max_annual_share"].notna(), "program"])
    assert held == ramped == {"semiconductor_assembly", "copper_processing"}
