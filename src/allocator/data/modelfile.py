"""Model files (`models/*.yaml`): which dataset, objective, targets, solver options, and overrides
applied to the data on load. YAML is read with the safe loader only; every field is validated, and
every override is checked against the dataset before anything is solved.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from allocator.data.applyoverrides import apply_overrides
from allocator.data.cellset import parse_set, set_texts
from allocator.data.checks import check_weights
from allocator.data.files import read_file
from allocator.data.inputs import BOOK_SUFFIXES, load_inputs
from allocator.data.names import is_plain_name, plain_name
from allocator.data.numbers import number_style

# The overrides live in `overrides.py`: a run spec holds them, and a run without a model file
# does without this reader. Their classes stay importable from here.
from allocator.data.overrides import (
    Number,
    Override,
    Positive,
    Share,
    Strict,
)
from allocator.data.schema import Inputs
from allocator.errors import InputError, UsageError, printable, quoted

# Limits, far above a real scenario (the shipped ones are under 2 KB with at most 4 overrides) and
# stated in the README: PyYAML and the override checks are pure Python, so size is time.
MAX_MODEL_FILE_BYTES = 2_000_000
MAX_OVERRIDES = 10_000

SET_FIX = "list the cells under set:, e.g. set: [pools.ecosystem/phase3.budget_musd=6700]"


class SolverOptions(Strict):
    """HiGHS options a planner may set."""

    model_config = ConfigDict(defer_build=True)  # built when a model file is read

    time_limit_s: Positive | None = Field(default=None, gt=0)
    primal_feasibility_tolerance: Positive | None = Field(default=None, gt=0, lt=1e-3)
    dual_feasibility_tolerance: Positive | None = Field(default=None, gt=0, lt=1e-3)

    def highs(self) -> dict[str, float]:
        """As HiGHS option names."""
        names = {"time_limit_s": "time_limit"}
        return {names.get(k, k): v for k, v in self.model_dump().items() if v is not None}


def _even_weights() -> dict[Literal["jobs", "exports"], float]:
    """The weighted objective's default weights: jobs and exports alike."""
    return {"jobs": 0.5, "exports": 0.5}


class ModelFile(Strict):
    """A scenario: dataset, objective, targets, solver options and overrides."""

    model_config = ConfigDict(defer_build=True)  # built when a model file is read

    name: str | None = None
    description: str = ""
    dataset: str
    objective: Literal["jobs", "exports", "weighted"] = "jobs"
    weights: dict[Literal["jobs", "exports"], Number] = Field(default_factory=_even_weights)
    targets: Literal["off", "soft", "hard"] = "soft"
    measure: Literal["final", "cumulative", "discounted"] = "final"
    discount_rate: Share | None = Field(default=None, ge=0, le=1)
    solver: SolverOptions = Field(default_factory=SolverOptions)
    overrides: list[Override] = Field(default_factory=list)
    set: list[str] = Field(default_factory=list)
    """Cells to change, each `TABLE.KEY.COLUMN=VALUE` as `--set` takes it; applied after the
    overrides, in order (`load_model_file` appends them to `overrides` as `set_cell`)."""
    decide_now: list[str] | str = Field(default_factory=list)
    """Leading phases decided now, the later ones adapting per scenario (a two-stage plan, as
    `allocator solve --decide-now`; scenarios from uncertainty.csv)."""

    @field_validator("set", mode="before")
    @classmethod
    def _set_texts(cls, entries: object) -> object:
        return set_texts(entries)

    @field_validator("name")
    @classmethod
    def _name(cls, name: str | None) -> str | None:
        if name is None or is_plain_name(name):
            return name
        raise PydanticCustomError(
            "name",
            "{name} is not a plain name: it names the run folder under results/. Fix: letters, "
            "digits, _ . - (first a letter or digit, last a letter or digit, up to 64 characters), "
            "such as {example}",
            {"name": quoted(name), "example": plain_name(name)},
        )

    @field_validator("weights")
    @classmethod
    def _weights(cls, weights: dict[str, float]) -> dict[str, float]:
        try:
            return check_weights(weights)
        except ValueError as exc:  # the rule of --weights, in its words
            raise PydanticCustomError("weights", "{reason}", {"reason": str(exc)}) from None


def project_root(path: Path) -> Path:
    """The project a model file belongs to: the parent of `models/`, else its own folder."""
    folder = path.resolve().parent
    return folder.parent if folder.name == "models" else folder


@dataclass(frozen=True)
class ModelRead:
    """One read of a model file: its text, the SHA-256 of its bytes and what they say (the file
    validated, its dataset folder). A run takes every use of its model file from one read, so
    what it solves and what run.json records (`model_file_sha256`) are the same bytes, however
    the file is saved meanwhile."""

    path: Path
    """The model file as it was given."""
    text: str
    """Its text, as a sweep's and the core index's workers parse it again (`model_of_text`)."""
    sha256: str
    """The SHA-256 of its bytes, as run.json records it."""
    model: ModelFile
    """The file validated, its `set:` entries appended to its overrides (`with_sets`)."""
    dataset: Path
    """Its dataset, resolved and checked to lie inside the project."""


def read_model_file(path: Path) -> ModelRead:
    """Read a model file once and validate it (`load_model_file`), keeping its text and digest.

    Raises:
        UsageError: the file cannot be read, is not a model file, or its dataset lies outside
            the project; one line naming the file and the fix.
    """
    data = _read(path)
    text = _decoded(path, data)
    model, dataset = model_of_text(path, text)
    return ModelRead(path, text, hashlib.sha256(data).hexdigest(), model, dataset)


def load_model_file(path: Path) -> tuple[ModelFile, Path]:
    """Read and validate a model file; returns it and its dataset folder (resolved, checked)."""
    read = read_model_file(path)
    return read.model, read.dataset


def model_file_of(path: Path, text: str | None = None) -> ModelFile:
    """The model file `path`: from its text as a run read it (`ModelRead.text`, which a study
    sends its workers), else read now (a caller that gives the path alone)."""
    return (load_model_file(path) if text is None else model_of_text(path, text))[0]


def model_of_text(path: Path, text: str) -> tuple[ModelFile, Path]:
    """The model file `path` whose text is `text` (read before, `ModelRead.text`), validated;
    and its dataset folder (resolved, checked)."""
    data = _parse(path, text)
    if not isinstance(data, dict):
        raise UsageError(
            f"{path}: a model file is a mapping of keys (dataset, objective, ...). "
            "Fix: see models/baseline.yaml"
        )
    lists = [x if isinstance(x := data.get(k), list) else [] for k in ("overrides", "set")]
    changes = sum(map(len, lists))
    if changes > MAX_OVERRIDES:
        raise UsageError(
            f"{path}: {changes:,} overrides{' and sets' if data.get('set') else ''}, more than "
            f"the limit of {MAX_OVERRIDES:,}. "
            "Fix: change the dataset's CSV tables instead (allocator init makes a copy)"
        )
    if any(isinstance(o, dict) and "set_cell" in o for o in lists[0]):
        raise UsageError(f"{path}: overrides: set_cell is not written by hand. Fix: {SET_FIX}")
    try:
        with number_style(_declared_style(path, data.get("dataset"))):  # its numbers' style
            model = ModelFile.model_validate(data)
    except ValidationError as exc:
        extra = [e for e in exc.errors() if e["type"] == "extra_forbidden"]
        if extra:  # a typo of a key is the likeliest cause of whatever else failed
            from allocator.data.yamlfile import unknown_key

            raise UsageError(unknown_key(path, extra[0]["loc"], ModelFile)) from None
        e = exc.errors()[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e["loc"])
        where = where.removeprefix(".") or "the file"  # overrides[0].set_coefficient
        ctx = e.get("ctx") or {}
        if {"reason", "fix"} <= ctx.keys():  # a number's own fix (overrides._number), as the fix
            raise UsageError(f"{path}: {where}: {ctx['reason']}. Fix: {ctx['fix']}") from None
        fix = "" if "Fix: " in e["msg"] else ". Fix: see models/baseline.yaml"
        raise UsageError(f"{path}: {where}: {e['msg']}{fix}") from None
    dataset = (path.resolve().parent / model.dataset).resolve()
    root = project_root(path)
    if not dataset.is_relative_to(root):
        raise UsageError(
            f"{path}: dataset '{model.dataset}' points outside the project ({root}). "
            f"Fix: {_inside_fix(path, dataset, root)}"
        )
    return with_sets(model, path), dataset


def _declared_style(path: Path, dataset: object) -> str | None:
    """The number style the model file's dataset declares (settings.csv, or a workbook's
    settings sheet), in which the file's numbers are read (`1,5` in a comma dataset is 1.5),
    as its `set:` entries and an override's cells are; None: undeclared, or not read here (the
    dataset is refused, naming the problem, when it is loaded)."""
    from allocator.data import inputs, workbook
    from allocator.data.xlsx import open_book
    from allocator.data.xlsxparts import BookError
    from allocator.errors import AllocatorError

    if not isinstance(dataset, str) or not dataset:
        return None
    found = path.resolve().parent / dataset
    try:
        if found.is_dir():
            return inputs._declared_style(found, {})[0]
        if found.suffix.lower() in BOOK_SUFFIXES and found.is_file():
            opened = open_book(workbook._read(found))
            return workbook._declared_style(found.name, opened)[0]
    except (AllocatorError, BookError, OSError, ValueError):
        return None
    return None


def _inside_fix(path: Path, dataset: Path, root: Path) -> str:
    """How to bring a model file and its dataset into one project: the model file moved into a
    `models/` folder whose parent holds the dataset, or the dataset copied into the project."""
    common = Path(os.path.commonpath([root, dataset]))
    copy = f"copy the dataset into {root} and name it from there"
    if common == Path(common.anchor):  # no folder holds both but the root of the disk
        return copy
    models = common / "models"
    relative = Path(os.path.relpath(dataset, models)).as_posix()
    return f"move the model file to {models / path.name} with dataset: {relative}, or {copy}"


def with_sets(model: ModelFile, path: Path) -> ModelFile:
    """The model file with its `set:` entries, checked against the schema, appended to its
    overrides: every reader of a model file's overrides (solve, sweep workers, frontier,
    alternatives, --check-against) applies them, after the overrides."""
    sets = [Override(set_cell=parse_set(t, f"{path}: set[{i}]")) for i, t in enumerate(model.set)]
    return model.model_copy(update={"overrides": [*model.overrides, *sets]}) if sets else model


def _read(path: Path) -> bytes:
    """The bytes of a model file: a regular file (a FIFO would block), at most the size limit."""
    try:
        data = read_file(path, MAX_MODEL_FILE_BYTES)
    except FileNotFoundError:
        raise UsageError(
            f"model file {path} not found. Fix: give the path of a .yaml file"
        ) from None
    except InputError as exc:
        fix = exc.fix
        if exc.reason.startswith("is "):  # a folder, a broken link, a device or a pipe
            fix = "give the path of a .yaml file"
        elif exc.reason.startswith("the file is"):  # past MAX_MODEL_FILE_BYTES
            fix = "keep large changes in the dataset's CSV tables (allocator init copies one)"
        raise UsageError(printable(f"{path}: {exc.reason}. Fix: {fix}")) from None
    return data


def _decoded(path: Path, data: bytes) -> str:
    """The text of a model file's bytes (UTF-8, a byte order mark dropped)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text. Fix: save it as UTF-8") from None


def _parse(path: Path, text: str) -> object:
    """The YAML of a model file, read with the safe loader only (a `!!python` tag is refused)."""
    import yaml  # PyYAML (15-20 ms) only when a model file is read

    from allocator.data.yamlfile import ModelFileLoader

    try:
        return yaml.load(text, Loader=ModelFileLoader)  # ModelFileLoader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        fix = getattr(
            exc, "fix", "plain YAML keys and values only; tags such as !!python are refused"
        )
        raise UsageError(
            printable(f"{path}{line}: not a valid model file ({problem}). Fix: {fix}")
        ) from None


def load_dataset(
    folder: Path | str, overrides: Sequence[Override] = (), source: str = ""
) -> Inputs:
    """The dataset in `folder`, with a model file's overrides applied in order.

    Args:
        folder: the dataset folder.
        overrides: the model file's overrides; none gives the dataset as read.
        source: the model file, named in the messages of an override that does not fit the data.
    """
    inp = load_inputs(folder)
    return apply_overrides(inp, list(overrides), source) if overrides else inp
