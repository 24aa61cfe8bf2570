"""`allocator check` and the audit: faulty fact references are one line, user text is printed as
written, and check refuses what any other command (sweep, robust plans) would refuse."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from allocator.data.audit import audit
from allocator.data.inputs import load_inputs
from conftest import DATA, invoke

FACTS = "fact,value,unit,total_of,same_as,tolerance,source\n"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def dataset(tmp_path: Path, base: str = "audit", name: str = "ds", **files: str) -> Path:
    """A copy of tests/data/<base> with some files replaced (file stem -> CSV text)."""
    folder = tmp_path / name
    shutil.copytree(DATA / base, folder)
    for stem, text in files.items():
        (folder / f"{stem}.csv").write_text(text, encoding="utf-8")
    return folder


def error_line(result) -> str:
    """The one stderr line of a refused command, without `error: `; no traceback, exit 2."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = ANSI.sub("", result.stderr).splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0].removeprefix("error: ")


def check_error(folder: Path) -> str:
    return error_line(invoke("check", "--inputs", str(folder)))


# 1. a fact reference to a cell that holds no number


@pytest.mark.parametrize(
    ("ref", "column"),
    [
        ("programs:a:name", "name"),
        ("programs:a:sector", "sector"),
        ("programs:a:source", "source"),
        ("pools:public/p1:carry_over", "carry_over"),
    ],
)
def test_reference_to_a_text_cell_is_one_line_naming_the_facts_cell(tmp_path, ref, column):
    folder = dataset(tmp_path, facts=FACTS + f"twice,60,musd,,{ref},,doc\n")
    table = ref.split(":")[0]
    line = check_error(folder)
    assert line.startswith(
        f"facts.csv, row 2, column 'same_as': reference '{ref}' names column '{column}' of "
        f"{table}.csv, which holds no numbers. Fix: refer to a number column of {table}.csv ("
    ), line
    assert ("cap_musd" if table == "programs" else "budget_musd") in line.split("Fix: ")[1]


def test_reference_to_a_text_cell_in_a_total_names_total_of(tmp_path):
    facts = FACTS + "sum,70,musd,programs:a:cap_musd;programs:b:sector,,,doc\n"
    line = check_error(dataset(tmp_path, facts=facts))
    assert line.startswith(
        "facts.csv, row 2, column 'total_of': reference 'programs:b:sector' names column "
        "'sector' of programs.csv, which holds no numbers"
    ), line


# 2. user text is printed literally: no markup, no emoji codes


def test_error_line_shows_an_emoji_code_in_a_reference_literally(tmp_path):
    folder = dataset(tmp_path, facts=FACTS + "twice,60,musd,,nosuchtable:x:y,,doc\n")
    line = check_error(folder)
    assert line.startswith("facts.csv, row 2, column 'same_as': reference 'nosuchtable:x:y' is "), (
        line
    )
    assert "\u274c" not in line


MARKED_SOURCE = "doc [bold]A[/] :x: [/] [red]"
MARKED_ASSUMPTION = "a guess :smile: [/bold] [link=x]y[/link]"


def test_check_prints_sources_assumptions_and_folder_as_written(tmp_path):
    facts = (
        "fact,value,unit,total_of,same_as,tolerance,source,assumption\n"
        f'stated,150,musd,pools:*/p1:budget_musd,,,"{MARKED_SOURCE}",\n'
        f'guessed,7,count,,,,assumption,"{MARKED_ASSUMPTION}"\n'
    )
    folder = dataset(tmp_path, name="ds[bold]:x:", facts=facts)
    result = invoke("check", "--inputs", str(folder))
    assert result.exit_code == 0, result.output
    text = ANSI.sub("", result.stdout)
    assert f"usable: {folder}: 3 programs" in text
    assert f"stated: stated 150 musd ({MARKED_SOURCE}) but its parts add up to 120 musd" in text, (
        text
    )
    assert f"facts.csv row 3 (guessed): {MARKED_ASSUMPTION}" in text, text


def test_solve_and_compare_print_paths_and_labels_as_written(tmp_path):
    run = tmp_path / "run[bold]:x:[red]"
    result = invoke("solve", "--inputs", str(DATA / "greedy"), "--out", str(run))
    assert result.exit_code == 0, result.output
    assert f"Wrote {run}: " in ANSI.sub("", result.stdout), result.stdout
    other = tmp_path / "p:x:q"
    shutil.copytree(run, other)
    cmp = tmp_path / "cmp:x:"
    result = invoke(
        "compare", "jobs", str(other), "--inputs", str(DATA / "greedy"), "--out", str(cmp)
    )
    assert result.exit_code == 0, result.output
    text = ANSI.sub("", result.stdout)
    assert "p:x:q" in text, text
    assert f"Wrote {cmp}: compare.csv" in text, text


# 3. check refuses what sweep and robust plans refuse


def test_check_passes_the_valid_sweep_dataset():
    result = invoke("check", "--inputs", str(DATA / "sweep"))
    assert result.exit_code == 0, result.output


UNCERTAINTY = "ref,low,high,distribution,source\n"


@pytest.mark.parametrize(
    ("row", "start"),
    [
        (
            "markets:/nosuch/2026:market_musd,-40%,+20%,uniform,test range",
            "uncertainty.csv, row 2, column 'ref': reference 'markets:/nosuch/2026:market_musd' "
            "matches no row of markets.csv",
        ),
        (
            "pools:public/p1:budget_musd,140,60,uniform,test range",
            "uncertainty.csv, row 2, column 'low': low 140 is above high 60. Fix: swap",
        ),
        (
            "programs:x:jobs_per_musd,-50%,+inf%,uniform,test range",
            "uncertainty.csv, row 2, column 'high': '+inf%' is not a value",
        ),
        (
            "programs:x:name,1,2,uniform,test range",
            "uncertainty.csv, row 2, column 'ref': programs.name cannot be given a range",
        ),
    ],
)
def test_check_refuses_what_sweep_refuses_with_the_same_line(tmp_path, row, start):
    folder = dataset(tmp_path, base="sweep", uncertainty=UNCERTAINTY + row + "\n")
    line = check_error(folder)
    assert line.startswith(start), line
    out = tmp_path / "sweep"
    swept = invoke(
        "sweep", "--inputs", str(folder), "--serial", "--samples", "2", "--out", str(out)
    )
    assert error_line(swept) == line
    assert not out.exists()


# 4. the audit compares like with like, and never a number with itself


@pytest.mark.parametrize(
    ("facts", "start"),
    [
        (
            "me,5,musd,,fact:me,,doc\n",
            "facts.csv, row 2, column 'same_as': reference 'fact:me' is this row itself",
        ),
        (
            "a,5,musd,,fact:b,,doc\nb,5,musd,,fact:a,,doc\n",
            "facts.csv, row 2, column 'same_as': reference 'fact:b' leads back to this row "
            "(a -> b -> a)",
        ),
        (
            "a,5,musd,fact:b;fact:c,,,doc\nb,5,musd,,fact:d,,doc\nc,0,musd,,,,doc\n"
            "d,5,musd,programs:a:cap_musd;fact:a,,,doc\n",
            "facts.csv, row 2, column 'total_of': reference 'fact:b' leads back to this row "
            "(a -> b -> d -> a)",
        ),
        (
            "spend,1257,musd,,fact:part,,doc\npart,0.1,share,,,,doc\n",
            "facts.csv, row 2, column 'same_as': reference 'fact:part' is in share (facts.csv "
            "row 3) but this fact is in musd",
        ),
        (
            "part,0.1,share,,programs:a:cap_musd,,doc\n",
            "facts.csv, row 2, column 'same_as': reference 'programs:a:cap_musd' is in musd "
            "(programs.csv row 2) but this fact is in share",
        ),
        (
            "sum,70,musd,programs:a:cap_musd;programs:a:jobs_per_musd,,,doc\n",
            "facts.csv, row 2, column 'total_of': reference 'programs:a:jobs_per_musd' is in "
            "jobs per musd (programs.csv row 2) but this fact is in musd",
        ),
        (
            "sum,70,musd,;;;,,,doc\n",
            "facts.csv, row 2, column 'total_of': ';;;' lists no reference",
        ),
        (
            "both,70,musd,,programs:a:cap_musd;programs:b:cap_musd,,doc\n",
            "facts.csv, row 2, column 'same_as': same_as takes one reference",
        ),
    ],
)
def test_faulty_comparison_is_one_line(tmp_path, facts, start):
    line = check_error(dataset(tmp_path, facts=FACTS + facts))
    assert line.startswith(start), line
    assert line.split("Fix: ", 1)[1].strip(), line


def test_units_follow_the_target_kind(tmp_path):
    ref = "targets:jobs/sector/s2/2026:value"  # a jobs target of 500
    folder = dataset(tmp_path, base="targets", facts=FACTS + f"stated,500,jobs,,{ref},,doc\n")
    (found,) = audit(load_inputs(folder)).comparisons
    assert found.agrees
    assert found.computed == 500
    (folder / "facts.csv").write_text(FACTS + f"stated,500,musd,,{ref},,doc\n", encoding="utf-8")
    assert check_error(folder).startswith(
        f"facts.csv, row 2, column 'same_as': reference '{ref}' is in jobs (targets.csv row 2) "
        "but this fact is in musd"
    )


def test_a_total_of_parts_that_are_zero_prints_no_infinite_share(tmp_path):
    facts = FACTS + "floors,10,musd,programs:a:floor_musd;programs:b:floor_musd,,,doc\n"
    (found,) = audit(load_inputs(dataset(tmp_path, facts=facts))).disagreements
    text = found.describe()
    assert found.computed == 0
    assert text.endswith("differs by 10 musd"), text
    assert "inf" not in text
    assert "nan" not in text
