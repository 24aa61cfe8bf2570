"""Task l4: the words a planner reads. A link's ratio over several dependents is their total,
one row a year (`model.links`), never each one's; a tie class's money is this plan's total,
which is fixed only when the class cannot take money from (or give it back to) outside it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from allocator.data.inputs import load_inputs
from allocator.report.links import link_words
from conftest import BASELINE, DATA, solved

TIES = DATA / "ties"


def test_a_link_over_several_dependents_says_their_total_not_each():
    """Baseline: market_access_exports has one row a year, the sum of every export_category's
    exports; zones_manufacturing one a year over three capital groups' capital."""
    links = {link.link: link_words(link) for link in load_inputs(BASELINE).links}
    exports = links["market_access_exports"]
    assert "in total over every export_category (one sum a year, not 21.4 each)" in exports
    assert "exports of every export_category" not in exports  # read as 21.4 for each
    capital = links["zones_manufacturing"]
    assert "in total over capital_group automotive_industry, electronics_manufacturing" in capital
    assert "not 5.67 each" in capital


def test_a_link_over_one_dependent_keeps_its_plain_words():
    (link,) = load_inputs(DATA / "enable").links
    assert link_words(link) == (
        "each extra musd of zone lets 4 musd more capital of capital_group factories produce"
    )


def _ties_line(sol, monkeypatch) -> str:
    from allocator.cli import summary

    lines: list[str] = []
    monkeypatch.setattr(summary, "_line", lines.append)
    summary.show_ties(SimpleNamespace(solution=sol))
    return " ".join(lines)


def test_a_tie_class_whose_total_is_fixed_says_so(monkeypatch):
    """ties: a (cap 60) and b (cap 120) share one 90 musd pool, all of it spent at the optimum
    (900 jobs at 10 a musd): the class's total is 90 in every optimal plan."""
    _, sol, _ = solved(str(TIES))
    (cls,) = sol.solver["tie_classes"]
    assert (cls["money_low"], cls["money"], cls["money_high"]) == pytest.approx((90, 90, 90))
    text = _ties_line(sol, monkeypatch)
    assert "class 1, 90 in all in this plan (a fixed total" in text


def test_the_baseline_tie_class_can_rise_from_unspent_money(monkeypatch):
    """Baseline: the class holds 23,113.2 in this plan; export_market_development may take up
    to its cap of 2,800 (its pool has unspent money) with every outcome unchanged, so the
    class's total can rise by 2,800 - its plan, and cannot fall (the lowest is this plan's)."""
    _, sol, tables = solved(str(BASELINE))
    (cls,) = sol.solver["tie_classes"]
    member = {m["program"]: m for m in cls["programs"]}
    market = member["export_market_development"]
    assert market["high"] == pytest.approx(2800)
    assert cls["money"] == pytest.approx(sum(m["plan"] for m in cls["programs"]))
    assert cls["money_low"] == pytest.approx(cls["money"], abs=1e-6)
    assert cls["money_high"] == pytest.approx(cls["money"] + 2800 - market["plan"], abs=1e-6)
    budgets = tables["budgets"]
    assert float(budgets["unspent_musd"].sum()) >= 2800 - market["plan"]  # room to take it
    text = _ties_line(sol, monkeypatch)
    assert "class 1, 23,113.2 in all in this plan (not a fixed total: it can rise to 23,681.8" in (
        text
    )
    assert "23,113.2 in all:" not in text


def test_a_summary_sheet_of_a_large_table_says_its_units(tmp_path):
    """A table over `SHEET_ROW_LIMIT` rows becomes a summary sheet: its sums and largest
    sizes say the unit of the column they add up (US$ million for invest_musd), and a column
    whose unit varies by row (a shadow price: see unit column) gets each group's units in a
    column of its own, which the header names. The walker of test_fix_wb finds nothing."""
    import openpyxl
    import pandas as pd

    from allocator.report.book import SHEET_ROW_LIMIT, write_results_workbook
    from allocator.report.write import header
    from test_fix_wb import _unitless

    n = SHEET_ROW_LIMIT + 1
    alloc = pd.DataFrame({"program": ["a", "b"] * (n // 2) + ["a"] * (n % 2), "invest_musd": 1.0})
    prices = pd.DataFrame(
        {
            "constraint": [f"r{k}" for k in range(n)],
            "family": ["budget"] * (n - 1) + ["tranche"],
            "shadow_price": 2.0,
            "unit": ["jobs per musd"] * (n - 1) + ["jobs per job"],
        }
    )
    sheets = [
        (name, [header(c, frame.columns) for c in frame.columns], frame)
        for name, frame in (("allocation", alloc), ("shadow_prices", prices))
    ]
    path = tmp_path / "w.xlsx"
    assert write_results_workbook(path, sheets) == ["allocation", "shadow_prices"]
    book = openpyxl.load_workbook(path, read_only=True)
    rows = {ws.title: list(ws.iter_rows(values_only=True))[2:] for ws in book.worksheets}
    book.close()
    assert rows["allocation"][0] == (
        "program",
        "rows (count)",
        "invest_musd sum (US$ million)",
        "invest_musd largest size (US$ million)",
    )
    assert rows["allocation"][1] == ("a", n // 2 + 1, n // 2 + 1.0, 1.0)  # by hand: 10,001 of 1
    head = rows["shadow_prices"][0]
    assert head[:4] == (
        "family",
        "rows (count)",
        "shadow_price_unit",
        "shadow_price sum (see shadow_price_unit column)",
    )
    assert rows["shadow_prices"][1][:4] == ("budget", n - 1, "jobs per musd", 2.0 * (n - 1))
    assert rows["shadow_prices"][2][:3] == ("tranche", 1, "jobs per job")
    for name in ("allocation", "shadow_prices"):
        assert _unitless(rows[name]) == [], name


def test_one_name_for_the_weighted_shortfall_on_every_surface(tmp_path):
    """tests/data/targets: one target of 500 jobs that reaches 200, 0.6 of it missed. The
    terminal, shadow_prices.csv's row unit, the workbook's Answer row and its headers all say
    `weighted shortfall`; `targets' worth` is said nowhere."""
    import openpyxl
    import pandas as pd

    from allocator.model.declare import WEIGHTED_SHORTFALL
    from conftest import invoke

    out = tmp_path / "r"
    res = invoke("solve", "--inputs", DATA / "targets", "--out", out)
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert f"(0.6 {WEIGHTED_SHORTFALL}: each target's shortfall as a share" in text
    prices = pd.read_csv(out / "shadow_prices.csv").set_index("constraint")
    assert prices.loc["shortfall_total", "holds_for_unit"] == WEIGHTED_SHORTFALL
    book = openpyxl.load_workbook(out / "workbook.xlsx", read_only=True)
    answer = list(book["Answer"].iter_rows(values_only=True))
    heads = [str(h) for ws in book.worksheets for h in next(ws.iter_rows(values_only=True), ())]
    book.close()
    (row,) = [r for r in answer if r[1] == "shortfall_total"]
    assert row[-1] == WEIGHTED_SHORTFALL
    assert row[3] == pytest.approx(0.6)
    assert f"shortfall_change_up ({WEIGHTED_SHORTFALL})" in heads
    html = (out / "report.html").read_text(encoding="utf-8")
    everything = [text, html, *(p.read_text(encoding="utf-8") for p in out.glob("*.csv"))]
    assert not [t for t in everything if "targets' worth" in t or "targets&#x27; worth" in t]
