"""What a Python caller gives a run, checked as the command line checks its options: the spec
it means (`spec_given`: a `RunSpec`, a model file or nothing, keywords on top), the options a
study would ignore in silence (`refuse_ignored`), the weights, the risk numbers, the scenarios,
and a study's counts and shares given as keywords (`whole`, `real`). Each refusal is one line,
a `UsageError` naming the keyword and the fix."""

from __future__ import annotations

import math
import numbers
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from allocator.errors import UsageError
from allocator.model.measures import RATE_FIX_KEYWORD, RATE_FIX_OPTION
from allocator.runs.given import plain_override
from allocator.runs.spec import RunSpec, spec_from

if TYPE_CHECKING:
    from allocator.model.robustsize import ScenarioSize


def spec_given(spec: RunSpec | Path | str | None, options: dict[str, Any]) -> RunSpec:
    """The spec a Python caller means (`runs.spec.spec_from`), a `RunSpec` naming a model file
    checked first to hold that file's scenario (`check_model_scenario`)."""
    if isinstance(spec, RunSpec):
        check_model_scenario(spec)
    elif spec is not None and not isinstance(spec, str | os.PathLike):
        raise UsageError(
            f"{type(spec).__name__} {spec!r:.60} is no spec: a function takes a RunSpec, a model "
            "file's path, or nothing. Fix: e.g. allocator.solve('models/baseline.yaml'), or "
            "give the fields as keywords: allocator.solve(inputs=..., objective=...)"
        )
    check_scenario_kind(options.get("scenario"))
    try:
        given = spec_from(spec, options)
        given.measured()  # a hand-built spec's measure and rate, checked in a caller's words
    except UsageError as exc:
        raise in_keywords(exc) from None
    return given


def in_keywords(exc: UsageError) -> UsageError:
    """A refusal of a caller's keywords with a fix the measure gives in the command line's words
    (`--measure discounted`) said in the caller's (`measure="discounted"`)."""
    said = str(exc)
    if not said.endswith(RATE_FIX_OPTION):
        return exc
    return UsageError(said.removesuffix(RATE_FIX_OPTION) + RATE_FIX_KEYWORD)


def check_scenario_kind(scenario: object) -> None:
    """Refuse a `scenario=` keyword that is neither a `Scenario`, nor a mapping of its fields
    (inputs, model_file, overrides), nor None: the spec's validator would meet it as a bare
    TypeError.

    Raises:
        UsageError: naming the keyword, its kind and the fix.
    """
    from collections.abc import Mapping

    from allocator.runs.spec import Scenario

    if scenario is None or isinstance(scenario, Scenario | Mapping):
        return
    raise UsageError(
        f"scenario={scenario!r:.60} is a {type(scenario).__name__}, not a Scenario. Fix: give "
        "allocator.Scenario(inputs=..., model_file=..., overrides=...), or its fields flat "
        "(inputs=..., overrides=...)"
    )


def check_model_scenario(spec: RunSpec) -> None:
    """Refuse a `RunSpec` whose `model_file` is not where its scenario comes from: one made as
    `RunSpec(model_file=M)` holds the default dataset and none of M's overrides, and would be
    solved so while run.json records M. A spec `layered` (or run.json's `spec` block) holds M's
    dataset (or the --inputs given) and M's overrides first, as the file had them when the run
    read it: its one read (`Scenario.model_read`), which every later use takes.

    Raises:
        UsageError: naming the model file, what the spec lacks and the fix.
    """
    read = spec.scenario.model_read()  # the run's one read of it, held by the spec
    if read is None:
        return
    model, mf, dataset = read.path, read.model, read.dataset
    lacks = []
    if "inputs" not in spec.scenario.model_fields_set and _other(spec.inputs, dataset):
        lacks.append(f"its dataset {dataset}")
    held = [plain_override(o) for o in spec.overrides[: len(mf.overrides)]]
    if held != [plain_override(o) for o in mf.overrides]:
        lacks.append(f"its {len(mf.overrides)} overrides and sets")
    if lacks:
        raise UsageError(
            f"RunSpec(model_file={str(model)!r}) holds not {' nor '.join(lacks)}: the model file "
            "would be recorded but not solved. Fix: pass the model file itself, e.g. "
            f"allocator.solve({str(model)!r}, ...), or allocator.layered(Path({str(model)!r}))"
        )


def _other(a: Path, b: Path) -> bool:
    """Whether two paths name different places."""
    return os.path.abspath(a) != os.path.abspath(b)


IGNORED_BY_STUDIES = (
    "risk",
    "beta",
    "cvar_cap",
    "scenarios",
    "seed",
    "decide_now",
    "two_stage_method",
    "workers",
    "scheduler",
)
"""The RunSpec fields of `allocator solve`'s risk and two-stage plans, which frontier and
alternatives (studies of the single-stage plan) do not read."""

IGNORED_BY_SWEEP = ("beta", "cvar_cap", "scenarios", "two_stage_method", "workers", "scheduler")
"""The risk and two-stage keywords a sweep does not read (its workers and scheduler are its own
`where=`; its seed is the spec's, `seed=` laid on top; a risk or decide_now plan is said by
`nominal_differs`)."""


def refuse_ignored(
    command: str,
    spec: RunSpec,
    options: dict[str, Any],
    fields: tuple[str, ...] = IGNORED_BY_STUDIES,
) -> None:
    """Refuse what `command` (frontier, alternatives) would ignore in silence while its run.json
    and report.html recorded it as if it held: a risk plan (from any source), and each risk or
    two-stage field given as a keyword (`options`), of `fields` (the sweep's: those of
    `IGNORED_BY_SWEEP`). A model file's decide_now is left to the study (the command line's
    rule: the file's scenario, its single-stage plan).

    Raises:
        UsageError: naming the fields and the fix.
    """
    given = [k for k in fields if options.get(k) is not None and k != "risk"]
    if "risk" in fields and spec.risk != "none":
        given.insert(0, "risk")
    if given:
        raise UsageError(
            f"{', '.join(f'{k}={getattr(spec, k)!r}' for k in given)}: allocator {command} "
            "studies the single-stage plan of the data and reads no risk or two-stage option. "
            f"Fix: leave {'them' if len(given) > 1 else 'it'} out (allocator solve plans with "
            "them)"
        )


def check_weights_given(spec: RunSpec) -> None:
    """The weighted objective's weights by the rule of `--weights` and model files
    (`data.checks.check_weights`): known names, finite, from 0 to the most, not all 0.

    Raises:
        UsageError: the first weight that breaks the rule, in one line with the fix.
    """
    if spec.objective != "weighted":
        return
    from allocator.data.checks import check_weights

    try:
        check_weights(spec.weights)
    except ValueError as exc:
        given = ",".join(f"{k}={v}" for k, v in spec.weights.items())
        raise UsageError(
            f"weights {given}: {exc}. Fix: give jobs and exports weights from 0 to 1e6, not "
            "all 0, e.g. weights={'jobs': 0.7, 'exports': 0.3} (--weights jobs=0.7,exports=0.3)"
        ) from None


def check_risk_numbers(beta: float, cvar_cap: float | None) -> None:
    """--beta and --cvar-cap (`beta=`, `cvar_cap=`), refused before any work: nan and inf are
    floats, and a cap HiGHS cannot take is the user's to fix, not a fault of the program.

    Raises:
        UsageError: naming the option, the value and the fix.
    """
    from allocator.data.schema import MAX_JOBS

    if not 0 <= beta < 1:  # also refuses nan, for which every comparison is false
        raise UsageError(
            f"--beta {beta} is not in [0, 1): it is the share of scenarios left out of the "
            "tail. Fix: e.g. --beta 0.9"
        )
    if cvar_cap is not None and not math.isfinite(cvar_cap):
        raise UsageError(
            f"--cvar-cap {cvar_cap} is not a finite number. Fix: give the most expected jobs "
            "shortfall in the tail, e.g. --cvar-cap 20000, or leave it out for no cap"
        )
    if cvar_cap is not None and abs(cvar_cap) > MAX_JOBS:
        raise UsageError(
            f"--cvar-cap {cvar_cap:g} is not at most {MAX_JOBS:g} jobs in size. "
            "Fix: give a cap in jobs, e.g. --cvar-cap 20000, or leave it out for no cap"
        )


MIN_SCENARIOS = 2
"""The fewest scenarios of a risk or two-stage plan (`--scenarios`, min 2): one is no spread."""


MAX_RISK_SCENARIOS = 10_000
"""The most scenarios of a --risk plan (`--scenarios`): each is a row of the LP over the whole
plan (its jobs) and is drawn, solved and reported with it, so time and memory grow with the count
(the bundled dataset on 2 busy cores: 1,000 scenarios 104 s and 230 MB, 10,000 1,189 s and
2.1 GB); 10,000 still leave 100 scenarios in the tail of --beta 0.99. It bounds the count
before the dataset is read; the LP the scenarios make is bounded once it is
(`MAX_RISK_NONZEROS`). A two-stage plan takes 1,000 (`twostage.MAX_SCENARIOS`, a copy of the LP
per scenario)."""


def check_scenarios(spec: RunSpec) -> None:
    """--scenarios (`scenarios=`) of a run over scenarios (--risk, --decide-now): at least 2,
    and for --risk at most MAX_RISK_SCENARIOS (--decide-now's most is its own, said by
    `twostage.refuse_options`), refused before any work: 10**12 was a numpy MemoryError.

    Raises:
        UsageError: naming the count and the fix.
    """
    if (spec.risk != "none" or spec.decide_now) and spec.scenarios < MIN_SCENARIOS:
        raise UsageError(
            f"--scenarios {spec.scenarios} is fewer than {MIN_SCENARIOS}: a plan over scenarios "
            "needs a spread of them. Fix: give --scenarios 2 or more (the default is 50)"
        )
    if spec.risk != "none" and spec.scenarios > MAX_RISK_SCENARIOS:
        raise UsageError(
            f"--scenarios {spec.scenarios} with --risk {spec.risk}: at most "
            f"{MAX_RISK_SCENARIOS:,} (each scenario is a row of the LP over the whole plan, "
            f"drawn, solved and reported). Fix: --scenarios {MAX_RISK_SCENARIOS} or fewer, "
            "e.g. --scenarios 50"
        )


MAX_RISK_NONZEROS = 2_000_000
"""The most nonzeros the scenarios of a --risk plan may add to its LP (`--scenarios` times what
one scenario adds, `check_risk_size`): each scenario repeats its jobs row and its own tranche rows
over the plan's program-years, so time and memory grow with the product, not with the count
alone (MAX_RISK_SCENARIOS bounds the count before the dataset is read). Measured with
`bench/risk_scale.py` on the bundled dataset, 2 cores shared with other work (bench/README.md,
"--risk: scenarios x the plan"): 1.7 million nonzeros took 30 s (final measure, 2,000
scenarios) and 46 s (cumulative, 500) of CPU and at most 0.4 GB; 3.4 million took 52 s (final,
4,000) but 179 s and 0.7 GB (cumulative, 1,000: twice the size, four times the time); 10,000
scenarios of the final measure (8.4 million) had taken 1,189 s and 2.1 GB. The limit keeps
2,375 scenarios of the bundled dataset under the final measure (842 nonzeros each: 43 s of CPU,
0.39 GB) and 583 under the cumulative or discounted one (3,425 each: 75 s, 0.47 GB)."""


def check_risk_size(spec: RunSpec, size: ScenarioSize) -> None:
    """The LP a --risk plan would solve, bounded by its size before the scenarios are drawn,
    built and solved: `spec.scenarios` times what one scenario adds (`size`, the widest
    scenario's: `model.robustsize.scenario_size`) at most MAX_RISK_NONZEROS nonzeros.

    Raises:
        UsageError: naming --scenarios, the size it would make, the limit and the fix.
    """
    added = spec.scenarios * size.nonzeros
    if added <= MAX_RISK_NONZEROS:
        return
    most = MAX_RISK_NONZEROS // max(size.nonzeros, 1)
    fix = (
        f"--scenarios {most} or fewer"
        if most >= MIN_SCENARIOS
        else "a dataset with fewer programs, years or tranches"
    )
    if spec.measure != "final" and most < MIN_SCENARIOS * 10:
        fix += ", or --measure final (one year's rows per scenario)"
    raise UsageError(
        f"--scenarios {spec.scenarios} with --risk {spec.risk} (measure {spec.measure}): "
        f"the scenarios would add {added:,} nonzeros to the LP ({size.nonzeros:,} a scenario, in "
        f"{size.rows:,} rows of its own), at most {MAX_RISK_NONZEROS:,} (time and "
        f"memory grow with them). Fix: {fix}"
    )


def check_count(
    option: str, value: int, span: tuple[int, int | None], why: str, example: int
) -> None:
    """A whole-number option of the command line (`--points`, `--samples`; typer reads the
    number) from `span`'s least to its most (None: no most here), refused in allocator's one
    line before anything is read or written (typer's own range check is a usage box without a
    fix).

    Raises:
        UsageError: naming the option, the value, the range and why, and the fix.
    """
    low, high = span
    if value < low or (high is not None and value > high):
        said = f"at least {low:,}" if high is None else f"from {low:,} to {high:,}"
        raise UsageError(f"{option} {value} is not {said} ({why}). Fix: e.g. {option} {example}")


def whole(
    name: str,
    value: object,
    low: int,
    high: int | None = None,
    example: int = 2,
    option: str | None = None,
) -> int:
    """A study's count as a Python caller gives it (`points=`, `samples=`, ...), checked as its
    option is (`check_count`): a whole number (a numpy integer too, given back as int,
    which json writes as a number) from `low` to `high`. `option`: the command line's name of
    it where it is not the keyword's (`count=` is `--alternatives`).

    Raises:
        UsageError: naming the keyword and its option, the range and the fix.
    """
    span = f"from {low:,}" + ("" if high is None else f" to {high:,}")
    flag = option or f"--{name.replace('_', '-')}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise UsageError(
            f"{name}={value!r} is not a whole number {span} ({flag}). Fix: e.g. {name}={example}"
        )
    count = int(value)
    if count < low or (high is not None and count > high):
        raise UsageError(f"{name}={count:,} is not {span} ({flag}). Fix: e.g. {name}={example}")
    return count


def real(name: str, value: object, example: str) -> float:
    """A study's number as a Python caller gives it (`slack=`): an int or float (a numpy one
    too), finite, given back as float; text as its option reads it (`--slack 2%`).

    Raises:
        UsageError: naming the keyword, the value and the fix.
    """
    if isinstance(value, str):  # as its option reads it: 0.02 or 2%
        from allocator.runs.optiontext import keyword_number

        value = keyword_number(name, value, "share", example)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise UsageError(f"{name}={value!r} is not a number. Fix: e.g. {name}={example}")
    number = float(value)
    if not math.isfinite(number):
        raise UsageError(f"{name}={number} is not a finite number. Fix: e.g. {name}={example}")
    return number


def slack_given(value: object) -> float:
    """`slack=` as a Python caller gives it (`real`), held to [0, 1) before any work. A refusal
    echoes the value as given, the repr of the number passed (`slack=1000000.0`, not the
    `1e+06` of `:g`) or the text written (`slack='150%'`), as `--slack`'s echoes its text
    (`optiontext.slack_of`).

    Raises:
        UsageError: naming the keyword, the value, the range and the fix.
    """
    from allocator.runs.optiontext import SLACK_RANGE, value_shown

    slack = real("slack", value, "0.02")
    if not 0 <= slack < 1:
        raise UsageError(f"slack={value_shown(value)} {SLACK_RANGE}. Fix: e.g. slack=0.02 for 2%")
    return slack
