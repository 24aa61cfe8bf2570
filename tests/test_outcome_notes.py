"""outcomes.csv's note on a sector far above its target (`report.outcomes._why_above`): the
pools and phases that pay for the sector, each with what one more musd of its budget buys (the
whole musd, then the rate up and the amount it holds for), recomputed here from the allocation
table and the budget rows by independent code. The pools and prices are read
once for every note (`_Paying`), not once a sector (issue 30: at 1e6 nonzeros each note
re-filtered 70,000 allocation rows)."""

from __future__ import annotations

import re

from allocator.report import outcomes as outcomes_module
from conftest import BASELINE, solved


def _expected_pools(tables, sol, sector: str) -> str:
    alloc = tables["allocation"]
    mine = alloc[alloc["sector"] == sector]
    pairs = sorted(set(zip(mine["pool"], mine["phase"], strict=True)))
    rows = sol.rows[sol.rows["family"] == "budget"]
    columns = ("gain_of_one_unit_up", "gain_per_unit_up", "up_holds_for")
    values = zip(rows["pool"], rows["phase"], *map(rows.get, columns), strict=True)
    up = {(p, ph): r for p, ph, *r in values}
    said = []
    for p, ph in (k for k in pairs if k in up):
        whole, rate, holds = up[(p, ph)]
        rest = (whole - rate * holds) / (1 - holds)  # every paying budget's rate holds < 1 musd
        rest = 0.0 if abs(rest) < 1e-9 * max(1.0, abs(rate)) else rest  # the re-solve's noise
        said.append(
            f"{p} {ph}, one more musd: {whole:+,.4g} jobs ({rate:+,.4g} jobs per musd for the "
            f"first {holds:,.6g} musd, then {rest + 0.0:+,.4g} jobs per musd on average)"
        )
    return "; ".join(said)


def test_each_note_names_the_paying_pools_and_their_prices() -> None:
    """The baseline: aerospace and materials_chemicals are over 25% above their 2040 targets;
    each note lists exactly the (pool, phase) pairs the allocation funds for the sector, sorted,
    with what one more musd of it buys, and nothing for other rows."""
    _, sol, tables = solved(str(BASELINE))
    out = tables["outcomes"]
    noted = out[out["note"] != ""]
    assert sorted(noted["member"]) == ["aerospace", "materials_chemicals"]
    assert set(noted["dimension"]) == {"sector"}
    assert set(noted["year"]) == {2040}
    for member, note in zip(noted["member"], noted["note"], strict=True):
        listed = re.search(r"the pools that pay for it \((.*)\) have no better use", note)
        assert listed is not None, note
        assert listed.group(1) == _expected_pools(tables, sol, member)
        assert "+0.53 jobs (+5.3 jobs per musd" in listed.group(1)  # the phase-3 budgets'
        assert "shadow price" not in note


def test_the_pools_are_read_once_for_all_notes(monkeypatch) -> None:
    """However many sectors get a note, the allocation is grouped by sector once."""
    inp, sol, tables = solved(str(BASELINE))
    calls = []
    real = outcomes_module._Paying.pools

    def spy(self, sector):
        calls.append(self._pools is None)
        return real(self, sector)

    monkeypatch.setattr(outcomes_module._Paying, "pools", spy)
    again = outcomes_module.outcomes(inp, sol, tables["allocation"])
    assert list(again["note"]) == list(tables["outcomes"]["note"])
    assert calls == [True, False]  # two notes: grouped on the first, reused on the second
