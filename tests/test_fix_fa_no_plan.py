"""Task fa 1: "no plan" is never a number a planner could read. Two-stage's "no plan fits every
scenario" (decide_now_prices.csv) and the frontier's "no plan has more / less" (frontier.csv)
are an empty cell beside their words, as `allocator solve` writes an infinite bound (its
`lower` column's empty cell), on every surface: the CSV, the workbook, report.html, run.json and
the terminal. HiGHS's infinity (1e30, 1E+30) is written nowhere in these runs.

tests/data/two_stage decides p1 now: its budget (100 US$ million) is all committed, 50 to each
of a and b, so one US$ million more to either (the other held) fits no scenario, while one less
is a finite loss (a: -2.0553301053 jobs per US$ million, as the run before this fix wrote it).
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import pytest

from conftest import DATA, run_cli

INFINITY = re.compile(r"1(\.0*)?[eE]\+?30\b")
"""HiGHS's infinity however it is printed: 1e30, 1e+30, 1E+30, 1.0e+30."""

NO_PLAN_CELLS = (
    "one_more_per_musd",
    "more_rate_per_musd",
    "more_holds_for_musd",
    "scenario_low",
    "scenario_high",
)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _surfaces(folder: Path, stdout: str) -> dict[str, str]:
    """Every text a planner reads of a run: its files (the workbook's sheets as XML) and the
    terminal."""
    texts = {"terminal": stdout}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                for name in book.namelist():
                    if name.endswith(".xml"):
                        texts[f"{path.name}:{name}"] = book.read(name).decode("utf-8")
        elif path.suffix in {".csv", ".json", ".html"}:
            texts[path.name] = path.read_text(encoding="utf-8")
    return texts


def _no_infinity(texts: dict[str, str]) -> None:
    for name, text in texts.items():
        found = INFINITY.search(text)
        assert found is None, f"{name}: {text[max(found.start() - 80, 0) : found.end() + 40]!r}"


@pytest.fixture(scope="module")
def two_stage(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("fa") / "plan"
    now = ("--decide-now", "p1", "--scenarios", "4", "--seed", "1", "--targets", "off")
    done = run_cli("solve", "--inputs", DATA / "two_stage", *now, "--out", out)
    assert done.exit_code == 0, done.stderr
    return out, done.stdout


def test_decide_now_prices_no_plan_is_an_empty_cell_beside_its_words(two_stage):
    folder, _ = two_stage
    rows = {r["program"]: r for r in _rows(folder / "decide_now_prices.csv")}
    assert sorted(rows) == ["a", "b"]
    for row in rows.values():
        assert float(row["committed_musd"]) == 50
        for column in NO_PLAN_CELLS:
            assert row[column] == "", (column, row)
        assert "one more: no plan fits every scenario" in row["one_sided"], row
    # the side a plan has keeps its numbers: one less of a costs 2.0553 jobs for all 50
    assert float(rows["a"]["one_less_per_musd"]) == pytest.approx(-2.0553301053, abs=1e-9)
    assert float(rows["a"]["less_holds_for_musd"]) == 50


def test_no_surface_of_a_two_stage_run_shows_highs_infinity(two_stage):
    folder, stdout = two_stage
    texts = _surfaces(folder, stdout)
    assert any(name.startswith("workbook.xlsx:xl/worksheets/") for name in texts)
    _no_infinity(texts)
    assert "no US$ million more has a plan" in stdout
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert "empty, with one_sided's words: no plan" in info["two_stage"]["decide_now_prices"]
    summary = info["two_stage"]["price_summary"]
    assert summary["best_one_more"] is None
    assert summary["one_more_no_plan"] == 2
    assert summary["dearest_one_less"]["holds_for_musd"] == 50


def test_the_json_of_a_two_stage_run_is_strict_json(tmp_path):
    """--json: one document a strict reader takes (no NaN, no Infinity, no 1e30)."""
    now = ("--decide-now", "p1", "--scenarios", "4", "--seed", "1", "--targets", "off")
    done = run_cli(
        "solve", "--inputs", DATA / "two_stage", *now, "--json", "--out", tmp_path / "plan"
    )
    assert done.exit_code == 0, done.stderr

    def refuse(token: str) -> None:
        raise AssertionError(f"not strict JSON: {token}")

    json.loads(done.stdout, parse_constant=refuse)
    _no_infinity({"--json": done.stdout})


@pytest.mark.parametrize(
    ("dataset", "x", "side", "words"),
    [
        ("exports", "exports", "rate", "no plan has more"),
        ("targets", "shortfall", "rate_less", "no plan has less"),
    ],
)
def test_frontier_no_plan_is_an_empty_cell_beside_its_words(tmp_path, dataset, x, side, words):
    """The x-best end (the most exports: 150 musd in tests/data/exports; the least shortfall:
    0.6 in tests/data/targets) has no rate that way: an empty cell and the words, everywhere."""
    out = tmp_path / "frontier"
    done = run_cli(
        "frontier",
        *("--inputs", DATA / dataset, "--x", x, "--points", "3", "--out", out),
        env={"COLUMNS": "200"},  # each cell's words on one line
    )
    assert done.exit_code == 0, done.stderr
    rows = _rows(out / "frontier.csv")
    end = rows[-1]
    assert float(end["x_value"]) == (150 if x == "exports" else 0.6)
    assert (end[side], end[f"{side}_holds_for"], end[f"{side}_end"]) == ("", "", words)
    assert words in done.stdout
    assert words in (out / "report.html").read_text(encoding="utf-8")
    _no_infinity(_surfaces(out, done.stdout))
