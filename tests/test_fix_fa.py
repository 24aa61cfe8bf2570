"""The weighted index when a measure's best is 0 (hunt18 finding 2): no plan makes any of that
measure, so every plan is at its best; the measure is left out of the index and the weights of
the others scaled up to the weights' sum, so a plan at every best reads that sum (docs/runs.md,
`--objective`). tests/data/base_levels makes no exports: its index is jobs over the best jobs."""

from __future__ import annotations

import csv
import json

import pytest

from conftest import DATA, run_cli

BASE_LEVELS = DATA / "base_levels"


def _weighted(tmp_path, *args: object) -> tuple[dict, dict[str, dict[str, str]]]:
    """`allocator solve --objective weighted ARGS` on base_levels: run.json and its shadow
    prices by row."""
    out = tmp_path / "run"
    done = run_cli("solve", "--inputs", BASE_LEVELS, "--objective", "weighted", *args, "--out", out)
    assert done.exit_code == 0, done.stderr
    with (out / "shadow_prices.csv").open(encoding="utf-8", newline="") as f:
        prices = {row["constraint"]: row for row in csv.DictReader(f)}
    return json.loads((out / "run.json").read_text(encoding="utf-8")), prices


@pytest.mark.parametrize(
    ("weights", "top"), [("jobs=0.7,exports=0.3", 1.0), ("jobs=1,exports=1", 2.0)]
)
def test_a_plan_at_both_bests_reads_the_weights_sum_when_no_plan_exports(tmp_path, weights, top):
    run, _ = _weighted(tmp_path, "--weights", weights)
    assert run["outcomes"]["jobs_2026"] == 1550  # the best jobs (`--objective jobs`)
    assert run["outcomes"]["exports_2026_musd"] == 0  # the best exports: no plan makes any
    assert run["objective"]["value"] == pytest.approx(top, rel=1e-9)


def test_the_index_rate_is_the_jobs_rate_over_the_best_jobs_alone(tmp_path):
    # one more musd of public p1 buys 10 jobs (`--objective jobs`); the index is jobs / 1,550,
    # the exports' weight given to jobs, so the musd is worth 10 / 1,550 of the index
    _, prices = _weighted(tmp_path)
    budget = prices["budget(public,p1)"]
    assert float(budget["shadow_price"]) == pytest.approx(10 / 1550, rel=1e-6)
    assert float(budget["gain_per_unit_up"]) == pytest.approx(10 / 1550, rel=1e-6)
