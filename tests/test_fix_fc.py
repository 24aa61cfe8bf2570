"""Fixes of fC: outcomes say what already existed (the headline, the terminal's jobs and exports
lines, report.html and --json split a level with a base into what exists before the plan and
what the plan adds); a market caps a category's level (base + new), and a base above it is
refused; a dataset without targets says nothing of them; --json's numbers are the CSV's."""

from __future__ import annotations

import csv
import json
import shutil

from conftest import DATA, run_cli

BASE_LEVELS = DATA / "base_levels"


def _solve(tmp_path, name: str, *args: object):
    """`allocator solve ARGS --out tmp_path/name`: the run folder and what it printed."""
    out = tmp_path / name
    done = run_cli("solve", *args, "--out", out)
    assert done.exit_code == 0, done.stderr
    return out, done


def _line(stdout: str, start: str) -> str:
    return next(s for s in stdout.splitlines() if s.startswith(start))


def _exports_with_base(tmp_path, value: str):
    """tests/data/exports with `value` musd a year of cat's exports existing before the plan."""
    data = shutil.copytree(DATA / "exports", tmp_path / f"exports_base_{value}")
    (data / "base.csv").write_text(
        "kind,dimension,member,year,value,source\n"
        f"exports,export_category,cat,2025,{value},fC: sold before the plan\n",
        encoding="utf-8",
    )
    return data


def test_the_terminal_splits_a_level_into_existing_and_new(tmp_path):
    run, done = _solve(tmp_path, "run", "--inputs", BASE_LEVELS)
    lines = done.stdout.splitlines()
    assert lines[0].endswith("1,550 direct jobs in 2026 (800 existing before the plan + 750 new)")
    jobs = _line(done.stdout, "  jobs (jobs):")
    assert jobs == "  jobs (jobs): 2026 1,550 (800 existing + 750 new)"
    # no exports exist before the plan: the exports line says the level alone
    assert _line(done.stdout, "  exports (") == "  exports (US$ million per year): 2026 0"
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "(800 existing before the plan + 750 new)" in page
    milestones = page[page.index("<h2>Jobs and exports per milestone</h2>") :]
    milestones = milestones[: milestones.index("</table>")]
    assert "jobs existing before the plan (jobs)</th>" in milestones
    assert '<td class="n" data-v="800">800</td><td class="n" data-v="750">750</td>' in milestones


def test_json_says_the_base_and_the_new_part(tmp_path):
    done = run_cli("solve", "--inputs", BASE_LEVELS, "--out", tmp_path / "run", "--json")
    assert done.exit_code == 0, done.stderr
    said = json.loads(done.stdout)
    assert said["base_and_new"] == {"jobs_2026": {"base": 800, "new": 750}}


def test_a_dataset_without_a_base_says_the_level_alone(tmp_path):
    run, done = _solve(tmp_path, "run", "--inputs", DATA / "ties")
    assert "existing" not in done.stdout
    assert "existing before the plan" not in (run / "report.html").read_text(encoding="utf-8")
    done = run_cli("solve", "--inputs", DATA / "ties", "--out", tmp_path / "j", "--json")
    assert "base_and_new" not in json.loads(done.stdout)


def test_an_exports_headline_says_the_exports_that_exist(tmp_path):
    data = _exports_with_base(tmp_path, "100")
    run, done = _solve(tmp_path, "run", "--inputs", data, "--objective", "exports")
    headline = done.stdout.splitlines()[0]
    # the market (300 x 50% = 150) holds the level: 100 exist, the plan adds 50
    assert "150 US$ million of exports" in headline, headline
    assert "(100 existing before the plan + 50 new)" in headline, headline
    line = _line(done.stdout, "  exports (")
    assert line.endswith("2026 150 (100 existing + 50 new)"), line


def test_a_base_at_the_market_leaves_no_room_for_new_exports(tmp_path):
    data = _exports_with_base(tmp_path, "150")
    run, _ = _solve(tmp_path, "run", "--inputs", data, "--objective", "exports")
    with (run / "outcomes.csv").open(encoding="utf-8", newline="") as f:
        cat = next(r for r in csv.DictReader(f) if r["member"] == "cat")
    assert (cat["exports_base_musd"], cat["exports_new_musd"], cat["exports_musd"]) == (
        "150",
        "0",
        "150",
    )


def test_a_base_above_the_reachable_market_is_refused(tmp_path):
    data = _exports_with_base(tmp_path, "151")
    done = run_cli("solve", "--inputs", data, "--out", tmp_path / "run")
    assert done.exit_code == 2, done.stdout + done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for said in ("base.csv, row 2, column 'value'", "markets.csv row 2", "at most 150"):
        assert said in lines[0], lines[0]
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "run").exists()


def test_a_market_set_below_the_base_is_refused(tmp_path):
    data = _exports_with_base(tmp_path, "100")
    cell = "markets./cat/2026.market_musd=150"  # 150 x 50% = 75 < 100
    done = run_cli("solve", "--inputs", data, "--set", cell, "--out", tmp_path / "run")
    assert done.exit_code == 2, done.stdout + done.stderr
    assert "base.csv, row 2, column 'value'" in done.stderr, done.stderr
    assert "at most 75" in done.stderr, done.stderr
    assert not (tmp_path / "run").exists()


def test_no_targets_no_words_of_targets(tmp_path):
    for name in ("tranches", "ties"):
        _, done = _solve(tmp_path, name, "--inputs", DATA / name)
        assert "Every target is reached." not in done.stdout, name
        assert "least shortfall" not in done.stdout, name
    _, done = _solve(tmp_path, "ties_prices", "--inputs", DATA / "ties")
    assert "(no plan is feasible: no plan meets every other limit after that move)" in done.stdout


def test_json_numbers_are_the_run_folders(tmp_path):
    done = run_cli("solve", "--inputs", BASE_LEVELS, "--out", tmp_path / "run", "--json")
    said = json.loads(done.stdout)
    with (tmp_path / "run" / "shadow_prices.csv").open(encoding="utf-8", newline="") as f:
        table = {r["constraint"]: r for r in csv.DictReader(f)}
    for price in said["top_shadow_prices"]:
        row = table[price["constraint"]]
        for key, value in price.items():
            if isinstance(value, float) and row.get(key):
                assert value == float(row[key]), (price["constraint"], key, value, row[key])
    done = run_cli("solve", "--inputs", DATA / "shares", "--out", tmp_path / "s", "--json")
    said = json.loads(done.stdout)
    assert said["objective"]["value"] == 600
    assert said["outcomes"]["least_weighted_target_shortfall"] == float("%.12g" % (1 / 9))
