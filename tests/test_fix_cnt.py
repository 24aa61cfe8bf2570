"""The rules behind the cnt fixes of review 7 (counts, pages, API keywords and number styles),
each held where it is made, beyond the cases tests/test_review7_found.py pins."""

from __future__ import annotations

import pandas as pd

from allocator.report.assumed import Assumed

ROWS = [Assumed("programs.csv row 2", "a guess", True), Assumed("pools.csv row 3", "b")]


def test_a_study_of_a_plan_without_prices_does_not_count_its_limits():
    """A study's run.json record of a plan without shadow prices (`sweep --plan RUN` of a
    near-optimal or two-stage plan: `relied_on.priced` false) is said as such on its page."""
    from allocator.report.html import render

    block = {"plan": "the plan of r", "rows": {"programs.csv": [0]}, "priced": False}
    page = render({}, {"command": "sweep", "relied_on": block}, ROWS)
    assert "relies on 1 of them (programs it funds; which limits bind" in page
    assert "limits that bind with a price, programs it funds" not in page


def test_run_relied_records_a_plan_without_prices_as_such(tmp_path):
    """`run_relied` of a run folder whose shadow_prices.csv holds no price records `priced`
    false; with a price, no such key (the pages of solve's plans read as before)."""
    from allocator.data.inputs import load_inputs
    from allocator.studies.reference import run_relied
    from conftest import DATA

    inp = load_inputs(DATA / "greedy")
    prices = {"constraint": ["budget(public,p1)"], "family": ["budget"], "binding": [True]}
    pd.DataFrame({**prices, "shadow_price": [None]}).to_csv(tmp_path / "shadow_prices.csv")
    assert run_relied(inp, tmp_path)["priced"] is False
    pd.DataFrame({**prices, "shadow_price": [8.0]}).to_csv(tmp_path / "shadow_prices.csv")
    assert "priced" not in run_relied(inp, tmp_path)


def test_a_settings_assumption_is_on_the_page_and_in_a_workbooks_audit(tmp_path):
    """settings.csv's `assumption` is listed on report.html's assumptions (as check lists it),
    and a workbook's settings sheet states one as settings.csv does."""
    import shutil

    from allocator.data.audit import audit
    from allocator.data.inputs import load_inputs
    from allocator.report.assumed import assumptions_of
    from conftest import DATA, run_cli

    data = shutil.copytree(DATA / "greedy", tmp_path / "data")
    (data / "settings.csv").write_text(
        "setting,value,assumption\nnumber_style,point,read from two figures\n", encoding="utf-8"
    )
    said = [(a.where, a.text) for a in assumptions_of(load_inputs(data))]
    assert said == [("settings.csv row 2", "read from two figures")]
    book = tmp_path / "plan.xlsx"
    assert run_cli("export-inputs", book, "--inputs", data).exit_code == 0
    import openpyxl

    wb = openpyxl.load_workbook(book)
    wb["settings"]["C1"], wb["settings"]["C2"] = "assumption", "read from two figures"
    wb.save(book)
    found = [(a.file, a.line, a.key) for a in audit(load_inputs(book)).assumptions]
    assert ("settings.csv", 2, "number_style") in found


def test_a_damaged_relied_on_record_is_said_not_recorded_never_counted():
    """A `relied_on.rows` position that is no whole number (text, a float, true) makes the
    page say which rows the plan relies on is not recorded (with its Fix), not a count."""
    from allocator.report.html import render

    for bad in (["two"], [1.0], [True], 3):
        block = {"plan": "solve's", "rows": {"programs.csv": bad}}
        page = render({}, {"command": "sweep", "relied_on": block}, ROWS)
        assert "is not recorded in its run folder. Fix: run the study again" in page, bad
        assert "this plan relies on" not in page
