"""Task n3, part 1: a rate line's change of the least target shortfall says its unit, the one
name every other surface gives the weighted shortfall (`model.targets.shortfall_unit`: the CSV
tables' unit columns, the workbook's headers, the summary's least-shortfall line, run.json).
Before: "the least target shortfall rises by 0.0005093" with no unit, on the terminal and in
report.html; the served page called the same number "weighted shortfall (share of each target
missed)", which is wrong wherever targets.csv gives a weight."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from allocator.data.inputs import load_inputs
from allocator.model.targets import shortfall_unit
from allocator.report.rates import rate_words
from conftest import BASELINE

UNIT = shortfall_unit(load_inputs(BASELINE))
CAP = "program_cap(electronics_assembly)"


def test_the_program_names_the_weighted_shortfall_one_way():
    assert UNIT == "weighted shortfall"


def test_a_rate_line_says_the_unit_of_the_shortfalls_change():
    """A hand-made row: one musd less costs 23.2 jobs and raises the least shortfall by
    0.000509333 (the baseline's electronics_assembly cap); one more lowers it by 0.0002."""
    row = SimpleNamespace(
        gain_per_unit_up=9.2,
        up_holds_for=1366.5,
        loss_per_unit_down=1e30,
        down_holds_for=1e30,
        holds_for_unit="musd",
        one_sided="re-solved",
        gain_of_one_unit_up=9.2,
        loss_of_one_unit_down=23.2,
        shortfall_change_up=-0.0002,
        shortfall_change_down=0.000509333333333,
    )
    more, less = rate_words(row, "jobs per musd")
    assert less.startswith(
        "one less musd: -23.2 jobs, and the least target shortfall rises by 0.0005093 "
        f"{UNIT} (at today's least shortfall: no plan is feasible)"
    ), less
    assert f"falls by 0.0002 {UNIT} (" in more, more


def test_the_baseline_line_says_the_unit_and_a_re_solve_gives_the_number(
    baseline_solve, solved_run
):
    """The terminal's line and report.html's for the cap of electronics_assembly say the rise
    in `weighted shortfall`; `allocator solve --set` with the cap 1 musd lower (2,499) gives a
    least weighted shortfall larger by that much (run.json, the summary's unit)."""
    folder, ran = baseline_solve
    line = next(ln for ln in ran.stdout.splitlines() if f"[{CAP}]" in ln)
    assert f"the least target shortfall rises by 0.0005093 {UNIT} (" in line, line
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert f"the least target shortfall rises by 0.0005093 {UNIT} (" in html
    moved, _ = solved_run(
        "--inputs", BASELINE, "--set", "programs.electronics_assembly.cap_musd=2499"
    )
    least = "least_weighted_target_shortfall"
    before = json.loads((folder / "run.json").read_text(encoding="utf-8"))["outcomes"][least]
    after = json.loads((moved / "run.json").read_text(encoding="utf-8"))["outcomes"][least]
    assert after - before == pytest.approx(0.000509333333, rel=1e-6)


def test_the_served_page_names_the_shortfall_as_solve_does():
    from allocator.serve.moved import unit_of

    assert unit_of("least_weighted_target_shortfall", "jobs") == UNIT
