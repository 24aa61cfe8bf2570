"""`--set` reaches every number (and yes/no) column of the data dictionary (task setall): base.csv
(base levels), tranches.csv (diminishing returns), shares.csv (processing shares) and pools.csv's
carry_over, on the command line, in the audit's references and on serve's page.

A row is named by the key its table is deduplicated on (schema.TABLES): base kind/dimension/
member, tranches kind/dimension/member/from_level (a number: `800`), shares mineral/year. A set
gives the bytes of the dataset with that cell edited. Datasets (tests/data): base_levels (s1 500
and s2 300 jobs exist), tranches (s1 past 800 jobs counts 0.2), shares (cu 40 % today, 90 % at
125 US$ million of b), replan (three phases of 100 of pool public, carrying over). All in-process.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from allocator.data.audit import audit
from allocator.data.cellset import SETTABLE, apply_set, parse_set
from allocator.data.inputs import load_inputs
from allocator.errors import UsageError
from conftest import BASELINE, DATA, invoke
from test_hunt_whatif import same_bytes_as_edited


def _source(dataset: str) -> Path:
    return BASELINE if dataset == "peru2040" else DATA / dataset


def one_line_error(res, out: Path, *words: str) -> str:
    """The one line of a refused command (exit 2, no traceback, nothing written) with every
    word."""
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    for w in words:
        assert w in lines[0], lines[0]
    assert "Fix: " in lines[0], lines[0]
    assert not out.exists()
    return lines[0]


@pytest.mark.parametrize(
    ("dataset", "cell", "said"),
    [
        ("peru2040", "shares.copper/2040.investment_musd=4000", "from 3500 to 4000"),
        ("base_levels", "base.jobs/sector/s2.value=0.4K", "from 300 to 400"),
        ("tranches", "tranches.jobs/sector/s1/800.share=0.1", "from 0.2 to 0.1"),
        ("tranches", "tranches.jobs/sector/s1/800.from_level=1.1K", "from 800 to 1100"),
        ("shares", "shares.cu/2026.today_pct=60%", "from 40 to 60"),
        ("shares", "shares.cu/2026.weight=0", "from empty to 0"),  # a column the file leaves out
        ("replan", "pools.public/phase1.carry_over=no", "from yes to no"),
    ],
)
def test_a_set_gives_the_bytes_of_the_dataset_with_that_cell_edited(
    tmp_path, solved_run, dataset, cell, said
):
    """Both runs read a folder `data` from their own working folder, so every path is the
    same; only run.json's record of the spec and the report's settings line differ. The cell
    matters: the run of the dataset as it is differs in some table. The terminal says the
    change (a yes/no cell as yes or no)."""
    names, ran = same_bytes_as_edited(_source(dataset), cell, tmp_path)
    one, address = tmp_path / "set", cell.split("=", 1)[0]
    before = solved_run("--inputs", _source(dataset))[0]  # once per session and dataset
    tables = [n for n in names if n.endswith(".csv")]
    assert any((one / "out" / n).read_bytes() != (before / n).read_bytes() for n in tables), (
        "the set changed no table: the test would pass on a set that does nothing"
    )
    assert f"cells set: {address} {said} (--set)" in " ".join(ran.stdout.split())


def test_the_new_tables_and_yes_no_columns_are_settable():
    assert SETTABLE["base"] == ("year", "value")
    assert SETTABLE["tranches"] == ("from_level", "share")
    assert SETTABLE["shares"] == (
        "year",
        "today_pct",
        "full_pct",
        "investment_musd",
        "target_pct",
        "weight",
    )
    assert "carry_over" in SETTABLE["pools"]


@pytest.mark.parametrize(
    ("text", "carried"),
    [("no", False), ("yes", True), ("No", False), ("", False), ("true", True)],
)
def test_carry_over_is_read_as_the_csv_cell_would_be(text, carried):
    """replan's phase 1 carries over (yes); `no` and an empty cell (as an empty CSV cell: no)
    stop it, and the change is recorded as yes/no."""
    inp = load_inputs(DATA / "replan")
    after = apply_set(inp, parse_set(f"pools.public/phase1.carry_over={text}"))
    row = next(p for p in after.pools if p.phase == "phase1")
    assert row.carry_over is carried
    assert after.cells_set[-1]["old"] is True
    assert after.cells_set[-1]["new"] is carried


def _two_tranches(tmp_path: Path) -> Path:
    """tests/data/tranches with a second tranche of s1: past 1,000 jobs only 0.1 counts."""
    folder = tmp_path / "data"
    shutil.copytree(DATA / "tranches", folder)
    with (folder / "tranches.csv").open("a", encoding="utf-8") as fh:
        fh.write("jobs,sector,s1,1000,0.1,test\n")
    return folder


@pytest.mark.parametrize(
    ("dataset", "cell", "words"),
    [
        # the percent rule: 0.4 may be 0.4 % or a share of 40 %
        ("shares", "shares.cu/2026.today_pct=0.4",
         ["shares.csv row 2, column 'today_pct'", "could be 0.4 % or a share of 40 %", "0.4%"]),
        ("shares", "shares.cu/2026.target_pct=120%",
         ["column 'target_pct'", "is not a percent between 0 and 100"]),
        ("shares", "shares.cu/2026.target_pct=30",
         ["shares.csv row 2", "the target 30% is outside today's 40%"]),
        ("shares", "shares.cu/2026.investment_musd=0", ["'0' is not above 0"]),
        ("shares", "shares.cu/2026.source=x", ["column 'source' of shares.csv is text"]),
        ("shares", "shares.cu/2030.weight=1",
         ["names no row of shares.csv", "years of shares.csv (2026)"]),
        ("shares", "shares.cu.weight=1", ["has 1 part(s)", "(mineral / year)"]),
        ("shares", "shares.cu/2026.year=2030",
         ["after --set 'shares.cu/2026.year=2030'", "2030 is not a milestone year"]),
        ("replan", "pools.public/phase1.carry_over=maybe",
         ["pools.csv row 2, column 'carry_over'", "'maybe' is not yes or no", "write yes or no"]),
        ("replan", "pools.public/phase1.carry_over=2", ["'2' is not yes or no"]),
        ("base_levels", "base.jobs/sector/s1.value=-5", ["'-5' is below the minimum 0"]),
        ("base_levels", "base.jobs/sector/s1.value=2e10", ["above the maximum 1e+10"]),
        ("base_levels", "base.jobs/sector/s3.value=5", ["no row has member 's3'"]),
        ("base_levels", "base.jobs/sector/s1/2025.value=5", ["has 4 part(s)",
                                                             "(kind / dimension / member)"]),
        # checked across the tables after the sets: a base stated after the first milestone
        ("base_levels", "base.jobs/sector/s1.year=2027",
         ["after --set 'base.jobs/sector/s1.year=2027'", "after the first milestone 2026"]),
        ("tranches", "tranches.jobs/sector/s1/800.share=1.5", ["is not a share between 0 and 1"]),
        ("tranches", "tranches.jobs/sector/s1/900.share=0.1", ["names no row of tranches.csv"]),
        ("tranches", "tranches.jobs/sector/s1/800.member=s2", ["part of the key of tranches.csv"]),
        ("facts", "facts.x.value=1", ["facts.csv has numbers, but --set changes only"]),
    ],
)  # fmt: skip
def test_a_bad_set_on_the_new_tables_is_one_line_exit_2_nothing_written(
    tmp_path, dataset, cell, words
):
    res = invoke("solve", "--inputs", DATA / dataset, "--set", cell, "--out", tmp_path / "run")
    line = one_line_error(res, tmp_path / "run", *words)
    assert "unknown table" not in line


def test_a_tranche_level_another_tranche_has_is_refused(tmp_path):
    folder = _two_tranches(tmp_path)
    cell = "tranches.jobs/sector/s1/800.from_level=1K"
    res = invoke("solve", "--inputs", folder, "--set", cell, "--out", tmp_path / "run")
    one_line_error(res, tmp_path / "run", "tranches.csv row 2", "row 3", "1000")


def test_tranche_shares_that_rise_after_the_sets_are_refused_once_after_all(tmp_path):
    """A share above the lower tranche's is refused after every set, not set by set: setting the
    upper tranche first and then the lower one is fine; the lower one alone is refused."""
    folder = _two_tranches(tmp_path)
    lower, upper = "tranches.jobs/sector/s1/800.share", "tranches.jobs/sector/s1/1000.share"
    res = invoke("solve", "--inputs", folder, "--set", f"{upper}=0.3", "--out", tmp_path / "run")
    one_line_error(res, tmp_path / "run", f"after --set '{upper}=0.3'", "returns would grow")
    ok = invoke("solve", "--inputs", folder, "--set", f"{upper}=0.3", "--set", f"{lower}=0.4",
                "--out", tmp_path / "ok")  # fmt: skip
    assert ok.exit_code == 0, ok.output


def test_a_tranche_is_named_by_its_level_as_a_number():
    """`800` and `0.8K` name the row whose from_level is 800 (read 800.0)."""
    inp = load_inputs(DATA / "tranches")
    for key in ("800", "800.0", "0.8K"):
        after = apply_set(inp, parse_set(f"tranches.jobs/sector/s1/{key}.share=0.1"))
        assert after.tranches[0].share == 0.1
    with pytest.raises(UsageError, match="names no row of tranches.csv"):
        apply_set(inp, parse_set("tranches.jobs/sector/s1/801.share=0.1"))


def test_a_model_files_set_reaches_base_levels(tmp_path):
    """base_levels: s2's target of 600 with 300 existing needs 75 of b (a 45: 1,550 jobs with
    the 800 that exist); with 400 existing, 50: 900 + a 70 x 10 + b 50 x 4 = 1,800 jobs."""
    shutil.copytree(DATA / "base_levels", tmp_path / "inputs" / "b")
    model = tmp_path / "m.yaml"
    model.write_text("dataset: inputs/b\nset:\n  - base.jobs/sector/s2.value=400\n")
    res = invoke("solve", model, "--json", "--out", tmp_path / "run")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["objective"]["value"] == 1800


def test_facts_refer_to_the_new_tables(tmp_path):
    """The audit's references reach base, tranches and shares by the same keys, a tranche by
    its level as the set names it (`800`, not Python's `800.0`)."""
    folder = tmp_path / "data"
    shutil.copytree(DATA / "tranches", folder)
    (folder / "facts.csv").write_text(
        "fact,value,unit,total_of,same_as,source\n"
        "base_total,500,jobs,base:*/*/*:value,,doc\n"
        "tranche_share,0.25,share,,tranches:jobs/sector/s1/800:share,doc\n",
        encoding="utf-8",
    )
    report = audit(load_inputs(folder))
    got = {c.fact.fact: (c.computed, c.agrees) for c in report.comparisons}
    assert got == {"base_total": (500.0, True), "tranche_share": (0.2, False)}
    res = invoke("check", "--inputs", folder)
    assert "tranche_share" in res.stdout, res.output


def test_a_fact_in_another_unit_than_the_new_cell_is_refused(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DATA / "shares", folder)
    (folder / "facts.csv").write_text(
        "fact,value,unit,total_of,same_as,source\ninv,125,jobs,,shares:cu/2026:investment_musd,d\n",
        encoding="utf-8",
    )
    res = invoke("check", "--inputs", folder)
    assert res.exit_code == 2, res.output
    assert "is in musd (shares.csv row 2) but this fact is in jobs" in res.stderr


# --- serve's page -----------------------------------------------------------------------------


def _held(folder: Path):
    from allocator.runs.spec import RunSpec
    from allocator.serve.held import HeldModel

    return HeldModel(RunSpec(inputs=folder))


def _group(cells: list[dict], table: str) -> dict:
    return next(g for g in cells if g["table"] == table)


@pytest.mark.parametrize(
    ("dataset", "table", "key", "column", "shown", "value"),
    [
        ("tranches", "tranches", "jobs/sector/s1/800", "from_level", 800, "1.1K"),
        ("tranches", "base", "jobs/sector/s1", "value", 500, "700"),
        ("shares", "shares", "cu/2026", "investment_musd", 125, "100"),
        ("replan", "pools", "public/phase1", "carry_over", "yes", "no"),
    ],
)
def test_the_page_lists_and_sets_the_new_cells_as_solve_set(
    tmp_path, dataset, table, key, column, shown, value
):
    """The page's cells name each row as a set does (`800`, not `800.0`), show a yes/no cell
    as yes or no (what the page's text box sends back), and an edit gives solve --set's plan."""
    from allocator.serve.brief import cells_of

    folder = tmp_path / "data"
    shutil.copytree(DATA / dataset, folder)
    held = _held(folder)
    group = _group(cells_of(held.answer().inputs), table)
    row = next(r for r in group["rows"] if r["key"] == key)
    assert row["values"][group["columns"].index(column)] == shown
    cell = f"{table}.{key}.{column}={value}"
    answer = held.edit([cell])
    res = invoke("solve", "--inputs", folder, "--set", cell, "--json", "--out", tmp_path / "run")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert answer.brief.objective["value"] == doc["objective"]["value"]
    assert answer.brief.outcomes == doc["outcomes"]
    again = _group(cells_of(answer.inputs), table)
    keys = [r["key"] for r in again["rows"]]
    changed = again["rows"][keys.index(key if column != "from_level" else "jobs/sector/s1/1100")]
    assert changed["values"][again["columns"].index(column)] != shown
