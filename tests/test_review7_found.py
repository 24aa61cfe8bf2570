"""Review 7: a second pair of eyes on today's changes (f0bfd11..). Each test fails on today's
code (xfail, strict): the reason says the harm in one line."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from conftest import DATA, run_cli

SWEEP = DATA / "sweep"


def _sweep(out: Path, samples: int, *extra: object):
    return run_cli(
        "sweep", "--inputs", SWEEP, "--samples", samples, "--serial", "--out", out, *extra
    )


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_force_keeps_a_sweep_folder_whose_table_was_edited(tmp_path):
    out = tmp_path / "sweep"
    assert _sweep(out, 2).exit_code == 0
    table = out / "sweep_summary.csv"
    table.write_text(table.read_text(encoding="utf-8") + "my note for the minister\n")
    edited = _files(out)
    res = run_cli("solve", "--inputs", DATA / "greedy", "--out", out, "--force")
    assert res.exit_code == 2, res.stderr
    assert "sweep_summary.csv" in res.stderr
    assert _files(out) == edited


def _set_cell(path: Path, row: int, column: str, value: str) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[row][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def test_sweep_of_a_plan_with_a_text_shadow_price_is_one_line(tmp_path):
    plan = tmp_path / "plan"
    assert run_cli("solve", "--inputs", SWEEP, "--out", plan).exit_code == 0
    _set_cell(plan / "shadow_prices.csv", 1, "shadow_price", "abc")
    res = _sweep(tmp_path / "sweep", 2, "--plan", plan)
    assert res.exit_code in (0, 2), res.stderr
    assert "Traceback" not in res.stderr
    if res.exit_code == 0:
        assert (tmp_path / "sweep" / "report.html").is_file()


def test_report_keeps_a_page_the_user_edited(tmp_path):
    run = tmp_path / "run"
    assert run_cli("solve", "--inputs", DATA / "greedy", "--out", run).exit_code == 0
    page = run / "report.html"
    page.write_text(page.read_text(encoding="utf-8") + "<p>my notes for the minister</p>\n")
    edited = _files(run)
    res = run_cli("report", run)
    assert res.exit_code == 2, res.stderr
    assert "report.html" in res.stderr
    assert _files(run) == edited


def _comma_dataset(tmp_path: Path, body: str) -> Path:
    """tests/data/greedy declared in the comma style, and a model file of it saying `body`."""
    data = shutil.copytree(DATA / "greedy", tmp_path / "data")
    (data / "settings.csv").write_text("setting,value\nnumber_style,comma\n", encoding="utf-8")
    models = tmp_path / "models"
    models.mkdir()
    model = models / "m.yaml"
    model.write_text(f"dataset: ../data\n{body}", encoding="utf-8")
    return model


@pytest.mark.parametrize("factor", ["1,5", "1.500"])
def test_a_scale_budget_factor_is_read_in_the_datasets_declared_style(tmp_path, factor):
    body = f"overrides:\n  - scale_budget: {{pool: public, factor: '{factor}'}}\n"
    model = _comma_dataset(tmp_path, body)
    res = run_cli("solve", model, "--out", tmp_path / "run")
    assert "declare the dataset's number style" not in res.stderr, res.stderr
    assert res.exit_code == 0, res.stderr


def test_a_discount_rate_is_not_told_to_declare_a_declared_style(tmp_path):
    model = _comma_dataset(tmp_path, "measure: discounted\ndiscount_rate: '1,000'\n")
    res = run_cli("solve", model, "--out", tmp_path / "run")
    assert "declare the dataset's number style" not in res.stderr, res.stderr


BROKEN_FACT = (
    "fact,value,unit,total_of,same_as,source\na,100,musd,,fact:b,x\nb,100,musd,,fact:a,x\n"
)


@pytest.mark.parametrize("command", ["replan", "explain"])
def test_replan_and_explain_tell_a_broken_fact_as_solve_does(tmp_path, command):
    data = shutil.copytree(SWEEP, tmp_path / "data")
    (data / "facts.csv").write_text(BROKEN_FACT, encoding="utf-8")
    run = tmp_path / "run"
    solved = run_cli("solve", "--inputs", data, "--out", run)
    assert "leads back to this row" in solved.stderr, solved.stderr
    if command == "replan":
        actuals = tmp_path / "actuals.csv"
        actuals.write_text("program,pool,year,spent_musd\n", encoding="utf-8")
        args: tuple[object, ...] = (run, "--actuals", actuals, "--as-of", 2025)
        res = run_cli("replan", *args, "--out", tmp_path / "again")
    else:
        res = run_cli("explain", "--inputs", data)
    assert res.exit_code == 0, res.stderr
    assert "leads back to this row" in res.stderr, res.stderr


def test_a_sweep_whose_header_met_a_full_disk_resumes_to_the_whole_sweep(tmp_path, monkeypatch):
    import errno
    import os

    from allocator.studies import sweepstream

    real = sweepstream.AppendFile.append

    def append(self, text):  # write(2) wrote what fitted of sweep.csv's header, then ENOSPC
        if self.name.endswith("sweep.csv") and self.size() == 0:
            os.write(self.fd, text.encode("utf-8")[: len(text) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, text)

    out, whole = tmp_path / "cut", tmp_path / "whole"
    monkeypatch.setattr(sweepstream.AppendFile, "append", append)
    cut = _sweep(out, 4)
    assert cut.exit_code == 2, cut.stderr
    assert "(Errno 28)" in cut.stderr
    monkeypatch.undo()
    again = _sweep(out, 4, "--resume")
    assert again.exit_code == 0, again.stderr
    assert _sweep(whole, 4).exit_code == 0
    assert (out / "sweep.csv").read_bytes() == (whole / "sweep.csv").read_bytes()


def test_a_page_report_wrote_before_a_full_disk_stays_allocators(tmp_path, monkeypatch):
    import errno
    import os

    from allocator.report import rebuild

    data = shutil.copytree(DATA / "greedy", tmp_path / "data")
    run = tmp_path / "run"
    assert run_cli("solve", "--inputs", data, "--out", run).exit_code == 0
    data.rename(tmp_path / "moved")  # the rebuilt page differs: it says its assumptions are out
    real = rebuild.write_text_atomic

    def write(path, text):  # the page fits; run.json, written next, meets the full disk
        if path.name == "run.json":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(path, text)

    monkeypatch.setattr(rebuild, "write_text_atomic", write)
    res = run_cli("report", run)
    assert res.exit_code == 2, res.stderr
    monkeypatch.undo()
    (tmp_path / "moved").rename(data)
    forced = run_cli("solve", "--inputs", data, "--out", run, "--force")
    assert forced.exit_code == 0, forced.stderr


@pytest.fixture(scope="module")
def alternative_plan(tmp_path_factory) -> Path:
    """`allocator alternatives --inputs BASELINE --alternatives 1`: its alternative-1 folder, a
    near-optimal plan without shadow prices (read it, never write into it)."""
    import pandas as pd

    from conftest import BASELINE

    out = tmp_path_factory.mktemp("alt") / "alt"
    res = run_cli("alternatives", "--inputs", BASELINE, "--alternatives", 1, "--out", out)
    assert res.exit_code == 0, res.stderr
    plan = out / "alternative-1"
    prices = pd.read_csv(plan / "shadow_prices.csv")["shadow_price"]
    assert prices.isna().all()  # a near-optimal plan has no prices (run.json says so)
    return plan


def test_an_alternative_plans_page_does_not_count_rows_by_prices_it_has_not(alternative_plan):
    page = (alternative_plan / "report.html").read_text(encoding="utf-8")
    assert "relies on" in page
    assert "(limits that bind with a price, programs it funds" not in page


def test_an_alternative_plans_page_does_not_say_no_limit_buys_anything(alternative_plan):
    page = (alternative_plan / "report.html").read_text(encoding="utf-8")
    assert "near-optimal" in page
    assert "No limit buys anything at the margin" not in page
    assert "The 0 limits whose room buys the most" not in page


def test_report_of_a_study_with_a_damaged_relied_on_record_is_one_line(tmp_path):
    import json

    out = tmp_path / "sweep"
    assert _sweep(out, 2).exit_code == 0
    record = out / "run.json"
    info = json.loads(record.read_text(encoding="utf-8"))
    assert info["relied_on"]["rows"]  # the reference plan relies on some assumed rows
    info["relied_on"]["rows"] = {"programs.csv": ["two"]}
    record.write_text(json.dumps(info), encoding="utf-8")
    res = run_cli("report", out)
    assert "Traceback" not in res.stderr, res.stderr
    assert res.exit_code in (0, 2), res.stderr


def test_force_names_the_edited_table_inside_an_alternative_plan(tmp_path):
    out = tmp_path / "alt"
    args = ("alternatives", "--inputs", DATA / "greedy", "--alternatives", 1, "--out", out)
    assert run_cli(*args).exit_code == 0
    table = out / "alternative-1" / "allocation.csv"
    assert table.is_file()
    table.write_text(table.read_text(encoding="utf-8") + "my note\n", encoding="utf-8")
    res = run_cli(*args, "--force")
    assert res.exit_code == 2, res.stderr
    assert "which allocator did not write" not in res.stderr, res.stderr
    assert "allocation.csv" in res.stderr, res.stderr


@pytest.mark.parametrize(
    ("typed", "given"),
    [
        (
            {"objective": "weighted", "weights": "jobs=0.7,exports=0.3"},
            {"objective": "weighted", "weights": {"jobs": 0.7, "exports": 0.3}},
        ),
        (
            {"risk": "cvar", "scenarios": 5, "beta": "80%"},
            {"risk": "cvar", "scenarios": 5, "beta": 0.8},
        ),
        (
            {"risk": "cvar", "scenarios": 5, "cvar_cap": "0.02K"},
            {"risk": "cvar", "scenarios": 5, "cvar_cap": 20.0},
        ),
    ],
    ids=["weights", "beta", "cvar_cap"],
)
def test_the_api_reads_a_keyword_as_its_option_does(typed, given):
    import allocator

    data = DATA / "robust"
    want = allocator.plan(inputs=data, **given).info["objective"]["value"]
    assert allocator.plan(inputs=data, **typed).info["objective"]["value"] == want


@pytest.mark.parametrize(
    ("function", "keywords"),
    [("alternatives", {"slack": "5%"}), ("frontier", {"points": "3"})],
    ids=["slack", "points"],
)
def test_a_study_keyword_as_its_option_takes_it_is_read_or_refused_in_words(
    tmp_path, function, keywords
):
    import allocator
    from allocator.errors import UsageError

    call = getattr(allocator, function)
    refused = None
    try:
        call(inputs=DATA / "greedy", out=tmp_path / "out", **keywords)
    except UsageError as exc:
        refused = str(exc)
    assert refused is None or next(iter(keywords)) in refused, refused


def test_an_assumption_in_settings_is_counted_as_in_every_table(tmp_path):
    data = shutil.copytree(DATA / "greedy", tmp_path / "data")
    (data / "settings.csv").write_text(
        "setting,value,source,assumption\n"
        "number_style,point,assumption,number_style: the seeds' style is read from two figures\n",
        encoding="utf-8",
    )
    res = run_cli("check", "--inputs", data)
    assert res.exit_code == 0, res.stderr
    said = " ".join((res.stdout + res.stderr).split())
    assert "Assumptions: numbers with no seed behind them (1)" in said, said
    assert "settings.csv" in said


def _relied_rows(page: Path) -> list[str]:
    """The input rows report.html says the plan relies on (the list after `relies on`)."""
    import re

    text = page.read_text(encoding="utf-8")
    start = text.index("relies on")
    return re.findall(r"<li>(.*?):", text[start : text.index("</ul>", start)])


@pytest.mark.parametrize("command", ["sweep", "core"])
def test_a_study_page_of_a_model_file_lists_the_rows_solves_page_lists(tmp_path, command):
    data = shutil.copytree(SWEEP, tmp_path / "data")
    programs = data / "programs.csv"
    lines = programs.read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ",assumption"] + [f"{r},lag_years: 0 assumed for {r[0]}" for r in lines[1:]]
    programs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    model = tmp_path / "models" / "m.yaml"
    model.parent.mkdir()
    model.write_text("dataset: ../data\noverrides:\n  - exclude_program: x\n", encoding="utf-8")
    assert run_cli("solve", model, "--out", tmp_path / "solve").exit_code == 0
    serial = ("--serial",) if command == "sweep" else ()
    study = run_cli(command, model, "--samples", 2, *serial, "--out", tmp_path / "study")
    assert study.exit_code == 0, study.stderr
    solved = _relied_rows(tmp_path / "solve" / "report.html")
    assert solved == ["programs.csv row 3"]  # y, the one program left
    assert _relied_rows(tmp_path / "study" / "report.html") == solved


def test_a_two_stage_page_does_not_count_limits_it_has_no_prices_of(tmp_path):
    from conftest import BASELINE

    out = tmp_path / "run"
    args = ("--inputs", BASELINE, "--decide-now", "phase1", "--scenarios", 2)
    res = run_cli("solve", *args, "--out", out)
    assert res.exit_code == 0, res.stderr
    assert not (out / "shadow_prices.csv").exists()
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "input rows rest on an assumption" in page
    assert "(limits that bind with a price, programs it funds" not in page
