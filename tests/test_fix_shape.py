"""Behaviour pinned while long modules and functions were cut by responsibility (task shape):
the report's assumptions section, the inline SVG charts, the sweep chart and the refusals of
`allocator report RUN`. Each test passed before the cut and passes after it (a refactor changes
no output); the byte digests were taken from the code before the cut.
"""

from __future__ import annotations

import hashlib
import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

import allocator.cli  # noqa: F401 - registers every command on the app
from allocator.cli.commands import app
from allocator.report.assumed import Assumed
from allocator.report.svg import bars, line
from conftest import DATA

ROWS = [
    Assumed("pools.csv row 5", "Korea's budget <assumed>", True),
    Assumed("programs.csv row 2", "jobs & ratio", False),
]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _section(*args, **kwargs) -> str:
    from allocator.report.assumedhtml import assumptions_section

    return assumptions_section(*args, **kwargs)


# --- the assumptions section of report.html ---------------------------------------------------


def test_assumptions_relied_on_first_then_all_escaped():
    info = {"relied_on": {"plan": "allocator solve's plan of x"}}
    page = _section(info, ROWS, "", "binding limits with a price")
    assert page == (
        "<h2>Assumptions this run depends on</h2>"
        "<p>2 input rows rest on an assumption; this plan relies on 1 of them (binding limits "
        "with a price; this plan: allocator solve&#x27;s plan of x):</p>"
        "<ul><li>pools.csv row 5: Korea&#x27;s budget &lt;assumed&gt;</li></ul>"
        "<details><summary>All 2 input rows that rest on an assumption</summary><ul>"
        "<li>pools.csv row 5: Korea&#x27;s budget &lt;assumed&gt;</li>"
        "<li>programs.csv row 2: jobs &amp; ratio</li></ul></details>"
    )


def test_assumptions_of_a_study_without_its_record_are_counted_not_listed_as_relied():
    page = _section({}, ROWS, "", "")
    assert "2 input rows rest on an assumption; which of them a plan of this study" in page
    assert "this plan relies on" not in page
    assert page.endswith("<li>programs.csv row 2: jobs &amp; ratio</li></ul></details>")


@pytest.mark.parametrize(
    ("rows", "why", "said"),
    [
        (None, "the dataset moved", "not listed here: the dataset moved</p>"),
        (None, "", "not listed here: the dataset could not be read, or the run compares"),
        ([], "", "<p>No input row states an assumption: every number cites a source.</p>"),
    ],
)
def test_assumptions_not_listed_say_why(rows, why, said):
    page = _section({}, rows, why)
    assert page.startswith("<h2>Assumptions this run depends on</h2><p>")
    assert said in page
    assert "<li>" not in page


def test_options_are_said_only_for_a_run_without_a_spec():
    opts = {"options": {"objective": "jobs", "targets": "soft", "model_file": "m.yaml"}}
    said = "<p>Options: objective jobs, targets soft, model file m.yaml.</p>"
    assert said in _section(opts, [])
    assert "Options:" not in _section({**opts, "spec": {}}, [])


# --- the inline SVG charts --------------------------------------------------------------------


def test_frontier_line_places_points_and_marks_cut_axes():
    svg = line(
        [100.0, 150.5, 200.0],
        [5000.0, 4200.0, 3000.0],
        "Exports",
        "Jobs",
        "Frontier",
        ("US$ million per year", "jobs"),
    )
    # x: 60 + (150.5 - 100) * 440 / 100; y: 300 - 60 - (4200 - 3000) * 180 / 2000
    assert 'points="60.00,60.00 282.20,132.00 500.00,240.00"' in svg
    assert "Exports (axis cut: starts at 100, not 0)" in svg
    assert "Jobs (axis cut: starts at 3,000, not 0)" in svg
    assert svg.count('<g class="cut">') == 2
    assert "<title>150.5, 4,200</title>" in svg
    assert _sha(svg) == "0009ad50a5cabd4a7759e0a8b64a0a8594278615207d91b5d439c21c742616ab"


def test_line_from_zero_has_no_cut_and_no_points_no_chart():
    svg = line([0.0, 10.0], [-1.0, 2.0], "x", "y", "T")
    assert "axis cut" not in svg
    assert '<g class="cut">' not in svg
    assert _sha(svg) == "bf54f2ca69c097d6f2705b7a5b16ad3a1bcfd6b23742e83582f06b3f171e7dda"
    assert line([], [], "x", "y", "T") == ""


def test_stacked_bars_with_marks_and_a_long_label():
    svg = bars(
        ["Mining & metals", "A very long sector label that is cut past forty characters"],
        {"phase1": [10.0, 3.5], "phase2": [2.0, 0.0]},
        "US$ million",
        "Investment",
        marks=[11.0, 4.0],
        mark_name="optimum",
    )
    # top = 12: phase1's bar of 10 is 400 * 10 / 12 wide, the mark of 11 at 250 + 400 * 11 / 12
    assert 'width="333.33"' in svg
    assert 'x1="616.67"' in svg
    assert "A very long sector label that is cut pa\u2026" in svg
    assert _sha(svg) == "d41bffc61f18f7d251bfcb57adeb8cdefef76c2aa1e7d756428864f40295b79e"


# --- the sweep chart ----------------------------------------------------------------------------


def test_sweep_chart_without_an_optimal_sample_says_so(tmp_path, monkeypatch):
    from allocator.report import studyplots

    said: list[str] = []
    monkeypatch.setattr(studyplots, "note", lambda ax, text: said.append(text))
    frame = pd.DataFrame({"status": ["infeasible"], "jobs": [None], "exports_musd": [None]})
    path = studyplots.plot_sweep(frame, tmp_path / "s.png", "Sweep", 2040)
    assert said == ["No sample reached an optimal plan"]
    assert path == tmp_path / "s.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- allocator report RUN: what it refuses ------------------------------------------------------


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A small solve's run folder, written once (copied before any test changes it)."""
    out = tmp_path_factory.mktemp("shape") / "run"
    res = CliRunner().invoke(app, ["solve", "--inputs", str(DATA / "replan"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


def _report(folder):
    return CliRunner().invoke(app, ["report", str(folder)])


def test_report_rebuilds_the_same_page(run_dir, tmp_path):
    copy = shutil.copytree(run_dir, tmp_path / "run")
    before = (copy / "report.html").read_bytes()
    res = _report(copy)
    assert res.exit_code == 0, res.output
    assert (copy / "report.html").read_bytes() == before


def test_report_refuses_a_missing_table(run_dir, tmp_path):
    copy = shutil.copytree(run_dir, tmp_path / "run")
    before = (copy / "report.html").read_bytes()
    (copy / "budgets.csv").unlink()
    res = _report(copy)
    assert res.exit_code == 2
    assert "budgets.csv is missing: run.json says allocator wrote it there" in res.output
    assert (copy / "report.html").read_bytes() == before


def test_report_refuses_a_linked_table(run_dir, tmp_path):
    copy = shutil.copytree(run_dir, tmp_path / "run")
    shutil.move(copy / "limits.csv", tmp_path / "limits.csv")
    (copy / "limits.csv").symlink_to(tmp_path / "limits.csv")
    res = _report(copy)
    assert res.exit_code == 2
    assert "limits.csv is a link, not a table allocator wrote" in res.output


def test_report_refuses_a_folder_without_run_json(tmp_path):
    (tmp_path / "report.html").write_text("mine", encoding="utf-8")
    res = _report(tmp_path)
    assert res.exit_code == 2
    assert "has no run.json. Fix: give a run folder written by allocator" in res.output
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == "mine"
