"""Every surface says the same number with its unit: the rules behind the hunt12/hunt14 fixes,
each held where it is made (one rule, one place), beyond the cases those tests pin."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from conftest import BASELINE, DATA, run_cli

RELIES = re.compile(r"this plan relies on (\d+) of them")


def test_a_rebuilt_study_page_counts_the_rows_run_json_records(tmp_path):
    """A frontier's page counts the assumed rows among those its reference plan (solve's)
    relies on, as run.json records them (every relied row, assumed or cited); `allocator
    report` rebuilds the same bytes from that record."""
    out = tmp_path / "fr"
    ran = run_cli("frontier", "--points", 2, "--inputs", BASELINE, "--out", out)
    assert ran.exit_code == 0, ran.stderr
    recorded = json.loads((out / "run.json").read_text(encoding="utf-8"))["relied_on"]
    assert recorded["plan"].startswith("allocator solve's plan")
    page = (out / "report.html").read_bytes()
    found = RELIES.search(page.decode("utf-8"))
    assert found
    relied = sum(len(at) for at in recorded["rows"].values())  # positions in key order, by file
    assert 0 < int(found.group(1)) < relied
    assert recorded["rows"]["pools.csv"]  # budgets that bind with a price
    assert run_cli("report", out).exit_code == 0
    assert (out / "report.html").read_bytes() == page


def test_a_study_page_without_the_record_says_the_count_is_unknown_not_zero():
    """A study folder written before run.json recorded `relied_on` (its tables hold no plan's
    prices) says the count is not recorded, never `relies on 0`; with the record, its count."""
    from allocator.report.assumed import Assumed
    from allocator.report.html import render

    rows = [Assumed("programs.csv row 2", "a guess", True), Assumed("pools.csv row 3", "b")]
    unknown = render({}, {"command": "frontier"}, rows)
    assert "not recorded" in unknown
    assert not RELIES.search(unknown)
    info = {"command": "frontier", "relied_on": {"plan": "solve's", "rows": {"pools.csv": [0]}}}
    said = render({}, info, rows)
    assert RELIES.search(said).group(1) == "1"
    assert "this plan: solve&#x27;s" in said


def test_a_sectors_range_says_it_adds_its_programs_up(tmp_path):
    """`alternatives --by sector`: ranges.csv's unit and the terminal say a sector's money is
    over its programs, every pool and year (the words of a program's range said otherwise)."""
    out = tmp_path / "alt"
    ran = run_cli("alternatives", "--by", "sector", "--inputs", DATA / "mga", "--out", out)
    assert ran.exit_code == 0, ran.stderr
    unit = set(pd.read_csv(out / "ranges.csv")["unit"])
    assert unit == {"US$ million over its programs, every pool and year"}
    assert "Widest ranges (US$ million over its programs, every pool and year)" in ran.stdout


def test_a_rate_per_musd_is_headed_as_no_money():
    """The workbook header rule: `*_per_musd` is a rate (its unit column's, if the table has
    one), other `*_musd` columns US$ million, named columns their UNITS entry."""
    from allocator.report.write import header

    assert header("value_per_musd", ["unit"]) == "value_per_musd (see unit column)"
    assert header("jobs_per_musd") == "jobs_per_musd"
    assert header("budget_musd", ["unit"]) == "budget_musd (US$ million)"
    assert header("jobs") == "jobs (jobs)"


def test_the_frontier_chart_and_its_cut_axis_show_jobs_whole():
    """svg.line in the axes' units: jobs whole (545,334) on the points and the cut axis, as
    the table beside it; money by `cell`'s rule."""
    from allocator.report.svg import line

    chart = line([47815.483, 50000.0], [545333.54, 500000.2], "x", "y", "t", ("musd", "jobs"))
    assert "545,334" in chart
    assert "545,333.5" not in chart
    assert "starts at 500,000, not 0" in chart
    assert "47,815.5" in chart


def test_the_sweep_page_says_the_nominal_percentile_whole():
    """The sweep page's nominal_percentile as the terminal's `percentile 33`, not 33.33, and a
    share of samples by the core page's rule (99.5% stays off 100%)."""
    from allocator.report.studyhtml import summary_shown

    summary = pd.DataFrame(
        {
            "item": ["jobs", "program a"],
            "unit": ["jobs", "US$ million"],
            "nominal_percentile": [100 / 3, float("nan")],
            "funded_share": [float("nan"), 0.995],
        }
    )
    shown = summary_shown(summary)
    assert list(shown["nominal_percentile"]) == ["33", ""]
    assert list(shown["funded_share"]) == ["", "99.5%"]


@pytest.mark.parametrize(
    ("weights", "said"),
    [
        ({"exports": 0.3, "jobs": 0.7}, "weighted (weights jobs 0.7, exports 0.3)"),
        ({"jobs": 0.7, "exports": 0.3}, "weighted (weights jobs 0.7, exports 0.3)"),
    ],
)
def test_a_weighted_cores_weights_are_said_in_one_order(weights, said):
    """The weights in the objectives' order, however run.json (key-sorted) or the command line
    gives them."""
    from allocator.report.corehtml import objective_name

    assert objective_name({"name": "weighted", "weights": weights}) == said


def test_two_stage_shortfalls_without_a_recorded_unit_say_weighted_shortfall():
    """A run.json written before `two_stage.shortfall_unit` still gives the shortfalls a unit."""
    from allocator.report.twostagehtml import two_stage_sentences

    block = {
        "decide_now": ["p1"],
        "unit": "jobs",
        "scenarios": 2,
        "here_and_now": 10.0,
        "wait_and_see": 11.0,
        "evpi": 1.0,
        "vss": 0.5,
        "nominal_decide_now": 9.5,
        "sign_convention": "s",
        "expected_shortfall": {"here_and_now": 2.0, "wait_and_see": 1.0, "nominal_decide_now": 3},
    }
    (line,) = [s for s in two_stage_sentences(block) if "expected weighted shortfall" in s]
    assert "here and now 2 weighted shortfall, wait-and-see 1 weighted shortfall" in line
    block["shortfall_unit"] = "targets' worth"
    (line,) = [s for s in two_stage_sentences(block) if "expected weighted shortfall" in s]
    assert "nominal decide-now 3 targets' worth;" in line
