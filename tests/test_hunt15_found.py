"""Findings of hunt15: the Python API (`allocator.solve`, `plan`, `compare`, ...) as a notebook
user meets it: keywords of the wrong kind, the checks the command line makes and the API does
not, results and state across calls, and what is written or printed where.

Each test fails on today's code (xfail strict) and says the harm in its reason; docs/api.md
promises "a value [a RunSpec] cannot take, is a UsageError naming it", and errors "the command
line's: UsageError and InputError for input you can fix (one line ...)".
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import allocator
from allocator.errors import InputError, UsageError
from conftest import DATA, ROOT, run_cli

GREEDY = DATA / "greedy"
ROBUST = DATA / "robust"
TWO_STAGE = DATA / "two_stage"


def _refused(call, *words: str) -> str:
    """`call()` raises UsageError or InputError in one line holding each of `words`."""
    with pytest.raises((UsageError, InputError)) as caught:
        call()
    said = str(caught.value)
    assert "\n" not in said, said
    for word in words:
        assert word in said, said
    return said


def _outcome(call):
    """`call()`'s result and None, or None and the message of the UsageError or InputError it
    raised (a refusal in words, which a test may accept as well as the result)."""
    try:
        return call(), None
    except (UsageError, InputError) as refused:
        return None, str(refused)


# The weights: `allocator solve --weights` is read by `check_weights` (cli/options.py), which
# refuses an unknown name, a negative weight, all zeros and nan; the API's `weights=` skips it.


def test_a_misspelt_weight_is_refused_in_words():
    _refused(lambda: allocator.plan(inputs=GREEDY, objective="weighted", weights={"job": 1}), "job")


@pytest.mark.parametrize(
    "weights",
    [
        {"jobs": math.nan, "exports": 1},
        {"jobs": 0, "exports": 0},
        {"jobs": -1, "exports": 1},
        {"jobs": math.inf, "exports": 1},
    ],
    ids=["nan", "all-zero", "negative", "inf"],
)
def test_weights_the_command_line_refuses_are_refused_by_the_api(weights):
    _refused(lambda: allocator.plan(inputs=GREEDY, objective="weighted", weights=weights))


# --scenarios has min=2 on the command line (typer); the API's `scenarios=` takes any int.


@pytest.mark.parametrize("scenarios", [0, -2])
def test_a_risk_run_of_no_scenarios_is_refused_in_words(scenarios):
    _refused(lambda: allocator.plan(inputs=ROBUST, risk="cvar", scenarios=scenarios), "scenarios")


@pytest.mark.parametrize(
    "kind", [{"risk": "cvar"}, {"decide_now": "p1"}], ids=["risk", "two-stage"]
)
def test_one_scenario_is_refused_as_the_command_line_refuses_it(kind):
    data = ROBUST if "risk" in kind else TWO_STAGE
    _refused(lambda: allocator.plan(inputs=data, scenarios=1, **kind), "scenarios")


# The study counts: `allocator frontier --points` (2..200), `sweep --samples` (1..1e6),
# `alternatives --alternatives` (0..50) and `--slack 2%` are checked by typer alone; the API
# functions (docs/api.md: "Each takes what its command takes") meet them as library errors.

EXPORTS = DATA / "exports"
SWEEP = DATA / "sweep"
MGA = DATA / "mga"


@pytest.mark.parametrize(
    ("study", "data", "given"),
    [
        ("frontier", EXPORTS, {"points": 0}),
        ("frontier", EXPORTS, {"points": -1}),
        ("sweep", SWEEP, {"samples": -1}),
        ("sweep", SWEEP, {"samples": 2.5}),
        ("sweep", SWEEP, {"samples": 2, "seed": 1.5}),
        ("alternatives", MGA, {"count": 2.5}),
    ],  # slack="2%" is read as --slack reads it (docs/api.md), so not here
    ids=["points-0", "points-neg", "samples-neg", "samples-float", "seed-float", "count"],
)
def test_a_study_count_of_the_wrong_kind_is_refused_in_words(tmp_path, study, data, given):
    call = getattr(allocator, study)
    _refused(lambda: call(inputs=data, out=tmp_path / "out", **given))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("study", "data", "given"),
    [("frontier", EXPORTS, {"points": 1}), ("sweep", SWEEP, {"samples": 0})],
    ids=["frontier-1", "sweep-0"],
)
def test_a_study_of_too_few_points_is_refused_as_the_command_line_refuses_it(
    tmp_path, study, data, given
):
    call = getattr(allocator, study)
    _refused(lambda: call(inputs=data, out=tmp_path / "out", **given))
    assert not (tmp_path / "out").exists()


# RunSpec: docs/api.md "A function takes a RunSpec, a model file, or nothing"; "its `spec`
# block is the RunSpec". `model_file` is a RunSpec field (flat, as `inputs`), and run.json
# records it as the run's model file.


def _half_budget_model(tmp_path):
    """A model file on a copy of the greedy case that halves its one budget (960 -> 600 jobs)."""
    import shutil

    shutil.copytree(GREEDY, tmp_path / "data")
    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "half.yaml"
    model.write_text(
        "name: half\ndataset: ../data\noverrides:\n"
        "  - scale_budget: {pool: public, phase: p1, factor: 0.5}\n",
        encoding="utf-8",
    )
    return model


def test_a_runspec_naming_a_model_file_solves_that_model_file(tmp_path):
    model = _half_budget_model(tmp_path)
    assert allocator.plan(model).solution.objective_value == pytest.approx(600)
    run, refused = _outcome(
        lambda: allocator.solve(allocator.RunSpec(model_file=model, out=tmp_path / "run"))
    )
    if refused is not None:  # refused in words: fine too
        assert "\n" not in refused
        assert not (tmp_path / "run").exists()
        return
    assert run.info["options"]["model_file"] == str(model)
    assert run.solution.objective_value == pytest.approx(600)


@pytest.mark.parametrize("cap", [math.nan, math.inf], ids=["nan", "inf"])
def test_a_cvar_cap_that_is_no_number_is_refused_as_the_command_line_refuses_it(cap):
    _refused(lambda: allocator.plan(inputs=ROBUST, risk="cvar", scenarios=3, cvar_cap=cap), "cvar")


# Arguments of the wrong kind where a path goes: docs/api.md "a value it cannot take, is a
# UsageError naming it"; `allocator/__init__` exports `layered` beside `solve`.


@pytest.mark.parametrize("spec", [{"inputs": str(GREEDY)}, 5], ids=["dict", "int"])
def test_a_spec_of_the_wrong_kind_is_refused_in_words(tmp_path, spec):
    _refused(lambda: allocator.solve(spec, out=tmp_path / "run"))
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("where", ["compare", "layered"])
def test_a_model_file_given_as_text_is_taken_by_every_function(tmp_path, where):
    model = str(_half_budget_model(tmp_path))
    if where == "layered":
        assert allocator.layered(model).model_file == Path(model)
        return
    done = allocator.compare(["jobs", "exports"], model=model, out=tmp_path / "cmp")
    assert done.folder == tmp_path / "cmp"


# compare: docs/api.md lists it among the functions that take "what its command takes" and
# "any RunSpec field as a keyword on top".


def test_compare_takes_the_measure_as_its_command_does(tmp_path):
    done, refused = _outcome(
        lambda: allocator.compare(
            ["jobs", "exports"], inputs=EXPORTS, measure="cumulative", out=tmp_path / "cmp"
        )
    )
    assert refused is None, refused  # taken as --measure takes it
    assert done.info["measure"] == "cumulative"


def test_compare_takes_a_runspec_field_as_a_keyword_or_refuses_it_in_words(tmp_path):
    done, refused = _outcome(
        lambda: allocator.compare(
            ["jobs", "exports"],
            inputs=EXPORTS,
            measure=("discounted", None),
            discount_rate=0.05,
            out=tmp_path / "cmp",
        )
    )
    assert refused is None, refused  # a RunSpec field, taken as a keyword on top
    assert done.info["discount_rate"] == 0.05


# What the CLI warns of on stderr, the API drops: `warn=None` (undocumented in docs/api.md)
# swallows every note of the dataset, and run.json and report.html do not hold it either.


def test_the_api_tells_a_broken_fact_as_the_command_line_does(tmp_path, capsys, recwarn):
    import shutil

    data = shutil.copytree(GREEDY, tmp_path / "data")
    (data / "facts.csv").write_text(
        "fact,value,unit,total_of,same_as,source\na,100,musd,,fact:b,x\nb,100,musd,,fact:a,x\n",
        encoding="utf-8",
    )
    allocator.solve(inputs=data, out=tmp_path / "run")
    said = capsys.readouterr().err + " ".join(str(w.message) for w in recwarn)
    assert "leads back" in said, said
    assert capsys.readouterr().out == ""


# `where` (scheduler, workers, serial, ...) of sweep and alternatives: `--workers` has min=1 on
# the command line; through the API 0 workers start a LocalCluster that never computes: sweep
# waits for ever (a partial sweep folder on disk), alternatives fails after 30 s with Dask's
# bare TimeoutError "No valid workers found". The cluster is stubbed here: a refusal comes first.


@pytest.mark.parametrize(
    ("study", "data", "where"),
    [("sweep", SWEEP, (None, 0, False, None)), ("alternatives", MGA, (None, 0, False))],
    ids=["sweep", "alternatives"],
)
def test_no_workers_are_refused_before_a_cluster_starts(tmp_path, monkeypatch, study, data, where):
    from allocator.studies import daskclient

    def started(*_args, **_kwargs):
        raise RuntimeError("a LocalCluster of no worker was started")

    monkeypatch.setattr(daskclient, "local_cluster", started)
    call = getattr(allocator, study)
    given = {"samples": 2} if study == "sweep" else {}
    _refused(lambda: call(inputs=data, where=where, out=tmp_path / "o", **given))


# docs/api.md: "What a run is asked to do is one typed, frozen `RunSpec`".


def test_a_frozen_runspecs_weights_cannot_be_changed_after_it_was_checked():
    spec = allocator.RunSpec(inputs=GREEDY, objective="weighted")
    try:
        spec.weights["jobs"] = math.nan
    except (TypeError, ValueError):  # frozen all the way down: fine
        return
    _refused(lambda: allocator.plan(spec))


# `--set` through the API: its RunSpec field is `overrides`; text as `--set` takes it is refused
# with "Input should be a valid dictionary or instance of Override. Fix: give the RunSpec fields
# of docs/api.md, each as its option takes it" -- which is what was given. docs/api.md names no
# other way (allocator.cli.options.set_overrides is the command line's own).


def test_a_cell_set_as_the_option_takes_it_is_applied_by_the_api():
    run = allocator.plan(inputs=GREEDY, overrides=["pools.public/p1.budget_musd=60"])
    assert run.solution.objective_value == pytest.approx(600)  # a's 60 at 10 jobs per musd
    assert run.info["cells_set"][0]["new"] == 60


# solve refuses "the options the run would ignore in silence (they would be recorded in
# run.json as if they held)" (runs/solve.py check_options); frontier and alternatives take
# every RunSpec field as a keyword too, ignore --risk and --decide-now, and their report.html
# says "Settings: ... risk worst-case" / "decided now: p1" above ranges of the nominal plan.


@pytest.mark.parametrize(
    ("study", "data", "given", "claim"),
    [
        ("alternatives", MGA, {"risk": "worst-case"}, "risk worst-case"),
        ("frontier", EXPORTS, {"risk": "cvar", "scenarios": 5, "points": 3}, "risk cvar"),
        ("frontier", TWO_STAGE, {"decide_now": "p1", "points": 3}, "decided now: p1"),
    ],
    ids=["alternatives-risk", "frontier-risk", "frontier-decide-now"],
)
def test_a_study_refuses_the_options_it_ignores(tmp_path, study, data, given, claim):
    call = getattr(allocator, study)
    done, refused = _outcome(lambda: call(inputs=data, out=tmp_path / "o", **given))
    if refused is not None:
        assert "\n" not in refused
        return
    page = (done.folder / "report.html").read_text(encoding="utf-8")
    assert claim not in page


def test_a_scenario_of_the_wrong_kind_is_refused_in_words():
    _refused(lambda: allocator.plan(inputs=GREEDY, scenario=5), "scenario")


@pytest.mark.parametrize(
    "overrides",
    [
        [{"scale_budget": {"pool": "nope", "phase": "p1", "factor": 0.5}}],
        [{"exclude_program": p} for p in ("a", "b", "c")],
    ],
    ids=["unknown-pool", "nothing-left"],
)
def test_an_api_override_refused_names_no_none_file(overrides):
    said = _refused(lambda: allocator.plan(inputs=GREEDY, overrides=overrides), "overrides[0]")
    assert not said.startswith("None"), said


# docs/api.md: a RunSpec or a model file "with any RunSpec field as a keyword on top. The
# precedence is the command line's" -- which drops a model file's discount rate when another
# measure is given, and its weights when another objective is (`layered`). On a RunSpec the
# keywords go through `RunSpec.with_`, which keeps them: the same keyword, refused.


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("measure: discounted\ndiscount_rate: 0.1\n", {"measure": "cumulative"}),
        ("objective: weighted\nweights: {jobs: 0.8, exports: 0.2}\n", {"objective": "jobs"}),
    ],
    ids=["measure", "objective"],
)
def test_a_keyword_on_a_runspec_is_laid_as_on_its_model_file(tmp_path, body, keyword):
    import shutil

    shutil.copytree(DATA / "measures", tmp_path / "data")
    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "m.yaml"
    model.write_text(f"name: m\ndataset: ../data\n{body}", encoding="utf-8")
    on_file = allocator.plan(model, **keyword)
    spec = allocator.RunSpec.model_validate(allocator.plan(model).info["spec"])  # as docs say
    on_spec = allocator.plan(spec, **keyword)
    assert on_spec.solution.objective_value == on_file.solution.objective_value
    assert on_spec.info["measure"] == on_file.info["measure"]


SAMPLES_BOMB = r"""
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))
import allocator
from allocator.errors import UsageError
try:
    allocator.sweep(inputs=sys.argv[1], samples=10**9, out=sys.argv[2])
except UsageError as e:
    print("refused:", e)
"""


def test_a_sweep_of_more_samples_than_the_command_line_takes_is_refused(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", SAMPLES_BOMB, str(SWEEP), str(tmp_path / "s")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stdout.startswith("refused:"), done.stdout
    assert "\n" not in done.stdout.strip()


# numpy numbers, as a notebook has them (`samples=df["n"].max()`): an int64 is an int to every
# check (`numbers.Integral`), but not to the json module that writes sweep.json and run.json.


@pytest.mark.parametrize(
    "given", [{"samples": 2}, {"samples": 2, "seed": 3}], ids=["samples", "seed"]
)
def test_a_sweep_takes_numpy_integers(tmp_path, given):
    import numpy as np

    numpy_given = {k: np.int64(v) for k, v in given.items()}
    done = allocator.sweep(inputs=SWEEP, out=tmp_path / "s", **numpy_given)
    assert len(done.table) == 2


def test_a_frontier_of_numpy_points_records_a_number(tmp_path):
    import json

    import numpy as np

    done = allocator.frontier(inputs=EXPORTS, points=np.int64(3), out=tmp_path / "f")
    record = json.loads((done.folder / "run.json").read_text(encoding="utf-8"))
    assert record["points"] == 3
    assert not isinstance(record["points"], str)


# docs/api.md: a function "writes the same run folder" as its command. plots.STYLE pins a few
# rcParams; the rest are the caller's: a notebook's `plt.style.use(...)` (or seaborn's
# set_theme) restyles the run folder's PNGs, which then differ from the CLI's bytes.


def test_the_run_folders_charts_do_not_take_the_callers_matplotlib_style(tmp_path):
    import matplotlib
    import matplotlib.style

    allocator.solve(inputs=GREEDY, plots=True, out=tmp_path / "plain")
    with matplotlib.rc_context(matplotlib.style.library["dark_background"]):
        allocator.solve(inputs=GREEDY, plots=True, out=tmp_path / "styled")
    for name in ("allocation.png", "shadow_prices.png"):
        styled = (tmp_path / "styled" / name).read_bytes()
        assert styled == (tmp_path / "plain" / name).read_bytes(), name


# `allocator sweep --plan RUN` samples "the data RUN was solved on": RUN's dataset, model file
# and --sets (cli/sweepcommand.py `on_runs_data`, on the command line's side only). The API's
# `sweep(plan=RUN)` samples the default dataset (refused: "not an investment of this dataset"),
# or the --inputs given without RUN's sets: other numbers, in silence.


def test_a_sweep_of_a_runs_plan_samples_the_runs_data_as_the_command_does(tmp_path):
    import shutil

    data = shutil.copytree(SWEEP, tmp_path / "data")
    run = tmp_path / "run"
    made = run_cli("solve", "--inputs", data, "--set", "programs.y.cap_musd=40", "--out", run)
    assert made.exit_code == 0, made.stderr
    args = ("sweep", "--plan", run, "--inputs", data, "--samples", 2, "--serial")
    swept = run_cli(*args, "--out", tmp_path / "cli")
    assert swept.exit_code == 0, swept.stderr
    allocator.sweep(plan=run, inputs=data, samples=2, out=tmp_path / "api")
    for name in ("sweep.csv", "sweep_summary.csv"):
        api = (tmp_path / "api" / name).read_bytes()
        assert api == (tmp_path / "cli" / name).read_bytes(), name


# runs/sweep.py `sweep`: "Raises: ... IncompleteSweepError: samples without an answer (--resume
# solves them)". Only the command raises it (cli/sweeping.py `_refuse_unsolved`: exit 1); the
# API returns the sweep, its summary counting the answered samples alone, without a word.


def test_a_sweep_with_a_sample_unsolved_raises_as_its_docstring_says(tmp_path, monkeypatch):
    from allocator.studies import sweep as sampling
    from allocator.studies.sweeprun import IncompleteSweepError

    real, calls = sampling.SampleModel.solve, []

    def stopped_once(self, values, lp=None):
        calls.append(1)
        if len(calls) == 2:  # what solve returns when HiGHS stops at its time limit
            return {"status": "notoptimal", "message": "HiGHS stopped without an optimum"}
        return real(self, values, lp)

    monkeypatch.setattr(sampling.SampleModel, "solve", stopped_once)
    with pytest.raises(IncompleteSweepError):
        allocator.sweep(inputs=SWEEP, samples=3, out=tmp_path / "s")


# docs/api.md: "A keyword's value is read as its option reads it (`discount_rate="5%"` is
# 0.05)". Only the discount rate is: `--weights jobs=0.7,exports=0.3`, `--beta 80%` and
# `--cvar-cap 1K` as keywords are refused, the fix saying to give each "as its option takes it".


@pytest.mark.parametrize(
    ("data", "as_text", "as_number"),
    [
        (
            EXPORTS,
            {"objective": "weighted", "weights": "jobs=0.7,exports=0.3"},
            {"objective": "weighted", "weights": {"jobs": 0.7, "exports": 0.3}},
        ),
        (
            ROBUST,
            {"risk": "cvar", "scenarios": 3, "beta": "80%"},
            {"risk": "cvar", "scenarios": 3, "beta": 0.8},
        ),
        (
            ROBUST,
            {"risk": "cvar", "scenarios": 3, "cvar_cap": "1K"},
            {"risk": "cvar", "scenarios": 3, "cvar_cap": 1000},
        ),
    ],
    ids=["weights", "beta", "cvar-cap"],
)
def test_a_keyword_is_read_as_its_option_reads_it(data, as_text, as_number):
    by_number = allocator.plan(inputs=data, **as_number)
    by_text = allocator.plan(inputs=data, **as_text)
    assert by_text.info["spec"] == by_number.info["spec"]
    assert by_text.solution.objective_value == by_number.solution.objective_value


# A notebook that solves scenarios in a process pool (concurrent.futures, joblib, Dask: what
# allocator itself uses) gets each error back pickled. UsageError, InputError and NotOptimalError
# pickle; InfeasibleError carries the compiled LP with its live HiGHS instance and does not.


def test_an_infeasible_plans_error_survives_a_process_pool():
    import pickle

    from allocator.errors import InfeasibleError

    with pytest.raises(InfeasibleError) as caught:
        allocator.plan(inputs=DATA / "infeasible")
    back = pickle.loads(pickle.dumps(caught.value))
    assert str(back) == str(caught.value)
    assert back.details == caught.value.details


def test_a_model_file_given_as_the_dataset_is_pointed_to_its_place():
    said = _refused(lambda: allocator.plan(inputs=ROOT / "models" / "baseline.yaml"))
    assert "Save As" not in said, said
    assert "model file" in said, said


# The caller's decimal context (thread-local, as a notebook sets it: `getcontext().prec = 6`)
# is the one `report.rounding` and `report.plots` quantize in: a whole number with more digits
# than its precision is a decimal.InvalidOperation (the bundled dataset's job-years under
# --measure cumulative, 7 digits, at prec 6). numbers.py parses in a private Context already.


def test_a_run_does_not_depend_on_the_callers_decimal_context(tmp_path):
    import decimal

    allocator.solve(inputs=GREEDY, plots=True, out=tmp_path / "plain")
    with decimal.localcontext(prec=2):
        allocator.solve(inputs=GREEDY, plots=True, out=tmp_path / "narrow")
    for path in sorted((tmp_path / "plain").iterdir()):
        if path.name != "run.json":  # its timings differ
            assert path.read_bytes() == (tmp_path / "narrow" / path.name).read_bytes(), path.name
