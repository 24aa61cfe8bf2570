"""The audit: stated totals against their parts, repeated figures, assumptions."""

from __future__ import annotations

import shutil

import pytest

from allocator.data.audit import audit
from allocator.data.inputs import load_inputs
from allocator.errors import InputError
from conftest import BASELINE, DATA


def _by_fact(report):
    return {c.fact.fact: c for c in report.comparisons}


def test_finds_exactly_the_disagreements_with_both_numbers_and_citations():
    report = audit(load_inputs(DATA / "audit"))
    found = _by_fact(report)
    assert {c.fact.fact for c in report.disagreements} == {
        "budget_total_stated",
        "budget_in_billions",
    }
    total = found["budget_total_stated"]
    assert (total.fact.value, total.computed, total.difference) == (150, 120, 30)
    text = total.describe()
    assert "stated 150 musd (test doc A: conclusion)" in text
    assert "add up to 120 musd" in text
    assert "hand-solved test case" in text
    assert "+25.0%" in text
    twice = found["budget_in_billions"]
    assert (twice.fact.value, twice.computed) == (1200, 150)


def test_totals_that_add_up_are_not_flagged():
    found = _by_fact(audit(load_inputs(DATA / "audit")))
    assert found["caps_total"].agrees
    assert found["caps_total"].computed == 260
    assert found["budget_restated"].agrees
    assert found["rounded_total"].agrees  # 260 musd written as $0.26B


@pytest.mark.parametrize(
    ("ref", "why"),
    [
        ("pools:*/p9:budget_musd", "matches no row of pools.csv"),
        ("pools:*:budget_musd", "has 1 key parts but pools.csv has 2"),
        ("pools:*/p1:budget", "names no column of pools.csv"),
        ("fact:nothing", "names no fact"),
        ("budget", "is not fact:<id> or <table>:<key>:<column>"),
    ],
)
def test_bad_reference_names_the_facts_cell(tmp_path, ref, why):
    shutil.copytree(DATA / "audit", tmp_path / "ds")
    facts = tmp_path / "ds" / "facts.csv"
    facts.write_text(facts.read_text().replace("pools:*/p1:budget_musd", ref))
    with pytest.raises(InputError) as err:  # allocator check: refused
        load_inputs(tmp_path / "ds", strict=True)
    start = f"facts.csv, row 2, column 'total_of': reference '{ref}' {why}"
    assert str(err.value).startswith(start)
    notes = load_inputs(tmp_path / "ds").notes  # solve: facts are audit only, a warning
    assert len(notes) == 1
    assert notes[0].startswith(start)
    assert notes[0].endswith("(facts.csv is read only by the audit: solving goes on)")


def test_baseline_audit_finds_the_phase_budget_disagreement_and_not_the_employment_totals():
    report = audit(load_inputs(BASELINE))
    bad = {c.fact.fact: c for c in report.disagreements}
    phase = [c for c in bad.values() if c.kind == "total" and c.fact.value == 45000]
    assert len(phase) == 1, "the $45B programme total against the six phase budget lines"
    assert phase[0].computed == pytest.approx(39000)
    employment = [
        c
        for c in report.comparisons
        if c.fact.unit == "jobs" and c.kind == "total" and c.fact.value in (100000, 180000, 250000)
    ]
    assert len(employment) == 3
    assert all(c.agrees for c in employment)
    assert report.assumptions, "the baseline's assumptions are listed"


def test_baseline_audit_compares_the_20b_capital_total_with_the_phase_budgets():
    """Issue 25.7: seed 000's "Total Manufacturing Investment: $20B" against the 39.0 B of the
    Implementation Timeline's six budget lines is a disagreement, with its arithmetic."""
    bad = {c.fact.fact: c for c in audit(load_inputs(BASELINE)).disagreements}
    (twenty,) = [c for c in bad.values() if c.fact.value == 20000]
    assert twenty.computed == pytest.approx(39000)
    assert twenty.difference == pytest.approx(-19000)
    text = twenty.describe()
    assert "stated 20,000 musd" in text
    assert "add up to 39,000 musd" in text
    assert "Capital Investment by Sector" in text
    assert "-48.7%" in text


def test_agreeing_totals_with_a_rounding_gap_show_their_arithmetic():
    """Issue 25.7: Table A1's totals agree only within rounding; the line says by how much."""
    found = _by_fact(audit(load_inputs(BASELINE)))
    goods, services = found["a1_total_goods"], found["a1_total_services"]
    assert goods.agrees
    assert services.agrees
    assert goods.describe_agreement() == (
        "a1_total_goods: stated 4,504 musd, its parts add up to 4,503 musd: a gap of 1 musd "
        "(+0.02%), within the tolerance of 0.5% (rounding in the source)"
    )
    assert services.describe_agreement().startswith(
        "a1_total_services: stated 4,487 musd, its parts add up to 4,488 musd: a gap of -1 musd"
    )
    exact = found["jobs_total_manufacturing_2040"]
    assert exact.describe_agreement() == "jobs_total_manufacturing_2040: 250,000 jobs, exactly"
