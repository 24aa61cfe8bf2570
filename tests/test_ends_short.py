"""An amount found by re-solves that ran out before the rate's end is a lower bound, and says
so: with the re-solves per side (`marginal.MAX_PROBES`) cut to 3, the ecosystem budget's cut
(10.6 jobs per musd for the whole 6,200 musd) was said "for 2,648 musd" as if the rate changed
there, the electronics_assembly cap's room "for 8 musd" (it holds for 1,366.5) and the
aerospace tranche's cut "for 8 jobs" (59,227.1). Each such side now says "for at least" on
every surface and `; down: at least` in shadow_prices.csv, and a fresh solve of model.mps
confirms rate x amount at the amount said. With the default 40, no side of the baseline runs
out (tests/test_side_ends.py: no "at least" in the baseline's words)."""

from __future__ import annotations

import pytest

from conftest import BASELINE, run_cli
from test_side_ends import ECOSYSTEM, _json, _optimum, _report, _rows, _terminal


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    """`allocator solve --write-model` and `--json` on the baseline, 3 re-solves per side."""
    from allocator.solver import marginal

    patch = pytest.MonkeyPatch()
    patch.setattr(marginal, "MAX_PROBES", 3)
    try:
        out = tmp_path_factory.mktemp("short") / "run"
        ran = run_cli("solve", "--inputs", BASELINE, "--out", out, "--write-model")
        assert ran.exit_code == 0, ran.stderr
        js = run_cli("solve", "--inputs", BASELINE, "--json", "--out", out.with_name("json"))
        assert js.exit_code == 0, js.stderr
    finally:
        patch.undo()
    return out, ran.stdout, js.stdout


def test_an_amount_the_re_solves_did_not_follow_to_its_end_says_at_least(short):
    run, stdout, js = short
    surfaces = {"terminal": _terminal(stdout), "report": _report(run)}
    surfaces["json"] = {k: (p["one_more"], p["one_less"]) for k, p in _json(js).items()}
    for where, said in surfaces.items():
        assert "-10.6 jobs per musd for at least 2,648 musd" in said[ECOSYSTEM][1], where
        more = said["program_cap(electronics_assembly)"][0]
        assert "+9.2 jobs per musd for at least 8 musd" in more, (where, more)
        less = said["tranche(aerospace,25000,2040)"][1]
        assert "-0.5 jobs per job for at least 8 jobs" in less, (where, less)
    prices = _rows(run, "shadow_prices.csv")
    assert prices[ECOSYSTEM]["one_sided"] == "re-solved; down: at least"
    assert prices["program_cap(electronics_assembly)"]["one_sided"].startswith(
        "re-solved; up: at least"
    )
    assert "re-solves allowed per side ran out" in stdout
    assert "re-solves allowed per side ran out" in (run / "report.html").read_text("utf-8")


def test_an_amount_said_at_least_holds_that_far(short):
    run, stdout, _ = short
    prices = _rows(run, "shadow_prices.csv")
    base, checked = _optimum(run), 0
    for name, (more, less) in _terminal(stdout).items():
        for sigma, rate, holds, text in ((+1, "gain_per_unit_up", "up_holds_for", more),
                                         (-1, "loss_per_unit_down", "down_holds_for",
                                          less)):  # fmt: skip
            if "for at least" not in text:
                continue
            amount, slope = float(prices[name][holds]), float(prices[name][rate])
            at = _optimum(run, name, sigma, amount)
            assert at is not None, (name, sigma)
            assert (at - base) / (sigma * amount) == pytest.approx(slope, rel=1e-6, abs=1e-6)
            checked += 1
    assert checked >= 3
