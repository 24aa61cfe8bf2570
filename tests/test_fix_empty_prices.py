"""A plan where no limit's one unit more room buys anything (the weighted baseline reaches both
bests, so no move raises its index once they are found again): the terminal and report.html say
so in the same words, and neither they nor the workbook draw a chart of 0 limits."""

from __future__ import annotations

import zipfile
from html import escape

import pytest

from allocator.report.pricehtml import NO_UNIT_BUYS as NONE
from conftest import BASELINE, run_cli


@pytest.fixture(scope="module")
def weighted(tmp_path_factory):
    out = tmp_path_factory.mktemp("empty-prices") / "run"
    res = run_cli("solve", "--inputs", BASELINE, "--objective", "weighted", "--out", out)
    assert res.exit_code == 0, res.stderr
    return res.stdout, out


def test_the_terminal_says_no_limit_buys_anything(weighted):
    stdout, _ = weighted
    after = stdout.split("Largest shadow prices", 1)[1].splitlines()
    assert after[1].strip() == NONE


def test_the_page_draws_no_chart_of_no_limit(weighted):
    _, out = weighted
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "The 0 limits" not in page
    assert escape(NONE) in page  # as the page writes text


def test_the_workbook_has_no_chart_of_no_limit(weighted):
    _, out = weighted
    with zipfile.ZipFile(out / "workbook.xlsx") as book:
        text = " ".join(
            book.read(n).decode("utf-8", "replace") for n in book.namelist() if "chart" in n
        )
    assert "The 0 limits" not in text
