"""The typed run spec: what a command was asked to do, in one frozen pydantic model.

A `RunSpec` has a scenario part (`Scenario`: the dataset, the model file, its overrides and
`--set`s, exclusions among them) and a run part (objective, weights, targets, measure, risk,
solver options, output). Every command builds one with `layered` (the one place the precedence
is written: defaults < model file < command line), run.json stores it (`spec`), the sweep's
Dask workers receive its study fields (`RunSpec.study`), and `--check-against`, `compare` and
`report` read run.json back through one reader (`runs.record`: `read_record`, then
`spec_of_record`).

A new option is a field here, with its docstring (the help text the CLI shows beside it): it
round-trips through run.json and the reader with no other change.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from allocator.data.overrides import Override
from allocator.data.rows import described
from allocator.errors import UsageError
from allocator.model.measures import Measure
from allocator.runs.optiontext import (
    fields_read,
    given_sets,
    keywords_read,
    rate_given,
    spec_refusal,
)
from allocator.runs.optiontext import model_path as model_path  # runs.compare's import

if TYPE_CHECKING:
    from allocator.data.modelfile import ModelRead

DEFAULT_DISCOUNT_RATE = 0.05
"""The discount rate a year of `--measure discounted` when none is given."""

SCENARIO_FIELDS = ("inputs", "model_file", "overrides")
"""The fields of `Scenario`, which `RunSpec(...)` also takes flat (`RunSpec(inputs=...)`)."""

WEIGHT_ORDER = ("jobs", "exports")
"""The order the weighted objective's parts are solved in, whatever order they were given in."""

RECHECK_OFF = {"out": None, "force": False, "plots": False, "write_model": False}
"""What a re-run (`--check-against`) leaves out: it writes nothing."""


def default_inputs() -> Path:
    """The bundled baseline: ./inputs/peru2040 if present, else the copy shipped in the package."""
    here = Path("inputs/peru2040")
    if here.is_dir():
        return here
    package = Path(__file__).resolve().parents[1]
    packaged = package / "bundled" / "peru2040"
    if packaged.is_dir():
        return packaged
    return package.parents[1] / "inputs" / "peru2040"


class Scenario(BaseModel):
    """What is solved: a dataset with the changes a model file and the command line make."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    inputs: Path = Field(default_factory=default_inputs)
    """The dataset: a folder of CSV tables or one workbook (`--inputs`, the model file's
    `dataset`)."""
    model_file: Path | None = None
    """The model file the scenario comes from (`allocator solve MODEL`), if any."""
    overrides: tuple[Override, ...] = ()
    """The model file's overrides (exclusions, scaled budgets, ...) and sets, then each `--set`,
    applied in this order."""

    _read: ModelRead | None = PrivateAttr(default=None)

    def sources(self) -> list[tuple[str, Path | None]]:
        """The inputs a run reads, which its output folder must keep clear of."""
        return [("dataset", Path(self.inputs)), ("model file", self.model_file)]

    def model_read(self) -> ModelRead | None:
        """Its model file, read once (None: none): the first use reads it, every later one (of
        a spec made from this one too: `kept`) takes that read, so what a run solves and what
        it records (`model_file_sha256`) are the same bytes."""
        if self.model_file is not None and self._read is None:
            from allocator.data.modelfile import read_model_file

            self._read = read_model_file(Path(self.model_file))
        return self._read

    def kept(self, read: ModelRead | None) -> None:
        """Hold `read` as its model file's one read, if it is of that file and none is held."""
        if read is not None and self._read is None and self.model_file == read.path:
            self._read = read

    def __eq__(self, other: object) -> bool:
        """Equal by the fields (the read of its model file it holds is none)."""
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.__dict__ == other.__dict__


class RunSpec(BaseModel):
    """What a command was asked to do: a scenario and how to solve it and write the run. Each
    field's docstring is its description (`RunSpec.model_fields[name].description`, set by
    `described` below the class: one parse of this module, not pydantic's reading of each
    class's source)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scenario: Scenario = Field(default_factory=Scenario)
    """What is solved (`Scenario`)."""
    objective: str = "jobs"
    """jobs, exports or weighted."""
    weights: dict[str, int | float] = Field(default_factory=lambda: {"jobs": 0.5, "exports": 0.5})
    """Weights of the weighted objective, e.g. jobs=0.5,exports=0.5."""
    targets: str = "soft"
    """Milestone targets: off, soft or hard."""
    measure: str = "final"
    """The objective's measure: final, cumulative or discounted."""
    discount_rate: float | None = None
    """None: not given (discounted: DEFAULT_DISCOUNT_RATE); 0 is a rate, no discounting."""
    risk: str = "none"
    """none, cvar or worst-case: a jobs plan robust over scenarios from uncertainty.csv."""
    beta: float = 0.9
    """CVaR: the tail is the worst 1 - beta share."""
    cvar_cap: float | None = None
    """CVaR: the most expected jobs shortfall in the tail (None: no cap)."""
    scenarios: int = 50
    """Scenarios for --risk."""
    seed: int = 0
    """Seed of the --risk and --decide-now scenarios, and of a sweep's samples."""
    decide_now: list[str] | str | None = None
    """Leading phases decided now (e.g. phase1), the later ones adapting per scenario: a
    two-stage plan (`runs/twostage.py`); None: a single-stage plan."""
    two_stage_method: str = "equivalent"
    """--decide-now: equivalent (one LP) or hedging (progressive hedging over the scenarios)."""
    workers: int = 1
    """--decide-now: processes for the scenario solves (1: this one; more: a Dask LocalCluster)."""
    scheduler: str | None = None
    """--decide-now: address of an existing Dask scheduler for the scenario solves (its workers,
    on any machine, instead of a LocalCluster); None: `workers` decides."""
    solver: dict[str, int | float] = Field(default_factory=dict)
    """HiGHS options (the model file's `solver:`), numbers as written (an int stays one)."""
    out: Path | None = None
    """Run folder to write (None: a new folder under `results`)."""
    force: bool = False
    """Replace `out` if allocator wrote it."""
    name: str | None = None
    """The run's label in its default folder name (the model file's name, else the dataset's)."""
    plots: bool = False
    """Also write PNG charts into the run folder."""
    write_model: bool = False
    """Also write model.lp and model.mps."""
    results: Path = Path("results")
    """Where default run folders are made."""

    def __init__(self, /, **data: Any) -> None:
        """`RunSpec(...)` built by hand: each value read as its keyword reads it (`fields_read`),
        and a field it does not have, or a value it cannot take, refused in one line naming it
        (`spec_refusal`), never pydantic's ValidationError of several lines.

        Raises:
            UsageError: naming the field, what is wrong and the fix.
        """
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise UsageError(spec_refusal(exc)) from None

    @model_validator(mode="before")
    @classmethod
    def _flat_scenario(cls, data: Any) -> Any:
        """`RunSpec(inputs=..., overrides=...)`: the scenario's fields may be given flat, and
        text as its keyword takes it (`fields_read`)."""
        data = fields_read(data, DEFAULT_DISCOUNT_RATE)
        if isinstance(data, dict) and any(k in data for k in SCENARIO_FIELDS):
            data = dict(data)
            flat = {k: data.pop(k) for k in SCENARIO_FIELDS if k in data}
            given = data.get("scenario")
            base = given.model_dump() if isinstance(given, Scenario) else dict(given or {})
            data["scenario"] = base | flat
        return data

    @field_validator("weights")
    @classmethod
    def _one_order(cls, weights: dict[str, int | float]) -> dict[str, int | float]:
        """Jobs, then exports, then any other: the weighted objective solves its parts in this
        order (warm passes), and run.json sorts keys, so a spec read back solves the same."""
        first = [k for k in WEIGHT_ORDER if k in weights]
        return {k: weights[k] for k in [*first, *sorted(set(weights) - set(first))]}

    @property
    def inputs(self) -> Path:
        """The scenario's dataset."""
        return self.scenario.inputs

    @property
    def model_file(self) -> Path | None:
        """The scenario's model file."""
        return self.scenario.model_file

    @property
    def overrides(self) -> tuple[Override, ...]:
        """The scenario's overrides and sets, in order."""
        return self.scenario.overrides

    def measured(self) -> Measure:
        """The objective's measure (`--measure`, `--discount-rate`), checked."""
        return measure_of(self.measure, self.discount_rate)

    def sources(self) -> list[tuple[str, Path | None]]:
        """The inputs a run reads, which its output folder must keep clear of."""
        return self.scenario.sources()

    def label(self) -> str:
        """The run's label in a default folder name: its name, else its dataset's."""
        return self.name or Path(os.path.abspath(self.inputs)).name  # `.`: the folder's name

    def differs(self) -> list[str]:
        """What this run does unlike the defaults, in a default folder's name: the measure,
        the targets, the risk, the decide-now phases and their method (e.g. `cumulative`,
        `targets_off`, `hedging`)."""
        words = [] if self.measure == "final" else [self.measure]
        words += [] if self.targets == "soft" else [f"targets_{self.targets}"]
        words += [] if self.risk == "none" else [self.risk]
        if self.decide_now:
            phases = (
                self.decide_now if isinstance(self.decide_now, str) else "_".join(self.decide_now)
            )
            words.append(f"decide_now_{phases.replace(',', '_')}")
            words += [] if self.two_stage_method == "equivalent" else [self.two_stage_method]
        return words

    def with_(self, **changes: Any) -> RunSpec:
        """A copy with `changes` (scenario fields may be given flat), laid as a keyword on a
        RunSpec is (`laid`: another measure drops the rate, another objective the weights; a
        discount rate given as text by the rule of `--discount-rate`), validated again."""
        return laid(fields_of(self, changes), changes, nones=True, read=self.scenario._read)

    def stored(self) -> dict[str, Any]:
        """The spec as run.json stores it (`spec`): plain JSON values."""
        return self.model_dump(mode="json", exclude_none=False)

    def study(self, **more: Any) -> dict[str, Any]:
        """The fields a sweep's Dask workers receive, as plain values (also what sweep.json and
        the sweep's fingerprint are made of)."""
        from allocator.runs.given import given_overrides, read_sent

        plain = {
            "inputs": str(self.inputs),
            "objective": self.objective,
            "targets": self.targets,
            "model_file": None if self.model_file is None else str(self.model_file),
            "measure": self.measure,
            "discount_rate": self.discount_rate,
            "solver": dict(self.solver),
            # all but the model file's own, which each worker reads from its text (`read_sent`)
            "sets": given_overrides(self.scenario),
        }
        return plain | read_sent(self.scenario) | more


described(Scenario)
described(RunSpec)


def measure_of(kind: str, rate: float | None) -> Measure:
    """The measure `kind` at `rate` (discounted: `DEFAULT_DISCOUNT_RATE` if None; a given 0 is
    kept: no discounting), checked: a given rate by the one reader of a rate (`rate_given`, in
    a Python caller's words), whoever built the spec."""
    if rate is None:
        rate = DEFAULT_DISCOUNT_RATE if kind == "discounted" else 0.0
    read = rate_given(rate)
    assert read is not None
    return Measure(kind, read + 0.0)  # + 0.0: -0.0 is 0


def layered(
    model: Path | str | None = None,
    sets: Sequence[Override] = (),
    **given: Any,
) -> RunSpec:
    """A run's options by THE precedence (`laid`): defaults < model file < command line.

    The defaults are `RunSpec`'s. A model file (`model`) gives its dataset, objective, weights,
    targets, measure, discount rate, solver options, overrides (its sets last) and its name.
    The command line (`given`: each option not None, read as its option reads it by
    `keywords_read`; scenario fields flat) goes on top, its `sets` (`--set`) after the model
    file's overrides, then an `overrides=` given (`given_sets`).
    """
    given, more = given_sets(keywords_read(given))
    sets = (*sets, *more)
    base: dict[str, Any] = {}
    model = model_path(model)
    read = None
    if model is not None:
        from allocator.data.modelfile import read_model_file  # a run without one does without

        read = read_model_file(model)  # the run's one read of it (`Scenario.model_read`)
        mf = read.model
        base = {
            "inputs": read.dataset,
            "objective": mf.objective,
            "weights": dict(mf.weights),
            "targets": mf.targets,
            "measure": mf.measure,
            "discount_rate": mf.discount_rate,
            "solver": mf.solver.highs(),
            "overrides": tuple(mf.overrides),
            "model_file": model,
            "name": mf.name or model.stem,
            "decide_now": mf.decide_now or None,
        }
    return laid(base, given, sets, read=read)


def laid(
    base: dict[str, Any],
    given: dict[str, Any],
    sets: Sequence[Override] = (),
    nones: bool = False,
    read: ModelRead | None = None,
) -> RunSpec:
    """THE precedence of a run's options, one rule for a model file and for a `RunSpec`: `given`
    (each option not None; with `nones`, a keyword on a `RunSpec`, each as given: None sets its
    field to None) on top of `base` (a model file's options, or a spec's fields), then `sets`
    after the overrides. A measure given other than the base's drops the base's discount
    rate (it belongs to the base's measure), and an objective other than weighted drops the
    base's weights (they are weighted's). The objective, targets, measure and rate are checked
    here, before any work. `read`: the model file's one read, which the spec holds if it names
    that file (`Scenario.kept`).
    """
    base = dict(base)
    told = dict(given) if nones else {k: v for k, v in given.items() if v is not None}
    if "measure" in told and told["measure"] != base.get("measure", "final"):
        base.pop("discount_rate", None)  # the base's rate is for the base's measure
    merged = base | told
    if merged.get("objective", "jobs") != "weighted" and "weights" not in told:
        merged.pop("weights", None)  # the base's weights are for the weighted objective
    from allocator.model.build import check_choices

    check_choices(merged.get("objective", "jobs"), merged.get("targets", "soft"))  # every command
    held = merged.get("overrides", ())
    if isinstance(held, list | tuple):  # another value (a keyword None) is the spec's to refuse
        merged["overrides"] = (*held, *sets)
    merged["discount_rate"] = measure_of(
        merged.get("measure", "final"), rate_given(merged.get("discount_rate"))
    ).rate  # checked now
    spec = validated(merged)
    spec.scenario.kept(read)
    return spec


def fields_of(spec: RunSpec, given: dict[str, Any]) -> dict[str, Any]:
    """A spec's fields as the base of `laid`: its scenario's flat, as a model file gives them
    (a whole `scenario` in `given` replaces it, so it is left whole)."""
    base = spec.stored()
    if "scenario" not in given:
        base |= base.pop("scenario")
    return base


def validated(data: dict[str, Any]) -> RunSpec:
    """`data` as a `RunSpec`; a field the spec does not have, or a value of the wrong kind (a
    Python caller's keyword), refused in one line as the command line refuses an option.

    Raises:
        UsageError: naming the field, what is wrong and the fix.
    """
    try:
        return RunSpec.model_validate(data)
    except ValidationError as exc:
        raise UsageError(spec_refusal(exc)) from None


def spec_from(spec: RunSpec | Path | str | None, options: dict[str, Any]) -> RunSpec:
    """The spec a Python caller means: a `RunSpec` or a model file (`layered`) with `options` on
    top by the one precedence (`laid`), or the defaults' with `options` on top; each keyword
    read as its option reads it (`keywords_read`), and `overrides=` applied after the model
    file's (or the spec's) own, as `--set` is (`given_sets`)."""
    if not isinstance(spec, RunSpec):
        return layered(None if spec is None else Path(spec), **options)
    options, sets = given_sets(keywords_read(options))
    if not options and not sets:
        return spec
    return laid(fields_of(spec, options), options, sets, True, spec.scenario._read)  # as with_
