"""Where a listed marginal value's amount ends, said exactly on every surface.

Each side of a listed row holds for an amount that is one of: where the rate changes (re-solved),
where no plan is feasible any more ("then no plan is feasible"), or the basis's range alone, not
followed by re-solves past `units.EXTEND_UP_TO` nonzeros ("for at least"). An end the data fixes
(a budget cut to 0) is that exact number on the terminal, shadow_prices.csv, workbook.xlsx,
report.html and `--json`. The amounts are re-checked by fresh solves of the run's model.mps.

The surfaces are read here with regular expressions, csv, json and openpyxl, never with
allocator's own formatting functions.
"""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import highspy
import pytest

from allocator.solver.highs import new_highs
from conftest import BASELINE, run_cli

EXCEL_INF = 1e30
ECOSYSTEM = "budget(ecosystem,phase3)"
THEN_NONE = "then no plan is feasible"
THEN_RISES = "then the least target shortfall rises"
AT_MINIMUM = "where its number in the data reaches its minimum"
AT_BASE = "where it reaches the jobs that exist before the plan"  # the cell, not the row, stops
"""A side that ends where its cell can fall no further (a tranche's from_level at 0): the LP
holds the rate past it, no data does (tests/test_fix_hna.py re-solves the cell at 0)."""
"""Past such an end the objective's pass (model.mps: today's least shortfall held) has no plan
either; `allocator solve` finds one at a larger least shortfall (tests/test_review_found.py)."""


def _rows(run: Path, name: str) -> dict[str, dict[str, str]]:
    """A run's CSV table by its first column (`constraint`, or `name` in sensitivity.csv)."""
    with (run / name).open(encoding="utf-8", newline="") as f:
        found = list(csv.DictReader(f))
    key = "constraint" if "constraint" in found[0] else "name"
    return {r[key]: r for r in found if r.get("section", "constraint") == "constraint"}


def _terminal(stdout: str) -> dict[str, tuple[str, str]]:
    """The terminal's largest shadow prices: first row name of each line -> (more, less)."""
    lines = stdout[stdout.index("Largest shadow prices") :].splitlines()[1:]
    said = {}
    for line in lines:
        if not line.startswith("  one more "):
            continue
        more, _, less = line.partition("; one less ")
        name = line.rsplit("[", 1)[1].rstrip("]").split(", ")[0]
        said[name] = (more, less.rsplit(": ", 1)[0] if "[" in less else less)
    assert said, stdout
    return said


def _report(run: Path) -> dict[str, tuple[str, str]]:
    """report.html's list of what binds: first row name of each item -> (more, less)."""
    text = (run / "report.html").read_text(encoding="utf-8")
    items = re.findall(r"<li><strong>.*?</strong> \((.*?)\): (one more .*?)</li>", text)
    assert items
    said = {}
    for names, words in items:
        more, _, less = html.unescape(words).partition("; one less ")
        said[html.unescape(names).split(", ")[0]] = (more, less)
    return said


def _json(stdout: str) -> dict[str, dict]:
    return {p["constraint"].split(", ")[0]: p for p in json.loads(stdout)["top_shadow_prices"]}


# --- 1. an amount not followed past the basis's range says "at least" ---------------------------


@pytest.fixture(scope="module")
def unextended(tmp_path_factory):
    """`allocator solve` and `solve --json` on the baseline with `units.EXTEND_UP_TO` 0: no
    listed side is re-solved past its basis's range. (run folder, stdout, json stdout)."""
    from allocator.solver import units

    patch = pytest.MonkeyPatch()
    patch.setattr(units, "EXTEND_UP_TO", 0)
    try:
        out = tmp_path_factory.mktemp("side") / "run"
        ran = run_cli("solve", "--inputs", BASELINE, "--out", out, "--write-model")
        assert ran.exit_code == 0, ran.stderr
        js = run_cli("solve", "--inputs", BASELINE, "--json", "--out", out.with_name("json"))
        assert js.exit_code == 0, js.stderr
    finally:
        patch.undo()
    return out, ran.stdout, js.stdout


def _not_followed(sens: dict[str, str], price: dict[str, str]) -> tuple[bool, bool]:
    """Which sides of a row keep the basis's range: Excel's allowable range that way is finite
    and non-zero (a zero range is re-solved to where the rate changes), the amount finite, and
    not a wall of the row, where no plan is past it (`; down: then no plan`, proven by fresh
    solves in test_a_basis_range_that_ends_at_a_wall_is_exact)."""
    sides = []
    for side, excel, holds in (("up", "allowable_increase", "up_holds_for"),
                               ("down", "allowable_decrease", "down_holds_for")):  # fmt: skip
        reach, amount = float(sens[excel]), float(price[holds] or "nan")
        wall = f"{side}: then no plan" in price["one_sided"]
        sides.append(0 < reach < EXCEL_INF and amount < EXCEL_INF and not wall)
    return sides[0], sides[1]


def test_sides_not_followed_past_the_basis_say_at_least_on_every_surface(unextended):
    """Past EXTEND_UP_TO, "for 331 musd" of the ecosystem budget's cut read as if the rate
    stopped there (it holds for 6,200): the sides that kept the basis's range say "for at
    least", in the terminal, report.html and --json; the re-solved sides do not."""
    run, stdout, js = unextended
    sens, prices = _rows(run, "sensitivity.csv"), _rows(run, "shadow_prices.csv")
    surfaces = {"terminal": _terminal(stdout), "report": _report(run)}
    surfaces["json"] = {k: (p["one_more"], p["one_less"]) for k, p in _json(js).items()}
    kept = 0
    for where, said in surfaces.items():
        for name, (more, less) in said.items():
            expect = _not_followed(sens[name], prices[name])
            got = ("for at least" in more, "for at least" in less)
            assert got == expect, (where, name, more, less)
            kept += sum(expect)
    assert kept >= 6  # the ecosystem's cut, korea's and rnd's both sides, in each surface
    eco = surfaces["terminal"][ECOSYSTEM][1]
    assert "-10.6 jobs per musd for at least 331 musd" in eco, eco
    assert "(for at least: the optimal basis's range only; past 0 nonzeros" in stdout


def test_an_amount_said_at_least_holds_at_least_that_far(unextended):
    """Each side said to hold "for at least" its amount does: a fresh solve of model.mps with
    the row moved by that amount changes the objective by rate x amount."""
    run, stdout, _ = unextended
    prices = _rows(run, "shadow_prices.csv")
    base, checked = _optimum(run), 0
    for name, words in _terminal(stdout).items():
        for sigma, rate, holds, text in ((+1, "gain_per_unit_up", "up_holds_for", words[0]),
                                         (-1, "loss_per_unit_down", "down_holds_for",
                                          words[1])):  # fmt: skip
            if "for at least" not in text:
                continue
            amount, slope = float(prices[name][holds]), float(prices[name][rate])
            at = _optimum(run, name, sigma, amount)
            assert at is not None, (name, sigma)
            assert (at - base) / (sigma * amount) == pytest.approx(slope, rel=1e-6, abs=1e-6)
            checked += 1
    assert checked >= 6


def test_a_basis_range_that_ends_at_a_wall_is_exact(unextended):
    """Past EXTEND_UP_TO, korea phase3's cut said "for at least 2,181.8 musd": its whole budget,
    past which the row allows no plan. A basis side ending where the data fixes it says so with
    no re-solve; fresh solves of model.mps confirm rate x amount there and no plan 1e-6 past."""
    run, stdout, _ = unextended
    prices = _rows(run, "shadow_prices.csv")
    less = _terminal(stdout)["budget(korea,phase3)"][1]
    assert "-5.3 jobs per musd for 2,181.8 musd, then no plan is feasible" in less, less
    base, walls = _optimum(run), 0
    for name, price in prices.items():
        for sigma, side, rate, holds in ((+1, "up", "gain_per_unit_up", "up_holds_for"),
                                         (-1, "down", "loss_per_unit_down",
                                          "down_holds_for")):  # fmt: skip
            if (
                not price["one_sided"].startswith("basis")
                or f"{side}: then no plan" not in (price["one_sided"])
            ):
                continue
            amount, slope = float(price[holds]), float(price[rate])
            at = _optimum(run, name, sigma, amount)
            assert at is not None, (name, side)
            assert (at - base) / (sigma * amount) == pytest.approx(slope, rel=1e-6, abs=1e-6)
            assert _optimum(run, name, sigma, amount + 1e-6 * max(1.0, amount)) is None
            walls += 1
    assert walls >= 1


def test_the_csv_says_which_side_kept_the_basis_range(unextended):
    """shadow_prices.csv's `one_sided` says `basis` (at least that far) for both sides, or
    which side, where a listed row's other side was re-solved."""
    run, _, _ = unextended
    sens, prices = _rows(run, "sensitivity.csv"), _rows(run, "shadow_prices.csv")
    for name in _terminal(unextended[1]):
        up, down = _not_followed(sens[name], prices[name])
        said = prices[name]["one_sided"]
        if up and down or not (up or down):
            continue
        assert f"{'up' if up else 'down'}: at least" in said, (name, said)
        assert f"{'down' if up else 'up'}: at least" not in said, (name, said)


# --- 2 and 3. an end where no plan is feasible, said so, and exact where the data fixes it ------


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """`allocator solve --json --write-model` on the baseline: (run folder, its top prices by
    first row name)."""
    out = tmp_path_factory.mktemp("side") / "run"
    ran = run_cli("solve", "--inputs", BASELINE, "--json", "--write-model", "--out", out)
    assert ran.exit_code == 0, ran.stderr
    return out, _json(ran.stdout)


@pytest.fixture(scope="module")
def as_json(written):
    """The top prices of `solve --json` on the baseline, by first row name."""
    return written[1]


def test_a_rate_that_holds_to_where_no_plan_is_feasible_says_so(baseline_solve, as_json):
    """The ecosystem budget's cut costs 10.6 jobs per musd for the whole 6,200 musd and past it
    no plan is feasible (a budget below 0): the words said "for 6,200 musd" and stopped, as if
    the rate then changed. The china budget's 464 musd ends where the rate changes: no such
    words."""
    run, ran = baseline_solve
    surfaces = {
        "terminal": _terminal(ran.stdout),
        "report": _report(run),
        "json": {k: (p["one_more"], p["one_less"]) for k, p in as_json.items()},
    }
    for where, said in surfaces.items():
        less = said[ECOSYSTEM][1]
        assert f"-10.6 jobs per musd for 6,200 musd, {THEN_NONE}" in less, (where, less)
        more = said["budget(china,phase1)"][0]
        assert "for 464 musd)" in more, (where, more)
        assert THEN_NONE not in more, (where, more)
    assert "for at least" not in ran.stdout  # every listed side followed to its end


def test_an_end_the_data_fixes_is_that_number_on_every_surface(baseline_solve, as_json):
    """The ecosystem budget's cut ends at the budget's 6,200 musd: shadow_prices.csv said
    6,199.997 (the re-solves' tolerance) where the terminal said 6,200. Now 6,200 exactly in the
    CSV, the workbook's shadow_prices sheet, --json, the terminal and report.html."""
    import openpyxl

    run, ran = baseline_solve
    price = _rows(run, "shadow_prices.csv")[ECOSYSTEM]
    assert float(price["down_holds_for"]) == float(price["rhs"]) == 6200.0
    book = openpyxl.load_workbook(run / "workbook.xlsx", read_only=True)
    try:
        sheet = list(book["shadow_prices"].iter_rows(values_only=True))
    finally:
        book.close()
    head = [str(h).partition(" (")[0] for h in sheet[0]]
    row = next(r for r in sheet[1:] if r[head.index("constraint")] == ECOSYSTEM)
    assert row[head.index("down_holds_for")] == 6200.0
    assert as_json[ECOSYSTEM]["down_holds_for"] == 6200.0
    for less in (_terminal(ran.stdout)[ECOSYSTEM][1], _report(run)[ECOSYSTEM][1]):
        assert re.search(r"for 6,200 musd\b", less), less


# --- 4. every amount now stated, re-checked by fresh solves of model.mps -----------------------


def _optimum(folder: Path, row: str = "", sigma: int = 1, move: float = 0.0) -> float | None:
    """model.mps re-solved in a fresh HiGHS with `row`'s bound moved by sigma x move (its
    upper bound for a <= row, else its lower); None if no plan is feasible."""
    h = new_highs()
    assert h.readModel(str(folder / "model.mps")) == highspy.HighsStatus.kOk
    if row:
        lp = h.getLp()
        i = lp.row_names_.index(row)
        lower, upper = lp.row_lower_[i], lp.row_upper_[i]
        if upper < highspy.kHighsInf:
            upper += sigma * move
        else:
            lower += sigma * move
        h.changeRowBounds(i, lower, upper)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return h.getInfo().objective_function_value


def test_every_stated_amount_holds_and_ends_there(written):
    """Each finite amount of a listed row, moved by a fresh solve: the rate holds at the amount
    (objective moved by rate x amount), and 1% past it the average rate over the extra move is
    another number, or, where the words say no plan is feasible past it, no plan is."""
    run, top = written
    prices = _rows(run, "shadow_prices.csv")
    said = {k: (p["one_more"], p["one_less"]) for k, p in top.items()}
    base = _optimum(run)
    checked = ends = 0
    for name, words in said.items():
        price = prices[name]
        for sigma, rate, holds, text in ((+1, "gain_per_unit_up", "up_holds_for", words[0]),
                                         (-1, "loss_per_unit_down", "down_holds_for",
                                          words[1])):  # fmt: skip
            amount, slope = float(price[holds] or "nan"), float(price[rate] or "nan")
            if not (0 < amount < EXCEL_INF and abs(slope) < EXCEL_INF):
                continue
            at = _optimum(run, name, sigma, amount)
            assert at is not None, (name, sigma)
            assert (at - base) / (sigma * amount) == pytest.approx(slope, rel=1e-6, abs=1e-6)
            past = amount * 1.01
            beyond = _optimum(run, name, sigma, past)
            if THEN_NONE in text or THEN_RISES in text:
                assert beyond is None, (name, sigma, text)
                ends += 1
            elif beyond is not None and AT_MINIMUM not in text and AT_BASE not in text:
                average = (beyond - at) / (sigma * (past - amount))
                assert average != pytest.approx(slope, rel=1e-3, abs=1e-6), (name, sigma)
            checked += 1
    assert checked >= 12
    assert ends >= 3


def test_an_end_where_no_plan_is_feasible_is_stated_to_the_thousandth(written):
    """A side said to hold up to where no plan is feasible ends at its amount: a fresh solve a
    thousandth of a unit past it has no plan. The halving stopped up to 1e-6 short (ecosystem
    6,199.997 of 6,200). The tranches' cuts end at their from_level's minimum 0 instead
    (`then at its minimum`, tests/test_fix_hna.py), not where no plan is."""
    run, top = written
    prices = _rows(run, "shadow_prices.csv")
    ends = 0
    for name, words in ((k, (p["one_more"], p["one_less"])) for k, p in top.items()):
        for sigma, holds, text in ((+1, "up_holds_for", words[0]),
                                   (-1, "down_holds_for", words[1])):  # fmt: skip
            if THEN_NONE not in text and THEN_RISES not in text:
                continue
            amount = float(prices[name][holds])
            assert _optimum(run, name, sigma, amount) is not None, (name, sigma)
            assert _optimum(run, name, sigma, amount + 1e-3) is None, (name, sigma, amount)
            ends += 1
    assert ends >= 3
