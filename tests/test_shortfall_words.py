"""The least weighted shortfall the terminal quotes says what it counts.

It was a bare number ("least weighted shortfall (10.99)"): with no `weight` given it is each
target's shortfall as a share of its target, summed (the baseline misses 10.99 weighted shortfall:
aerospace jobs 2030 4,000 of 5,000 = 0.8, ...); with weights it is shortfall times weight.

tests/data/targets: one target of 500 jobs in s2, which reaches at most 200: 300 short, 0.6 of
the target; with `weight` 2 the weighted shortfall is 600.
"""

from __future__ import annotations

import shutil

from conftest import DATA, invoke

TARGETS = DATA / "targets"


def test_baseline_says_weighted_shortfall(baseline_solve):
    _run, ran = baseline_solve
    text = " ".join(ran.stdout.split())
    assert (
        "least weighted shortfall (10.99 weighted shortfall: each target's shortfall as a share "
        "of its target, summed)" in text
    )


def test_hand_solved_share_of_the_target(tmp_path):
    res = invoke("solve", "--inputs", TARGETS, "--out", tmp_path / "r")
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert "least weighted shortfall (0.6 weighted shortfall: each target's shortfall" in text


def test_given_weight_says_weight(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(TARGETS, folder)
    rows = (folder / "targets.csv").read_text(encoding="utf-8").splitlines()
    rows = [rows[0] + ",weight", rows[1] + ",2"]
    (folder / "targets.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    res = invoke("solve", "--inputs", folder, "--out", tmp_path / "r")
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert (
        "least weighted shortfall (600 weighted shortfall: each target's shortfall times its "
        "weight (targets.csv, shares.csv `weight`; 1/target where none is given), summed)" in text
    )


def test_what_the_targets_give_up_is_rounded_as_every_number(monkeypatch):
    """The amount given up and the objective without targets follow `rounding.cell` (jobs whole,
    money to two decimals under 100): it printed 37.2500 jobs."""
    import io
    from types import SimpleNamespace

    from rich.console import Console

    from allocator.cli import render
    from allocator.data.inputs import load_inputs

    inp = load_inputs(str(TARGETS))

    def said(value: float, free: float, unit: str) -> str:
        buf = io.StringIO()
        monkeypatch.setattr(render, "out", Console(file=buf, width=400))
        totals = {"weighted_shortfall": 0.6, "objective_without_targets": free}
        sol = SimpleNamespace(totals=totals, objective_value=value, objective_unit=unit)
        render._show_targets_price(SimpleNamespace(solution=sol, inputs=inp))
        return buf.getvalue()

    assert "gives up 37 jobs (with the targets off: 97 jobs)" in said(59.75, 97.0, "jobs")
    assert "gives up 12.35 musd (with the targets off: 99.5 musd)" in said(87.1544, 99.5044, "musd")
