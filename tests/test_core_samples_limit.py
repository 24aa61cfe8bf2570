"""`core --samples` has sweep's upper limit, refused in one line before any work (the API too)."""

from __future__ import annotations

import pytest

from allocator.errors import UsageError
from allocator.studies.core import MAX_SAMPLES, CoreSettings
from conftest import DATA, run_cli


def test_core_refuses_more_samples_than_sweep_takes(tmp_path):
    res = run_cli(
        "core", "--inputs", DATA / "greedy", "--samples", MAX_SAMPLES + 1, "--out", tmp_path / "c"
    )
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines() == [
        "error: --samples 1000001 is how many re-optimised samples are counted (each one LP). "
        "Fix: 0 (near-optimal plans only) to 1,000,000, e.g. --samples 20"
    ]
    assert not (tmp_path / "c").exists()


def test_the_api_keeps_the_same_limit():
    CoreSettings(samples=MAX_SAMPLES).check()
    with pytest.raises(UsageError, match="to 1,000,000"):
        CoreSettings(samples=MAX_SAMPLES + 1).check()
