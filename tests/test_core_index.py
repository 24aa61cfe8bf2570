"""The core index (issue 27, points 4 and 5): which programs every good plan funds.

core (tests/data/core): one year, budget 100. a makes 10 jobs per US$ million (cap 60); b and c
make 5 (cap 40 each), b's rate uncertain from 2.5 to 7.5 (uniform); d makes 1 (cap 100). The
optimum is 800 jobs: a 60, and the other 40 between b and c in any split. Within 2% of it
(784 jobs): a keeps at least 60 - 16 / (10 - 5) = 56.8 and d gets at most 16 / (5 - 1) = 4.
A re-optimised sample funds b (40) where b's rate is above 5, else c: of 8 Latin hypercube
samples of a uniform range, exactly 4 lie above its middle. So at --threshold 5: a is core,
b and c borderline, d exterior (at most 4 < 5 in every good plan); at the default 1 US$
million, d is borderline (the near-optimal plan with the most in d gives it 4).
"""

from __future__ import annotations

import json
import random
import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

import allocator.cli  # noqa: F401 - registers every command on the app
from allocator.cli.commands import app
from conftest import DATA, digest

CORE = DATA / "core"
FAST = ["--inputs", str(CORE), "--samples", "8", "--seed", "3"]


def _core(out, *args):
    res = CliRunner().invoke(app, ["core", *FAST, "--out", str(out), *map(str, args)])
    return res


def _table(out):
    return pd.read_csv(out / "core.csv").set_index("member")


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    """The run at --threshold 5, written once: (folder, the CLI's result)."""
    out = tmp_path_factory.mktemp("core") / "strict"
    res = _core(out, "--threshold", "5")
    assert res.exit_code == 0, res.output
    return out, res


def test_classes_and_shares_worked_out_by_hand(strict):
    out, _ = strict
    t = _table(out)
    assert t.loc[["a", "b", "c", "d"], "class"].tolist() == [
        "core",
        "borderline",
        "borderline",
        "exterior",
    ]
    assert t.loc["a", "share_funded"] == 1.0
    assert t.loc["d", "share_funded"] == 0.0
    assert t.loc[["b", "c"], "samples_funded"].tolist() == [4, 4]
    assert (t["samples_counted"] == 8).all()
    assert 0 < t.loc["b", "share_funded"] < 1
    assert t.loc["b", "share_funded"] + t.loc["c", "share_funded"] >= 1  # one of them, always
    assert t.loc["a", "min_musd"] == pytest.approx(56.8, abs=1e-6)
    assert t.loc["d", "max_musd"] == pytest.approx(4.0, abs=1e-6)
    assert (t.loc["b", "min_musd"], t.loc["b", "max_musd"]) == pytest.approx((0, 40), abs=1e-6)
    assert (t["plans_counted"] == 8 + t["alternatives_counted"]).all()
    assert t.loc["a", "name"] == "Anchor plants"
    counted = t.loc["b", "plans_counted"]
    share = (t.loc["b", "plans_funded"]) / counted
    assert t.loc["b", "share_funded"] == round(share, 6)  # core.csv's 6 decimals: 6 / 13 now


def test_rows_are_sorted_by_class_then_share_then_member(strict):
    out, _ = strict
    t = pd.read_csv(out / "core.csv")
    assert t["member"].tolist()[0] == "a"
    assert t["member"].tolist()[-1] == "d"
    order = {"core": 0, "borderline": 1, "exterior": 2}
    rows = zip(t["class"], t["share_funded"], t["member"], strict=True)
    keys = [(order[c], -s, m) for c, s, m in rows]
    assert keys == sorted(keys)


def test_the_terminal_line_names_what_to_commit_now_decide_later_and_drop(strict):
    _, res = strict
    assert "commit now: a; decide later: b, c; drop: d\n" in res.stdout


def test_run_json_holds_the_settings_and_counts(strict):
    out, _ = strict
    info = json.loads((out / "run.json").read_text())
    assert info["command"] == "core"
    assert info["settings"]["threshold_musd"] == 5
    assert info["settings"]["by"] == "program"
    assert info["settings"]["samples"] == 8
    assert info["settings"]["seed"] == 3
    assert info["settings"]["slack"] == 0.02
    assert info["counts"]["samples_optimal"] == 8
    assert info["counts"]["classes"] == {"core": 1, "borderline": 2, "exterior": 1}
    assert info["objective"]["optimum"] == pytest.approx(800)


def test_report_chart_and_workbook_sheet(strict):
    out, _ = strict
    page = (out / "report.html").read_text()
    assert "Core index" in page
    assert "Anchor plants" in page  # words, not only the row names
    assert "commit now" in page
    import openpyxl

    book = openpyxl.load_workbook(out / "workbook.xlsx")
    assert "core" in book.sheetnames
    rows = {r[0]: r[1:] for r in book["charts"].iter_rows(values_only=True)}
    assert rows["Anchor plants (a)"] == (100, 0, 0)  # core: the first column, coloured so
    assert rows["Dredging (d)"] == (0, 0, 0)
    assert len(book["charts"]._charts) == 1


def test_the_default_threshold_counts_a_few_near_optimal_millions(tmp_path):
    res = _core(tmp_path / "run")
    assert res.exit_code == 0, res.output
    t = _table(tmp_path / "run")
    assert t.loc["d", "class"] == "borderline"
    assert t.loc["d", "samples_funded"] == 0
    assert t.loc["d", "alternatives_funded"] >= 1
    assert (t["threshold_musd"] == 1).all()


def test_by_sector(tmp_path):
    res = _core(tmp_path / "run", "--by", "sector", "--threshold", "5")
    assert res.exit_code == 0, res.output
    t = _table(tmp_path / "run")
    assert t.loc[["s1", "s2", "s3"], "class"].tolist() == ["core", "core", "exterior"]
    assert t.loc["s2", "min_musd"] == pytest.approx(36, abs=1e-6)  # 40 - 16 / (5 - 1)
    assert "commit now: s1, s2; decide later: none; drop: s3" in res.stdout


def test_json_is_one_document(tmp_path):
    res = _core(tmp_path / "run", "--threshold", "5", "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["commit_now"] == ["a"]
    assert doc["decide_later"] == ["b", "c"]
    assert doc["drop"] == ["d"]
    assert doc["folder"] == str(tmp_path / "run")


def _shuffled(dst):
    dst.mkdir()
    rng = random.Random(5)
    for path in sorted(CORE.iterdir()):
        header, *body = path.read_text().splitlines()
        rng.shuffle(body)
        body.reverse()
        (dst / path.name).write_text("\n".join([header, *body]) + "\n")
    return dst


def test_same_bytes_on_rerun_and_with_shuffled_rows(tmp_path, strict):
    out, _ = strict
    again = tmp_path / "again"
    assert _core(again, "--threshold", "5").exit_code == 0
    assert digest(again) == digest(out)
    copy = _shuffled(tmp_path / "shuffled")
    assert (copy / "programs.csv").read_bytes() != (CORE / "programs.csv").read_bytes()
    moved = tmp_path / "moved"
    res = CliRunner().invoke(
        app,
        ["core", "--inputs", str(copy), "--samples", "8", "--seed", "3", "--threshold", "5"]
        + ["--out", str(moved)],
    )
    assert res.exit_code == 0, res.output
    assert (moved / "core.csv").read_bytes() == (out / "core.csv").read_bytes()


def test_dask_batches_give_the_serial_table(monkeypatch):
    """The Dask tasks, run in this process in other batches and orders, give the serial rows
    (a LocalCluster's workers run the same functions on the same pickled state)."""
    from allocator.model.measures import FINAL
    from allocator.studies import core
    from allocator.studies.corerun import InProcessBatches, Serial

    study = core.CoreStudy(str(CORE), None, (), "jobs", "soft", FINAL, {})
    setting = core.CoreSettings(by="program", threshold=5.0, slack=0.02, samples=8, seed=3)
    serial = core.good_plans(study, setting, Serial())
    spread = core.good_plans(study, setting, InProcessBatches(batches=3, reverse=True))
    assert serial.members == spread.members
    assert serial.samples.tolist() == spread.samples.tolist()
    assert serial.alternatives.tolist() == spread.alternatives.tolist()
    a = core.core_table(serial, setting).to_csv(index=False)
    b = core.core_table(spread, setting).to_csv(index=False)
    assert a == b


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--threshold", "-1"], "--threshold -1"),
        (["--threshold", "nan"], "--threshold nan"),
        (["--by", "mineral"], "--by 'mineral'"),
        (["--slack", "1.5"], "--slack 1.5"),
        (["--samples", "-2"], "--samples -2"),
        (["--samples", "0", "--objective", "jbos"], "unknown objective 'jbos'"),  # was run
        (["--targets", "sfot"], "unknown --targets 'sfot'"),  # was run with hard targets
    ],
)
def test_bad_options_exit_2_in_one_line(tmp_path, args, words):
    out = tmp_path / "run"
    res = _core(out, *args)
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert words in lines[0]
    assert "Fix:" in lines[0]
    assert "Traceback" not in res.output
    assert not out.exists()


def test_no_uncertainty_needs_samples_0(tmp_path):
    """mga (tests/data/mga, test_alternatives.py): a and b share the optimum any way; c, worse,
    fits 5 US$ million within 2% (500 - 2 t >= 490)."""
    args = ["core", "--inputs", str(DATA / "mga"), "--out", str(tmp_path / "run")]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2
    assert "--samples 0" in res.stderr
    assert not (tmp_path / "run").exists()
    res = CliRunner().invoke(app, [*args, "--samples", "0"])
    assert res.exit_code == 0, res.output
    t = _table(tmp_path / "run")
    assert (t["samples_counted"] == 0).all()
    assert t.loc[["a", "b", "c"], "class"].tolist() == ["borderline"] * 3
    assert t.loc["c", "max_musd"] == pytest.approx(5, abs=1e-6)


@pytest.mark.slow
def test_dask_local_cluster_gives_the_serial_bytes(tmp_path, strict):
    """Two worker processes (a LocalCluster) write the bytes of the serial run."""
    out, _ = strict
    spread = tmp_path / "dask"
    res = _core(spread, "--threshold", "5", "--scheduler", "local", "--workers", "2")
    assert res.exit_code == 0, res.output
    assert (spread / "core.csv").read_bytes() == (out / "core.csv").read_bytes()
    shutil.rmtree(spread)


def test_a_borderline_share_never_reads_as_all_or_none():
    """Borderline means funded in some good plans and not in others: 299 of 300 is not
    "100%" and 1 of 300 is not "0%" on the line a planner reads (before: both rounded so)."""
    from allocator.cli.core import borderline_line

    table = pd.DataFrame(
        {
            "member": ["x", "y", "z"],
            "name": ["x", "y", "z"],
            "class": ["borderline"] * 3,
            "share_funded": [299 / 300, 0.5, 1 / 300],
            "plans_funded": [299, 150, 1],
            "plans_counted": [300, 300, 300],
        }
    )
    line = borderline_line(table)
    assert line == "Share of good plans funding the borderline: x 99.7%, y 50%, z 0.3%."
    from allocator.report.corehtml import share_chart

    chart = share_chart(table)
    for said in (">99.7%<", ">0.3%<", ">50%<"):
        assert said in chart
    assert "100%<" not in chart
    assert ">0%<" not in chart
