"""A plain number column (a target's weight) in a comma-style dataset: `2.000` is 2000 by the
number rule, so `2.0` may not be read as 2 with a decimal point in silence (one text read two
ways): refused in one line naming the file, row and column; `2,0` is 2."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, run_cli


def _comma_dataset(tmp_path: Path, weight: str) -> Path:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "tests" / "data" / "targets", data)
    (data / "settings.csv").write_text("setting,value\nnumber_style,comma\n", encoding="utf-8")
    path = data / "targets.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    rows[0].append("weight")
    for row in rows[1:]:
        row.append(weight)
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return data


@pytest.mark.parametrize("weight", ["2.0", "0.5"])
def test_a_point_in_a_comma_style_plain_number_is_refused(tmp_path, weight):
    data = _comma_dataset(tmp_path, weight)
    res = run_cli("solve", "--inputs", data, "--out", tmp_path / "run")
    assert res.exit_code == 2, res.stdout + res.stderr
    assert res.stderr.count("\n") == 1, res.stderr
    assert "targets.csv" in res.stderr, res.stderr
    assert "row 2" in res.stderr, res.stderr
    assert "weight" in res.stderr, res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "run").exists()


def test_a_comma_decimal_is_read_and_the_point_refusal_names_it(tmp_path):
    ok = run_cli("solve", "--inputs", _comma_dataset(tmp_path, "2,0"), "--out", tmp_path / "r")
    assert ok.exit_code == 0, ok.stderr
    (tmp_path / "data").rename(tmp_path / "old")
    bad = run_cli("solve", "--inputs", _comma_dataset(tmp_path, "2.0"), "--out", tmp_path / "s")
    assert "2,0" in bad.stderr.split("Fix:", 1)[1], bad.stderr  # the comma style's writing
