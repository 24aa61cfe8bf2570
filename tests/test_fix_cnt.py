"""The rules behind the cnt fixes of review 7 (counts, pages, API keywords and number styles),
each held where it is made, beyond the cases tests/test_review7_found.py pins."""

from __future__ import annotations

import pandas as pd
import pytest

from allocator.report.assumed import Assumed
from conftest import DATA, run_cli

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


@pytest.mark.parametrize(
    ("function", "keywords", "named"),
    [
        ("alternatives", {"slack": "5x"}, "slack 5x"),
        ("alternatives", {"slack": None}, "slack=None is not a number"),
        ("frontier", {"points": "2.5"}, "points='2.5' is not a whole number from 2 to 200"),
        ("frontier", {"points": 1}, "points=1 is not from 2 to 200"),
        ("plan", {"risk": "cvar", "beta": "ninety"}, "beta ninety"),
        ("plan", {"risk": "cvar", "cvar_cap": "20Q"}, "cvar_cap 20Q"),
        ("plan", {"objective": "weighted", "weights": "jobs"}, "--weights 'jobs'"),
    ],
)
def test_an_api_keyword_its_option_refuses_is_refused_naming_it(
    tmp_path, function, keywords, named
):
    """Text a keyword's option refuses (or no number at all) is a UsageError naming the
    keyword, before any work: never a TypeError from deep inside the study."""
    import allocator
    from allocator.errors import UsageError

    out = {} if function == "plan" else {"out": tmp_path / "out"}
    with pytest.raises(UsageError) as refused:
        getattr(allocator, function)(inputs=DATA / "greedy", **out, **keywords)
    assert named in str(refused.value)
    assert "Fix: " in str(refused.value)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("dataset", ["folder", "workbook"])
def test_a_model_files_numbers_are_read_in_its_datasets_declared_style(tmp_path, dataset):
    """Every number a model file writes as text (weights, discount_rate, a factor) is read in
    the style its dataset declares, a folder's settings.csv or a workbook's settings sheet:
    `0,7` is 0.7 in a comma dataset, and refused in a point one (not read as 7)."""
    import shutil

    from allocator.data.modelfile import load_model_file
    from allocator.errors import UsageError

    data = shutil.copytree(DATA / "greedy", tmp_path / "data")
    (data / "settings.csv").write_text("setting,value\nnumber_style,comma\n", encoding="utf-8")
    target = "../data"
    if dataset == "workbook":
        assert run_cli("export-inputs", tmp_path / "plan.xlsx", "--inputs", data).exit_code == 0
        target = "../plan.xlsx"
    model = tmp_path / "models" / "m.yaml"
    model.parent.mkdir()
    model.write_text(
        f"dataset: {target}\nmeasure: discounted\ndiscount_rate: '0,050'\n"
        "weights: {jobs: '0,7', exports: '0,3'}\n",
        encoding="utf-8",
    )
    read, _ = load_model_file(model)
    assert (read.discount_rate, read.weights) == (0.05, {"jobs": 0.7, "exports": 0.3})
    (data / "settings.csv").write_text("setting,value\nnumber_style,point\n", encoding="utf-8")
    if dataset == "folder":
        with pytest.raises(UsageError, match="'0,7' is not a number"):
            load_model_file(model)
