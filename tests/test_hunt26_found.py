"""Findings of hunt26 (decide now / adapt later, what-if at meeting speed, slides). Each test is a
strict xfail that fails today for the reason it names and asserts what a correct program gives
(by hand from the written tables and the docs' definitions); drop the mark with the fix."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from starlette.testclient import TestClient

from conftest import DATA, run_cli

TOKEN = "hunt26-token-not-secret"
AUTH = {"X-Allocator-Token": TOKEN}
UNIT = re.compile(r"^(?P<name>.+?) \((?P<unit>[^()]+)\)$")
LABELS = {"year", "point", "scenario"}
"""Numbers that are labels, not quantities (docs/workbooks.md: years, a frontier's point, a
scenario's number)."""


def _sheets(run: Path) -> dict[str, list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(run / "workbook.xlsx", read_only=True)
    try:
        return {s.title: list(s.iter_rows(values_only=True)) for s in book.worksheets}
    finally:
        book.close()


def _unitless(rows: list[tuple[Any, ...]]) -> list[str]:
    """The headers of a sheet's numeric columns that say no unit (labels aside)."""
    bad = []
    for j, head in enumerate(rows[0]):
        numbers = [
            r[j]
            for r in rows[1:]
            if j < len(r) and isinstance(r[j], int | float) and not isinstance(r[j], bool)
        ]
        if numbers and str(head) not in LABELS and not UNIT.match(str(head)):
            bad.append(str(head))
    return bad


def _two_stage(tmp_path: Path, *extra: str) -> Path:
    """`allocator solve --decide-now p1` on tests/data/two_stage (4 scenarios, targets off)."""
    out = tmp_path / "ts"
    ran = run_cli(
        "solve",
        "--inputs",
        DATA / "two_stage",
        "--decide-now",
        "p1",
        "--scenarios",
        "4",
        "--targets",
        "off",
        "--out",
        out,
        *extra,
    )
    assert ran.exit_code == 0, ran.stderr
    return out


def _served(tmp_path: Path, dataset: str) -> TestClient:
    """serve's app on a project holding a copy of tests/data/`dataset`, reached with the token."""
    from allocator.runs.spec import RunSpec
    from allocator.serve.app import create_app
    from allocator.serve.held import HeldModel

    project = tmp_path / "project"
    shutil.copytree(DATA / dataset, project / "inputs" / dataset)
    held = HeldModel(RunSpec(inputs=project / "inputs" / dataset))
    app = create_app(held, TOKEN, project / "models", project / "results", ("testserver",))
    return TestClient(app, raise_server_exceptions=False)


def test_a_two_stage_workbook_holds_its_evpi_vss_and_expected_objective(tmp_path):
    """EVPI, VSS and the here-and-now expectation are recomputed by hand from
    two_stage_scenarios.csv (EVPI = mean wait-and-see - mean here-and-now; VSS = mean
    here-and-now - mean nominal decide-now) and must each be some cell of the workbook."""
    import pandas as pd

    run = _two_stage(tmp_path)
    table = pd.read_csv(run / "two_stage_scenarios.csv")
    here = table["here_and_now"].mean()
    evpi = table["wait_and_see"].mean() - here
    vss = here - table["nominal_decide_now"].mean()
    assert evpi > 1  # the case has value in both (2.48 and 20.1 jobs)
    assert vss > 1
    cells = [
        v
        for rows in _sheets(run).values()
        for row in rows
        for v in row
        if isinstance(v, int | float) and not isinstance(v, bool)
    ]
    for value in (here, evpi, vss):
        assert any(abs(c - value) <= 1e-6 * max(1.0, abs(value)) for c in cells), value


def test_every_numeric_column_of_a_two_stage_workbook_has_a_unit(tmp_path):
    sheets = _sheets(_two_stage(tmp_path))
    missing = {n: bad for n, rows in sheets.items() if n != "charts" and (bad := _unitless(rows))}
    assert missing == {}


def test_every_numeric_column_of_a_core_workbook_has_a_unit(tmp_path):
    out = tmp_path / "core"
    ran = run_cli("core", "--inputs", DATA / "core", "--samples", "8", "--out", out)
    assert ran.exit_code == 0, ran.stderr
    sheets = _sheets(out)
    missing = {n: bad for n, rows in sheets.items() if n != "charts" and (bad := _unitless(rows))}
    assert missing == {}


def test_save_without_a_name_says_the_name_is_missing(tmp_path):
    client = _served(tmp_path, "replan")
    answer = client.post("/api/save", json={"nam": "x"}, headers=AUTH)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert "None" not in error
    assert "name" in error


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (
            ("solve", "--decide-now", "p1", "--targets", "off", "--scenarios", "1"),
            "--scenarios",
        ),
        (("sweep", "--serial", "--samples", "0"), "--samples"),
        (("frontier", "--points", "1"), "--points"),
    ],
    ids=["scenarios-1", "samples-0", "points-1"],
)
def test_a_whole_number_option_below_its_least_is_one_line_with_a_fix(tmp_path, args, option):
    out = tmp_path / "run"
    ran = run_cli(*args, "--inputs", DATA / "two_stage", "--out", out)
    assert ran.exit_code == 2
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1, ran.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert option in lines[0]
    assert "Fix:" in lines[0]
    assert not out.exists()


def test_compare_workbook_headers_point_to_the_unit_column(tmp_path):
    runs = []
    for name, extra in (("one", ()), ("two", ("--set", "pools.public/p1.budget_musd=120"))):
        out = tmp_path / name
        ran = run_cli("solve", "--inputs", DATA / "sweep", "--out", out, *extra)
        assert ran.exit_code == 0, ran.stderr
        runs.append(out)
    out = tmp_path / "cmp"
    ran = run_cli("compare", *runs, "--out", out)
    assert ran.exit_code == 0, ran.stderr
    book = openpyxl.load_workbook(out / "compare.xlsx", read_only=True)
    try:
        rows = list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()
    units = {r[2] for r in rows[1:]}
    assert len(units) > 1  # jobs, US$ million, plans, ...: the unit varies by row
    assert _unitless(rows) == []
    assert all(str(h).endswith("(see unit column)") for h in rows[0][3:]), rows[0]


def test_a_what_ifs_moved_changes_are_given_to_12_significant_digits(tmp_path):
    """tests/data/sweep: budget 100 -> 100.04 puts 0.04 more into x (1 job and 2 musd of
    exports per musd): jobs 300 -> 300.04, exports 100 -> 100.08. The changes are 0.04 and
    0.08, as `allocator solve --set`'s tables would subtract them."""
    client = _served(tmp_path, "sweep")
    assert client.get("/api/plan", headers=AUTH).status_code == 200
    answer = client.post(
        "/api/set", json={"set": ["pools.public/p1.budget_musd=100.04"]}, headers=AUTH
    )
    assert answer.status_code == 200, answer.text[:300]
    moved = answer.json()["moved"]
    pairs = [moved["headline"], *moved["outcomes"], *moved["programs"]]
    changes = {p.get("name", "headline"): p["change"] for p in pairs}
    assert changes["exports_2026_musd"] != 0.0  # the exports moved
    for name, change in changes.items():
        assert change == float(f"{change:.12g}"), (name, change)
    assert changes["exports_2026_musd"] == 0.08
    assert changes["headline"] == 0.04


def test_a_two_stage_exports_headline_is_one_number_on_the_terminal_and_the_page(tmp_path):
    """tests/data/two_stage with exports per US$ million (a 1.5, uncertain 1 to 2; b 2; c 1),
    4 scenarios, cumulative exports over 2025-2026: the expected objective is 476.796 musd."""
    import html as htmllib

    data = tmp_path / "ex"
    shutil.copytree(DATA / "two_stage", data)
    (data / "model.yaml").unlink()
    programs = (data / "programs.csv").read_text()
    for old, new in ((",0,2,0,", ",0,2,1.5,"), (",0,1,0,", ",0,1,2,"), (",0,1.2,0,", ",0,1.2,1,")):
        programs = programs.replace(old, new)
    (data / "programs.csv").write_text(programs)
    with (data / "uncertainty.csv").open("a") as f:
        f.write("programs:a:exports_per_musd,1,2,uniform,test range\n")
    out = tmp_path / "run"
    ran = run_cli(
        "solve", "--inputs", data, "--decide-now", "p1", "--scenarios", "4", "--targets", "off",
        "--objective", "exports", "--measure", "cumulative", "--out", out,
    )  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    terminal = re.search(r"two-stage plan \([^)]*\): (\S+) expected", ran.stdout)
    page = re.search(r"Headline: (?:<[^>]+>)*([\d,.]+)", (out / "report.html").read_text())
    assert terminal, ran.stdout
    assert page
    assert htmllib.unescape(page[1]) == terminal[1]


def _labelled(sheets: dict[str, list[tuple[Any, ...]]], word: str, value: float) -> bool:
    """Whether some row of some sheet holds a text with `word` and the number `value`."""
    for rows in sheets.values():
        for row in rows:
            texts = " ".join(str(v) for v in row if isinstance(v, str)).lower()
            numbers = [v for v in row if isinstance(v, int | float) and not isinstance(v, bool)]
            if word in texts and any(
                abs(v - value) <= 1e-9 * max(1.0, abs(value)) for v in numbers
            ):
                return True
    return False


def test_a_replans_workbook_holds_its_cost_of_deviations_and_money_moved(tmp_path):
    """tests/data/replan, approved 2,360 jobs (a 100 in 2025, c 100 + 20, b 80). Actuals: a 35
    in 2025 and 25 in 2026, nothing else, as of 2026: 40 unspent carries into phase2, where c
    takes its cap 120 (8 jobs/musd) and b 20, then b 100 in phase3: 600 + 960 + 600 = 2,160
    jobs, a cost of 200; moved after 2026: b +20 +20, c +20 -20 = 80 musd."""
    run = tmp_path / "approved"
    ran = run_cli("solve", "--inputs", DATA / "replan", "--out", run)
    assert ran.exit_code == 0, ran.stderr
    out = tmp_path / "replanned"
    ran = run_cli(
        "replan", run, "--actuals", DATA / "replan" / "actuals.csv", "--as-of", "2026",
        "--out", out,
    )  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    assert "cost 200 direct jobs" in ran.stdout
    assert "after 2026: 80 musd" in ran.stdout
    sheets = _sheets(out)
    assert _labelled(sheets, "approved", 2360)
    assert _labelled(sheets, "cost", 200)
    assert _labelled(sheets, "moved", 80)
