"""Findings of hunt17: the command line used as a hostile or unlucky user would. Each test is a
strict xfail today, its reason the harm; drop the mark with the fix."""

from __future__ import annotations

import shutil

import pytest

from conftest import DATA, run_cli

REPLAN = DATA / "replan"


@pytest.fixture(scope="module")
def replan_run(tmp_path_factory):
    """A run folder of `allocator solve` on tests/data/replan and the actuals beside it."""
    where = tmp_path_factory.mktemp("hunt17")
    data = shutil.copytree(REPLAN, where / "data")
    actuals = where / "actuals.csv"
    shutil.move(data / "actuals.csv", actuals)
    done = run_cli("solve", "--inputs", data, "--out", where / "run")
    assert done.exit_code == 0, done.stderr
    return where / "run", actuals


def _one_line_refusal(done) -> None:
    assert done.exit_code == 2, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


# A run.json nested deeper than Python's recursion limit (a hostile or corrupted run folder:
# 4 KB of `[`) makes json.loads raise RecursionError, which readers catch as no ValueError:
# report/folders.py:87 (_mark, catches OSError, UnicodeDecodeError, ValueError) and
# report/readback.py:87 (catches ValueError, OSError). serve/body.py:50 catches it for a body.
@pytest.mark.parametrize("command", ["report", "compare", "check-against", "replan"])
def test_a_deeply_nested_run_json_is_one_line(tmp_path, replan_run, command):
    run, actuals = replan_run
    bad = shutil.copytree(run, tmp_path / "bad")
    (bad / "run.json").write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    args = {
        "report": ("report", bad),
        "compare": ("compare", bad, run),
        "check-against": ("solve", "--check-against", bad),
        "replan": ("replan", bad, "--actuals", actuals, "--as-of", "2026"),
    }[command]
    done = run_cli(*args, "--out", tmp_path / "out") if command in ("replan",) else run_cli(*args)
    _one_line_refusal(done)
    assert not (tmp_path / "out").exists()


# A number below MIN_MAGNITUDE (1e-08) is refused with "Fix: write 0, or a number of at least
# 1e-08 in size" (data/numbers.py:134, check_magnitude), whatever the cell: where 0 is itself
# refused (a solver tolerance or time limit must be above 0; a max_annual_share of 0 "lets the
# program absorb no money"), the fix the user follows is refused in turn.
@pytest.mark.parametrize(
    ("where", "given"),
    [
        ("model", "solver: {time_limit_s: 1e-300}"),
        ("model", "solver: {primal_feasibility_tolerance: 1e-13}"),
        ("set", "programs.a.max_annual_share=1e-13"),
    ],
)
def test_a_number_too_small_is_not_told_to_be_written_as_a_refused_zero(tmp_path, where, given):
    data = shutil.copytree(DATA / "greedy", tmp_path / "inputs" / "greedy")
    if where == "model":
        model = tmp_path / "models" / "m.yaml"
        model.parent.mkdir()
        model.write_text(f"name: m\ndataset: ../inputs/greedy\n{given}\n", encoding="utf-8")
        args: tuple[object, ...] = ("solve", model, "--out", tmp_path / "out")
        zero = (model, given.replace("1e-300", "0").replace("1e-13", "0"))
    else:
        args = ("solve", "--inputs", data, "--set", given, "--out", tmp_path / "out")
        zero = (None, given.replace("1e-13", "0"))
    done = run_cli(*args)
    _one_line_refusal(done)
    assert "too small to tell from 0" in done.stderr, done.stderr
    # the fix offered is followed: the value written as 0
    if zero[0] is None:
        followed = run_cli("solve", "--inputs", data, "--set", zero[1], "--out", tmp_path / "o")
    else:
        zero[0].write_text(f"name: m\ndataset: ../inputs/greedy\n{zero[1]}\n", encoding="utf-8")
        followed = run_cli("solve", zero[0], "--out", tmp_path / "o")
    assert not (tmp_path / "out").exists()
    wrote_zero = "write 0" in done.stderr
    assert not (wrote_zero and followed.exit_code == 2), (done.stderr, followed.stderr)


# docs/trust.md ("Same inputs, same bytes"): "The order of `--set`s and overrides never changes
# the plan". Each set (and each override) is checked against the row as the sets before it left
# it, not as all of them leave it: raising a floor above today's cap and the cap above the new
# floor is refused in one order and solved in the other, and the refusal's fix ("or raise
# cap_musd") is the set that follows it. Likewise an override naming a program that an earlier
# exclude_program dropped is "unknown program 'a'", told to use "the programs of the dataset
# (b, c)", while the two in the other order solve. Cause: data/cellset.py and
# data/applyoverrides.py check each change on its own, in order.
@pytest.mark.parametrize("how", ["sets", "overrides"])
def test_the_order_of_sets_and_overrides_does_not_decide_refused_or_solved(tmp_path, how):
    data = shutil.copytree(DATA / "greedy", tmp_path / "inputs" / "greedy")
    if how == "sets":
        floor, cap = "programs.a.floor_musd=80", "programs.a.cap_musd=100"
        orders = [("--set", floor, "--set", cap), ("--set", cap, "--set", floor)]
        runs = [("solve", "--inputs", data, *order) for order in orders]
    else:
        exclude = "  - exclude_program: a\n"
        cap = "  - set_coefficient: {program: a, column: cap_musd, value: 10}\n"
        runs = []
        for i, body in enumerate((exclude + cap, cap + exclude)):
            model = tmp_path / "models" / f"m{i}.yaml"
            model.parent.mkdir(exist_ok=True)
            text = f"name: m{i}\ndataset: ../inputs/greedy\noverrides:\n{body}"
            model.write_text(text, encoding="utf-8")
            runs.append(("solve", model))
    done = [run_cli(*args, "--out", tmp_path / f"out{i}") for i, args in enumerate(runs)]
    # the same final data either way: both solved (sets), or at least alike (overrides)
    want = [0, 0] if how == "sets" else [done[1].exit_code] * 2
    assert [d.exit_code for d in done] == want, [d.stderr for d in done]


# The bar: "outcomes say what already existed". --force replaces an earlier run folder (here a
# solve run replaced by an alternatives study, another command's output) and the terminal says
# only "Wrote OUT: ..." (cli/render.py:260, cli/freedom.py:83, and alike in commands.py,
# core.py, sweeping.py, replan.py), the same line as for a new folder: the planner is not told
# that a run of theirs is gone, nor which.
@pytest.mark.parametrize("command", ["solve", "alternatives"])
def test_force_says_which_earlier_run_it_replaced(tmp_path, command):
    data = shutil.copytree(DATA / "greedy", tmp_path / "inputs" / "greedy")
    out = tmp_path / "out"
    first = run_cli("solve", "--inputs", data, "--out", out)
    assert first.exit_code == 0, first.stderr
    again = run_cli(command, "--inputs", data, "--out", out, "--force")
    assert again.exit_code == 0, again.stderr
    said = (again.stdout + again.stderr).lower()
    assert "replac" in said, again.stdout[-400:]
