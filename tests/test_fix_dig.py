"""Task dig: what allocator wrote stays tellable from what the user edited (sweep folders,
`allocator report`), and faults mid-way leave a folder that resumes or is replaced as its own."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import DATA, run_cli

SWEEP = DATA / "sweep"


def _sweep(out: Path, samples: int, *extra: object):
    return run_cli(
        "sweep", "--inputs", SWEEP, "--samples", samples, "--serial", "--out", out, *extra
    )


def test_a_whole_sweep_records_each_files_digest_and_still_resumes(tmp_path):
    out = tmp_path / "sweep"
    assert _sweep(out, 2).exit_code == 0
    mark = json.loads((out / "run.json").read_text(encoding="utf-8"))["written_by"]
    assert {"sweep.csv", "sweep_summary.csv", "report.html"} <= set(mark["sha256"])
    again = _sweep(out, 2, "--resume")
    assert again.exit_code == 0, again.stderr
    table = out / "sweep.csv"
    table.write_text(table.read_text(encoding="utf-8") + "my note\n", encoding="utf-8")
    edited = table.read_bytes()
    refused = _sweep(out, 2, "--resume")
    assert refused.exit_code == 2, refused.stderr
    assert "sweep.csv, changed since allocator wrote it" in refused.stderr
    assert table.read_bytes() == edited


def test_a_page_in_place_before_run_json_met_a_full_disk_stays_allocators(tmp_path, monkeypatch):
    import errno
    import os
    import shutil

    from allocator.report import rebuild

    data = shutil.copytree(DATA / "greedy", tmp_path / "data")
    run = tmp_path / "run"
    assert run_cli("solve", "--inputs", data, "--out", run).exit_code == 0
    before = (run / "report.html").read_bytes()
    data.rename(tmp_path / "moved")  # the rebuilt page differs: it says its assumptions are out
    real, calls = rebuild.write_text_atomic, []

    def write(path, text):  # run.json's first record fits; its last, after the page, does not
        calls.append(path.name)
        if calls.count("run.json") == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(path, text)

    monkeypatch.setattr(rebuild, "write_text_atomic", write)
    res = run_cli("report", run)
    assert res.exit_code == 2, res.stderr
    assert (run / "report.html").read_bytes() != before  # the new page is in place
    monkeypatch.undo()
    again = run_cli("report", run)  # allocator's page either way: rebuilt, not refused
    assert again.exit_code == 0, again.stderr
    (tmp_path / "moved").rename(data)
    forced = run_cli("solve", "--inputs", data, "--out", run, "--force")
    assert forced.exit_code == 0, forced.stderr


def test_report_says_how_to_keep_an_edited_page_and_the_fix_works(tmp_path):
    run = tmp_path / "run"
    assert run_cli("solve", "--inputs", DATA / "greedy", "--out", run).exit_code == 0
    page = run / "report.html"
    page.write_text(page.read_text(encoding="utf-8") + "<p>notes</p>\n", encoding="utf-8")
    res = run_cli("report", run)
    assert res.exit_code == 2, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "Fix: move it out of" in res.stderr
    page.rename(tmp_path / "kept.html")  # the fix, followed
    again = run_cli("report", run)
    assert again.exit_code == 0, again.stderr
    mark = json.loads((run / "run.json").read_text(encoding="utf-8"))["written_by"]
    assert mark["sha256"]["report.html"] == _sha256(page)
    assert "<p>notes</p>" in (tmp_path / "kept.html").read_text(encoding="utf-8")


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_sweep_whose_header_was_cut_still_resumes_only_the_same_experiment(tmp_path, monkeypatch):
    import errno
    import os

    from allocator.studies import sweepstream

    real = sweepstream.AppendFile.append

    def append(self, text):  # the header half written, then a full disk
        if self.name.endswith("sweep.csv") and self.size() == 0:
            os.write(self.fd, text.encode("utf-8")[: len(text) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, text)

    out = tmp_path / "cut"
    monkeypatch.setattr(sweepstream.AppendFile, "append", append)
    assert _sweep(out, 4).exit_code == 2
    monkeypatch.undo()
    cut = (out / "sweep.csv").read_bytes()
    other = _sweep(out, 4, "--resume", "--seed", 1)
    assert other.exit_code == 2, other.stderr
    assert "another experiment (--seed 1, the sweep's 0)" in other.stderr, other.stderr
    assert (out / "sweep.csv").read_bytes() == cut


def test_a_plan_with_a_text_shadow_price_is_refused_before_any_sample(tmp_path):
    import csv

    plan = tmp_path / "plan"
    assert run_cli("solve", "--inputs", SWEEP, "--out", plan).exit_code == 0
    path = plan / "shadow_prices.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[1][rows[0].index("shadow_price")] = "abc"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    out = tmp_path / "sweep"
    res = _sweep(out, 2, "--plan", plan)
    assert res.exit_code == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "shadow_prices.csv, row 2, column 'shadow_price': 'abc'" in lines[0]
    assert "Fix: give --plan a run folder" in lines[0]
    assert not out.exists()  # refused before the sweep folder and its samples
