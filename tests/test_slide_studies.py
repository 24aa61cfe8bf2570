"""Issue 29 points 1-2 for the study reports: the frontier report opens with a headline sentence
with units (not "see the tables below"), shows the money by sector at each point and says in
words where money moves most between two neighbouring points."""

from __future__ import annotations

import pandas as pd

from allocator.report.html import render


def frontier() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "point": [1, 2, 3],
            "x": "exports", "x_words": "US$ million of exports in 2040", "x_unit": "musd",
            "x_value": [41364.88, 44000.0, 46261.2],
            "y": "jobs", "y_words": "direct jobs in 2040", "y_unit": "jobs",
            "y_value": [481850.67, 481500.2, 475970.5],
            "rate": [-0.1095, -2.44, float("nan")], "rate_unit": "jobs per musd",
            "aerospace_musd": [2264.2, 2300.0, 6900.0],
            "materials_chemicals_musd": [4613.8, 4600.0, 0.0],
            "automotive_musd": [4000.0, 4000.0, 4000.0],
        }
    )  # fmt: skip


def test_the_frontier_report_opens_with_a_headline_in_words_and_units():
    page = render({"frontier": frontier()}, {"command": "frontier", "points": 3})
    assert "see the tables below" not in page
    assert (
        "Frontier of 3 plans: from <strong>481,851 jobs</strong> (direct jobs in 2040) with "
        "41,364.9 musd (US$ million of exports in 2040) to <strong>475,971 jobs</strong> with "
        "46,261.2 musd." in page
    )


def test_the_frontier_report_shows_money_by_sector_per_point_and_the_largest_move():
    page = render({"frontier": frontier()}, {"command": "frontier", "points": 3})
    section = page[page.index("<h3>Money by sector at each point") :]
    heads = section[: section.index("</tr>")]
    for name in ("point", "aerospace", "materials_chemicals", "automotive"):
        assert f">{name}" in heads
    # from point 2 to 3: aerospace +4,600 musd, materials_chemicals -4,600 musd
    assert (
        "The largest move: from point 2 to point 3, 4,600 musd moves from materials_chemicals "
        "to aerospace" in page
    )


def test_default_run_folders_name_what_differs_from_the_defaults(tmp_path):
    """Issue 29 point 6: `peru2040-jobs-cumulative-targets_off-<time>`, not
    `peru2040-jobs-<time>` for every measure and target mode; the defaults add nothing."""
    from allocator.runs.solve import solve
    from allocator.runs.spec import RunSpec
    from conftest import DATA

    plain = solve(RunSpec(inputs=DATA / "greedy", results=tmp_path)).folder
    other = solve(
        RunSpec(inputs=DATA / "greedy", results=tmp_path, measure="cumulative", targets="off")
    ).folder
    assert plain.name.startswith("greedy-jobs-2")  # then the date
    assert other.name.startswith("greedy-jobs-cumulative-targets_off-2")
    assert RunSpec(risk="cvar", decide_now="phase1").differs() == ["cvar", "decide_now_phase1"]


def test_every_report_says_its_settings_in_words_and_never_see_run_json():
    spec = {
        "objective": "jobs", "measure": "cumulative", "targets": "hard", "risk": "none",
        "decide_now": None,
        "scenario": {"inputs": "inputs/peru2040", "model_file": "models/x.yaml",
                     "overrides": [{"set_cell": {"table": "pools"}}]},
    }  # fmt: skip
    page = render({"frontier": frontier()}, {"command": "frontier", "spec": spec})
    assert (
        '<p class="muted" id="settings">Settings: objective jobs; measure cumulative; targets '
        "hard (must be met); risk none; model file models/x.yaml; 1 cell(s) set.</p>" in page
    )
    assert "see run.json" not in page
    assert "status:" not in page  # a frontier's points each have their own status


def test_half_a_job_rounds_the_same_way_in_the_terminal_and_the_report():
    """Both headlines use `rounding.shown` (halves away from zero); Python's format would say
    596,022 for 596,022.5 while the report said 596,023."""
    from allocator.report.rounding import shown

    assert f"{596022.5:,.0f}" == "596,022"  # the format the terminal used before
    assert shown(596022.5, "jobs") == "596,023"
    # money and indices as every table cell shows them (test_agree_surfaces: one rule)
    assert shown(47815.483, "musd") == "47,815.5"
    assert shown(0.52, "index") == "0.52"
