"""Issue 29 point 5: report.html gives the count of the input rows that rest on an assumption,
lists those this plan relies on (limits that bind with a price, funded programs), and keeps the
full list behind a <details>."""

from __future__ import annotations

import re

from conftest import BASELINE, solved


def test_the_report_lists_the_assumptions_the_plan_relies_on_and_folds_the_rest(baseline_run):
    page = (baseline_run / "report.html").read_text(encoding="utf-8")
    section = page[page.index("<h2>Assumptions this run depends on</h2>") :]
    head = re.search(
        r"<p>(\d+) input rows rest on an assumption; this plan relies on (\d+) of them", section
    )
    assert head, section[:400]
    total, relied = int(head[1]), int(head[2])
    assert 0 < relied < total
    shown, folded = section.split("<details>", 1)
    relied_items = re.findall(r"<li>([^<:]+):", shown)
    assert len(relied_items) == relied
    # the phase-3 Korea budget binds with a price and its amount is an assumed schedule
    assert "pools.csv row 9" in relied_items
    # a programs.csv row of a program the plan funds, whose coefficient is assumed
    assert "programs.csv row 21" in relied_items
    # the China pools (budget 0, assumed) bind with a price: the plan relies on them
    assert "pools.csv row 2" in relied_items
    all_items = re.findall(r"<li>([^<:]+):", folded.split("</details>", 1)[0])
    assert len(all_items) == total
    assert folded.lstrip().startswith(f"<summary>All {total} input rows that rest on an assumption")


def test_relied_on_names_the_rows_behind_priced_binding_limits_and_funded_programs():
    from allocator.report.assumed import relied_on

    inp, _sol, tables = solved(str(BASELINE))
    rows = relied_on(inp, tables)
    prices = tables["shadow_prices"]
    assert prices.loc[prices["constraint"] == "budget(korea,phase3)", "binding"].item()
    assert "pools.csv row 9" in rows
    # a budget that does not bind (money left over) is not relied on
    slack = prices[(prices["family"] == "budget") & ~prices["binding"].astype(bool)]
    assert len(slack)
    for record in slack.to_dict("records"):
        row = next(r for r in inp.pools if (r.pool, r.phase) == (record["pool"], record["phase"]))
        assert f"pools.csv row {row.line}" not in rows, record["constraint"]


def test_the_price_charts_use_words_not_row_names(baseline_run):
    import openpyxl
    import pandas as pd

    prices = pd.read_csv(baseline_run / "shadow_prices.csv", keep_default_na=False)
    from allocator.report.htmlparts import chart_labels, room_units  # words, ids made plain

    # the units of what one unit more room buys (test_agree_surfaces)
    words = dict(zip(prices["constraint"], chart_labels(room_units(prices)), strict=True))
    page = (baseline_run / "report.html").read_text(encoding="utf-8")
    section = page[page.index("<h2>What binds") :]
    svg = section[section.index("<svg") : section.index("</svg>")]
    labels = re.findall(r'text-anchor="end" class="s">([^<]+)<title>([^<]+)</title>', svg)
    assert labels
    assert all(full in words.values() for _short, full in labels)
    # mixed units (jobs per musd, jobs per job): each label carries its own
    assert "budget of pool korea in phase3 (jobs for one musd more room)" in [
        full for _s, full in labels
    ]
    assert not any(name in svg for name in words if "(" in name)
    ws = openpyxl.load_workbook(baseline_run / "workbook.xlsx")["charts"]
    column = [c.value for c in ws["A"] if c.value]
    start = next(i for i, v in enumerate(column) if str(v).startswith("The ") and "limits" in v)
    shown = column[start + 2 : start + 2 + len(labels)]
    assert shown == [full for _s, full in labels]  # the same limits, in the same order


def test_targets_come_in_one_table_a_kind_with_whole_jobs(baseline_run):
    import pandas as pd

    page = (baseline_run / "report.html").read_text(encoding="utf-8")
    section = page[page.index("<h2>Targets</h2>") :]
    jobs = section[section.index("<h3>Jobs targets (jobs)</h3>") :]
    jobs = jobs[: jobs.index("</table>")]
    exports = section[section.index("<h3>Exports targets (US$ million per year)</h3>") :]
    exports = exports[: exports.index("</table>")]
    heads = re.findall(r"<th[^>]*>([^<]+)</th>", exports)
    assert heads == ["dimension", "member", "year", "exports_base_musd", "exports_new_musd",
                     "exports_musd", "exports_target_musd", "exports_shortfall_musd",
                     "note"]  # fmt: skip
    assert "aerospace_defense" in exports
    assert "aerospace_defense" not in jobs  # an export category has no jobs target
    outcomes = pd.read_csv(baseline_run / "outcomes.csv")
    targeted = outcomes[outcomes["jobs_target"].notna()]
    shown = re.findall(r'<td class="n" data-v="[^"]+">([^<]+)</td>', jobs)
    assert shown
    assert not any("." in v for v in shown)  # whole jobs
    n_targets = int(outcomes[["jobs_target", "exports_target_musd"]].notna().sum().sum())
    assert f"<p>{n_targets} targets; the plan misses" in section
    assert len(targeted) == jobs.count("<tr>") - 1


def test_the_ranges_chart_marks_the_optimum_and_the_report_states_the_slack():
    import pandas as pd

    from allocator.report.html import render

    frame = pd.DataFrame(
        {
            "member": ["a", "b"],
            "classification": ["must-have", "optional"],
            "optimum_musd": [120.0, 0.0],
            "min_musd": [100.0, 0.0],
            "max_musd": [150.0, 40.0],
        }
    )
    info = {"command": "alternatives", "slack": 0.02,
            "objective": {"optimum": 545333.54, "unit": "jobs"}}  # fmt: skip
    page = render({"ranges": frame}, info)
    assert "among the plans within 2% of the optimum (545,334 jobs)" in page
    marks = re.findall(r'<line x1="([\d.]+)"[^>]*class="mark"><title>([^<]+)</title>', page)
    assert [t for _x, t in marks] == [
        "a (must-have), the optimum: 120 US$ million",
        "b (optional), the optimum: 0 US$ million",
    ]
    # the tick of a sits at 120/150 of the bar's 400 px scale from its left edge at 250
    assert float(marks[0][0]) == 250 + 400 * 120 / 150


def test_a_frontier_axis_that_does_not_start_at_zero_is_marked_as_cut():
    from allocator.report.svg import line

    svg = line([0.0, 10.0], [484651.0, 497004.0], "exports", "jobs", "Frontier")
    assert "jobs (axis cut: starts at 484,651, not 0)" in svg
    assert svg.count('class="cut"') == 1  # the x axis starts at 0: not cut
    assert 'class="cut"' not in line([0.0, 1.0], [0.0, 5.0], "x", "y", "t")


def test_milestone_jobs_are_whole_and_notes_keep_a_readable_width(baseline_run):
    page = (baseline_run / "report.html").read_text(encoding="utf-8")
    section = page[page.index("<h2>Jobs and exports per milestone</h2>") :]
    section = section[: section.index("</table>")]
    assert '<td class="n" data-v="545334">545,334</td>' in section  # not 545,333.5
    assert '<td class="note">' in page
    assert "td.note{min-width:24em}" in page
