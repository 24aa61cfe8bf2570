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
