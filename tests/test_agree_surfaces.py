"""Every surface of a plan agrees on every number it shares, and every number has a unit.

The surfaces are read by code of this file alone (html.parser, csv, openpyxl, regular
expressions on the terminal's text), never by allocator's own formatting functions, so a number
formatted wrong in one place shows up as two surfaces that disagree.
"""

from __future__ import annotations

import csv
import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import BASELINE, DATA, run_cli

NUM = r"[+-]?\d+(?:,\d{3})*(?:\.\d+)?"
"""A number as people read it: thousands separated by commas, an optional sign and decimals."""


class _Page(HTMLParser):
    """report.html as text and as tables, each table under the heading (h2/h3) before it."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.text: list[str] = []
        self._heading = ""
        self._in: str | None = None
        self._skip = 0
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("h2", "h3"):
            self._in, self._heading = tag, ""
        elif tag == "table":
            self._rows = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1
        elif tag in ("h2", "h3"):
            self._in = None
        elif tag == "table" and self._rows is not None:
            self.tables.setdefault(self._heading.strip(), self._rows)
            self._rows = None
        elif tag in ("td", "th") and self._cell is not None and self._rows:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in:
            self._heading += data
        if self._cell is not None:
            self._cell.append(data)
        self.text.append(data)


def page(run: Path) -> _Page:
    """report.html of a run folder, parsed."""
    parsed = _Page()
    parsed.feed((run / "report.html").read_text(encoding="utf-8"))
    return parsed


def records(rows: list[list[str]]) -> list[dict[str, str]]:
    """A parsed table as dicts by header (the unit in brackets dropped)."""
    head = [re.sub(r" \(.*\)$", "", h) for h in rows[0]]
    return [dict(zip(head, r, strict=True)) for r in rows[1:]]


def csv_rows(run: Path, name: str) -> list[dict[str, str]]:
    with (run / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def sheets(run: Path, *names: str) -> dict[str, list[tuple]]:
    """The sheets `names` (all without) of a run's workbook.xlsx as rows of values (openpyxl;
    the file closed)."""
    import openpyxl

    book = openpyxl.load_workbook(run / "workbook.xlsx", read_only=True)
    try:
        chosen = [s for s in book.worksheets if not names or s.title in names]
        return {s.title: list(s.iter_rows(values_only=True)) for s in chosen}
    finally:
        book.close()


def words(html: _Page) -> str:
    return re.sub(r"\s+", " ", "".join(html.text))


@pytest.fixture(scope="module")
def base(baseline_solve):
    """(run folder, terminal text, parsed report) of `allocator solve` on the baseline."""
    run, ran = baseline_solve
    return run, ran.stdout, page(run)


# --- money ---------------------------------------------------------------------------------


def test_risk_mitigation_spent_is_one_number_in_terminal_and_report(base):
    """The money line, the sector x phase table and the report's sentence all say the money
    spent on risk mitigation rounded the same way (largest remainder, so the parts add up)."""
    run, text, html = base
    line = re.search(rf"spent ({NUM}) \(investment ({NUM}), risk mitigation ({NUM})\)", text)
    assert line, text
    grid_row = re.search(rf"│ risk mitigation\s+│.*│\s+({NUM}) │", text)
    assert grid_row, text
    said = re.search(rf"Money spent: ({NUM}) US\$ million, of which ({NUM}) on risk", words(html))
    assert said, words(html)
    report_money = re.search(rf"spent ({NUM}) \(investment ({NUM}), risk mitigation ({NUM})\)",
                             words(html))  # fmt: skip
    assert report_money
    assert said.group(2) == line.group(3) == grid_row.group(1) == report_money.group(3)
    assert said.group(1) == line.group(1) == report_money.group(1)


def test_money_of_json_agrees_with_budgets_csv(tmp_path):
    """`solve --json` money equals the sums of budgets.csv (spent, unspent, pools and risk)."""
    out = tmp_path / "run"
    ran = run_cli("solve", "--inputs", BASELINE, "--json", "--out", out)
    assert ran.exit_code == 0, ran.stderr
    data = json.loads(ran.stdout)
    rows = csv_rows(out, "budgets.csv")
    risk = [r for r in rows if r["pool"].startswith("risk:")]
    pools = [r for r in rows if not r["pool"].startswith("risk:")]
    for part, group in (("pools", pools), ("risk_mitigation", risk)):
        for key in ("spent", "unspent"):
            total = math.fsum(float(r[f"{key}_musd"]) for r in group)
            assert math.isclose(data["money_musd"][part][key], total, rel_tol=1e-9), (part, key)
    totals = {r["year"]: r for r in csv_rows(out, "outcomes.csv") if r["dimension"] == "total"}
    for year, row in totals.items():
        assert math.isclose(data["outcomes"][f"jobs_{year}"], float(row["jobs"]), rel_tol=1e-9)
        got = data["outcomes"][f"exports_{year}_musd"]
        assert math.isclose(got, float(row["exports_musd"]), rel_tol=1e-9)


# --- outcomes per milestone -------------------------------------------------------------------


def _terminal_path(text: str, kind: str) -> tuple[str, dict[str, str]]:
    """The terminal's `jobs (UNIT): 2030 N, ...` line: its unit and each year's number."""
    line = re.search(rf"^  {kind} \((.*?)\): (.*)$", text, re.M)
    assert line, text
    return line.group(1), dict(re.findall(rf"(\d{{4}}) ({NUM})", line.group(2)))


def test_milestones_terminal_agrees_with_report(base):
    """Jobs and exports per milestone: the same unit and the same shown number in the terminal
    and in report.html (exports 2030 are 11,000.5 US$ million: not 11,000 in one place)."""
    _, text, html = base
    table = records(html.tables["Jobs and exports per milestone"])
    head = html.tables["Jobs and exports per milestone"][0]
    for kind, column in (("jobs", 1), ("exports", 2)):
        unit, path = _terminal_path(text, kind)
        assert head[column] == f"{kind} ({unit})"
        assert path == {r["year"]: r[kind] for r in table}, kind


def test_units_of_outcomes_are_one_label_on_every_surface(base, tmp_path):
    """The unit of jobs and exports: the terminal's words are the report's target headings' and
    `allocator compare`'s (one label: `US$ million per year`, never `a year` in one place)."""
    _, text, html = base
    out = tmp_path / "compare"
    ran = run_cli("compare", "jobs", "exports", "--inputs", BASELINE, "--out", out)
    assert ran.exit_code == 0, ran.stderr
    compared = {r["metric"]: r["unit"] for r in csv_rows(out, "compare.csv")}
    for kind in ("jobs", "exports"):
        unit, _ = _terminal_path(text, kind)
        assert f"{kind.capitalize()} targets ({unit})" in html.tables, kind
        assert compared[f"total {kind} in 2040"] == unit, kind
    units = {_terminal_path(text, kind)[0] for kind in ("jobs", "exports")}
    for line in _missed(text).values():
        assert line[3] in units, line


def test_workbook_headers_give_exports_the_one_unit_label(base):
    """The workbook's exports columns carry the exports label the terminal says (US$ million per
    year: a flow at a milestone), not the money label of every other `_musd` column."""
    run, text, _ = base
    unit, _ = _terminal_path(text, "exports")
    heads = {str(h) for h in sheets(run, "outcomes")["outcomes"][0]}
    assert f"exports_musd ({unit})" in heads, sorted(heads)
    assert "invest_musd (US$ million)" in {
        str(h) for h in sheets(run, "allocation")["allocation"][0]
    }


def test_json_top_prices_give_both_sides_as_shadow_prices_csv(base, tmp_path):
    """`solve --json`'s top prices carry both sides (one more unit, one less, each rate's
    amount), as shadow_prices.csv: a script reads what the terminal says, not the simplex's one
    dual (group_max(automotive_industry): +0.006 jobs for one more musd, -12 for one less)."""
    run, _, _ = base
    ran = run_cli("solve", "--json", "--out", tmp_path / "j")
    assert ran.exit_code == 0, ran.stderr
    top = json.loads(ran.stdout)["top_shadow_prices"]
    table = {r["constraint"]: r for r in csv_rows(run, "shadow_prices.csv")}
    sides = ("gain_of_one_unit_up", "loss_of_one_unit_down", "up_holds_for", "down_holds_for")
    for price in top:
        row = table[price["constraint"]]
        for key in (*sides, "one_sided", "holds_for_unit"):
            assert key in price, key
        for key in sides:
            assert float(price[key]) == pytest.approx(float(row[key]), rel=1e-11), key
    auto = next(p for p in top if p["constraint"].startswith("group_max(capital_group,automotive"))
    assert auto["gain_of_one_unit_up"] == pytest.approx(0.006)
    assert auto["loss_of_one_unit_down"] == pytest.approx(12.0)


def test_reduced_costs_and_sensitivity_units_follow_each_variable_and_row(base):
    """A reduced cost is the objective's unit per unit of its variable (a tranche's excess is in
    jobs: jobs per job, not jobs per musd), reduced_costs.csv says the value's own unit as
    limits.csv does, and sensitivity.csv's constraint units are shadow_prices.csv's."""
    run, _, _ = base
    limits = {r["variable"]: r["unit"] for r in csv_rows(run, "limits.csv")}
    reduced = csv_rows(run, "reduced_costs.csv")
    assert {r["value_unit"] for r in reduced} >= {"musd", "jobs"}
    for r in reduced:
        assert r["value_unit"] == limits[r["variable"]], r["variable"]
        one = {"jobs": "job"}.get(r["value_unit"], r["value_unit"])
        assert r["unit"] == f"jobs per {one}", r
    prices = {r["constraint"]: r["unit"] for r in csv_rows(run, "shadow_prices.csv")}
    units = {r["variable"]: r["unit"] for r in reduced}
    for r in csv_rows(run, "sensitivity.csv"):
        want = units[r["name"]] if r["section"] == "variable" else prices[r["name"]]
        assert r["unit"] == want, r["name"]


# --- targets not reached ----------------------------------------------------------------------


def _missed(text: str) -> dict[tuple[str, str, str], tuple[str, str, str, str]]:
    """The terminal's lines of targets not reached: (kind, member, year) -> numbers and unit."""
    found = re.findall(
        rf"^  (jobs|exports) of \w+ (\w+) in (\d{{4}}): target ({NUM}), reached ({NUM}), "
        rf"short by ({NUM}) (.+)$",
        text,
        re.M,
    )
    return {(k, m, y): (t, r, s, u) for k, m, y, t, r, s, u in found}


def test_targets_not_reached_agree_with_report_tables(base):
    """Each target the terminal says is missed: target, reached and shortfall as the report's
    target tables show them, in the unit of their heading (US$ million per year for exports)."""
    _, text, html = base
    missed = _missed(text)
    assert missed
    for kind, column in (("jobs", "jobs"), ("exports", "exports_musd")):
        heading = next(h for h in html.tables if h.startswith(f"{kind.capitalize()} targets"))
        unit = re.search(r"\((.*)\)$", heading).group(1)
        target = "jobs_target" if kind == "jobs" else "exports_target_musd"
        short = "jobs_shortfall" if kind == "jobs" else "exports_shortfall_musd"
        for r in records(html.tables[heading]):
            key = (kind, r["member"], r["year"])
            if key in missed:
                assert missed[key] == (r[target], r[column], r[short], unit), key
            else:
                assert r[short] == "0", key


def test_processing_shares_not_reached_agree_with_report(base):
    """A processing share missed: the same rounding in the terminal and in report.html."""
    _, text, html = base
    found = re.findall(
        rf"processing share of (\w+) in (\d{{4}}): target ({NUM})%, reached ({NUM})%, "
        rf"short by ({NUM}) percentage points",
        text,
    )
    assert found
    table = {(r["mineral"], r["year"]): r for r in records(html.tables["Processing shares"])}
    for mineral, year, target, reached, short in found:
        r = table[(mineral, year)]
        assert (target, reached, short) == (
            r["share_target_pct"],
            r["share_pct"],
            r["share_shortfall_pct"],
        ), mineral


# --- marginal values --------------------------------------------------------------------------


def test_every_rate_of_a_marginal_value_says_its_unit(base):
    """`+5.3 jobs per musd for the first 0.04 musd, then +0.3312 jobs per musd on average`:
    the average over the rest of the unit has the unit the rate before it has, in the terminal
    and in report.html."""
    _, text, html = base
    for surface in (text, words(html)):
        averages = re.findall(rf"then ({NUM})(.*?) on average", surface)
        assert averages
        for value, unit in averages:
            assert unit.strip() == "jobs per musd", (value, unit)


# --- allocator serve ----------------------------------------------------------------------------

TOKEN = "agree-test-token"
SET = "pools.ecosystem/phase3.budget_musd=6700"


@pytest.fixture(scope="module")
def served_set(client):
    """The answer of `allocator serve` to one `--set` of a cell (POST /api/set)."""
    from allocator.serve.app import HEADER

    answer = client.post("/api/set", json={"set": [SET]}, headers={HEADER: TOKEN})
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture(scope="module")
def solve_set(project, tmp_path_factory):
    """`allocator solve --set SET` of the same dataset: (run folder, what it printed)."""
    out = tmp_path_factory.mktemp("agree") / "cli"
    ran = run_cli("solve", "--inputs", project / "inputs" / "peru2040", "--set", SET, "--out", out)
    assert ran.exit_code == 0, ran.stderr
    return out, ran.stdout


def test_serve_after_a_set_agrees_with_solve_set(served_set, solve_set):
    """The page's numbers after a set are `allocator solve --set`'s: every outcome of run.json,
    every program's money of allocation_by_phase.csv, the headline as report.html shows it."""
    out, _ = solve_set
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    for name, value in info["outcomes"].items():
        assert math.isclose(served_set["outcomes"][name], value, rel_tol=1e-9), name
    money = {r["program"]: float(r["total_musd"]) for r in csv_rows(out, "allocation_by_phase.csv")}
    assert money.keys() == served_set["programs"].keys()
    for name, value in money.items():
        assert math.isclose(served_set["programs"][name], value, rel_tol=1e-9, abs_tol=1e-9)
    headline = re.search(r'id="headline-value"[^>]*>([^<]+)<', (out / "report.html").read_text())
    assert served_set["headline"]["shown"] == headline.group(1)


def test_serve_moved_outcomes_each_have_a_unit(served_set):
    """What moved against the plan first loaded: each outcome with its unit (jobs; exports in
    US$ million per year; the objective without targets in the objective's), not a bare number."""
    rows = served_set["moved"]["outcomes"]
    assert "jobs_2040" in {r["name"] for r in rows}
    want = {"jobs_": "jobs", "exports_": "US$ million per year", "objective_": "jobs"}
    for r in rows:
        prefix = next((p for p in want if r["name"].startswith(p)), None)
        assert r.get("unit"), r
        assert r["unit"] == want.get(prefix, r["unit"]), r


# --- study commands -----------------------------------------------------------------------------


def test_frontier_terminal_agrees_with_report_and_says_units(tmp_path):
    """`allocator frontier`: each point's exports, jobs and rate, the same in the terminal's
    table and report.html's (jobs whole: no 266.7 jobs), each report column with its unit."""
    out = tmp_path / "frontier"
    ran = run_cli("frontier", "--inputs", DATA / "exports", "--points", 4, "--out", out)
    assert ran.exit_code == 0, ran.stderr
    terminal = re.findall(rf"│\s+(\d+) │\s+({NUM}) │\s+({NUM}) │", ran.stdout)
    assert len(terminal) == 4, ran.stdout
    html = page(out)
    rows = html.tables["Frontier"]
    head = dict(zip(rows[0], range(len(rows[0])), strict=True))
    more, less = (f"change of jobs per unit {w} exports" for w in ("more", "less"))
    want = {"x_value (musd of exports)", "y_value (jobs)", more, less}
    assert want <= head.keys(), rows[0]
    shown = [(r[0], r[1], r[2]) for r in rows[1:]]
    assert terminal == shown
    said_terminal = " ".join(re.sub(r"[│┃]", " ", ran.stdout).split())
    for r in rows[1:]:  # each side's words (rate, unit, how far) in the terminal, cells wrapped
        for side in (r[head[more]], r[head[less]]):
            assert all(w in said_terminal for w in side.split()), side
    said = re.search(rf"from ({NUM}) jobs .* to ({NUM}) jobs", words(html))
    assert said, words(html)
    assert (said.group(1), said.group(2)) == (shown[0][2], shown[-1][2])


def test_exports_headline_is_the_milestone_number_everywhere(solved_run):
    """`solve --objective exports`: the headline (terminal and report.html) and exports in 2040
    (terminal line and report's milestone table) are one number at one rounding."""
    run, ran = solved_run("--inputs", BASELINE, "--objective", "exports")
    html = page(run)
    said = re.match(rf"Optimal \(.*?\): ({NUM}) US\$ million of exports in 2040", ran.stdout)
    assert said, ran.stdout
    _, path = _terminal_path(ran.stdout, "exports")
    table = {
        r["year"]: r["exports"] for r in records(html.tables["Jobs and exports per milestone"])
    }
    headline = re.search(rf"Headline: ({NUM}) ", words(html))
    assert said.group(1) == path["2040"] == table["2040"] == headline.group(1)


def test_serve_moves_are_shown_as_the_report_shows_them(served_set, solve_set):
    """The page's `now` of a moved outcome is the text report.html of `allocator solve --set`
    shows for it (jobs whole; exports as the milestone table), not a rounding of the page's
    own; each program's money as the CSV's number rounded by the report's rule for money."""
    out, _ = solve_set
    html = page(out)
    table = {r["year"]: r for r in records(html.tables["Jobs and exports per milestone"])}
    rows = {r["name"]: r for r in served_set["moved"]["outcomes"]}
    checked = 0
    for name, r in rows.items():
        found = re.fullmatch(r"(jobs|exports)_(\d{4})(?:_musd)?", name)
        if found:
            assert r["shown"]["now"] == table[found.group(2)][found.group(1)], name
            checked += 1
    assert checked
    money = {r["program"]: r for r in csv_rows(out, "allocation_by_phase.csv")}
    for r in served_set["moved"]["programs"]:
        value = float(money[r["name"]]["total_musd"])
        digits = 1 if abs(value) >= 100 else 2 if abs(value) >= 1 else 4
        want = f"{value:,.{digits}f}".rstrip("0").rstrip(".") if value else "0"
        assert r["shown"]["now"] == want, r


def test_serve_ties_are_the_terminal_ties(client, served_set, solve_set):
    """Programs another plan funds differently: each program's money and range on the page are
    the numbers `allocator solve --set` prints in its Ties line (one rounding, one unit)."""
    from allocator.serve.app import HEADER

    details = client.get(served_set["details"], headers={HEADER: TOKEN})
    assert details.status_code == 200, details.text
    classes = details.json()["tie_classes"]
    assert classes
    _, text = solve_set
    line = next(x for x in text.splitlines() if x.startswith("  Ties:"))
    ranges = line.split("(this plan")[0]
    terminal = {
        m.group(1): m.groups()[1:] for m in re.finditer(rf"(\w+) ({NUM}) to ({NUM})", ranges)
    }
    plans = dict(re.findall(rf"(\w+) ({NUM})", line.split("(this plan: ")[1].split(")")[0]))
    for cls in classes:
        for m in cls["programs"]:
            said = m["shown"]
            assert (said["low"], said["high"]) == terminal[m["program"]], m
            assert said["plan"] == plans[m["program"]], m


def test_sweep_terminal_agrees_with_its_report(tmp_path):
    """`allocator sweep`: each spread the terminal prints (median, P5, P95 of the fixed plan; P5,
    P50, P95 with perfect foresight; each program's P5 to P95) is the report's, at one rounding
    (jobs whole in the table too: no 297.5 jobs beside a headline of 297)."""
    out = tmp_path / "sweep"
    args = ("--samples", 6, "--serial", "--out", out)
    ran = run_cli("sweep", "--inputs", DATA / "sweep", *args)
    assert ran.exit_code == 0, ran.stderr
    html = page(out)
    table = {r["item"]: r for r in records(html.tables["Sweep"])}
    checked = 0
    for item, p50, p5, p95 in re.findall(
        rf"^  (jobs|exports_musd): P50 ({NUM}) \(P5 ({NUM}), P95 ({NUM})\)", ran.stdout, re.M
    ):
        r = table[f"plan {item}"]
        assert (p5, p50, p95) == (r["p5"], r["p50"], r["p95"]), item
        checked += 1
    for item, p5, p50, p95 in re.findall(
        rf"^  (jobs|exports_musd) with perfect .*?: P5 ({NUM}), P50 ({NUM}), P95 ({NUM})",
        ran.stdout,
        re.M,
    ):
        r = table[item]
        assert (p5, p50, p95) == (r["p5"], r["p50"], r["p95"]), item
        checked += 1
    for item, p5, p95 in re.findall(
        rf"^  (program \w+): .*P5 ({NUM}) to P95 ({NUM})", ran.stdout, re.M
    ):
        assert (p5, p95) == (table[item]["p5"], table[item]["p95"]), item
        checked += 1
    assert checked >= 5, ran.stdout
    said = re.search(rf"fixed: not re-optimised: P50 ({NUM}) jobs \(P5 ({NUM}), P95 ({NUM})\)",
                     words(html))  # fmt: skip
    assert said, words(html)
    r = table["plan jobs"]
    assert said.groups() == (r["p50"], r["p5"], r["p95"])


def test_core_shares_are_one_number_in_terminal_and_report(tmp_path):
    """`allocator core`: the share of good plans funding each borderline member reads the same
    in the terminal, the report's chart and the report's table (54%, not 0.5417 unit-less)."""
    out = tmp_path / "core"
    ran = run_cli("core", "--inputs", DATA / "core", "--out", out)
    assert ran.exit_code == 0, ran.stderr
    line = re.search(r"funding the borderline: (.*)\.$", ran.stdout, re.M)
    assert line, ran.stdout
    terminal = dict(re.findall(r"(\w+) (\d+(?:\.\d+)?%)", line.group(1)))
    assert terminal
    html = page(out)
    heading = next(h for h in html.tables if h.startswith("Core index"))
    table = {r["member"]: r["share_funded"] for r in records(html.tables[heading])}
    chart = dict(re.findall(r"\((\w+)\): (\d+(?:\.\d+)?%) of good plans", words(html)))
    for member, share in terminal.items():
        assert table[member] == share == chart[member], member


def test_unspent_budgets_are_the_same_list_and_numbers(base):
    """Each budget not spent in full: the terminal's `unspent POOL PHASE: X of Y` lines and the
    report's Unspent budgets table list the same budgets with the same numbers."""
    _, text, html = base
    _same_unspent(text, html)


def test_a_budget_no_program_can_use_is_unspent_on_every_surface(solved_run):
    """A pool no eligible program can take money from (tests/data/budgets, spare p2) is unspent
    in the terminal, in budgets.csv and in report.html's table, and the report's total of
    unspent money is the money line's."""
    run, ran = solved_run("--inputs", DATA / "budgets")
    html = page(run)
    unspent = {(r["pool"], r["phase"]) for r in csv_rows(run, "budgets.csv")
               if float(r["unspent_musd"]) > 0}  # fmt: skip
    assert ("spare", "p2") in unspent
    assert set(_same_unspent(ran.stdout, html)) == unspent
    line = re.search(rf"unspent ({NUM}) \(budgets\.csv", ran.stdout)
    total = re.search(rf"not spent in full, ({NUM}) US\$ million in all", words(html))
    assert line.group(1) == total.group(1)


def _same_unspent(text: str, html: _Page) -> dict[tuple[str, str], tuple[str, str]]:
    """The unspent budgets of the terminal, asserted equal to the report's table's."""
    terminal = {
        (pool, phase): (left, budget)
        for pool, phase, left, budget in re.findall(
            rf"^    unspent (\S+) (\S+): ({NUM}) of ({NUM}) US\$ million", text, re.M
        )
    }
    rows = records(html.tables["Unspent budgets"])
    report = {(r["pool"], r["phase"]): (r["unspent"], r["budget"]) for r in rows}
    assert terminal == report
    count = re.search(r"(\d+) budgets are not spent in full", words(html))
    assert int(count.group(1)) == len(terminal)
    return terminal


def test_chart_of_limits_says_what_its_number_is(base):
    """The report's chart of the limits whose room buys the most: each bar's number is what the
    terminal says one more unit buys (`one more musd: +0.53 jobs`), and its unit says so, not
    `jobs per musd` (the rate at the margin, 5.3 there)."""
    run, text, _ = base
    html = (run / "report.html").read_text(encoding="utf-8")
    bars = re.findall(rf"<title>([^<]*?) \(([^()]*)\), gain: ({NUM}) ", html)
    assert bars, "the chart's bars"
    terminal = re.findall(rf"^  one more (\w+): \+({NUM}) (\w+) .*: ([^:]+) \[[^]]+\]$", text, re.M)
    checked = 0
    for label, unit, value in bars:
        for per, gain, objective, description in terminal:
            if _plain(description) == label:
                assert value == gain, label
                assert unit == f"{objective} for one {per} more room", label
                checked += 1
    assert checked >= 5
    rows = sheets(run, "charts")["charts"]
    start = next(i for i, r in enumerate(rows) if r[0] == "limit") + 1
    book = {r[0]: r[1] for r in rows[start:] if r[0]}
    for label, unit, value in bars:
        got = book[f"{label} ({unit})"]
        assert math.isclose(got, float(value.replace(",", "")), rel_tol=0.01), label


def _plain(description: str) -> str:
    """A row's description as the chart words it (underscores as spaces, `(all)` phases)."""
    text = description.replace("_", " ").replace("(all)", "(all phases)")
    return re.sub(r"(?<![\d.,])(\d{2})(\d{3})(?![\d.,])", r"\1,\2", text)


def test_compare_terminal_agrees_with_its_report(tmp_path):
    """`allocator compare jobs exports`: each plan's number of each metric reads the same in the
    terminal's table and in report.html's (jobs whole in both, as the headline says them)."""
    out = tmp_path / "compare"
    ran = run_cli(
        "compare", "jobs", "exports", "--inputs", BASELINE, "--out", out, env={"COLUMNS": "240"}
    )
    assert ran.exit_code == 0, ran.stderr
    terminal = {
        m.group(1): (m.group(2), m.group(3))
        for m in re.finditer(r"^│\s+(\S.*?)\s+│[^│]*│\s*(\S*)\s*│\s*(\S*)\s*│$", ran.stdout, re.M)
    }
    html = page(out)
    report = {
        r["metric"]: (r["jobs"], r["exports"]) for r in records(html.tables["Plans compared"])
    }
    shared = terminal.keys() & report.keys()
    assert len(shared) >= 10, (terminal, report)
    for metric in sorted(shared):
        assert terminal[metric] == report[metric], metric
    said = re.search(rf"Plans compared: jobs: ({NUM}) jobs", words(html))
    assert said.group(1) == report["objective (jobs)"][0]


def test_alternatives_terminal_agrees_with_its_report(tmp_path):
    """`allocator alternatives`: each program's optimum funding and its unit read the same in the
    terminal (`optimum X UNIT`) and in report.html's chart (`the optimum: X UNIT`)."""
    out = tmp_path / "alternatives"
    ran = run_cli("alternatives", "--inputs", DATA / "mga", "--out", out)
    assert ran.exit_code == 0, ran.stderr
    terminal = dict(re.findall(rf"^  (\w+): .*\(optimum ({NUM} [^;]+);", ran.stdout, re.M))
    assert terminal, ran.stdout
    html = (out / "report.html").read_text(encoding="utf-8")
    report = dict(re.findall(rf"<title>(\w+) \(\w+\), the optimum: ({NUM} [^<]+)</title>", html))
    assert terminal == report


def test_the_answer_sheet_says_the_unit_of_every_value(base):
    """workbook.xlsx's Answer sheet: each row's original and final values with their unit (the
    objective's for the objective, the variable's, the row's as shadow_prices.csv says it)."""
    run, _, _ = base
    rows = sheets(run, "Answer")["Answer"]
    head = [str(h).partition(" (")[0] for h in rows[0]]
    assert "unit" in head, rows[0]
    got = [dict(zip(head, r, strict=True)) for r in rows[1:]]
    info = json.loads((run / "run.json").read_text(encoding="utf-8"))
    assert got[0]["unit"] == info["objective"]["unit"] == "jobs"
    prices = {  # a share cap's rates hold for points of max_share, its amounts are musd
        r["constraint"]: "musd" if r["family"] == "group_share" else r["holds_for_unit"]
        for r in csv_rows(run, "shadow_prices.csv")
    }
    limits = {r["variable"]: r["unit"] for r in csv_rows(run, "limits.csv")}
    for r in got[1:]:
        want = limits[r["name"]] if r["section"] == "variable" else prices[r["name"]]
        assert r["unit"] == want, r


def test_hedging_bounds_say_their_unit(tmp_path):
    """Progressive hedging's lower and upper bounds: each number in the terminal and in
    report.html with the objective's unit (`no decide-now plan gives more than 316 jobs`)."""
    out = tmp_path / "hedging"
    model = DATA / "two_stage" / "model.yaml"
    ran = run_cli("solve", model, "--two-stage-method", "hedging", "--out", out)
    assert ran.exit_code == 0, ran.stderr
    for surface in (ran.stdout, words(page(out))):
        bound = re.search(rf"gives more than ({NUM})(\s*\w*)", surface)
        assert bound, surface
        assert bound.group(2).strip() == "jobs", bound.group(0)


def test_workbook_sheets_hold_the_csv_tables(base):
    """Each sheet of workbook.xlsx named after a CSV table holds its rows: the same text, the
    same numbers (to the CSV's 12 significant digits), each header the CSV's with a unit."""
    run, _, _ = base
    checked = 0
    for title, rows in sheets(run).items():
        if not (run / f"{title}.csv").is_file():
            continue
        with (run / f"{title}.csv").open(encoding="utf-8", newline="") as f:
            table = list(csv.reader(f))
        assert len(rows) == len(table), title
        assert [str(h).partition(" (")[0] for h in rows[0]] == table[0], title
        for got, want in zip(rows[1:], table[1:], strict=True):
            for a, b in zip(got, want, strict=True):
                if isinstance(a, int | float) and not isinstance(a, bool):
                    assert math.isclose(a, float(b), rel_tol=1e-11, abs_tol=1e-12), title
                else:
                    assert ("" if a is None else str(a)) == b, title
        checked += 1
    assert checked >= 7


def test_a_robust_plans_headline_says_expected_on_every_surface(solved_run):
    """`solve --risk cvar`: the headline is an expectation over the scenarios in the terminal
    and in report.html alike (one label, one number), not `direct jobs` in one of them."""
    run, ran = solved_run("--inputs", DATA / "sweep", "--risk", "cvar")
    said = re.match(rf"Optimal \(.*?\): ({NUM}) (.+)$", ran.stdout, re.M)
    assert said, ran.stdout
    head = re.search(rf"Headline: ({NUM}) (.+?) \(jobs, maximized\)", words(page(run)))
    assert head, words(page(run))
    assert head.groups() == said.groups()
    assert "expected" in said.group(2)
