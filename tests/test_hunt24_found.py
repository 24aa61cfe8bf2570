"""Findings of hunt24 (what-if at meeting speed, what a planner puts on a slide). Each test is a
strict xfail that fails today for the reason it names and asserts what a correct program gives
(by hand, or by `allocator solve --set` re-solves); drop the mark with the fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conftest import DATA

TOKEN = "hunt24-token-not-secret"
AUTH = {"X-Allocator-Token": TOKEN}


def _served(tmp_path: Path, dataset: str) -> tuple[TestClient, Path]:
    """serve's app on a project holding a copy of tests/data/`dataset` (models/ and results/
    beside inputs/, as Save requires), reached with the token header; and the project."""
    from allocator.runs.spec import RunSpec
    from allocator.serve.app import create_app
    from allocator.serve.held import HeldModel

    project = tmp_path / "project"
    shutil.copytree(DATA / dataset, project / "inputs" / dataset)
    held = HeldModel(RunSpec(inputs=project / "inputs" / dataset))
    app = create_app(held, TOKEN, project / "models", project / "results", ("testserver",))
    return TestClient(app, raise_server_exceptions=False), project


def _set(client: TestClient, *texts: str) -> dict:
    answer = client.post("/api/set", json={"set": list(texts)}, headers=AUTH)
    assert answer.status_code == 200, answer.text[:400]
    return answer.json()


def test_save_of_a_cell_set_under_two_spellings_saves_the_plan_shown(tmp_path):
    """tests/data/tranches has one tranche row, level 800 (jobs/sector/s1/800). A set names it
    as `800`, `800.0` or `8e2` alike (a number key part is read as a number). On the page: set
    `tranches.jobs/sector/s1/8e2.share=0.5` (1,390 jobs), then
    `tranches.jobs/sector/s1/800.share=0.3`: the page shows 1,290 jobs (the latest value wins,
    as with --set). Save answers 400 "save: the dataset inputs/tranches changed on disk since
    serve read it ... Fix: stop serve and start it again": nothing changed on disk, and a
    restart with the same two edits is refused again. The page's sets are two entries
    (`8e2` and `800`), sorted by text for the model file, so the saved file applies 0.3 then
    0.5 and would solve 1,390 jobs. A correct Save writes the scenario shown (1,290 jobs)."""
    client, project = _served(tmp_path, "tranches")
    _set(client, "tranches.jobs/sector/s1/8e2.share=0.5")
    shown = _set(client, "tranches.jobs/sector/s1/800.share=0.3")
    assert shown["headline"]["value"] == pytest.approx(1290.0)  # 0.3, the latest, as --set
    saved = client.post("/api/save", json={"name": "two_spellings"}, headers=AUTH)
    assert saved.status_code == 200, saved.text[:400]
    assert saved.json()["headline"]["value"] == pytest.approx(1290.0)


def test_a_cell_of_a_tranche_whose_level_was_set_is_set_by_the_key_the_page_shows(tmp_path):
    """On the page, set `tranches.jobs/sector/s1/800.from_level=900`: the cells table now
    lists that tranche as `jobs/sector/s1/900` (from_level 900, share 0.2), and typing 0.5 into
    its share sends `tranches.jobs/sector/s1/900.share=0.5` (page.js makes the address from
    row.key). serve refuses it: "the key 'jobs/sector/s1/900' names no row of tranches.csv.
    Fix: no row has from_level '900': did you mean 800?", and typing it under 800 (as the fix
    says) is the only way. The planner cannot change a cell the page shows by the name the
    page shows. Correct: the page's own address is taken (1,340 jobs at share 0.2 past 900
    jobs; 0.5 gives more), or the page names the row as a set must."""
    client, _project = _served(tmp_path, "tranches")
    moved = _set(client, "tranches.jobs/sector/s1/800.from_level=900")
    assert moved["headline"]["value"] == pytest.approx(1340.0)
    (tranches,) = [g for g in moved["cells"] if g["table"] == "tranches"]
    (row,) = tranches["rows"]
    share = f"tranches.{row['key']}.share=0.5"  # what page.js sends for that cell
    answer = client.post("/api/set", json={"set": [share]}, headers=AUTH)
    assert answer.status_code == 200, answer.text[:400]
    assert answer.json()["headline"]["value"] > 1340.0


def test_evpi_and_vss_operands_subtract_to_the_value_they_explain(tmp_path):
    """`allocator solve --inputs tests/data/two_stage --decide-now p1 --scenarios 10`: run.json
    has here_and_now 310.561, wait_and_see 310.910, nominal_decide_now 299.740 (the means of
    two_stage_scenarios.csv's columns; EVPI 0.3485 and VSS 10.82 are their differences, checked
    by hand). The terminal and report.html say "EVPI ... would add 0.3485 jobs on average (311
    if each scenario were planned alone, minus 311)" and "VSS ... adds 10.82 jobs on average
    (311 minus 300 ...)". A planner who copies the sentence onto a slide shows 311 - 311 =
    0.3485 and 311 - 300 = 10.82. Correct: the operands are shown to the precision of the
    difference they explain (310.91 minus 310.56; 310.56 minus 299.74)."""
    import re

    from conftest import run_cli

    res = run_cli(
        "solve", "--inputs", DATA / "two_stage", "--decide-now", "p1", "--scenarios", "10",
        "--out", tmp_path / "run",
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr

    def number(text: str) -> float:
        return float(text.replace(",", ""))

    evpi = re.search(
        r"would add ([\d.,]+) jobs on average \(([\d.,]+) if each .*?minus ([\d.,]+)", res.stdout
    )
    vss = re.search(r"adds ([\d.,]+) jobs on average \(([\d.,]+) minus ([\d.,]+)", res.stdout)
    assert evpi is not None, res.stdout
    assert vss is not None, res.stdout
    for said in (evpi, vss):
        value, first, second = (number(g) for g in said.groups())
        assert first - second == pytest.approx(value, abs=0.01), said.group(0)


def _two_runs(tmp_path: Path) -> tuple[Path, Path]:
    """Two run folders of tests/data/greedy: as given, and with its one budget at 60."""
    from conftest import run_cli

    first, second = tmp_path / "given", tmp_path / "cut"
    for out, extra in ((first, ()), (second, ("--set", "pools.public/p1.budget_musd=60"))):
        res = run_cli("solve", "--inputs", DATA / "greedy", *extra, "--out", out)
        assert res.exit_code == 0, res.stderr
    return first, second


def test_compare_of_run_folders_refuses_a_set_that_nothing_takes(tmp_path):
    """`allocator compare RUN_A RUN_B --set pools.public/p1.budget_musd=900`: both items are run
    folders, which compare reads as written (docs/workflow.md: --set goes "to the objectives
    and model files it solves (not to run folders it reads)"). compare exits 0, shows the two
    plans unchanged, and its run.json says `"sets": ["pools.public/p1.budget_musd=900"]`, the
    record a reader takes for the scenario compared; nothing on the terminal says the set was
    ignored. `solve --check-against RUN --set ...` refuses the same ignored option ("re-runs
    what its run.json records, so --set would be ignored. Fix: leave it out"). Correct: refused
    in one line, exit 2, nothing written."""
    from conftest import run_cli

    first, second = _two_runs(tmp_path)
    out = tmp_path / "cmp"
    res = run_cli(
        "compare", first, second, "--set", "pools.public/p1.budget_musd=900", "--out", out
    )
    assert res.exit_code == 2, res.stdout[-400:]
    assert "--set" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert not out.exists()


def test_a_compare_of_run_folders_names_their_dataset_on_its_page(tmp_path):
    """`allocator compare RUN_A RUN_B` of two runs of tests/data/greedy: report.html's first
    line under the title is "Dataset: . Money in US$ million (musd)." -- an empty name and a
    stray period on the page a planner prints; run.json's `compared` holds each folder's
    dataset. Correct: the page names the dataset the plans were solved on (greedy)."""
    import re

    from conftest import run_cli

    first, second = _two_runs(tmp_path)
    res = run_cli("compare", first, second, "--out", tmp_path / "cmp")
    assert res.exit_code == 0, res.stderr
    page = (tmp_path / "cmp" / "report.html").read_text(encoding="utf-8")
    said = re.search(r"Dataset: ([^<]*)", page)
    assert said is not None
    assert "greedy" in said.group(1), said.group(0)


def test_an_infeasible_what_if_names_the_sets_that_gave_the_conflicting_values(tmp_path):
    """tests/data/greedy: pool public has 120 musd in p1, and no program has a floor.
    `allocator solve --inputs tests/data/greedy --set programs.a.floor_musd=50 --set
    programs.b.floor_musd=50 --set pools.public/p1.budget_musd=80` (each fine alone; together
    50 + 50 > 80): exit 1 and "budget of pool public in p1 <= 80 musd (pools.csv row 2, column
    budget_musd)", "floor on program a >= 50 musd (programs.csv row 2, column floor_musd)" and
    the fix "lower program_floor(a) ... from 50 to 30 (programs.csv row 2, column
    floor_musd)". pools.csv row 2 holds 120 and programs.csv has no floor_musd column at all:
    the planner who opens the cell named finds another number, and the --set that put 80 and
    50 there is named nowhere (the refusal before solving says "after --set '...'"). Correct:
    each line whose value a set gave names that set."""
    from conftest import run_cli

    sets = (
        "programs.a.floor_musd=50",
        "programs.b.floor_musd=50",
        "pools.public/p1.budget_musd=80",
    )
    args = [a for s in sets for a in ("--set", s)]
    res = run_cli("solve", "--inputs", DATA / "greedy", *args, "--out", tmp_path / "run")
    assert res.exit_code == 1, res.stderr
    lines = res.stderr.splitlines()
    budget = [line for line in lines if line.lstrip().startswith("- budget(public,p1)")]
    floor_a = [line for line in lines if line.lstrip().startswith("- program_floor(a)")]
    assert budget, res.stderr
    assert floor_a, res.stderr
    assert "pools.public/p1.budget_musd" in budget[0], budget[0]
    assert "programs.a.floor_musd" in floor_a[0], floor_a[0]


@pytest.mark.parametrize(
    ("command", "data", "cell", "extra"),
    [
        ("frontier", "mga", "pools.public/p1.budget_musd=50", ("--points", "3")),
        ("alternatives", "mga", "pools.public/p1.budget_musd=50", ()),
        ("core", "core", "programs.a.cap_musd=10", ()),
    ],
)
def test_a_study_page_of_a_what_if_names_the_cell_set(tmp_path, command, data, cell, extra):
    """`allocator core --inputs tests/data/core --set programs.a.cap_musd=10` says "commit now:
    a, b, c" (without the set: "commit now: a"), and neither its terminal nor its report.html
    says that a's cap was cut from 60 to 10 (run.json has it, under settings.sets). frontier's
    and alternatives' pages say "Settings: ...; 1 cell(s) set." without naming it (the words
    html._cells_set keeps for "a run written before run.json said it"); their terminals say
    nothing. A page a planner shows as the answer to a what-if must say what the what-if was,
    as solve's does ("cells set: pools.china/phase1.budget_musd from 0 to 5 (--set)")."""
    from conftest import run_cli

    out = tmp_path / "run"
    res = run_cli(command, "--inputs", DATA / data, "--set", cell, *extra, "--out", out)
    assert res.exit_code == 0, res.stderr
    page = (out / "report.html").read_text(encoding="utf-8")
    assert cell.split("=")[0] in page


def test_the_headlines_existing_and_new_jobs_add_up_to_the_level_shown(tmp_path):
    """tests/data/base_levels (base jobs s1 500, s2 300; pool 120 musd) with
    `--set base.jobs/sector/s1.value=500.4 --set programs.a.jobs_per_musd=10.0040`: the plan
    puts 45 musd in a and 75 in b, so jobs in 2026 are 800.4 existing + (45 x 10.004 + 75 x 4
    = 750.18) new = 1,550.58 (outcomes.csv's total row). The terminal (and serve's headline,
    same words) says "1,551 direct jobs in 2026 (800 existing before the plan + 750 new)": a
    slide whose sum is 1,550. Correct: the parts shown add up to the level shown (801 new, or
    one decimal throughout)."""
    import re

    from conftest import run_cli

    res = run_cli(
        "solve", "--inputs", DATA / "base_levels",
        "--set", "base.jobs/sector/s1.value=500.4",
        "--set", "programs.a.jobs_per_musd=10.0040",
        "--out", tmp_path / "run",
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    said = re.search(r"([\d.,]+) direct jobs in 2026 \(([\d.,]+) existing before the plan \+ "
                     r"([\d.,]+) new\)", res.stdout)  # fmt: skip
    assert said is not None, res.stdout
    level, existing, new = (float(g.replace(",", "")) for g in said.groups())
    assert level == pytest.approx(1550.58, abs=0.5)
    assert existing + new == pytest.approx(level), said.group(0)
