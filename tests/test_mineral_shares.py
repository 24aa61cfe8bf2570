"""Issue 25 point 3, the part left: processing-share milestones per mineral (seed 000's
"Current State vs. 2040 Targets": today's and 2040's domestic processing share), as soft
targets the plan reports against."""

from __future__ import annotations

import pytest

from conftest import BASELINE, DATA, solved

SHARES_CASE = DATA / "shares"

# --- a hand-solved case ------------------------------------------------------------------------
# a: sector s1, 10 jobs/musd, no mineral; b: mineral cu, 4 jobs/musd; caps 100; budget 120.
# cu's share = 40 + (90 - 40) x capital of b / 125. The 2026 target of 90 needs 125 musd of b, but
# its cap is 100: the least shortfall puts 100 into b (share 80, short by 10 points, weighted
# 10 / 90), and the other 20 go to a. Jobs = 10 x 20 + 4 x 100 = 600 (1,080 with targets off).


def test_hand_solved_share_target():
    _inp, sol, tables = solved(str(SHARES_CASE))
    assert sol.objective_value == pytest.approx(600.0)
    assert sol.totals["weighted_shortfall"] == pytest.approx(10 / 90)
    row = tables["shares"].set_index(["mineral", "year"]).loc[("cu", 2026)]
    assert row["capital_musd"] == pytest.approx(100.0)
    assert row["share_pct"] == pytest.approx(80.0)
    assert row["share_target_pct"] == pytest.approx(90.0)
    assert row["share_shortfall_pct"] == pytest.approx(10.0)


def test_hand_solved_share_target_off():
    """With the targets off the share is still reported, and the money goes to a first."""
    _inp, sol, tables = solved(str(SHARES_CASE), targets="off")
    assert sol.objective_value == pytest.approx(10 * 100 + 4 * 20)
    row = tables["shares"].set_index(["mineral", "year"]).loc[("cu", 2026)]
    assert row["share_pct"] == pytest.approx(40 + 50 * 20 / 125)


def test_baseline_reports_each_mineral_share_in_2040():
    inp, _sol, tables = solved(str(BASELINE))
    shares = tables["shares"].set_index(["mineral", "year"])
    seed = {
        "copper": (40, 90, 3500),
        "lithium": (10, 80, 2500),
        "rare_earths": (5, 70, 2200),
        "silver": (60, 95, 1200),
        "gold": (70, 95, 600),
    }
    for mineral, (today, full, invest) in seed.items():
        r = shares.loc[(mineral, 2040)]
        assert (r["share_today_pct"], r["share_2040_pct"]) == (today, full)
        assert r["investment_musd"] == invest
        got = today + (full - today) * min(1.0, r["capital_musd"] / invest)
        assert r["share_pct"] == pytest.approx(got)
        assert r["share_shortfall_pct"] == pytest.approx(max(0.0, full - got))
    out = tables["outcomes"]
    mining = out[(out["dimension"] == "sector") & (out["member"] == "mining_processing")]
    capital_2040 = float(mining[mining["year"] == 2040]["capital_musd"].iloc[0])
    assert shares.xs(2040, level="year")["capital_musd"].sum() == pytest.approx(capital_2040)


def test_terminal_report_and_files_show_the_share(tmp_path):
    """`allocator solve` on the hand case: the terminal's targets list, shares.csv of the run
    and report.html all say cu reached 80% of its 90% target, short by 10 points."""
    from typer.testing import CliRunner

    from allocator.cli.commands import app

    out = tmp_path / "run"
    res = CliRunner().invoke(app, ["solve", "--inputs", str(SHARES_CASE), "--out", str(out)])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "processing share of cu in 2026: target 90%, reached 80%, short by 10" in text
    written = (out / "shares.csv").read_text()
    assert "cu,2026,100" in written
    html = (out / "report.html").read_text()
    assert "Processing shares" in html
    assert "misses 1 of them" in html


def test_share_of_unknown_mineral_is_refused(tmp_path):
    import shutil

    from allocator.data.inputs import load_inputs
    from allocator.errors import InputError

    case = tmp_path / "case"
    shutil.copytree(SHARES_CASE, case)
    (case / "shares.csv").write_text((case / "shares.csv").read_text().replace("\ncu,", "\nzinc,"))
    with pytest.raises(InputError) as err:
        load_inputs(case)
    assert "shares.csv" in str(err.value)
    assert "zinc" in str(err.value)


def test_weight_zero_is_reported_only(tmp_path):
    """A share row with weight 0 holds nothing, even under hard targets (held, the hand case's
    90% would need 125 musd of b, whose cap is 100: infeasible): the money goes to a first
    (1,080 jobs, as with the targets off), and cu's share is still reported: 40 + 50 x 20 / 125
    = 48, short by 42 points."""
    import shutil

    from allocator.data.inputs import load_inputs
    from allocator.pipeline import solve_inputs, tables_of

    case = tmp_path / "case"
    shutil.copytree(SHARES_CASE, case)
    text = (case / "shares.csv").read_text()
    text = text.replace("target_pct,", "target_pct,weight,").replace(",90,hand", ",90,0,hand")
    (case / "shares.csv").write_text(text)
    inp = load_inputs(case)
    sol, _ = solve_inputs(inp, "jobs", targets="hard")
    assert sol.objective_value == pytest.approx(1080.0)
    assert not (sol.rows["family"] == "processing_share").any()
    row = tables_of(inp, sol)["shares"].iloc[0]
    assert row["share_pct"] == pytest.approx(48.0)
    assert row["share_shortfall_pct"] == pytest.approx(42.0)
