"""The weighted index's words say what its top is: the weights' sum (docs/runs.md, `--objective`),
not 1, since weights need not add to 1 (`data/checks.py` `check_weights`). With
`--weights jobs=1,exports=1` a plan at both bests reads 2 (tests/data/base_levels: 1,550 jobs, the
best, and no exports, the best), so a headline saying `1 = best jobs and best exports` beside 2
is a number a planner cannot read."""

from __future__ import annotations

import json

from conftest import DATA, run_cli


def test_the_weighted_headline_names_the_weights_sum_as_the_top(tmp_path):
    out = tmp_path / "run"
    done = run_cli(
        "solve", "--inputs", DATA / "base_levels", "--objective", "weighted",
        "--weights", "jobs=1,exports=1", "--out", out,
    )  # fmt: skip
    assert done.exit_code == 0, done.stderr
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    headline = done.stdout.splitlines()[0]
    assert run["objective"]["value"] == 2  # both bests at once, weights 1 and 1
    assert "1 = best" not in headline, headline
    assert "weights' sum = best jobs and best exports" in headline, headline
    assert "weights' sum = best jobs and best exports" in run["objective"]["label"]
