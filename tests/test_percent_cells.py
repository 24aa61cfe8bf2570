"""A percent column (shares.csv `today_pct`, `full_pct`, `target_pct`) is read one way only.

`0.4` in a percent column could be 0.4 % or a share of 40 % written as a fraction: read as
0.4 % in silence, a table of shares written as fractions gave every mineral a share near 0 and
targets of under 1 %. A plain number above 0 and at most 1 is now refused in one line (write 40
for 40 %, or 0.4% for 0.4 %); `40%` reads as 40 (it was refused as no number); a workbook cell
formatted as a percent reads as what it shows; export-inputs writes a small percent with its sign
so that its own workbook loads again.

tests/data/shares: one mineral `cu`, today 40 %, full 90 % at 125 US$ million of program b's
capital, target 90 %; b's cap of 100 reaches 40 + 50 x 100 / 125 = 80 %, short by 10 points.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from allocator.data.inputs import load_inputs
from conftest import DATA, invoke
from test_hunt_inputs import one_line_refusal

SHARES = DATA / "shares"
HEADER = "mineral,year,today_pct,full_pct,investment_musd,target_pct,source\n"


def with_shares(tmp_path: Path, row: str) -> Path:
    folder = tmp_path / "in"
    shutil.copytree(SHARES, folder)
    (folder / "shares.csv").write_text(HEADER + row + "\n", encoding="utf-8")
    return folder


def shortfall(run: Path) -> tuple[float, float]:
    """shares.csv of a run: (share reached, shortfall) of cu in percent."""
    with (run / "shares.csv").open(encoding="utf-8") as fh:
        row = next(csv.DictReader(fh))
    return float(row["share_pct"]), float(row["share_shortfall_pct"])


@pytest.mark.parametrize("cell", ["0.4", "1", "0.9", "1.0", ".5"])
def test_a_fraction_like_percent_is_refused(tmp_path, cell):
    folder = with_shares(tmp_path, f"cu,2026,{cell},90,125,90,t")
    line = one_line_refusal(invoke("check", "--inputs", folder), "shares.csv, row 2")
    assert "column 'today_pct'" in line
    assert f"'{cell}'" in line
    assert "0.4%" in line or f"{cell}%" in line, line
    run = tmp_path / "run"
    one_line_refusal(invoke("solve", "--inputs", folder, "--out", run), "shares.csv, row 2")
    assert not run.exists()


def test_percent_sign_reads_as_percent(tmp_path):
    """`40%`, `90 %` and `0.4%` are what they say: the same plan as 40 and 90."""
    signed = with_shares(tmp_path / "a", "cu,2026,40%,90%,125,90%,t")
    plain = with_shares(tmp_path / "b", "cu,2026,40,90,125,90,t")
    a, b = load_inputs(str(signed)).shares[0], load_inputs(str(plain)).shares[0]
    assert (a.today_pct, a.full_pct, a.target_pct) == (40.0, 90.0, 90.0)
    assert (a.today_pct, a.full_pct, a.target_pct) == (b.today_pct, b.full_pct, b.target_pct)
    small = load_inputs(str(with_shares(tmp_path / "c", "cu,2026,0.4%,90,125,90,t"))).shares[0]
    assert small.today_pct == 0.4
    res = invoke("solve", "--inputs", signed, "--out", tmp_path / "run")
    assert res.exit_code == 0, res.output
    assert shortfall(tmp_path / "run") == pytest.approx((80.0, 10.0), abs=1e-9)


def test_zero_and_plain_percents_still_load(tmp_path):
    share = load_inputs(str(with_shares(tmp_path, "cu,2026,0,90,125,1.5,t"))).shares[0]
    assert (share.today_pct, share.full_pct, share.target_pct) == (0.0, 90.0, 1.5)


def test_percent_above_100_names_percent(tmp_path):
    folder = with_shares(tmp_path, "cu,2026,40,190%,125,90,t")
    line = one_line_refusal(invoke("check", "--inputs", folder), "shares.csv, row 2")
    assert "column 'full_pct'" in line
    assert "is not a percent between 0 and 100" in line


def test_workbook_round_trip_of_a_small_percent(tmp_path):
    """export-inputs writes 0.4 % so that the workbook loads again as 0.4 %."""
    folder = with_shares(tmp_path, "cu,2026,0.4%,90,125,90,t")
    book = tmp_path / "d.xlsx"
    res = invoke("export-inputs", book, "--inputs", folder)
    assert res.exit_code == 0, res.output
    again = load_inputs(str(book)).shares[0]
    assert (again.today_pct, again.full_pct, again.target_pct) == (0.4, 90.0, 90.0)
