"""report.html and the workbook say what the terminal says of a robust plan (`solve --risk`).

The terminal, the page and the workbook are each read by their own code here (a regular
expression on the terminal's words, an HTML parser on the page, openpyxl on the workbook), and
each number is held to run.json's `risk` value and to the other surfaces' text.
"""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from conftest import BASELINE

ARGS = {  # few scenarios: each solve takes about a second
    "cvar": ("--risk", "cvar", "--cvar-cap", "9000", "--scenarios", "10", "--seed", "0"),
    "worst-case": ("--risk", "worst-case", "--scenarios", "8", "--seed", "1"),
}
NUMBER = r"(-?[\d,]+(?:\.\d+)?)"


@pytest.fixture(scope="module", params=list(ARGS))
def robust(request, solved_run):
    """(kind, run folder, the terminal's words on one line, run.json's `risk`)."""
    folder, ran = solved_run("--inputs", BASELINE, *ARGS[request.param])
    risk = json.loads((folder / "run.json").read_text(encoding="utf-8"))["risk"]
    return request.param, folder, " ".join(ran.stdout.split()), risk


class _Section(HTMLParser):
    """The page's robust-plan section: its heading, its text and its table's rows by key."""

    def __init__(self) -> None:
        super().__init__()
        self.inside, self.heading, self.text = False, "", []
        self.rows: dict[str, list[str]] = {}
        self.values: dict[str, str] = {}
        self._row: str | None = None
        self._cell: list[str] | None = None
        self._h2 = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "h2":
            self.inside = a.get("id") == "robust-plan"
            self._h2 = self.inside
        elif self.inside and tag == "tr" and a.get("data-key"):
            self._row = a["data-key"]
            self.rows[self._row] = []
        elif self.inside and tag == "td" and self._row:
            self._cell = []
            if "data-v" in a:
                self.values[self._row] = a["data-v"]

    def handle_endtag(self, tag):
        if tag == "h2":
            self._h2 = False
        elif tag == "td" and self._cell is not None and self._row:
            self.rows[self._row].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._h2:
            self.heading += data
        elif self._cell is not None:
            self._cell.append(data)
        elif self.inside:
            self.text.append(data)


def _page(folder: Path) -> _Section:
    parser = _Section()
    parser.feed((folder / "report.html").read_text(encoding="utf-8"))
    return parser


def _section(folder: Path) -> str:
    """The page's robust-plan section as written (HTML, up to the next heading)."""
    page = (folder / "report.html").read_text(encoding="utf-8")
    start = page.index('<h2 id="robust-plan"')
    return page[start : page.index("<h2", start + 1)]


def _terminal(kind: str, said: str) -> dict[str, str]:
    """The numbers of the terminal's robust-plan lines, by run.json key, as it shows them."""
    patterns = {
        "jobs_nominal": rf"on the nominal data it gives {NUMBER} jobs",
        "nominal_plan_expected_jobs": rf"the nominal plan, fixed, expects {NUMBER} jobs",
        "nominal_plan_worst_jobs": rf"over the same scenarios \(its worst: {NUMBER} jobs\)",
    }
    if kind == "cvar":
        patterns |= {
            "objective": rf"expected {NUMBER} jobs over the scenarios",
            "plan_worst_jobs": rf"its worst scenario {NUMBER} jobs",
            "price_of_risk": rf"price of risk {NUMBER} jobs of expected value per job of CVaR",
            "cap": rf"CVaR cap {NUMBER} jobs binds",
            "tail_shortfall_jobs": rf"the tail shortfall reached is {NUMBER} jobs",
            "reference_jobs": rf"against the nominal plan's {NUMBER} jobs",
        }
    else:
        patterns |= {
            "objective": rf"the worst scenario reaches {NUMBER} jobs",
            "plan_expected_jobs": rf"this plan expects {NUMBER} jobs over the scenarios",
        }
    found = {}
    for key, pattern in patterns.items():
        match = re.search(pattern, said)
        assert match, f"the terminal does not say {key}: {pattern}"
        found[key] = match.group(1)
    return found


def _close(text: str, value: float, unit: str) -> None:
    """`text` is `value` as people read it: whole jobs, or a ratio to 4 decimals."""
    shown = float(text.replace(",", ""))
    step = 0.5 if unit.startswith("jobs") and "per" not in unit else 0.5e-4
    assert abs(shown - value) <= step + 1e-9, (text, value)


def test_the_page_has_a_robust_plan_section_with_kind_scenarios_and_seed(robust):
    kind, folder, _said, risk = robust
    page = _page(folder)
    assert page.heading.startswith("Robust plan")
    text = " ".join(" ".join(page.text).split())
    words = "CVaR, beta 0.9" if kind == "cvar" else "worst case"
    assert words in text
    assert f"{risk['scenarios']} scenarios" in text
    assert f"seed {risk['seed']}" in text
    if kind == "cvar":
        assert "price of risk" in text
        assert "expected jobs it gives up per job" in text  # the price's meaning in words


def test_each_number_of_the_terminal_is_on_the_page_with_its_unit(robust):
    kind, folder, said, risk = robust
    terminal = _terminal(kind, said)
    page = _page(folder)
    for key, text in terminal.items():
        assert key in page.rows, f"the page has no row for {key}"
        _label, shown, unit = page.rows[key][:3]
        assert shown == text, (key, shown, text)  # the same number, shown alike
        assert float(page.values[key]) == pytest.approx(risk[key], rel=1e-9, abs=1e-9)
        _close(shown, risk[key], unit)
        per = "jobs of expected value per job of CVaR cap"
        assert unit == (per if key == "price_of_risk" else "jobs"), (key, unit)


def _whole(value: float) -> int:
    return math.floor(value + 0.5)


def _signed(value: int) -> str:
    return f"+{value:,}" if value > 0 else f"{value:,}"


def test_the_page_and_the_terminal_say_what_hedging_changes(robust):
    kind, folder, said, risk = robust
    rows = _page(folder).rows
    expected = risk["objective"] if kind == "cvar" else risk["plan_expected_jobs"]
    worst = risk["plan_worst_jobs"] if kind == "cvar" else risk["objective"]
    more = _whole(expected) - _whole(risk["nominal_plan_expected_jobs"])
    safer = _whole(worst) - _whole(risk["nominal_plan_worst_jobs"])
    assert rows["hedging_expected_jobs"][1:3] == [_signed(more), "jobs"]
    assert rows["hedging_worst_jobs"][1:3] == [_signed(safer), "jobs"]
    words = f"{_signed(more)} jobs expected and {_signed(safer)} jobs in the worst scenario"
    assert words in said  # the terminal says it too
    assert words in " ".join(" ".join(_page(folder).text).split())


def test_the_workbook_has_the_same_numbers(robust):
    kind, folder, said, risk = robust
    page = _page(folder)
    book = openpyxl.load_workbook(folder / "workbook.xlsx", read_only=True)
    assert "risk" in book.sheetnames
    rows = list(book["risk"].iter_rows(values_only=True))
    head = [str(h) for h in rows[0]]
    by_label = {r[head.index("quantity")]: dict(zip(head, r, strict=True)) for r in rows[1:]}
    for key in _terminal(kind, said):
        label, shown, unit = page.rows[key][:3]
        row = by_label[label]
        assert row["number (see unit column)"] == pytest.approx(risk[key], rel=1e-12, abs=1e-9)
        assert row["unit"] == unit
        assert row["shown"] == shown
    book.close()


def test_report_rebuilds_the_section_and_reads_an_older_run_json(robust, tmp_path):
    """`allocator report` rebuilds the same section from the run folder; a run.json written before
    the plan's own expected and worst jobs were recorded still gives the section, with what
    it holds (no hedging row it cannot know, no error)."""
    import shutil

    from conftest import run_cli

    kind, folder, _said, _risk = robust
    copy = shutil.copytree(folder, tmp_path / "run")
    (copy / "report.html").unlink()
    assert run_cli("report", copy).exit_code == 0
    assert _section(copy) == _section(folder)  # the section rebuilt is the section written
    record = json.loads((copy / "run.json").read_text(encoding="utf-8"))
    for key in ("plan_expected_jobs", "plan_worst_jobs", "worst_jobs"):
        record["risk"].pop(key, None)
    (copy / "run.json").write_text(json.dumps(record), encoding="utf-8")
    ran = run_cli("report", copy)
    assert ran.exit_code == 0, ran.stderr
    rows = _page(copy).rows
    assert "objective" in rows
    assert "jobs_nominal" in rows
    assert "hedging_expected_jobs" not in rows
