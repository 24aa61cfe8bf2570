"""inputs/peru2040 quotes today's data: NOTES.md §9 the first solve, the CSV text its rows."""

from __future__ import annotations

import csv
import re

import pytest

from conftest import BASELINE, solved

NOTES = BASELINE / "NOTES.md"

# Figures of the baseline before issue 25 that §1-§9 (above "Uncertainty") quoted
OLD = (
    "596,022",
    "195,441",
    "385,000",
    "44,060",
    "43,937.9",
    "15,422.6",
    "2,056",
    "4,250 jobs",
    "56,952",
    "29,640",
    "9,633.5",
    "x 7.5",
    "priced at 40",
    "110 rows",
)


def check_run() -> str:
    """NOTES.md from §1 to §9's "Uncertainty" part, white space made single spaces."""
    text = NOTES.read_text(encoding="utf-8").split("### Uncertainty")[0]
    return " ".join(text.split())


def rows(name: str) -> list[dict[str, str]]:
    """A table of the dataset as dicts."""
    with open(BASELINE / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def grouped(value: float, places: int = 0) -> str:
    """A number as NOTES.md writes it (545,333.54; 238,941)."""
    return f"{value:,.{places}f}"


def test_the_check_run_quotes_no_figure_of_the_old_data():
    text = check_run()
    assert [old for old in OLD if old in text] == []


@pytest.mark.parametrize("objective", ["jobs", "exports"])
def test_the_check_run_quotes_the_first_solve(objective):
    _, sol, _ = solved(str(BASELINE), objective)
    text = check_run().split("## 9. ")[1]
    line = {"jobs": "Jobs objective (2040)", "exports": "Exports objective (2040)"}[objective]
    part = text.split(f"**{line}**")[1][:400]
    assert grouped(sol.totals["jobs@2040"], 2) in part
    assert grouped(sol.totals["exports@2040"]) in part
    if objective == "jobs":
        for year in (2030, 2035):
            assert grouped(sol.totals[f"jobs@{year}"]) in text


def test_the_count_of_assumption_rows_is_the_checks():
    from typer.testing import CliRunner

    from allocator.cli.commands import app

    result = CliRunner().invoke(app, ["check", "--inputs", str(BASELINE)])
    assert result.exit_code == 0, result.output
    count = re.search(r"Assumptions: numbers with no seed behind them \((\d+)\)", result.output)[1]
    stated = re.findall(
        r"`allocator check` lists (\d+) (?:rows )?(?:that carry an|with an)", check_run()
    )
    assert stated
    assert set(stated) == {count}


def coefficient_quotes(text: str) -> list[float]:
    """Numbers a text quotes as a program's ratio: "N is the ..." and "x N = ... jobs"."""
    found = re.findall(r"(?:^|[,;] )([\d.]+) is the (?:fund|strategy)-wide", text)
    found += re.findall(r" x ([\d.]+) = [\d,]+ (?:new )?jobs", text)
    return [float(n) for n in found]


def test_the_text_of_a_row_quotes_its_program_coefficient():
    programs = {p["program"]: p for p in rows("programs.csv")}
    wrong = []
    for row in rows("uncertainty.csv"):
        parts = row["ref"].split(":")
        if parts[0] != "programs" or parts[1] not in programs:
            continue
        value = float(programs[parts[1]][parts[2]])
        text = " ".join(row[c] for c in ("derivation", "assumption", "note"))
        wrong += [(row["ref"], n) for n in coefficient_quotes(text) if n != value]
    for name, program in programs.items():
        text = " ".join(program[c] for c in ("derivation", "assumption", "note"))
        value = float(program["jobs_per_musd"])
        wrong += [(name, n) for n in coefficient_quotes(text) if n != value]
    assert wrong == []


def test_the_ngf_infrastructure_range_states_the_increment_arithmetic():
    row = next(r for r in rows("uncertainty.csv") if r["ref"].startswith("programs:ngf_infra"))
    assert "(200,000 - 25,000) / 5,000 = 35" in row["assumption"]
