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
